//! A forked child runs a worker and reports back the only way a process can
//! without pipes or shared memory: its exit status, a number from 0 to 255.

use std::error::Error;

use nix::errno::Errno;
use nix::sys::wait::{WaitStatus, waitpid};
use nix::unistd::{ForkResult, fork, getpid};

/// The work: count the primes below `limit`.
fn worker(limit: u32) -> u32 {
    (2..limit).filter(|n| (2..*n).all(|d| n % d != 0)).count() as u32
}

fn main() -> Result<(), Box<dyn Error>> {
    // SAFETY: this program has one thread, so the child may run any code.
    match unsafe { fork() }.map_err(|e| format!("fork failed: {e}"))? {
        ForkResult::Child => {
            println!("child {}: worker running", getpid());
            let primes = worker(100);
            // SAFETY: the child ends here, with the result as its exit status.
            unsafe { libc::_exit(primes as i32) }
        }
        ForkResult::Parent { child } => {
            let status = loop {
                match waitpid(child, None) {
                    Err(Errno::EINTR) => continue, // a signal interrupted the wait: wait again
                    other => break other.map_err(|e| format!("waitpid failed: {e}"))?,
                }
            };
            match status {
                WaitStatus::Exited(pid, code) => {
                    println!(
                        "parent: child {pid} exited with status {code}: {code} primes below 100"
                    )
                }
                other => return Err(format!("child did not exit normally: {other:?}").into()),
            }
        }
    }
    Ok(())
}
