//! The convoy effect: a thread that sleeps for 100 µs at a time, alone and
//! next to a CPU-bound thread, both under one GIL (a model of CPython's).

use gil::Gil;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

const SLEEPS: u32 = 20;
const NAP: Duration = Duration::from_micros(100);

/// Sleeps `SLEEPS` times without the GIL, taking it back after each sleep,
/// as a Python thread does around `time.sleep` or a socket read.
fn io_thread(gil: &Gil) -> Duration {
    gil.attach(|py| {
        let start = Instant::now();
        for _ in 0..SLEEPS {
            py.detach(|| thread::sleep(NAP));
        }
        start.elapsed()
    })
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() {
    let gil = Gil::new();
    let alone = io_thread(&gil);
    println!(
        "{SLEEPS} sleeps of 100 µs, alone:               {:6.1} ms",
        ms(alone)
    );

    let stop = AtomicBool::new(false);
    let crowded = thread::scope(|s| {
        s.spawn(|| {
            gil.attach(|py| {
                while !stop.load(Ordering::Relaxed) {
                    gil::countdown(py, 1_000_000);
                }
            })
        });
        let took = io_thread(&gil);
        stop.store(true, Ordering::Relaxed);
        took
    });
    println!(
        "{SLEEPS} sleeps of 100 µs, beside a CPU thread: {:6.1} ms",
        ms(crowded)
    );
    println!(
        "Each sleep waited about {:.1} ms more for the GIL (switch interval {} ms).",
        ms(crowded.saturating_sub(alone) / SLEEPS),
        ms(gil.switch_interval())
    );
}
