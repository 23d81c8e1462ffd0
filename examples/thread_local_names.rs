//! `thread_local!`: one static name, but every thread has its own slot.

use std::cell::RefCell;
use std::sync::Barrier;
use std::thread;

thread_local! {
    /// Each thread that touches NAME gets a fresh String, starting empty.
    static NAME: RefCell<String> = const { RefCell::new(String::new()) };
}

/// All three threads write before any of them reads.
static ALL_WRITTEN: Barrier = Barrier::new(3);

fn main() {
    let workers: Vec<_> = (1..=3)
        .map(|i| {
            thread::Builder::new()
                .name(format!("Thread-{i}"))
                .spawn(|| {
                    let me = thread::current().name().unwrap().to_string();
                    NAME.with_borrow_mut(|name| *name = me);
                    ALL_WRITTEN.wait();
                    // The other two have written NAME by now; we still read ours.
                    NAME.with_borrow(|name| println!("{name}"));
                })
                .expect("failed to spawn a thread")
        })
        .collect();
    for worker in workers {
        worker.join().expect("a thread panicked");
    }
    NAME.with_borrow(|name| println!("main's own slot is still empty: {name:?}"));
}
