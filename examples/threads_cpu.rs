//! Two CPU-bound tasks in two threads of one process.
//!
//! In CPython these would take turns under the GIL. A Rust thread is an OS
//! thread with nothing to take turns for, so on two free cores both tasks run
//! at once and the total is close to the time of one.

use std::thread;
use std::time::Instant;

fn main() {
    let start = Instant::now();

    let first = thread::spawn(tasks::cpu_task);
    let second = thread::spawn(tasks::cpu_task);

    for task in [first, second] {
        let took = task.join().expect("a task thread panicked");
        println!("Thread finished in {:.2} s", took.as_secs_f64());
    }
    println!("Total time: {:.2} s", start.elapsed().as_secs_f64());
}
