//! Two CPU-bound tasks in two threads that share one GIL — a model of
//! CPython's — so only one of them can count at a time.

use std::thread;
use std::time::Instant;

fn main() {
    let gil = gil::Gil::new();
    let start = Instant::now();
    thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                let task_start = Instant::now();
                // The countdown holds the GIL and lets go only when the other
                // thread has waited a whole switch interval (5 ms) for it.
                gil.attach(|py| gil::countdown(py, tasks::CPU_TASK_COUNT));
                let secs = task_start.elapsed().as_secs_f64();
                println!("Task finished in {secs:.2} s");
            });
        }
    });
    println!("Total time: {:.2} s", start.elapsed().as_secs_f64());
    println!("The GIL changed hands {} times", gil.switch_count());
}
