//! Why a forked child leaves with `_exit`: text that sat unflushed in the
//! parent's stdout buffer at fork time is in the child's copy of the buffer too.

use std::error::Error;

use nix::sys::wait::waitpid;
use nix::unistd::{ForkResult, fork};

fn main() -> Result<(), Box<dyn Error>> {
    for exit_call in ["std::process::exit", "libc::_exit"] {
        // No newline: Rust's stdout is line-buffered, so this stays in its buffer.
        print!("[written before fork] ");

        // SAFETY: this program has one thread, so the child may run any code.
        match unsafe { fork() }.map_err(|e| format!("fork failed: {e}"))? {
            ForkResult::Child => {
                if exit_call == "std::process::exit" {
                    std::process::exit(0); // runs std's exit cleanup, which flushes stdout
                }
                // SAFETY: _exit ends the child at once, flushing nothing.
                unsafe { libc::_exit(0) }
            }
            ForkResult::Parent { child } => {
                waitpid(child, None).map_err(|e| format!("waitpid failed: {e}"))?;
                println!("<- the child left with {exit_call}");
            }
        }
    }
    Ok(())
}
