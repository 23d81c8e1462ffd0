//! A model of CPython's global interpreter lock, so Rust programs can show
//! what the GIL does to threads — and what Rust threads do without one.
//!
//! The model follows CPython's `Python/ceval_gil.c` (`Python/ceval_gil.h` in
//! 3.11) as it stands in 3.11 to 3.13 (the default, GIL-enabled build),
//! function by function:
//!
//! - The GIL is a boolean `locked` under a mutex, with a condition variable
//!   that is signalled when it is dropped ([`Gil`]).
//! - A thread that wants the GIL waits on that condvar for the *switch
//!   interval* (5 ms by default, `sys.setswitchinterval` in Python,
//!   [`Gil::set_switch_interval`] here). If the wait times out and the GIL
//!   has not changed hands meanwhile, it sets the *drop request* (`take_gil`,
//!   `SET_GIL_DROP_REQUEST`), and waits again, a whole interval.
//! - The holder polls that request — the "eval breaker" — at every loop back
//!   edge of the bytecode it runs; here CPU-bound code calls
//!   [`Attached::check`] ([`countdown`] does it every [`CHECK_EVERY`] steps).
//!   On a request it drops the GIL and asks for it again
//!   (`eval_frame_handle_pending` in 3.11, `_Py_HandlePending` from 3.12).
//! - With `FORCE_SWITCHING` (always on in CPython), a thread that dropped the
//!   GIL on request waits until another thread has taken it, so it cannot
//!   grab it straight back (`drop_gil`, `switch_cond`).
//! - Blocking calls release the GIL around themselves
//!   (`Py_BEGIN_ALLOW_THREADS` … `Py_END_ALLOW_THREADS`): [`Attached::detach`].
//!
//! The mutexes and condition variables are the platform's pthread ones,
//! set up as CPython sets up its own, because *which* waiter a signal wakes
//! is the condition variable's choice, and it decides who gets the GIL when
//! several threads wait. With glibc the waiter that just timed out and set
//! the drop request usually wins the hand-over, often ahead of a thread that
//! has waited longer; on std's futex condvar the longest waiter won instead,
//! and a thread coming back from I/O beside two CPU-bound threads waited
//! noticeably less than under CPython (the lab's `convoy` experiment).
//!
//! What the model leaves out: everything else the eval breaker stands for
//! (signals, pending calls, async exceptions, the garbage collector's
//! requests); thread states that outlive one [`Gil::attach`]; interpreter
//! finalisation, which makes waiting threads exit; sub-interpreters, each of
//! which has a GIL of its own from 3.12; and the free-threaded build of 3.13,
//! which has none. CPython 3.13 sets the drop request on the holder's thread
//! state rather than on the interpreter; with one holder at a time the model's
//! single flag behaves the same.
//!
//! The API borrows PyO3's words (≥ 0.26): [`Gil::attach`] runs a closure with
//! the GIL held, like `Python::attach`, and [`Attached::detach`] releases it
//! around blocking work, like `Python::detach`.
//!
//! ```
//! use std::thread;
//! use std::time::Duration;
//!
//! let gil = gil::Gil::new();
//! thread::scope(|s| {
//!     for _ in 0..2 {
//!         // CPU-bound: holds the GIL, and gives it up only when asked.
//!         s.spawn(|| gil.attach(|py| gil::countdown(py, 20_000_000)));
//!     }
//!     // I/O-bound: sleeps without the GIL.
//!     s.spawn(|| gil.attach(|py| py.detach(|| thread::sleep(Duration::from_millis(1)))));
//! });
//! assert!(gil.switch_count() >= 2);
//! ```

mod sync;

use std::marker::PhantomData;
use std::time::Duration;
use sync::{Arc, AtomicBool, AtomicU64, Condvar, Mutex, Ordering, lock, wait, wait_timeout};

/// CPython's default switch interval (`DEFAULT_INTERVAL`, 5000 µs).
pub const DEFAULT_SWITCH_INTERVAL: Duration = Duration::from_millis(5);

/// How many countdown steps [`countdown`] runs between two
/// [`Attached::check`]s. CPython checks the eval breaker at every backward
/// jump, every few tens of nanoseconds. One atomic load per 1000 steps, a
/// fraction of a microsecond (a step takes 0.2–0.3 ns on the book's machine;
/// the lab's `two_tasks` measures it), keeps the model's overhead
/// unmeasurable and its drop latency far below the tens of microseconds a
/// hand-over takes. (Checking every 100 steps did not change the order in
/// which four threads took their turns. It did make a holder reach the
/// GIL's mutex sooner after a drop request, and so find the requester still
/// holding it a little more often, which chapter 12 traces: a tendency within
/// the spread of single runs.)
pub const CHECK_EVERY: u64 = 1000;

