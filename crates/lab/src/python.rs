//! Runs the lab's own CPython scripts (`crates/lab/python/`), so a chart can
//! put CPython's numbers next to Rust's, measured on the same machine.
//!
//! The scripts live inside the lab crate so that the notebook's store key,
//! which hashes the lab's files, changes when a script does.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

// How the book finds CPython interpreters is a listing of its own
// (chapter 27); the lab finds them the same way, with the same code.
#[path = "../../../examples/python_versions.rs"]
#[allow(dead_code)] // the example's `main`
mod versions;

pub use versions::{Interpreter, KNOWN, interpreters, version_of};

impl Interpreter {
    /// `python3` from `PATH`, as the book's Python cells run it.
    pub fn path_python3() -> Interpreter {
        Interpreter {
            version: "3".into(),
            path: "python3".into(),
        }
    }

    /// Runs the lab's script `crates/lab/python/SCRIPT ARGS` and parses the
    /// JSON it prints.
    pub fn run(&self, script: &str, args: &[String]) -> Result<serde_json::Value, String> {
        self.run_path(
            &Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("python")
                .join(script),
            args,
        )
    }

    /// Runs the script at `path` with `args` and parses the JSON it prints.
    /// Fails with a reason a chart note can quote ("python3.12 not found").
    pub fn run_path(&self, path: &Path, args: &[String]) -> Result<serde_json::Value, String> {
        let program = self.path.display();
        let script = path
            .file_name()
            .map_or_else(|| path.to_string_lossy(), |n| n.to_string_lossy());
        eprintln!("  {program} {script} {}", args.join(" "));
        let out = Command::new(&self.path)
            .arg(path)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("{program} not found ({e})"))?;
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            return Err(format!("{program} {script} failed: {}", stderr.trim()));
        }
        serde_json::from_slice(&out.stdout).map_err(|e| format!("{script} printed bad JSON: {e}"))
    }
}

/// Runs `python3 crates/lab/python/SCRIPT ARGS` and parses the JSON it prints.
pub fn run(script: &str, args: &[String]) -> Result<serde_json::Value, String> {
    Interpreter::path_python3().run(script, args)
}

/// `python3` from `PATH`, then the interpreter of each CPython 3.`minor` of
/// `minors` found ([`interpreters`]); and a note for each one not found.
pub fn with_minors(minors: &[u32]) -> (Vec<Interpreter>, Vec<String>) {
    let found = interpreters();
    let mut chosen = vec![Interpreter::path_python3()];
    let mut missing = Vec::new();
    for minor in minors {
        match found.iter().find(|i| i.version == format!("3.{minor}")) {
            Some(python) => chosen.push(Interpreter {
                version: python.version.clone(),
                path: python.path.clone(),
            }),
            None => missing.push(format!("CPython 3.{minor} is not installed here.")),
        }
    }
    (chosen, missing)
}

/// The folder of the book's own Python programs (`python/`), which some
/// experiments run as they are shown.
pub fn book_script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../python")
        .join(name)
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
