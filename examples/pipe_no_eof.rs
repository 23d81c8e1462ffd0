//! The classic pipe bug: the parent forgets to close its own write end, so its
//! read never sees end-of-file. A poll with a timeout shows it instead of hanging.

use std::error::Error;
use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::AsFd;

use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::wait::waitpid;
use nix::unistd::{ForkResult, fork, pipe};

fn main() -> Result<(), Box<dyn Error>> {
    let (read_end, write_end) = pipe().map_err(|e| format!("pipe failed: {e}"))?;

    // SAFETY: this program has one thread, so the child may run any code.
    match unsafe { fork() }.map_err(|e| format!("fork failed: {e}"))? {
        ForkResult::Child => {
            drop(read_end);
            let mut pipe = File::from(write_end);
            let code = if pipe.write_all(b"Hello from child!").is_ok() {
                0
            } else {
                1
            };
            drop(pipe); // the child closes its write end properly
            // SAFETY: the child ends here and never runs the parent's code.
            unsafe { libc::_exit(code) }
        }
        ForkResult::Parent { child } => {
            // The bug: no `drop(write_end)` here.
            let mut pipe = File::from(read_end);
            let mut received = Vec::new();
            let mut chunk = [0u8; 64];
            loop {
                let mut fds = [PollFd::new(pipe.as_fd(), PollFlags::POLLIN)];
                match poll(&mut fds, PollTimeout::from(500u16)) {
                    Ok(0) => break, // 500 ms and nothing: neither data nor EOF
                    Ok(_) => {}
                    Err(e) => return Err(format!("poll failed: {e}").into()),
                }
                let n = pipe
                    .read(&mut chunk)
                    .map_err(|e| format!("read failed: {e}"))?;
                if n == 0 {
                    return Err("unexpected EOF: who closed the write end?".into());
                }
                received.extend_from_slice(&chunk[..n]);
            }
            println!("parent: no EOF after 500 ms: the parent itself still holds the write end");

            drop(write_end); // the fix, late: now no write end is open anywhere
            pipe.read_to_end(&mut received)
                .map_err(|e| format!("read failed: {e}"))?;
            println!("parent: dropped its write end, and the read reached EOF");
            println!("parent: received {:?}", String::from_utf8_lossy(&received));

            let status = waitpid(child, None).map_err(|e| format!("waitpid failed: {e}"))?;
            println!("parent: reaped the child: {status:?}");
        }
    }
    Ok(())
}
