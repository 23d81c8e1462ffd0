//! Three equal tasks, each one indivisible countdown, on a machine with
//! fewer cores than tasks: three threads, then a rayon pool of
//! min(tasks, cores) threads, as the lab's scaling experiment builds it.

use rayon::prelude::*;
use std::thread;
use std::time::{Duration, Instant};

const TASKS: usize = 3;
/// About 70 ms of counting on the book's machine.
const COUNT: u64 = tasks::CPU_TASK_COUNT / 10;

fn main() {
    let cores = thread::available_parallelism().map_or(1, |n| n.get());
    let start = Instant::now();
    tasks::countdown(COUNT);
    let one = start.elapsed();
    println!("{cores} cores; one task alone: {}", ms(one));

    // Three threads: the kernel shares the cores among them, a slice of
    // time each, so all three progress at once.
    let start = Instant::now();
    thread::scope(|s| {
        for _ in 0..TASKS {
            s.spawn(|| tasks::countdown(COUNT));
        }
    });
    report("3 threads", one, start.elapsed());

    // A pool of fewer threads than tasks: a pool thread runs a task to its
    // end before it takes the next, so a task that finds no free thread waits.
    let threads = TASKS.min(cores);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("failed to build the thread pool");
    let start = Instant::now();
    let spans: Vec<(usize, Duration, Duration)> = pool.install(|| {
        (0..TASKS)
            .into_par_iter()
            .map(|_| {
                let began = start.elapsed();
                tasks::countdown(COUNT);
                let worker = rayon::current_thread_index().expect("runs in the pool");
                (worker, began, start.elapsed())
            })
            .collect()
    });
    let wall = start.elapsed();
    for (task, (worker, began, ended)) in spans.iter().enumerate() {
        println!(
            "  task {task}: pool thread {worker}, from {} to {}",
            ms(*began),
            ms(*ended)
        );
    }
    report(&format!("rayon, {threads} pool threads"), one, wall);
}

/// Prints the speedup over running the tasks one after the other.
fn report(way: &str, one: Duration, wall: Duration) {
    let speedup = TASKS as f64 * one.as_secs_f64() / wall.as_secs_f64();
    println!(
        "{way}: {} for {TASKS} tasks, speedup {speedup:.2}x",
        ms(wall)
    );
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1e3)
}
