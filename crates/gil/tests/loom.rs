//! Loom models of the GIL: loom runs each test again and again, once per
//! interleaving of its threads, and each run must pass. Not every
//! interleaving: only those in which threads are preempted (switched away
//! from while they could go on) at most `LOOM_MAX_PREEMPTIONS` times, 2 in CI.
//! Interleavings that need more preemptions are not checked.
//!
//! ```text
//! RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 CARGO_TARGET_DIR=target/loom \
//!     cargo test -p gil --test loom --release
//! ```
//!
//! Under `--cfg loom` the crate's mutexes, condvars and atomics are loom's
//! (src/sync.rs), not pthread's, and a timed wait may time out at any point:
//! the models check what must hold whichever waiter a signal wakes.
//!
//! Each model fails on a planted bug (checked by hand, the bug in
//! src/lib.rs): `never_two_holders` when `take_gil` does not wait for a
//! locked GIL; `waiter_gets_the_gil_after_a_drop_request` when a timed-out
//! waiter sets no drop request, or when a dropper does not wait for the switch
//! (no forced switching); `two_spinners_hand_the_gil_back_and_forth` in all
//! three cases, and when `detach` keeps the GIL.
#![cfg(loom)]

use gil::Gil;
use loom::cell::UnsafeCell;
use loom::sync::Arc;
use loom::sync::atomic::{AtomicBool, Ordering};
use loom::thread;

/// Mutual exclusion: two threads write unsynchronised memory while they hold
/// the GIL, one of them across a `detach`. Loom's `UnsafeCell` fails the model
/// if two accesses are not ordered by the GIL (a data race), so a second holder
/// at any moment — or a holder whose writes the next one cannot see — fails.
#[test]
fn never_two_holders() {
    loom::model(|| {
        let gil = Gil::new();
        let counter = Arc::new(UnsafeCell::new(0u32));
        let other = {
            let (gil, counter) = (gil.clone(), counter.clone());
            thread::spawn(move || {
                gil.attach(|py| {
                    counter.with_mut(|n| unsafe { *n += 1 });
                    py.check();
                    counter.with_mut(|n| unsafe { *n += 1 });
                })
            })
        };
        gil.attach(|py| {
            counter.with_mut(|n| unsafe { *n += 1 });
            py.detach(thread::yield_now);
            counter.with_mut(|n| unsafe { *n += 1 });
        });
        other.join().unwrap();
        gil.attach(|_| assert_eq!(counter.with(|n| unsafe { *n }), 4));
    });
}

/// Progress by drop request: the holder never gives the GIL up on its own —
/// it only calls `check()` until it sees that another thread has had the GIL.
/// That can only end if the waiter's timed-out wait sets the drop request, the
/// holder drops at its check, and (forced switching) the waiter takes it
/// before the holder can take it back. A model where the waiter starves
/// loops for ever, and loom fails it when the iteration exceeds its branch bound.
#[test]
fn waiter_gets_the_gil_after_a_drop_request() {
    loom::model(|| {
        let gil = Gil::new();
        let waiter_ran = Arc::new(AtomicBool::new(false));
        let waiter = {
            let (gil, waiter_ran) = (gil.clone(), waiter_ran.clone());
            thread::spawn(move || gil.attach(|_| waiter_ran.store(true, Ordering::Relaxed)))
        };
        gil.attach(|py| {
            while !waiter_ran.load(Ordering::Relaxed) {
                py.check();
                thread::yield_now();
            }
        });
        waiter.join().unwrap();
        assert!(gil.switch_count() >= 1);
    });
}

/// Two CPU-bound threads that each spin (with checks) until the other has
/// run: whichever holds first must hand over on request, and the other,
/// once it holds, must hand back — including through `detach`, which drops
/// the GIL the way a drop request does.
#[test]
fn two_spinners_hand_the_gil_back_and_forth() {
    loom::model(|| {
        let gil = Gil::new();
        let ran = Arc::new([AtomicBool::new(false), AtomicBool::new(false)]);
        let spin = move |gil: Gil, ran: Arc<[AtomicBool; 2]>, me: usize| {
            gil.attach(|py| {
                ran[me].store(true, Ordering::Relaxed);
                while !ran[1 - me].load(Ordering::Relaxed) {
                    if me == 0 {
                        py.check();
                    } else {
                        py.detach(|| ());
                    }
                    thread::yield_now();
                }
            })
        };
        let other = {
            let (gil, ran) = (gil.clone(), ran.clone());
            thread::spawn(move || spin(gil, ran, 1))
        };
        spin(gil.clone(), ran, 0);
        other.join().unwrap();
        assert!(gil.switch_count() >= 1);
    });
}
