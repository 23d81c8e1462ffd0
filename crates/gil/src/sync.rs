//! The crate's synchronisation primitives: std's, or loom's when built with
//! `RUSTFLAGS="--cfg loom"`, so the loom tests check the very code that runs.

use std::time::Duration;

#[cfg(loom)]
pub(crate) use loom::sync::{
    Arc, Condvar, Mutex, MutexGuard,
    atomic::{AtomicBool, AtomicU64, Ordering},
};
#[cfg(not(loom))]
pub(crate) use std::sync::{
    Arc, Condvar, Mutex, MutexGuard,
    atomic::{AtomicBool, AtomicU64, Ordering},
};

/// Locks `mutex`. The model never panics while holding one of its own
/// mutexes, so a poisoned one still holds consistent state.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Waits on `cond` (associated with `mutex`, whose `guard` the caller holds)
/// for at most `timeout`; returns the guard and whether the wait timed out.
/// CPython's `COND_TIMED_WAIT`.
#[cfg(not(loom))]
pub(crate) fn wait_timeout<'a, T>(
    cond: &Condvar,
    _mutex: &'a Mutex<T>,
    guard: MutexGuard<'a, T>,
    timeout: Duration,
) -> (MutexGuard<'a, T>, bool) {
    let (guard, result) = cond
        .wait_timeout(guard, timeout)
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    (guard, result.timed_out())
}

/// Under loom: loom 0.7's `Condvar::wait_timeout` never times out (it waits
/// for a notification, and loom has no clock). A real timed wait may end at
/// any moment, so the model lets the timer fire at once: release the mutex,
/// let other threads run, retake it and report a timeout. Loom then explores
/// the timeout at every point of the other threads' work. (The "notified
/// before the timeout" branch of the real wait only loops again, so this
/// branch covers strictly more behaviour: every timeout may raise a drop
/// request.)
#[cfg(loom)]
pub(crate) fn wait_timeout<'a, T>(
    _cond: &Condvar,
    mutex: &'a Mutex<T>,
    guard: MutexGuard<'a, T>,
    _timeout: Duration,
) -> (MutexGuard<'a, T>, bool) {
    drop(guard);
    loom::thread::yield_now();
    (lock(mutex), true)
}
