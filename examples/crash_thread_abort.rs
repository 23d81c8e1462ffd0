//! `abort` is not a panic: it ends the whole process at once, whichever
//! thread calls it, and every other thread dies with it.

use nix::sys::resource::{Resource, setrlimit};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

fn main() {
    // Aborting writes a core file where the system allows one; this demo
    // needs none, so it sets its core-size limit to 0 before anything aborts.
    setrlimit(Resource::RLIMIT_CORE, 0, 0).expect("setrlimit(RLIMIT_CORE) failed");

    let (started, wait_for_start) = mpsc::channel();
    let worker = thread::spawn(move || {
        println!("worker: started, working for 1 s");
        started.send(()).expect("the aborter hung up");
        thread::sleep(Duration::from_secs(1));
        println!("worker: finished");
    });
    let aborter = thread::spawn(move || {
        wait_for_start.recv().expect("the worker hung up");
        println!("aborter: calling std::process::abort()");
        std::process::abort();
    });

    worker.join().expect("the worker thread panicked");
    aborter.join().expect("the aborter thread panicked");
    println!("main: both threads joined");
}
