//! Three threads bump one global counter, sleep, then print it: a `static`
//! is shared by every thread of the process, so all three see 3.

use std::sync::Barrier;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

static COUNT: AtomicUsize = AtomicUsize::new(0);

/// No thread reads the count before all three have added to it.
static ALL_COUNTED: Barrier = Barrier::new(3);

fn try_count(pause: Duration, name: &str) {
    COUNT.fetch_add(1, Ordering::SeqCst);
    ALL_COUNTED.wait();
    thread::sleep(pause);
    println!("In thread {name}: count = {}", COUNT.load(Ordering::SeqCst));
}

fn main() {
    let threads = [("T1", 100), ("T2", 200), ("T3", 100)]
        .map(|(name, ms)| thread::spawn(move || try_count(Duration::from_millis(ms), name)));
    for t in threads {
        t.join().expect("a thread panicked");
    }
}
