//! SIGINT and SIGTERM while a program runs: the program is in a session of
//! its own, so Ctrl-C at the terminal reaches only the build. While a
//! program runs these signals only raise a flag; the wait loop then kills
//! everything the program started and the build fails. Outside runs the
//! previous handlers are back, so the build itself stops as usual. A signal
//! the build was started ignoring stays ignored.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

static RAISED: AtomicBool = AtomicBool::new(false);
/// How many runs are waiting (tests run cells on several threads), and the
/// actions to put back when the last one ends: whole, flags and mask
/// included (a handler set with SA_SIGINFO takes three arguments).
static WATCHERS: Mutex<(usize, Option<[libc::sigaction; 2]>)> = Mutex::new((0, None));
const SIGNALS: [libc::c_int; 2] = [libc::SIGINT, libc::SIGTERM];

extern "C" fn raise(_: libc::c_int) {
    RAISED.store(true, Ordering::SeqCst);
}

pub fn happened() -> bool {
    RAISED.load(Ordering::SeqCst)
}

pub struct Watch;

impl Watch {
    pub fn start() -> Watch {
        let mut watchers = WATCHERS.lock().unwrap_or_else(|e| e.into_inner());
        if watchers.0 == 0 {
            RAISED.store(false, Ordering::SeqCst);
            let before = SIGNALS.map(action);
            watchers.1 = Some(before);
            for (signal, before) in SIGNALS.into_iter().zip(before) {
                // A build started with the signal ignored (under `nohup`, or
                // as a script's background job) keeps ignoring it.
                if before.sa_sigaction != libc::SIG_IGN {
                    // SAFETY: the handler only stores to an atomic, which is
                    // async-signal-safe.
                    unsafe { libc::signal(signal, raise as *const () as libc::sighandler_t) };
                }
            }
        }
        watchers.0 += 1;
        Watch
    }
}

/// The action `signal` has now, without changing it.
fn action(signal: libc::c_int) -> libc::sigaction {
    // SAFETY: sigaction with no new action only reads the current one into
    // a zeroed struct of the right type.
    unsafe {
        let mut current: libc::sigaction = std::mem::zeroed();
        libc::sigaction(signal, std::ptr::null(), &mut current);
        current
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let mut watchers = WATCHERS.lock().unwrap_or_else(|e| e.into_inner());
        watchers.0 -= 1;
        if watchers.0 == 0
            && let Some(before) = watchers.1.take()
        {
            for (signal, before) in SIGNALS.into_iter().zip(before) {
                // SAFETY: puts back the action that was there before.
                unsafe { libc::sigaction(signal, &before, std::ptr::null_mut()) };
            }
        }
    }
}
