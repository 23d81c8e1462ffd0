//! One process, several threads: every thread reports the same process ID,
//! each has IDs of its own, and all of them see the same memory.

use std::process;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

/// One variable in the process's memory, visible to every thread in it.
static VISITS: AtomicUsize = AtomicUsize::new(0);

/// Who the calling thread is: its process, std's `ThreadId`, the kernel's ID.
fn who() -> String {
    format!(
        "process {}, {:?}, kernel thread {}",
        process::id(),
        thread::current().id(),
        tasks::kernel_thread_id()
    )
}

fn main() {
    println!("main thread: {}", who());

    let workers: Vec<_> = (0..3)
        .map(|_| {
            thread::spawn(|| {
                VISITS.fetch_add(1, Ordering::SeqCst);
                who()
            })
        })
        .collect();

    for worker in workers {
        println!("worker:      {}", worker.join().expect("worker panicked"));
    }
    println!("visits seen by main: {}", VISITS.load(Ordering::SeqCst));
}
