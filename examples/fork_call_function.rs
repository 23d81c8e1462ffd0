//! A child process calls one function and leaves with `_exit`; the parent
//! waits for it (a fork without a wait leaves a zombie) and prints its PID.

use std::error::Error;

use nix::sys::wait::waitpid;
use nix::unistd::{ForkResult, fork};

fn my_func(x: i32, y: i32) {
    println!("child: my_func(x = {x}, y = {y}) returns {}", x + y);
}

fn main() -> Result<(), Box<dyn Error>> {
    // SAFETY: this program has one thread, so the child may run any code.
    match unsafe { fork() }.map_err(|e| format!("fork failed: {e}"))? {
        ForkResult::Child => {
            my_func(10, 20);
            // SAFETY: leave now; returning would run main's remaining code
            // (and std's exit cleanup) a second time, in the child.
            unsafe { libc::_exit(0) }
        }
        ForkResult::Parent { child } => {
            // Reap the child: without this wait it would stay a zombie until we
            // exit. Waiting first also keeps the child's line before ours.
            let status = waitpid(child, None).map_err(|e| format!("waitpid failed: {e}"))?;
            println!("parent: child PID is {child}; waitpid says {status:?}");
        }
    }
    Ok(())
}
