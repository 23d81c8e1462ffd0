//! Starts a fresh process that runs one function: the program re-executes its
//! own binary with the argument `child`, the way Python's "spawn" start method
//! starts a new interpreter that imports your module and calls the target.

use std::error::Error;
use std::process::{Command, exit};

/// The function the child process runs.
fn work() -> u64 {
    (1..=10).product()
}

fn main() -> Result<(), Box<dyn Error>> {
    let role = std::env::args().nth(1);
    match role.as_deref() {
        None => parent(),
        Some("child") => {
            println!(
                "child  pid {} (parent {}) runs work(): 10! = {}",
                std::process::id(),
                std::os::unix::process::parent_id(),
                work()
            );
            Ok(())
        }
        Some(other) => {
            eprintln!("spawn_self: unknown argument {other:?}; run it with no argument");
            exit(2);
        }
    }
}

fn parent() -> Result<(), Box<dyn Error>> {
    let me = std::process::id();
    println!("parent pid {me} starts child");
    // A new program, not a copy of this one: std starts it with posix_spawn.
    let exe = std::env::current_exe().map_err(|e| format!("cannot find own binary: {e}"))?;
    let mut child = Command::new(exe)
        .arg("child")
        .spawn()
        .map_err(|e| format!("cannot start child: {e}"))?;
    let status = child.wait().map_err(|e| format!("wait failed: {e}"))?;
    println!("child exited: {status}");
    Ok(())
}
