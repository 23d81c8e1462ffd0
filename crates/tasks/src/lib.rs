//! The tutorial's shared workloads, the Rust twin of its `tasks` module, and
//! the one probe several listings share ([`kernel_thread_id`]).
//!
//! Every CPU-bound program in the book counts down with [`countdown`], so a
//! "task" means the same amount of work in a thread, a forked process, a rayon
//! pool or a model-GIL thread, and their times can be compared.

use std::hint::black_box;
use std::thread;
use std::time::{Duration, Instant};

/// How far [`cpu_task`] counts: under a second of work on one core (about
/// 0.7 s on the 2-core machine that builds the book; the lab's `two_tasks`
/// records it).
pub const CPU_TASK_COUNT: u64 = 2_500_000_000;

/// Counts `n` down to zero one step at a time, like the tutorial's
/// `while count_to > 0: count_to -= 1`.
///
/// [`black_box`] hides the counter from the optimiser at every step, so the
/// loop cannot be folded into a constant or removed: its cost grows linearly
/// with `n` (the lab's `two_tasks` experiment measures the time per step at two
/// counts and reports both).
///
/// Never inlined: a copy inlined into each caller is compiled differently in
/// each (measured here: 0.28 to 0.7 ns per step), and the book compares callers.
/// Its loop is one `dec`/`jnz` pair deep, so its speed also depends on where the
/// loop lands in the binary; `.cargo/config.toml` aligns every loop for that.
#[inline(never)]
pub fn countdown(n: u64) {
    let mut n = black_box(n);
    while n > 0 {
        n = black_box(n - 1);
    }
}

/// One CPU-bound task: [`countdown`] from [`CPU_TASK_COUNT`]; returns how long it took.
pub fn cpu_task() -> Duration {
    let start = Instant::now();
    countdown(CPU_TASK_COUNT);
    start.elapsed()
}

/// One I/O-like task: the thread blocks (here in `sleep`, as it would on a
/// socket or a disk) and uses no CPU while it waits; returns how long it took.
pub fn io_task(wait: Duration) -> Duration {
    let start = Instant::now();
    thread::sleep(wait);
    start.elapsed()
}

/// The kernel's ID for the calling thread, the number `ps -L` (Linux) or a
/// debugger shows. std's `ThreadId` is a counter of std's own, not this.
/// Linux numbers threads from the same counter as processes (`gettid`).
#[cfg(target_os = "linux")]
pub fn kernel_thread_id() -> u64 {
    nix::unistd::gettid().as_raw() as u64
}

/// The kernel's ID for the calling thread (`pthread_threadid_np` on macOS).
#[cfg(not(target_os = "linux"))]
pub fn kernel_thread_id() -> u64 {
    let mut id = 0;
    // SAFETY: asks for the calling thread's ID (a null thread means "me").
    #[cfg(target_vendor = "apple")]
    unsafe {
        libc::pthread_threadid_np(0, &mut id);
    }
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_thread_has_its_own_kernel_id() {
        let main = kernel_thread_id();
        let other = thread::spawn(kernel_thread_id).join().unwrap();
        assert!(main != 0 && other != 0 && main != other);
    }

    #[test]
    fn io_task_waits_at_least_as_asked() {
        assert!(io_task(Duration::from_millis(5)) >= Duration::from_millis(5));
    }
}
