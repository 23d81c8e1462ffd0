//! The crate's synchronisation primitives: the platform's pthread mutex and
//! condition variable, as CPython uses them (`PyMUTEX_T`, `PyCOND_T`), or
//! loom's when built with `RUSTFLAGS="--cfg loom"`, so the loom tests check
//! the very code that runs.
//!
//! Why pthreads and not `std::sync`: when several threads wait for the GIL,
//! the condition variable's policy decides which of them a signal wakes, and
//! so who gets the GIL. std's `Condvar` on Linux is a bare futex, whose
//! `notify_one` wakes the longest sleeper; glibc's `pthread_cond_t` serves
//! the older of two groups of waiters first, and lets a waiter that is still
//! running (one that just timed out and waits again) take a signal before a
//! sleeping one wakes. On std's condvar the model's convoy (the lab's
//! `convoy` experiment) was shorter than CPython's.

use std::time::Duration;

#[cfg(loom)]
pub(crate) use loom::sync::{
    Arc, Condvar, Mutex, MutexGuard,
    atomic::{AtomicBool, AtomicU64, Ordering},
};
#[cfg(not(loom))]
pub(crate) use pthread::{Condvar, Mutex, MutexGuard};
#[cfg(not(loom))]
pub(crate) use std::sync::{
    Arc,
    atomic::{AtomicBool, AtomicU64, Ordering},
};

/// Locks `mutex`.
#[cfg(not(loom))]
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock()
}

/// Locks `mutex`. The model never panics while holding one of its own
/// mutexes, so a poisoned one still holds consistent state.
#[cfg(loom)]
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Waits on `cond` until signalled (CPython's `COND_WAIT`).
#[cfg(not(loom))]
pub(crate) fn wait<'a, T>(cond: &Condvar, guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
    cond.wait(guard)
}

/// Waits on `cond` until signalled (CPython's `COND_WAIT`).
#[cfg(loom)]
pub(crate) fn wait<'a, T>(cond: &Condvar, guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
    cond.wait(guard)
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
    cond.wait_timeout(guard, timeout)
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

/// A mutex and a condition variable on `pthread_mutex_t` and `pthread_cond_t`,
/// set up as CPython sets up its own (`Python/condvar.h`,
/// `Python/thread_pthread.h`): a default mutex, and a condition variable
/// whose timed waits run on the monotonic clock where the platform allows.
#[cfg(not(loom))]
mod pthread {
    use std::cell::UnsafeCell;
    use std::marker::PhantomData;
    use std::ops::{Deref, DerefMut};
    use std::time::Duration;

    /// Panics with the name of a pthread call that failed. CPython calls
    /// `Py_FatalError` here: with valid objects these calls cannot fail.
    fn check(call: &str, code: libc::c_int) {
        assert_eq!(code, 0, "{call} failed: error {code}");
    }

    /// A `pthread_mutex_t` guarding a `T`. The pthread object lives in a box
    /// because it must not move once initialised.
    pub(crate) struct Mutex<T> {
        raw: Box<UnsafeCell<libc::pthread_mutex_t>>,
        data: UnsafeCell<T>,
    }

    // SAFETY: the mutex serialises every access to `data` (only a guard
    // reaches it), so sharing a `Mutex<T>` is safe when `T` may move threads.
    unsafe impl<T: Send> Send for Mutex<T> {}
    unsafe impl<T: Send> Sync for Mutex<T> {}

    impl<T> Mutex<T> {
        pub(crate) fn new(data: T) -> Mutex<T> {
            Mutex {
                raw: Box::new(UnsafeCell::new(libc::PTHREAD_MUTEX_INITIALIZER)),
                data: UnsafeCell::new(data),
            }
        }

        pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
            // SAFETY: `raw` is an initialised mutex that never moves.
            check("pthread_mutex_lock", unsafe {
                libc::pthread_mutex_lock(self.raw.get())
            });
            MutexGuard {
                mutex: self,
                _not_send: PhantomData,
            }
        }
    }

    impl<T> Drop for Mutex<T> {
        fn drop(&mut self) {
            // SAFETY: no guard outlives the mutex, so it is unlocked.
            unsafe { libc::pthread_mutex_destroy(self.raw.get()) };
        }
    }

    /// Proof of holding a [`Mutex`]; unlocks it when dropped. Not `Send`: a
    /// pthread mutex must be unlocked by the thread that locked it.
    pub(crate) struct MutexGuard<'a, T> {
        mutex: &'a Mutex<T>,
        _not_send: PhantomData<*const ()>,
    }

    impl<T> Deref for MutexGuard<'_, T> {
        type Target = T;
        fn deref(&self) -> &T {
            // SAFETY: the guard holds the mutex.
            unsafe { &*self.mutex.data.get() }
        }
    }

    impl<T> DerefMut for MutexGuard<'_, T> {
        fn deref_mut(&mut self) -> &mut T {
            // SAFETY: the guard holds the mutex, and `&mut self` is unique.
            unsafe { &mut *self.mutex.data.get() }
        }
    }

    impl<T> Drop for MutexGuard<'_, T> {
        fn drop(&mut self) {
            // SAFETY: this thread locked the mutex.
            check("pthread_mutex_unlock", unsafe {
                libc::pthread_mutex_unlock(self.mutex.raw.get())
            });
        }
    }

    /// A `pthread_cond_t`.
    pub(crate) struct Condvar {
        raw: Box<UnsafeCell<libc::pthread_cond_t>>,
    }

    // SAFETY: pthread condition variables are made to be shared by threads.
    unsafe impl Send for Condvar {}
    unsafe impl Sync for Condvar {}

    /// The clock timed waits measure their deadline on: monotonic where
    /// `pthread_condattr_setclock` exists (CPython's `CONDATTR_MONOTONIC`).
    #[cfg(not(target_vendor = "apple"))]
    const CLOCK: libc::clockid_t = libc::CLOCK_MONOTONIC;
    #[cfg(target_vendor = "apple")]
    const CLOCK: libc::clockid_t = libc::CLOCK_REALTIME;

    impl Condvar {
        pub(crate) fn new() -> Condvar {
            let cond = Condvar {
                raw: Box::new(UnsafeCell::new(libc::PTHREAD_COND_INITIALIZER)),
            };
            #[cfg(not(target_vendor = "apple"))]
            // SAFETY: the attribute object is initialised before use and
            // destroyed after; the condvar is not yet shared.
            unsafe {
                let mut attr = std::mem::MaybeUninit::<libc::pthread_condattr_t>::uninit();
                check(
                    "pthread_condattr_init",
                    libc::pthread_condattr_init(attr.as_mut_ptr()),
                );
                check(
                    "pthread_condattr_setclock",
                    libc::pthread_condattr_setclock(attr.as_mut_ptr(), CLOCK),
                );
                check(
                    "pthread_cond_init",
                    libc::pthread_cond_init(cond.raw.get(), attr.as_ptr()),
                );
                libc::pthread_condattr_destroy(attr.as_mut_ptr());
            }
            cond
        }

        /// Wakes one waiter, if any (`pthread_cond_signal`): which one is the
        /// C library's choice.
        pub(crate) fn notify_one(&self) {
            // SAFETY: `raw` is an initialised condvar that never moves.
            check("pthread_cond_signal", unsafe {
                libc::pthread_cond_signal(self.raw.get())
            });
        }

        pub(crate) fn wait<'a, T>(&self, guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
            // SAFETY: the guard proves this thread holds the mutex, which
            // the wait releases and retakes before it returns.
            check("pthread_cond_wait", unsafe {
                libc::pthread_cond_wait(self.raw.get(), guard.mutex.raw.get())
            });
            guard
        }

        /// Waits until signalled or until `timeout` has passed; returns the
        /// guard and whether it timed out. The deadline is absolute, taken
        /// from [`CLOCK`] now, as CPython's `_PyThread_cond_after` takes it.
        pub(crate) fn wait_timeout<'a, T>(
            &self,
            guard: MutexGuard<'a, T>,
            timeout: Duration,
        ) -> (MutexGuard<'a, T>, bool) {
            let deadline = deadline_after(timeout);
            // SAFETY: as in `wait`.
            let code = unsafe {
                libc::pthread_cond_timedwait(self.raw.get(), guard.mutex.raw.get(), &deadline)
            };
            if code != libc::ETIMEDOUT {
                check("pthread_cond_timedwait", code);
            }
            (guard, code == libc::ETIMEDOUT)
        }
    }

    impl Drop for Condvar {
        fn drop(&mut self) {
            // SAFETY: nothing waits on a condvar that is being dropped.
            unsafe { libc::pthread_cond_destroy(self.raw.get()) };
        }
    }

    /// [`CLOCK`]'s time `timeout` from now, saturating far in the future.
    // `time_t` and `c_long` are `i64` on 64-bit Linux, narrower elsewhere.
    #[allow(clippy::useless_conversion)]
    fn deadline_after(timeout: Duration) -> libc::timespec {
        let mut now = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `now` is a valid timespec to write to.
        check("clock_gettime", unsafe {
            libc::clock_gettime(CLOCK, &mut now)
        });
        let nanos = i64::from(now.tv_nsec) + i64::from(timeout.subsec_nanos());
        let secs = i64::try_from(timeout.as_secs())
            .unwrap_or(i64::MAX)
            .saturating_add(now.tv_sec.into())
            .saturating_add(nanos / 1_000_000_000);
        libc::timespec {
            tv_sec: secs.try_into().unwrap_or(libc::time_t::MAX),
            tv_nsec: (nanos % 1_000_000_000) as _,
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use std::sync::Arc;
        use std::thread;
        use std::time::Instant;

        #[test]
        fn a_timed_wait_times_out_and_a_signal_wakes_a_waiter() {
            let pair = Arc::new((Mutex::new(false), Condvar::new()));
            let (mutex, cond) = &*pair;
            let start = Instant::now();
            let (guard, timed_out) = cond.wait_timeout(mutex.lock(), Duration::from_millis(2));
            assert!(timed_out && !*guard);
            assert!(start.elapsed() >= Duration::from_millis(2));
            drop(guard);

            let waiter = {
                let pair = pair.clone();
                thread::spawn(move || {
                    let (mutex, cond) = &*pair;
                    let mut guard = mutex.lock();
                    while !*guard {
                        guard = cond.wait(guard);
                    }
                })
            };
            *mutex.lock() = true;
            cond.notify_one();
            waiter.join().unwrap();
        }

        #[test]
        #[allow(clippy::useless_conversion)]
        fn deadlines_carry_nanoseconds_into_seconds() {
            let deadline = deadline_after(Duration::new(1, 999_999_999));
            assert!((0..1_000_000_000).contains(&i64::from(deadline.tv_nsec)));
            let far = deadline_after(Duration::MAX);
            assert_eq!(far.tv_sec, libc::time_t::MAX);
        }
    }
}
