//! The shared counter without a global: the threads share one
//! `Mutex<usize>` through `Arc`, a reference-counted pointer to it.

use std::sync::{Arc, Barrier, Mutex};
use std::thread;
use std::time::Duration;

fn main() {
    let count = Arc::new(Mutex::new(0usize));
    // No thread reads the count before all three have added to it.
    let all_counted = Arc::new(Barrier::new(3));

    let threads = [("T1", 100), ("T2", 200), ("T3", 100)].map(|(name, ms)| {
        let count = Arc::clone(&count);
        let all_counted = Arc::clone(&all_counted);
        thread::spawn(move || {
            *count.lock().unwrap() += 1;
            all_counted.wait();
            thread::sleep(Duration::from_millis(ms));
            println!("In thread {name}: count = {}", count.lock().unwrap());
        })
    });
    for t in threads {
        t.join().expect("a thread panicked");
    }
}
