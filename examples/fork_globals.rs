//! After fork the child has its own copy of every global and every heap
//! value: what it changes, the parent never sees.

use std::error::Error;
use std::sync::atomic::{AtomicI32, Ordering};

use nix::sys::wait::waitpid;
use nix::unistd::{ForkResult, fork};

static GLOBAL_VAR: AtomicI32 = AtomicI32::new(42);

fn main() -> Result<(), Box<dyn Error>> {
    let mut shared_list = vec![1, 2, 3];

    // SAFETY: this program has one thread, so the child may run any code.
    match unsafe { fork() }.map_err(|e| format!("fork failed: {e}"))? {
        ForkResult::Child => {
            GLOBAL_VAR.store(99, Ordering::SeqCst);
            shared_list.push(4);
            println!(
                "child:  GLOBAL_VAR = {}, shared_list = {shared_list:?}",
                GLOBAL_VAR.load(Ordering::SeqCst)
            );
            // SAFETY: end the child here; it must not run the parent's code below.
            unsafe { libc::_exit(0) }
        }
        ForkResult::Parent { child } => {
            // Once waitpid returns, the child has finished changing its copies.
            waitpid(child, None).map_err(|e| format!("waitpid failed: {e}"))?;
            println!(
                "parent: GLOBAL_VAR = {}, shared_list = {shared_list:?}",
                GLOBAL_VAR.load(Ordering::SeqCst)
            );
        }
    }
    Ok(())
}