/// The thread-state id no thread has: `last_holder` before the first take.
const NO_THREAD: u64 = 0;

/// One interpreter's GIL. Cloning gives another handle to the same lock.
#[derive(Clone)]
pub struct Gil {
    shared: Arc<Shared>,
}

/// `struct _gil_runtime_state`, plus the eval breaker.
struct Shared {
    /// `gil->mutex` and what it protects.
    state: Mutex<State>,
    /// `gil->cond`: signalled when the GIL is dropped.
    cond: Condvar,
    /// `gil->switch_mutex`, protecting `last_holder`: the thread state that
    /// holds or last held the GIL.
    last_holder: Mutex<u64>,
    /// `gil->switch_cond`: signalled when a thread takes the GIL.
    switch_cond: Condvar,
    /// `gil_drop_request` (and the eval breaker, which ORs it with other
    /// reasons CPython has to interrupt the eval loop; the model has no others).
    drop_request: AtomicBool,
    /// `gil->interval`, in microseconds.
    interval_us: AtomicU64,
    /// Source of thread-state ids (one per [`Gil::attach`]).
    next_id: AtomicU64,
}

struct State {
    /// `gil->locked`.
    locked: bool,
    /// `gil->switch_number`: how often the GIL passed from one thread to another.
    switch_number: u64,
}

/// Why a thread drops the GIL.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Release {
    /// It will want the GIL again (a drop request, or [`Attached::detach`]):
    /// with `FORCE_SWITCHING` it waits for another thread to take it first.
    ToRetake,
    /// Its [`Gil::attach`] is over: the thread's last release, which never
    /// waits for a switch (`final_release` in 3.13's `drop_gil`).
    ForGood,
}

impl Gil {
    /// A GIL with CPython's default switch interval, 5 ms.
    pub fn new() -> Gil {
        Gil::with_switch_interval(DEFAULT_SWITCH_INTERVAL)
    }

    /// A GIL with the given switch interval, like `sys.setswitchinterval`
    /// before starting threads.
    pub fn with_switch_interval(interval: Duration) -> Gil {
        let gil = Gil {
            shared: Arc::new(Shared {
                state: Mutex::new(State {
                    locked: false,
                    switch_number: 0,
                }),
                cond: Condvar::new(),
                last_holder: Mutex::new(NO_THREAD),
                switch_cond: Condvar::new(),
                drop_request: AtomicBool::new(false),
                interval_us: AtomicU64::new(0),
                next_id: AtomicU64::new(NO_THREAD + 1),
            }),
        };
        gil.set_switch_interval(interval);
        gil
    }

    /// How long a waiting thread lets the holder run before it asks for the
    /// GIL (`sys.getswitchinterval`).
    pub fn switch_interval(&self) -> Duration {
        Duration::from_micros(self.shared.interval_us.load(Ordering::Relaxed))
    }

    /// Sets the switch interval (`sys.setswitchinterval`); like CPython, at
    /// least 1 µs.
    pub fn set_switch_interval(&self, interval: Duration) {
        let micros = u64::try_from(interval.as_micros()).unwrap_or(u64::MAX);
        self.shared
            .interval_us
            .store(micros.max(1), Ordering::Relaxed);
    }

