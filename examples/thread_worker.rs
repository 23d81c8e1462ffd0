//! A worker thread, spawned and joined: it runs beside `main` in the same
//! process and writes into memory that `main` reads afterwards.

use std::process;
use std::sync::Mutex;
use std::thread;

/// One log for the whole process: both threads see the same static.
static LOG: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Each thread says who it is and which process it belongs to.
fn introduce() -> String {
    let me = thread::current();
    let name = me.name().unwrap_or("unnamed");
    format!(
        "{name}: I am thread {:?}, kernel thread {}, in process {}",
        me.id(),
        tasks::kernel_thread_id(),
        process::id()
    )
}

fn main() {
    println!("{}", introduce());

    let worker = thread::Builder::new()
        .name("worker".to_string())
        .spawn(|| {
            println!("{}", introduce());
            LOG.lock()
                .unwrap()
                .push("written by the worker".to_string());
        })
        .expect("failed to spawn the worker thread");

    // join waits for the worker to finish; after it, its writes are visible here.
    worker.join().expect("the worker thread panicked");
    println!(
        "main: the worker has finished; the log holds {:?}",
        LOG.lock().unwrap()
    );
}
