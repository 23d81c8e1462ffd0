//! `count += 1` split into its three steps, load, add, store, run by four
//! threads at once: increments that interleave overwrite each other.
//!
//! The counter is atomic, so every load and store is well defined (no
//! undefined behaviour); it is the gap between them that loses updates.

use std::sync::Barrier;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::thread;

const THREADS: usize = 4;
const INCREMENTS: usize = 1_000_000;

static COUNT: AtomicUsize = AtomicUsize::new(0);

/// Each thread's loop takes only milliseconds: start them together so they overlap.
static START: Barrier = Barrier::new(THREADS);

fn main() {
    let threads: Vec<_> = (0..THREADS)
        .map(|_| {
            thread::spawn(|| {
                START.wait();
                for _ in 0..INCREMENTS {
                    let value = COUNT.load(Relaxed); // load
                    // A pause between the steps, standing in for the work a
                    // real program does there: it widens the window for others.
                    std::hint::spin_loop();
                    let value = value + 1; // add
                    COUNT.store(value, Relaxed); // store
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
