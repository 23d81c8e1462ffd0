//! The GIL model's `attach` and `detach` (crates/gil), the words PyO3 uses:
//! two threads count down the same amount, first each attached to the GIL
//! for the whole count, as the extension's `count_holding` is, then each
//! detached around it, as `count_releasing` is with `Python::detach`.

use gil::Gil;
use std::thread;
use std::time::Instant;

/// Countdown steps per thread: about 0.1 s.
const COUNT: u64 = tasks::CPU_TASK_COUNT / 7;

/// Runs `threads` threads that count down [`COUNT`] each, attached, and
/// with `detach` released around the count; returns the seconds it took and
/// how often the GIL changed hands.
fn count(threads: usize, detach: bool) -> (f64, u64) {
    let gil = Gil::new();
    let start = Instant::now();
    thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                gil.attach(|py| {
                    if detach {
                        // No `py` in here: the closure runs without the GIL.
                        py.detach(|| tasks::countdown(COUNT));
                    } else {
                        // Holds it, and gives it up only when a waiter asks.
                        gil::countdown(py, COUNT);
                    }
                })
            });
        }
    });
    (start.elapsed().as_secs_f64(), gil.switch_count())
}

fn main() {
    for (name, detach) in [("attached", false), ("detached", true)] {
        let (one, _) = count(1, detach);
        let (two, switches) = count(2, detach);
        println!(
            "{name}: 1 thread {one:.2} s, 2 threads {two:.2} s, speedup {:.2}x; \
             the GIL changed hands {switches} times",
            2.0 * one / two
        );
    }
}
