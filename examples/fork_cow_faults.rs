//! Copy-on-write, counted: after fork the child shares the parent's pages
//! until it writes to one; each first write to a shared page is a page fault
//! in which the kernel copies that page. The child writes one byte in every
//! page of a 64 MiB buffer and counts its minor page faults.

use std::error::Error;
use std::hint::black_box;

use nix::sys::resource::{UsageWho, getrusage};
use nix::sys::wait::{WaitStatus, waitpid};
use nix::unistd::{ForkResult, fork};

fn main() -> Result<(), Box<dyn Error>> {
    println!("transparent huge pages: {}", huge_page_setting());
    // SAFETY: sysconf only reads a constant of the system.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as usize;
    let mut buffer = vec![1u8; 64 << 20]; // filled, so every page really exists
    let pages = buffer.len() / page;

    // SAFETY: this program has one thread, so the child may run any code.
    match unsafe { fork() }.map_err(|e| format!("fork failed: {e}"))? {
        ForkResult::Child => {
            let code = match write_every_page(&mut buffer, page) {
                Ok(faults) => {
                    println!(
                        "child:  wrote to {pages} pages of {page} bytes: {faults} minor page faults"
                    );
                    println!(
                        "child:  faults per page written: {:.2}",
                        faults as f64 / pages as f64
                    );
                    0
                }
                Err(e) => {
                    eprintln!("child: getrusage failed: {e}");
                    1
                }
            };
            // SAFETY: the child ends here and never runs the parent's code.
            unsafe { libc::_exit(code) }
        }
        ForkResult::Parent { child } => {
            let status = waitpid(child, None).map_err(|e| format!("waitpid failed: {e}"))?;
            if status != WaitStatus::Exited(child, 0) {
                return Err(format!("child failed: {status:?}").into());
            }
            let untouched = buffer.iter().step_by(page).all(|&byte| byte == 1);
            println!("parent: my buffer still holds only 1s: {untouched}");
        }
    }
    Ok(())
}

/// Writes one byte in every page of `buffer`; returns the minor page faults
/// (faults served from memory, no disk) that this process took meanwhile.
fn write_every_page(buffer: &mut [u8], page: usize) -> nix::Result<libc::c_long> {
    let before = getrusage(UsageWho::RUSAGE_SELF)?.minor_page_faults();
    for byte in buffer.iter_mut().step_by(page) {
        *byte = 2;
    }
    black_box(&buffer); // the writes must happen before we count again
    let after = getrusage(UsageWho::RUSAGE_SELF)?.minor_page_faults();
    Ok(after - before)
}

/// Linux's transparent-huge-page mode: with "[always]" the buffer may sit in
/// 2 MiB pages, and a write fault may then handle many 4 KiB pages at once.
#[cfg(target_os = "linux")]
fn huge_page_setting() -> String {
    std::fs::read_to_string("/sys/kernel/mm/transparent_hugepage/enabled")
        .map_or_else(|e| format!("unknown ({e})"), |mode| mode.trim().to_string())
}

#[cfg(not(target_os = "linux"))]
fn huge_page_setting() -> String {
    "not Linux: no transparent huge pages to check".to_string()
}
