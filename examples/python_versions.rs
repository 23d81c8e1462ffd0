//! Which CPython interpreters this machine has: pyenv's
//! (`~/.pyenv/versions/*/bin/pythonX.Y`), then those on PATH, one per
//! version (`3.13t`, a free-threaded build, counts as a version of its own).
//! Each is asked for its full version, which also shows that it runs.
//!
//! The lab's `gil_versions` experiment measures the GIL of each interpreter
//! this finds (it compiles this file with `#[path]`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The versions the book's tables name, oldest first.
pub const KNOWN: [&str; 10] = [
    "2.7", "3.6", "3.7", "3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "3.13t",
];

/// An interpreter: its version as its file name says (`3.11`, `3.13t`) and
/// where it is.
pub struct Interpreter {
    pub version: String,
    pub path: PathBuf,
}

/// `2.7` from `python2.7`, `3.13t` from `python3.13t`; `None` for any other
/// name (`python3`, `python3.11-config`).
pub fn version_of(file_name: &str) -> Option<String> {
    let version = file_name.strip_prefix("python")?;
    let (major, minor) = version.split_once('.')?;
    let minor = minor.strip_suffix('t').unwrap_or(minor);
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (digits(major) && digits(minor)).then(|| version.to_string())
}

/// (major, minor, free-threaded): the order of versions.
fn sort_key(version: &str) -> (u32, u32, bool) {
    let (major, minor) = version.split_once('.').unwrap_or((version, "0"));
    let threaded = minor.ends_with('t');
    let minor = minor.trim_end_matches('t');
    (
        major.parse().unwrap_or(0),
        minor.parse().unwrap_or(0),
        threaded,
    )
}

/// Every interpreter found, one per version, oldest first; pyenv's before
/// PATH's when both have a version.
pub fn interpreters() -> Vec<Interpreter> {
    let mut folders: Vec<PathBuf> = Vec::new();
    if let Some(home) = std::env::var_os("HOME") {
        let versions = Path::new(&home).join(".pyenv/versions");
        let mut installed: Vec<PathBuf> = std::fs::read_dir(versions)
            .into_iter()
            .flatten()
            .flatten()
            .map(|entry| entry.path().join("bin"))
            .collect();
        installed.sort();
        folders.extend(installed);
    }
    if let Some(path) = std::env::var_os("PATH") {
        folders.extend(std::env::split_paths(&path));
    }
    let mut found: BTreeMap<(u32, u32, bool), Interpreter> = BTreeMap::new();
    for folder in folders {
        let mut names: Vec<(String, PathBuf)> = std::fs::read_dir(&folder)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|entry| Some((version_of(entry.file_name().to_str()?)?, entry.path())))
            .filter(|(_, path)| path.is_file())
            .collect();
        names.sort();
        for (version, path) in names {
            found
                .entry(sort_key(&version))
                .or_insert(Interpreter { version, path });
        }
    }
    found.into_values().collect()
}

/// The interpreter's own `sys.version`, first word, or why not.
fn full_version(python: &Path) -> String {
    match Command::new(python)
        .args(["-c", "import sys; print(sys.version.split()[0])"])
        .output()
    {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).trim().into(),
        Ok(out) => format!("fails: {}", String::from_utf8_lossy(&out.stderr).trim()),
        Err(e) => format!("cannot run: {e}"),
    }
}

fn main() {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let found = interpreters();
    println!("{} CPython interpreters, one per version:", found.len());
    for python in &found {
        let shown = match &home {
            Some(home) => match python.path.strip_prefix(home) {
                Ok(rest) => format!("~/{}", rest.display()),
                Err(_) => python.path.display().to_string(),
            },
            None => python.path.display().to_string(),
        };
        println!(
            "  {:<6} {:<8} {shown}",
            python.version,
            full_version(&python.path)
        );
    }
    let missing: Vec<&str> = KNOWN
        .iter()
        .copied()
        .filter(|known| found.iter().all(|p| p.version != *known))
        .collect();
    if !missing.is_empty() {
        println!("not found here: {}", missing.join(", "));
    }
}
