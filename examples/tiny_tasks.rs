//! 10,000 tasks of about 10 µs each, four ways: one after the other, a new
//! thread for each task, rayon's pool, and two threads that each take half
//! of the tasks. Starting a thread costs about as much as such a task, so
//! only the ways that start few threads gain.

use rayon::prelude::*;
use std::thread;
use std::time::Instant;

const TASKS: usize = 10_000;
/// Countdown steps per task: about 10 µs.
const STEPS: u64 = 40_000;

fn task() {
    tasks::countdown(STEPS);
}

fn seconds(work: impl FnOnce()) -> f64 {
    let start = Instant::now();
    work();
    start.elapsed().as_secs_f64()
}

fn main() {
    let in_a_row = seconds(|| (0..TASKS).for_each(|_| task()));
    let thread_each = seconds(|| {
        thread::scope(|s| {
            for _ in 0..TASKS {
                s.spawn(task);
            }
        })
    });
    let pool = seconds(|| (0..TASKS).into_par_iter().for_each(|_| task()));
    let halves = seconds(|| {
        thread::scope(|s| {
            for _ in 0..2 {
                s.spawn(|| (0..TASKS / 2).for_each(|_| task()));
            }
        })
    });
    println!("{TASKS} tasks of about 10 µs");
    for (way, secs) in [
        ("one after the other", in_a_row),
        ("a new thread for each", thread_each),
        ("rayon's pool", pool),
        ("two threads, half each", halves),
    ] {
        println!(
            "{way:<24} {:6.1} ms  speedup {:.2}x",
            secs * 1e3,
            in_a_row / secs
        );
    }
}
