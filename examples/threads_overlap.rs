//! Four CPU-bound threads started together: when did each run, and for how
//! long did all four run at once?

use std::thread;
use std::time::{Duration, Instant};

/// Long enough that the threads clearly overlap.
const COUNT: u64 = 1_500_000_000;
const THREADS: usize = 4;

/// The CPU time this thread has used so far (not wall time: a thread waiting
/// for a core does not accumulate it).
fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec for the call to fill.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// When a thread started and ended, measured from the common start, and the
/// CPU time it used in between.
struct Span {
    start: Duration,
    end: Duration,
    cpu: Duration,
}

fn main() {
    let t0 = Instant::now();
    let handles: Vec<_> = (0..THREADS)
        .map(|_| {
            thread::spawn(move || {
                let start = t0.elapsed();
                tasks::countdown(COUNT);
                Span {
                    start,
                    end: t0.elapsed(),
                    cpu: thread_cpu_time(),
                }
            })
        })
        .collect();
    let spans: Vec<Span> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let total = t0.elapsed();

    for (i, s) in spans.iter().enumerate() {
        println!(
            "thread {i}: start {:.3} s  end {:.3} s  wall {:.3} s  cpu {:.3} s",
            s.start.as_secs_f64(),
            s.end.as_secs_f64(),
            (s.end - s.start).as_secs_f64(),
            s.cpu.as_secs_f64()
        );
    }

    // All four were in progress from the last start to the first end.
    let last_start = spans.iter().map(|s| s.start).max().unwrap();
    let first_end = spans.iter().map(|s| s.end).min().unwrap();
    let overlap = first_end.saturating_sub(last_start);
    println!(
        "all {THREADS} threads were in progress at the same time for {:.3} s (from {:.3} s to {:.3} s)",
        overlap.as_secs_f64(),
        last_start.as_secs_f64(),
        first_end.as_secs_f64()
    );

    let cpu: Duration = spans.iter().map(|s| s.cpu).sum();
    let cores = thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "{:.3} s of CPU time in {:.3} s of wall time on {cores} cores: {:.2} cores busy on average",
        cpu.as_secs_f64(),
        total.as_secs_f64(),
        cpu.as_secs_f64() / total.as_secs_f64()
    );
}
