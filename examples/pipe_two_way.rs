//! Two pipes, one per direction: the parent sends a message, the child
//! answers. Each message ends where its writer closes the pipe.

use std::error::Error;
use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::OwnedFd;
use std::thread::sleep;
use std::time::Duration;

use nix::sys::wait::waitpid;
use nix::unistd::{ForkResult, fork, pipe};

fn main() -> Result<(), Box<dyn Error>> {
    let (to_child_read, to_child_write) = pipe().map_err(|e| format!("pipe failed: {e}"))?;
    let (to_parent_read, to_parent_write) = pipe().map_err(|e| format!("pipe failed: {e}"))?;

    // SAFETY: this program has one thread, so the child may run any code.
    match unsafe { fork() }.map_err(|e| format!("fork failed: {e}"))? {
        ForkResult::Child => {
            drop(to_child_write);
            drop(to_parent_read);
            let mut code = 0;
            if let Err(e) = answer(to_child_read, to_parent_write) {
                eprintln!("child: {e}");
                code = 1;
            }
            // SAFETY: the child ends here and never runs the parent's code.
            unsafe { libc::_exit(code) }
        }
        ForkResult::Parent { child } => {
            drop(to_child_read);
            drop(to_parent_write);
            println!("parent: started, waiting 200 ms before sending");
            sleep(Duration::from_millis(200));

            let mut to_child = File::from(to_child_write);
            to_child
                .write_all(b"Hello child!")
                .map_err(|e| format!("write failed: {e}"))?;
            drop(to_child); // end of message: the child's read_to_string returns

            let mut reply = String::new();
            File::from(to_parent_read)
                .read_to_string(&mut reply)
                .map_err(|e| format!("read failed: {e}"))?;
            println!("parent: got {reply:?}");

            waitpid(child, None).map_err(|e| format!("waitpid failed: {e}"))?;
        }
    }
    Ok(())
}

/// The child: read the whole message, print it, send the reply.
fn answer(from_parent: OwnedFd, to_parent: OwnedFd) -> std::io::Result<()> {
    let mut message = String::new();
    File::from(from_parent).read_to_string(&mut message)?;
    // println! flushes at the newline, before the reply can reach the parent.
    println!("child:  got {message:?}");
    File::from(to_parent).write_all(b"Message received!")
    // Both pipe ends were moved into this function: they are closed when it returns.
}
