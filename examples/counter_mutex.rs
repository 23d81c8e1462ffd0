//! The lost-update program fixed with a lock, like the tutorial's
//! `with lock:`: while one thread holds the Mutex, no other can load or store.

use std::sync::Mutex;
use std::thread;

const THREADS: usize = 4;
const INCREMENTS: usize = 1_000_000;

static COUNT: Mutex<usize> = Mutex::new(0);

fn main() {
    let threads: Vec<_> = (0..THREADS)
        .map(|_| {
            thread::spawn(|| {
                for _ in 0..INCREMENTS {
                    // The guard unlocks when it goes out of scope, after the store.
                    *COUNT.lock().unwrap() += 1;
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("a thread panicked");
    }

    let expected = THREADS * INCREMENTS;
    let actual = *COUNT.lock().unwrap();
    println!("expected: {expected}");
    println!("actual:   {actual}");
    println!("lost:     {} updates", expected - actual);
}
