//! Threads share one address space: the value one thread writes is the value
//! its sibling reads. Nothing is copied; only a "done" signal crosses.

use std::sync::Mutex;
use std::sync::mpsc;
use std::thread;

fn main() {
    // One balance, on main's stack; the scoped threads borrow it.
    let balance = Mutex::new(100);
    let shared = &balance;
    let (written, wait_for_write) = mpsc::channel();

    thread::scope(|s| {
        s.spawn(move || {
            *shared.lock().unwrap() = 150;
            println!("writer thread: set the balance to 150");
            written.send(()).expect("the reader thread hung up");
        });
        s.spawn(move || {
            // The channel only says "done"; the number comes from shared memory.
            wait_for_write.recv().expect("the writer thread hung up");
            println!("reader thread: the balance is {}", shared.lock().unwrap());
        });
    });

    println!("main: the balance is {}", balance.lock().unwrap());
}
