//! Four countdowns: one after another in one thread, in four Rust threads,
//! and in four threads that must share one GIL (a model of CPython's).

use gil::Gil;
use std::thread;
use std::time::Instant;

const THREADS: usize = 4;
const COUNT: u64 = tasks::CPU_TASK_COUNT / 5;

fn seconds(work: impl FnOnce()) -> f64 {
    let start = Instant::now();
    work();
    start.elapsed().as_secs_f64()
}

fn main() {
    let cores = thread::available_parallelism().map_or(1, |n| n.get());
    println!("This machine has {cores} cores.");

    // Like a single-threaded Python program: one thread holds the GIL throughout.
    let gil = Gil::new();
    let one_thread = seconds(|| {
        gil.attach(|py| {
            for _ in 0..THREADS {
                gil::countdown(py, COUNT);
            }
        })
    });
    println!("1 thread, {THREADS} countdowns:           {one_thread:.2} s");

    let native = seconds(|| {
        thread::scope(|s| {
            for _ in 0..THREADS {
                s.spawn(|| tasks::countdown(COUNT));
            }
        })
    });
    println!("{THREADS} Rust threads, no GIL:           {native:.2} s");

    let gil = Gil::new();
    let shared = seconds(|| {
        thread::scope(|s| {
            for _ in 0..THREADS {
                s.spawn(|| gil.attach(|py| gil::countdown(py, COUNT)));
            }
        })
    });
    println!("{THREADS} threads sharing one GIL:        {shared:.2} s");
    println!("The GIL changed hands {} times.", gil.switch_count());
}
