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

/// The CPython version a script reports in its `"python"` field ("3.11.7").
pub fn version(json: &serde_json::Value) -> String {
    json["python"].as_str().unwrap_or("3").to_string()
}

/// A JSON array of numbers from a script, as samples.
pub fn samples_at(value: &serde_json::Value) -> Result<Vec<f64>, String> {
    value
        .as_array()
        .filter(|array| !array.is_empty())
        .ok_or("no samples")?
        .iter()
        .map(|sample| sample.as_f64().ok_or("a sample is not a number"))
        .collect::<Result<_, _>>()
        .map_err(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_samples_and_version() {
        let json: serde_json::Value =
            serde_json::from_str(r#"{"python": "3.12.1", "1": [0.5, 0.25], "2": [], "3": ["x"]}"#)
                .unwrap();
        assert_eq!(version(&json), "3.12.1");
        assert_eq!(samples_at(&json["1"]), Ok(vec![0.5, 0.25]));
        assert!(samples_at(&json["2"]).is_err());
        assert!(samples_at(&json["3"]).is_err());
        assert!(samples_at(&json["4"]).is_err());
    }

    #[test]
    fn a_missing_script_is_a_clear_error() {
        match run("no_such_script.py", &[]) {
            Err(reason) => assert!(
                reason.contains("no_such_script.py") || reason.contains("python3 not found"),
                "{reason}"
            ),
            Ok(value) => panic!("ran a missing script: {value}"),
        }
    }
}
