//! A child process sends one message to its parent through a pipe.

use std::error::Error;
use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::OwnedFd;

use nix::sys::wait::{WaitStatus, waitpid};
use nix::unistd::{ForkResult, fork, pipe};

fn main() -> Result<(), Box<dyn Error>> {
    // One pipe: bytes written into `write_end` come out of `read_end`.
    let (read_end, write_end) = pipe().map_err(|e| format!("pipe failed: {e}"))?;

    // SAFETY: this program has one thread, so the child may run any code.
    match unsafe { fork() }.map_err(|e| format!("fork failed: {e}"))? {
        ForkResult::Child => {
            drop(read_end); // the child only writes
            child_sends(write_end)
        }
        ForkResult::Parent { child } => {
            drop(write_end); // the parent only reads; now the child holds the only write end

            // read_to_string returns at EOF: when every write end is closed.
            let mut message = String::new();
            File::from(read_end)
                .read_to_string(&mut message)
                .map_err(|e| format!("read failed: {e}"))?;
            println!("Parent received: {message}");

            let status = waitpid(child, None).map_err(|e| format!("waitpid failed: {e}"))?;
            if let WaitStatus::Exited(_, code) = status {
                println!("Child exited with status {code}");
            } else {
                return Err(format!("child ended abnormally: {status:?}").into());
            }
            Ok(())
        }
    }
}

/// The child's whole life: write the message, close the pipe, leave.
fn child_sends(write_end: OwnedFd) -> ! {
    let mut pipe = File::from(write_end);
    let code = match pipe.write_all(b"Hello from child!") {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("child: write failed: {e}");
            1
        }
    };
    drop(pipe); // close the write end, so the parent's read sees EOF
    // SAFETY: _exit ends the child at once; it never returns into the
    // parent's code, and it skips the parent's exit-time cleanup.
    unsafe { libc::_exit(code) }
}
