//! fork in a program with threads: another thread holds a Mutex at the moment
//! of the fork. The child gets a copy of the locked Mutex but not the thread
//! that would unlock it, so its `lock()` waits forever.

use std::error::Error;
use std::sync::Mutex;
use std::sync::mpsc::channel;
use std::thread;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::{ForkResult, fork, write};

static LOCK: Mutex<()> = Mutex::new(());

fn main() -> Result<(), Box<dyn Error>> {
    let (locked_tx, locked_rx) = channel();
    let (release_tx, release_rx) = channel::<()>();
    let holder = thread::spawn(move || {
        let _guard = LOCK.lock().unwrap();
        println!("holder thread: took the lock");
        locked_tx.send(()).unwrap();
        release_rx.recv().ok(); // hold the lock until main says so
    });
    locked_rx.recv()?;

    println!("main thread: fork while the holder thread has the lock");
    // SAFETY: the child only calls write (async-signal-safe), lock and _exit.
    // Taking a lock in the child is the hazard this program demonstrates.
    match unsafe { fork() }.map_err(|e| format!("fork failed: {e}"))? {
        ForkResult::Child => {
            // A raw write: println! would take stdout's own lock, another hazard.
            let _ = write(std::io::stdout(), b"child: calling LOCK.lock()\n");
            let _guard = LOCK.lock();
            let _ = write(std::io::stdout(), b"child: got the lock\n"); // never printed
            // SAFETY: the child ends here and never runs the parent's code.
            unsafe { libc::_exit(0) }
        }
        ForkResult::Parent { child } => {
            let deadline = Instant::now() + Duration::from_secs(1);
            let status = loop {
                match waitpid(child, Some(WaitPidFlag::WNOHANG)) {
                    Ok(WaitStatus::StillAlive) => {}
                    other => break other.map_err(|e| format!("waitpid failed: {e}"))?,
                }
                if Instant::now() >= deadline {
                    kill(child, Signal::SIGKILL).map_err(|e| format!("kill failed: {e}"))?;
                    println!("parent: child still blocked after 1 s: killed");
                    // SIGKILL cannot be caught, so this wait returns soon.
                    break waitpid(child, None).map_err(|e| format!("waitpid failed: {e}"))?;
                }
                thread::sleep(Duration::from_millis(10));
            };
            println!("parent: reaped the child: {status:?}");
        }
    }
    release_tx.send(())?;
    holder.join().map_err(|_| "holder thread panicked")?;
    println!("main thread: the holder released the lock; joined it");
    Ok(())
}
