//! One process, several threads: every thread reports the same process ID,
//! each has an ID of its own, and all of them see the same memory.

use std::process;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

/// One variable in the process's memory, visible to every thread in it.
static VISITS: AtomicUsize = AtomicUsize::new(0);

fn main() {
    println!(
        "main thread: process {}, {:?}",
        process::id(),
        thread::current().id()
    );

    let workers: Vec<_> = (0..3)
        .map(|_| {
            thread::spawn(|| {
                VISITS.fetch_add(1, Ordering::SeqCst);
                (process::id(), thread::current().id())
            })
        })
        .collect();

    for worker in workers {
        let (pid, id) = worker.join().expect("worker panicked");
        println!("worker:      process {pid}, {id:?}");
    }
    println!("visits seen by main: {}", VISITS.load(Ordering::SeqCst));
}
