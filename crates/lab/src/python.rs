//! Runs the lab's own CPython scripts (`crates/lab/python/`), so a chart can
//! put CPython's numbers next to Rust's, measured on the same machine.
//!
//! The scripts live inside the lab crate so that the notebook's store key,
//! which hashes the lab's files, changes when a script does.

use std::process::{Command, Stdio};

/// Runs `python3 crates/lab/python/SCRIPT ARGS` and parses the JSON it prints.
/// Fails with a reason a chart note can quote ("python3 not found") when it cannot.
pub fn run(script: &str, args: &[String]) -> Result<serde_json::Value, String> {
    let path = format!("{}/python/{script}", env!("CARGO_MANIFEST_DIR"));
    eprintln!("  python3 {script} {}", args.join(" "));
    let out = Command::new("python3")
        .arg(&path)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("python3 not found ({e})"))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        return Err(format!("python3 {script} failed: {}", stderr.trim()));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("{script} printed bad JSON: {e}"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_missing_script_is_a_clear_error() {
        match super::run("no_such_script.py", &[]) {
            Err(reason) => assert!(
                reason.contains("no_such_script.py") || reason.contains("python3 not found"),
                "{reason}"
            ),
            Ok(value) => panic!("ran a missing script: {value}"),
        }
    }
}
