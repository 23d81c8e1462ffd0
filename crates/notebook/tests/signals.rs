//! The build's own signal handlers around a run: what the build had before
//! a cell is what it has after, and a signal it ignores stays ignored.
//!
//! One test in its own binary: it sets the process's handlers, which any
//! other test running cells at the same time would see.

#![cfg(unix)]

use notebook::exec::{self, Ended, Spawn};
use std::path::Path;
use std::time::Duration;

extern "C" fn with_info(_: libc::c_int, _: *mut libc::siginfo_t, _: *mut libc::c_void) {}

fn action(signal: libc::c_int) -> libc::sigaction {
    // SAFETY: reads the current action into a zeroed struct of the right type.
    unsafe {
        let mut current: libc::sigaction = std::mem::zeroed();
        libc::sigaction(signal, std::ptr::null(), &mut current);
        current
    }
}

fn run(script: &str) -> Ended {
    let args = ["-c".to_string(), script.to_string()];
    let env = [("PATH".to_string(), "/usr/bin:/bin".to_string())];
    exec::run(&Spawn {
        program: Path::new("/bin/sh"),
        args: &args,
        env: &env,
        cwd: None,
        limit: Duration::from_secs(20),
    })
    .unwrap()
}

#[test]
fn handlers_are_put_back_whole_and_an_ignored_signal_stays_ignored() {
    // SIGTERM: a handler taking siginfo (as signal-hook or tokio install),
    // with SA_SIGINFO in its flags; SIGINT: ignored.
    // SAFETY: installs a handler that does nothing, and SIG_IGN.
    unsafe {
        let mut term: libc::sigaction = std::mem::zeroed();
        term.sa_sigaction = with_info as *const () as libc::sighandler_t;
        term.sa_flags = libc::SA_SIGINFO | libc::SA_RESTART;
        libc::sigemptyset(&mut term.sa_mask);
        libc::sigaddset(&mut term.sa_mask, libc::SIGUSR1);
        assert_eq!(
            libc::sigaction(libc::SIGTERM, &term, std::ptr::null_mut()),
            0
        );
        libc::signal(libc::SIGINT, libc::SIG_IGN);
    }
    // SIGINT, ignored, sent to the build while the cell runs: nothing happens.
    let ended = run("sleep 0.3; echo finished");
    let sent = std::thread::spawn(|| {
        std::thread::sleep(Duration::from_millis(100));
        // SAFETY: sends SIGINT, which this process ignores, to itself.
        unsafe { libc::kill(libc::getpid(), libc::SIGINT) };
    });
    let second = run("sleep 0.5; echo finished");
    sent.join().unwrap();
    for ended in [ended, second] {
        let Ended::Exited(out) = ended else {
            panic!("the cell did not finish: {ended:?}")
        };
        assert_eq!(out.run.stdout, "finished\n");
    }

    assert_eq!(action(libc::SIGINT).sa_sigaction, libc::SIG_IGN);
    let term = action(libc::SIGTERM);
    assert_eq!(
        term.sa_sigaction,
        with_info as *const () as libc::sighandler_t
    );
    assert_ne!(
        term.sa_flags & libc::SA_SIGINFO,
        0,
        "SA_SIGINFO was dropped"
    );
    // SAFETY: reads a signal set.
    assert_eq!(
        unsafe { libc::sigismember(&term.sa_mask, libc::SIGUSR1) },
        1,
        "the handler's mask was dropped"
    );
}
