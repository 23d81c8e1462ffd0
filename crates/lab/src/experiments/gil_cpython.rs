//! The CPython interpreters that the GIL experiments (`convoy`, `gil_timeline`)
//! set beside the model, and running the lab's scripts under a chosen one.
//!
//! [`crate::python::run`] runs `python3` from `PATH`; these experiments also
//! compare CPython versions, so they name the interpreter. A version that is
//! not installed is a note in the record, never a failure.

use std::path::PathBuf;
use std::process::{Command, Stdio};

/// The minor versions of CPython 3 whose `Python/ceval_gil.c` the model
/// follows; `--full` looks for each of them.
pub const MODELLED_MINORS: [u32; 3] = [11, 12, 13];

/// One CPython to run the lab's scripts with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interpreter {
    /// What to run: `python3` (looked up in `PATH`) or a full path.
    pub program: PathBuf,
}

impl Interpreter {
    /// `python3` from `PATH`, as the book's Python cells run it.
    pub fn path_python3() -> Interpreter {
        Interpreter {
            program: "python3".into(),
        }
    }

    /// Runs `crates/lab/python/SCRIPT ARGS` and parses the JSON it prints.
    pub fn run(&self, script: &str, args: &[String]) -> Result<serde_json::Value, String> {
        let path = format!("{}/python/{script}", env!("CARGO_MANIFEST_DIR"));
        let program = self.program.display();
        let out = Command::new(&self.program)
            .arg(&path)
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

/// `python3` from `PATH`, then every CPython 3.`minor` installed by pyenv
/// (`~/.pyenv/versions/3.MINOR.*/bin/python3.MINOR`) for each of `minors`,
/// the newest patch release of each; and a note for each minor not found.
pub fn installed(minors: &[u32]) -> (Vec<Interpreter>, Vec<String>) {
    let mut found = vec![Interpreter::path_python3()];
    let mut missing = Vec::new();
    let versions = std::env::var_os("HOME")
        .map(|home| PathBuf::from(home).join(".pyenv/versions"))
        .and_then(|dir| std::fs::read_dir(dir).ok())
        .map(|entries| {
            entries
                .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    for &minor in minors {
        match newest_patch(&versions, minor) {
            Some(version) => found.push(Interpreter {
                program: PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
                    .join(format!(".pyenv/versions/{version}/bin/python3.{minor}")),
            }),
            None => missing.push(format!("CPython 3.{minor} is not installed here.")),
        }
    }
    (found, missing)
}

/// The newest `3.MINOR.PATCH` among pyenv's version directory names.
fn newest_patch(names: &[String], minor: u32) -> Option<&String> {
    let prefix = format!("3.{minor}.");
    names
        .iter()
        .filter_map(|name| {
            let patch = name.strip_prefix(&prefix)?.parse::<u32>().ok()?;
            Some((patch, name))
        })
        .max()
        .map(|(_, name)| name)
}

/// The prefix of a version's values in a record: `cpython3_12` for "3.12.1".
pub fn value_key(version: &str) -> String {
    let minor: Vec<&str> = version.split('.').take(2).collect();
    format!("cpython{}", minor.join("_"))
}

/// A JSON array of numbers, as samples.
pub fn samples(value: &serde_json::Value) -> Result<Vec<f64>, String> {
    value
        .as_array()
        .filter(|array| !array.is_empty())
        .ok_or("no samples")?
        .iter()
        .map(|sample| {
            sample
                .as_f64()
                .ok_or_else(|| "a sample is not a number".to_string())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_newest_patch_of_a_minor_and_nothing_else() {
        let names: Vec<String> = ["3.12.1", "3.12.10", "3.12.9", "3.1.5", "3.120.0", "3.12.x"]
            .map(String::from)
            .to_vec();
        assert_eq!(
            newest_patch(&names, 12).map(String::as_str),
            Some("3.12.10")
        );
        assert_eq!(newest_patch(&names, 1).map(String::as_str), Some("3.1.5"));
        assert_eq!(newest_patch(&names, 13), None);
    }

    #[test]
    fn value_keys_name_the_minor_version() {
        assert_eq!(value_key("3.12.1"), "cpython3_12");
        assert_eq!(value_key("3.13.0rc1"), "cpython3_13");
    }

    #[test]
    fn samples_are_a_non_empty_array_of_numbers() {
        let json = serde_json::json!({"a": [0.5, 0.25], "b": [], "c": ["x"]});
        assert_eq!(samples(&json["a"]), Ok(vec![0.5, 0.25]));
        assert!(samples(&json["b"]).is_err());
        assert!(samples(&json["c"]).is_err());
        assert!(samples(&json["missing"]).is_err());
    }

    #[test]
    fn a_missing_interpreter_is_a_clear_error() {
        let nowhere = Interpreter {
            program: "/nonexistent/python3.99".into(),
        };
        let error = nowhere.run("gil_convoy.py", &[]).unwrap_err();
        assert!(
            error.contains("/nonexistent/python3.99 not found"),
            "{error}"
        );
    }
}
