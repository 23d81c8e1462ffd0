//! Four pool threads, four items: the tutorial's second pool, with rayon.

use rayon::prelude::*;

fn main() {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(4)
        .build()
        .expect("failed to build the thread pool");
    let squares: Vec<u64> = pool.install(|| [1u64, 2, 3, 4].par_iter().map(|x| x * x).collect());
    println!("{squares:?}");
}
