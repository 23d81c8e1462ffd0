//! The lost-update program fixed with one atomic read-modify-write:
//! `fetch_add` loads, adds and stores as a single indivisible step.

use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::thread;

const THREADS: usize = 4;
const INCREMENTS: usize = 1_000_000;

static COUNT: AtomicUsize = AtomicUsize::new(0);

fn main() {
    let threads: Vec<_> = (0..THREADS)
        .map(|_| {
            thread::spawn(|| {
                for _ in 0..INCREMENTS {
                    COUNT.fetch_add(1, Relaxed);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("a thread panicked");
    }

    let expected = THREADS * INCREMENTS;
    let actual = COUNT.load(Relaxed);
    println!("expected: {expected}");
    println!("actual:   {actual}");
    println!("lost:     {} updates", expected - actual);
}
