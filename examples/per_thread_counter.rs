//! The shared-counter program with a thread-local counter: every thread
//! counts only its own increment, so each prints 1.

use std::cell::Cell;
use std::sync::Barrier;
use std::thread;
use std::time::Duration;

thread_local! {
    /// Every thread starts its own COUNT at 0.
    static COUNT: Cell<usize> = const { Cell::new(0) };
}

/// As in the shared version: all three add before any of them reads.
static ALL_COUNTED: Barrier = Barrier::new(3);

fn try_count(pause: Duration, name: &str) {
    COUNT.set(COUNT.get() + 1);
    ALL_COUNTED.wait();
    thread::sleep(pause);
    println!("In thread {name}: count = {}", COUNT.get());
}

fn main() {
    let threads = [("T1", 100), ("T2", 200), ("T3", 100)]
        .map(|(name, ms)| thread::spawn(move || try_count(Duration::from_millis(ms), name)));
    for t in threads {
        t.join().expect("a thread panicked");
    }
    println!("In main: count = {}", COUNT.get());
}