    /// Takes the GIL, runs `f` with it held, and drops it, like PyO3's
    /// `Python::attach`. `f` gets the proof of holding it, with which it can
    /// [`check`](Attached::check) for drop requests and
    /// [`detach`](Attached::detach) around blocking work.
    ///
    /// Each call is one thread state; nesting `attach` in one thread would
    /// wait for itself forever (PyO3 re-enters instead; the model need not).
    pub fn attach<T>(&self, f: impl FnOnce(&mut Attached<'_>) -> T) -> T {
        let id = self.shared.next_id.fetch_add(1, Ordering::Relaxed);
        let mut attached = Attached {
            shared: &self.shared,
            id,
            _not_send: PhantomData,
        };
        self.shared.take_gil(id);
        // Dropping `attached` drops the GIL, also if `f` panics.
        f(&mut attached)
    }

    /// How many times the GIL passed from one thread to a different one
    /// (CPython's `switch_number`, without the very first take).
    pub fn switch_count(&self) -> u64 {
        lock(&self.shared.state).switch_number
    }
}

impl Default for Gil {
    fn default() -> Gil {
        Gil::new()
    }
}

impl Shared {
    /// CPython's `take_gil`: wait for the GIL, asking the holder to drop it
    /// whenever a whole switch interval passes without a switch.
    fn take_gil(&self, id: u64) {
        let mut state = lock(&self.state);
        while state.locked {
            let saved_switch_number = state.switch_number;
            let interval = self.interval();
            let (guard, timed_out) = wait_timeout(&self.cond, &self.state, state, interval);
            state = guard;
            // Timed out and nobody else got it meanwhile: time to ask.
            if timed_out && state.locked && state.switch_number == saved_switch_number {
                self.drop_request.store(true, Ordering::Relaxed); // SET_GIL_DROP_REQUEST
            }
        }
        // `_ready:` switch_mutex is taken before last_holder changes (see drop_gil).
        let mut last_holder = lock(&self.last_holder);
        state.locked = true;
        if *last_holder != id {
            if *last_holder != NO_THREAD {
                state.switch_number += 1;
            }
            *last_holder = id;
        }
        self.switch_cond.notify_one();
        drop(last_holder);
        // The request, if any, was for the previous holder.
        self.drop_request.store(false, Ordering::Relaxed); // RESET_GIL_DROP_REQUEST
    }

    /// CPython's `drop_gil`: release the GIL and wake one waiter; after a drop
    /// request (`FORCE_SWITCHING`), wait until another thread has taken it.
    fn drop_gil(&self, id: u64, why: Release) {
        {
            let mut state = lock(&self.state);
            assert!(state.locked, "drop_gil: GIL is not locked");
            state.locked = false;
            self.cond.notify_one();
        }
        if why == Release::ToRetake && self.drop_request.load(Ordering::Relaxed) {
            let last_holder = lock(&self.last_holder);
            if *last_holder == id {
                // Not switched yet: wait. Holding switch_mutex here, and in
                // take_gil while last_holder changes, means the signal cannot
                // come before this wait starts. One wait, no loop, as in CPython.
                self.drop_request.store(false, Ordering::Relaxed);
                let _last_holder = wait(&self.switch_cond, last_holder);
            }
        }
    }

    fn interval(&self) -> Duration {
        Duration::from_micros(self.interval_us.load(Ordering::Relaxed))
    }
}

/// Proof that this thread holds the GIL: CPython's attached thread state,
/// PyO3's `Python<'py>` token. It cannot leave its thread.
pub struct Attached<'gil> {
    shared: &'gil Shared,
    id: u64,
    _not_send: PhantomData<*const ()>,
}

impl Attached<'_> {
    /// The eval-breaker check CPython makes at every loop back edge: if another
    /// thread has asked for the GIL, drop it, let that thread run, and take it
    /// back. One relaxed atomic load when nobody asks.
    #[inline]
    pub fn check(&self) {
        if self.shared.drop_request.load(Ordering::Relaxed) {
            self.yield_gil();
        }
    }

    /// "Give another thread a chance" (`_Py_HandlePending`; in 3.11
    /// `eval_frame_handle_pending`).
    #[cold]
    fn yield_gil(&self) {
        self.shared.drop_gil(self.id, Release::ToRetake);
        // Other threads may run now.
        self.shared.take_gil(self.id);
    }

    /// Releases the GIL while `blocking` runs and takes it back afterwards,
    /// like PyO3's `Python::detach` or C's `Py_BEGIN_ALLOW_THREADS` …
    /// `Py_END_ALLOW_THREADS` around a `read()` or `sleep()`. Taking `&mut self`
    /// keeps `blocking` from using the token: it does not hold the GIL.
    pub fn detach<T>(&mut self, blocking: impl FnOnce() -> T) -> T {
        /// Takes the GIL back when `blocking` returns or panics.
        struct Retake<'a, 'gil>(&'a Attached<'gil>);
        impl Drop for Retake<'_, '_> {
            fn drop(&mut self) {
                self.0.shared.take_gil(self.0.id);
            }
        }
        self.shared.drop_gil(self.id, Release::ToRetake);
        let _retake = Retake(self);
        blocking()
    }
}

