//! A Rust process ends when `main` returns, and its other threads end with it.
//! Python waits for every non-daemon thread before it exits; Rust does not.

use std::thread;
use std::time::Duration;

fn main() {
    // Never joined: nothing makes main wait for this thread.
    thread::spawn(|| {
        thread::sleep(Duration::from_millis(100));
        println!("worker: finished"); // never printed: the process is gone by then
    });
    println!("main: returning without joining the worker");
}
