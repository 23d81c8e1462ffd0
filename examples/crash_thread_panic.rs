//! A panic ends only the thread that panicked: `join` hands the panic to
//! whoever waits for that thread, and its siblings go on.

use std::thread;
use std::time::Duration;

fn main() {
    let crasher = thread::Builder::new()
        .name("crasher".to_string())
        .spawn(|| "forty-two".parse::<u32>().expect("not a number"))
        .expect("failed to spawn the crasher thread");

    let worker = thread::Builder::new()
        .name("worker".to_string())
        .spawn(|| {
            // Still working well after the crasher has died.
            thread::sleep(Duration::from_millis(200));
            (1..=100u32).sum::<u32>()
        })
        .expect("failed to spawn the worker thread");

    match crasher.join() {
        Ok(n) => println!("main: the crasher returned {n}"),
        Err(payload) => {
            // A panic's payload is a String (formatted message) or a &str (literal).
            let message = payload
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| payload.downcast_ref::<&str>().copied())
                .unwrap_or("(no message)");
            println!("main: the crasher panicked: {message}");
        }
    }

    let sum = worker.join().expect("the worker thread panicked");
    println!("main: the worker finished its job: 1 + 2 + ... + 100 = {sum}");
    println!("main: still running; exiting normally");
}