impl Drop for Attached<'_> {
    fn drop(&mut self) {
        self.shared.drop_gil(self.id, Release::ForGood);
    }
}

/// Python's `while n > 0: n -= 1` under the GIL: [`tasks::countdown`] in
/// chunks of [`CHECK_EVERY`] steps, with an eval-breaker check at each chunk's
/// end, the way CPython checks at the loop's backward jump.
///
/// Never inlined, so every caller runs the same machine code: inlined at
/// different call sites, the black-boxed loop ran at speeds up to 2x apart.
#[inline(never)]
pub fn countdown(py: &Attached<'_>, n: u64) {
    let mut left = n;
    while left > 0 {
        let step = left.min(CHECK_EVERY);
        tasks::countdown(step);
        left -= step;
        py.check();
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::thread;

    #[test]
    fn interval_is_settable_and_at_least_a_microsecond() {
        let gil = Gil::new();
        assert_eq!(gil.switch_interval(), Duration::from_millis(5));
        gil.set_switch_interval(Duration::from_millis(1));
        assert_eq!(gil.switch_interval(), Duration::from_millis(1));
        gil.set_switch_interval(Duration::ZERO);
        assert_eq!(gil.switch_interval(), Duration::from_micros(1));
    }

    #[test]
    fn one_thread_never_switches() {
        let gil = Gil::new();
        let value = gil.attach(|py| {
            countdown(py, 10_000);
            py.detach(|| 7)
        });
        assert_eq!(value, 7);
        gil.attach(|py| py.check());
        // The second attach is a new thread state: one switch.
        assert_eq!(gil.switch_count(), 1);
    }

    /// Two CPU-bound threads: the waiting one must get the GIL by drop
    /// requests, again and again, and never while the other holds it; and
    /// a thread that drops on request gets it back only after the other ran.
    #[test]
    fn cpu_threads_take_turns_and_never_overlap() {
        const SWITCHES: u64 = 10;
        let gil = Gil::with_switch_interval(Duration::from_micros(200));
        let holders = AtomicUsize::new(0);
        // Which thread ran the last chunk of work, and how often the runner
        // changed: every hand-over must show up as a change.
        let last_runner = AtomicUsize::new(usize::MAX);
        let changes = AtomicUsize::new(0);
        let both_started = std::sync::Barrier::new(2);
        thread::scope(|s| {
            for me in 0..2 {
                let (gil, holders, last_runner, changes, both_started) =
                    (&gil, &holders, &last_runner, &changes, &both_started);
                s.spawn(move || {
                    both_started.wait();
                    gil.attach(|py| {
                        // Runs until the GIL has changed hands SWITCHES times:
                        // only drop requests can make that happen. The bound
                        // (seconds of work) turns a broken model into a failure.
                        for _ in 0..10_000_000 {
                            if gil.switch_count() >= SWITCHES {
                                return;
                            }
                            assert_eq!(holders.fetch_add(1, Ordering::SeqCst), 0);
                            if last_runner.swap(me, Ordering::SeqCst) != me {
                                changes.fetch_add(1, Ordering::SeqCst);
                            }
                            tasks::countdown(CHECK_EVERY);
                            holders.fetch_sub(1, Ordering::SeqCst);
                            py.check();
                        }
                        panic!("the GIL changed hands only {} times", gil.switch_count());
                    })
                });
            }
        });
        // The first run is a change too; the last switch may come after the
        // other thread's final chunk.
        let changes = changes.into_inner() as u64;
        assert!(changes >= SWITCHES, "{changes} changes of runner");
    }

    /// A thread that blocks in `detach` lets the others run meanwhile.
    #[test]
    fn detach_lets_another_thread_run() {
        let gil = &Gil::new();
        let (tx, rx) = std::sync::mpsc::channel();
        thread::scope(|s| {
            s.spawn(move || gil.attach(|py| py.detach(|| rx.recv().unwrap())));
            // Without the detach above this attach would never return and
            // the receiver would wait for ever.
            thread::sleep(Duration::from_millis(10));
            gil.attach(|_| tx.send(()).unwrap());
        });
    }

    #[test]
    fn a_panic_inside_attach_or_detach_releases_the_gil() {
        let gil = Gil::new();
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            gil.attach(|py| py.detach(|| panic!("boom")))
        }));
        assert!(caught.is_err());
        // Would wait for ever if the GIL were still held.
        thread::scope(|s| s.spawn(|| gil.attach(|_| ())).join().unwrap());
    }
}
