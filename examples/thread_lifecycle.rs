//! A thread's life in Rust, step by step: configured, spawned, running,
//! blocked, finished, joined; and a thread whose panic `join` hands back.
//!
//! Channels order the steps, so the output is the same on every run.

use std::sync::mpsc;
use std::thread;
use std::time::Duration;

fn main() {
    // New: a Builder holds the thread's settings; no OS thread exists yet.
    let builder = thread::Builder::new().name("worker".to_string());
    println!("new:        a Builder for \"worker\"; no thread exists yet");

    let (to_main, from_worker) = mpsc::channel();
    let (to_worker, from_main) = mpsc::channel::<()>();

    // Runnable, then running: spawn hands the closure to a new OS thread.
    let worker = builder
        .spawn(move || {
            to_main.send("the worker is running").unwrap();
            // Blocked: the thread sleeps in recv() until main sends.
            from_main.recv().unwrap();
            6 * 7
        })
        .expect("failed to spawn the worker thread");
    println!("spawned:    {}", from_worker.recv().unwrap());

    // The worker cannot finish before main sends, so this is always false.
    println!(
        "blocked:    the worker waits in recv() for main; is_finished() = {}",
        worker.is_finished()
    );
    to_worker.send(()).unwrap();

    // Terminated: the closure has returned; the handle still holds its result.
    while !worker.is_finished() {
        thread::sleep(Duration::from_millis(1));
    }
    println!("terminated: is_finished() = {}", worker.is_finished());

    // join consumes the handle and returns what the closure returned.
    println!("joined:     join() returned {:?}", worker.join());

    // A thread that panics also terminates; join returns Err with the payload.
    let crasher = thread::Builder::new()
        .name("crasher".to_string())
        .spawn(|| -> u32 { panic!("the crasher gave up") })
        .expect("failed to spawn the crasher thread");
    match crasher.join() {
        Ok(value) => println!("joined:     crasher returned {value}"),
        Err(payload) => {
            let message = payload.downcast_ref::<&str>().unwrap_or(&"(not a string)");
            println!("panicked:   join() returned Err with the payload {message:?}");
        }
    }
}
