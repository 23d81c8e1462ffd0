//! Memory shared on purpose: a counter in an anonymous `MAP_SHARED` mapping,
//! made before `fork`, so parent and child change the same bytes.

use std::error::Error;
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicU64, Ordering};

use nix::sys::mman::{MapFlags, ProtFlags, mmap_anonymous, munmap};
use nix::sys::wait::{WaitStatus, waitpid};
use nix::unistd::{ForkResult, fork};

const ADDS: u64 = 1_000_000;

fn main() -> Result<(), Box<dyn Error>> {
    let size = NonZeroUsize::new(size_of::<AtomicU64>()).expect("not zero");
    // SAFETY: a new anonymous mapping; nothing else uses these addresses.
    // The kernel fills it with zeros, a valid AtomicU64 holding 0.
    let memory = unsafe {
        mmap_anonymous(
            None,
            size,
            ProtFlags::PROT_READ | ProtFlags::PROT_WRITE,
            MapFlags::MAP_SHARED, // shared with the children forked after this
        )
    }?;
    // SAFETY: the mapping is aligned to a page and lives until the munmap
    // at the end, after the child has exited.
    let counter: &AtomicU64 = unsafe { memory.cast::<AtomicU64>().as_ref() };

    // SAFETY: this program has one thread, so the child may run any code.
    match unsafe { fork() }? {
        ForkResult::Child => {
            add(counter);
            // SAFETY: leaves at once, without the parent's exit-time cleanup.
            unsafe { libc::_exit(0) }
        }
        ForkResult::Parent { child } => {
            add(counter); // at the same time as the child
            match waitpid(child, None)? {
                WaitStatus::Exited(_, 0) => {}
                status => return Err(format!("child ended with {status:?}").into()),
            }
            println!("parent and child each added {ADDS}");
            println!(
                "the shared counter holds {}",
                counter.load(Ordering::Relaxed)
            );
            // SAFETY: `counter` is not used after this.
            unsafe { munmap(memory, size.get()) }?;
            Ok(())
        }
    }
}

/// `fetch_add`, not load-then-store: the two processes add at the same time,
/// on two cores, and the atomic keeps every addition.
fn add(counter: &AtomicU64) {
    for _ in 0..ADDS {
        counter.fetch_add(1, Ordering::Relaxed);
    }
}
