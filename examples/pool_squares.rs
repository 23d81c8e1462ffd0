//! A pool of two rayon worker threads squares 1..=8; every item says which
//! worker squared it, and the results come back in input order.

use rayon::prelude::*;

fn main() {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .expect("failed to build the thread pool");

    let squares: Vec<u64> = pool.install(|| {
        (1..=8u64)
            .into_par_iter()
            .map(|x| {
                // Inside the pool, every thread has an index: 0 or 1 here.
                let worker = rayon::current_thread_index().expect("runs on a pool thread");
                println!("worker {worker} squares {x}");
                // A few milliseconds of work, so the idle worker has time to steal.
                tasks::countdown(10_000_000);
                x * x
            })
            .collect()
    });
    println!("{squares:?}");
}
