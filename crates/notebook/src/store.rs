//! The stored results: one JSON file per cell or chart under `outputs/`,
//! like a notebook's saved outputs. Committed, diffable (pretty, fixed field
//! order, trailing newline) and written atomically, so a failed or killed
//! build never leaves a half-written result that a later build would trust.

use crate::directive::Cwd;
use anyhow::{Context, Result, bail};
use notebook_record::{Machine, Record};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Bumped when the stored layout changes; an older file then reads as
/// corrupt and is run again (or refused in frozen mode).
pub const FORMAT: u32 = 2;

/// Prefix and suffix of a result being written: a build killed mid-write
/// leaves one, and the next build removes it.
const TEMPORARY: (&str, &str) = (".notebook-", ".tmp");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Cell,
    Chart,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Cell => "cell",
            Kind::Chart => "chart",
        }
    }

    fn folder(self) -> &'static str {
        match self {
            Kind::Cell => "cells",
            Kind::Chart => "charts",
        }
    }
}

/// The options that change what a program prints, as it ran.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunOptions {
    pub exit: i32,
    pub runs: u32,
    pub cwd: Cwd,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reads: Vec<String>,
}

/// The result of one cell or chart, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stored {
    pub format: u32,
    /// What the result depends on, hashed (see `key`): a result whose key no
    /// longer matches is stale.
    pub key: String,
    pub kind: Kind,
    /// The program, as a directive names it (`fork_pipe`, `race.py`, `bin:lab`).
    pub program: String,
    pub args: Vec<String>,
    pub options: RunOptions,
    /// The files the program is made of, relative to the book: for Rust,
    /// what the compiler read (its dep-info); for a script, the script and
    /// its local imports.
    pub sources: Vec<String>,
    /// The compiler or interpreter that ran it ("rustc 1.95.0", "Python 3.11.7").
    pub toolchain: String,
    pub machine: Machine,
    pub runs: Vec<Run>,
    /// For a chart: its stdout, parsed (and its run's `stdout` left empty),
    /// so the committed file diffs line by line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<Record>,
}

/// One execution of the program.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Run {
    pub stdout: String,
    pub stderr: String,
    /// The exit code, or 128+N for a death by signal N (as a shell reports it).
    pub exit_code: i32,
    /// The signal that ended the program, if one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal: Option<i32>,
    pub duration_secs: f64,
}

/// The store's file for a result: `cells/STEM.json`, or with arguments or
/// options `cells/STEM--<8 hex>.json`, so variants of one program live side
/// by side and a reader can still find them by name.
pub fn path(outputs: &Path, kind: Kind, stem: &str, variant: Option<&str>) -> PathBuf {
    let file = match variant {
        None => format!("{stem}.json"),
        Some(variant) => {
            let digest = crate::key::hex(&sha2::Sha256::digest(variant.as_bytes()));
            format!("{stem}--{}.json", &digest[..8])
        }
    };
    outputs.join(kind.folder()).join(file)
}

use sha2::Digest as _;

/// What is in the store for one result.
#[derive(Debug)]
pub enum Lookup {
    Missing,
    /// There is a file, but it cannot be trusted; the reason says why (it
    /// reads after the file's name).
    Corrupt(String),
    Found(Box<Stored>),
}

/// Reads `path`, checking that it is a complete result of `kind` `program`.
pub fn load(path: &Path, kind: Kind, program: &str) -> Lookup {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Lookup::Missing,
        Err(e) => return Lookup::Corrupt(format!("cannot be read: {e}")),
    };
    match parse(&text, kind, program) {
        Ok(stored) => Lookup::Found(Box::new(stored)),
        Err(e) => Lookup::Corrupt(format!("is not a valid stored result: {e:#}")),
    }
}

fn parse(text: &str, kind: Kind, program: &str) -> Result<Stored> {
    let format: Option<u32> = serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .and_then(|v| v.get("format")?.as_u64())
        .map(|f| f as u32);
    if let Some(format) = format.filter(|f| *f != FORMAT) {
        bail!("format {format} (this notebook reads format {FORMAT})");
    }
    let stored: Stored = serde_json::from_str(text)?;
    if stored.kind != kind || stored.program != program {
        bail!("it holds {} `{}`", stored.kind.as_str(), stored.program);
    }
    if stored.runs.len() != stored.options.runs as usize {
        bail!(
            "{} runs stored, {} expected",
            stored.runs.len(),
            stored.options.runs
        );
    }
    if kind == Kind::Chart && stored.record.is_none() {
        bail!("a chart result without its record");
    }
    Ok(stored)
}

/// Writes `stored` to `path` atomically: a temporary file in the same
/// folder, then a rename over the old file.
pub fn save(path: &Path, stored: &Stored) -> Result<()> {
    let dir = path.parent().context("store path has no folder")?;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut json = serde_json::to_string_pretty(stored)?;
    json.push('\n');
    let mut file = tempfile::Builder::new()
        .prefix(TEMPORARY.0)
        .suffix(TEMPORARY.1)
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    file.write_all(json.as_bytes())?;
    // A temporary file is private (0600); a result is a file of the book.
    #[cfg(unix)]
    std::fs::set_permissions(
        file.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o644),
    )?;
    file.as_file().sync_all()?;
    file.persist(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// Removes what a killed build left half-written. Only one build runs at a
/// time (`lock`), so any such file is a leftover.
pub fn remove_temporary(outputs: &Path) -> Vec<PathBuf> {
    let mut removed = Vec::new();
    for kind in [Kind::Cell, Kind::Chart] {
        let Ok(entries) = std::fs::read_dir(outputs.join(kind.folder())) else {
            continue;
        };
        for path in entries.flatten().map(|e| e.path()) {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
            let leftover =
                name.is_some_and(|n| n.starts_with(TEMPORARY.0) && n.ends_with(TEMPORARY.1));
            if leftover && std::fs::remove_file(&path).is_ok() {
                removed.push(path);
            }
        }
    }
    removed
}

/// The paths of every stored result under `outputs`.
pub fn all(outputs: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for kind in [Kind::Cell, Kind::Chart] {
        let Ok(entries) = std::fs::read_dir(outputs.join(kind.folder())) else {
            continue;
        };
        found.extend(
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "json")),
        );
    }
    found.sort();
    found
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn sample() -> Stored {
        Stored {
            format: FORMAT,
            key: "ab".repeat(32),
            kind: Kind::Cell,
            program: "hello".into(),
            args: vec![],
            options: RunOptions {
                exit: 0,
                runs: 1,
                cwd: Cwd::Temp,
                reads: vec![],
            },
            sources: vec!["examples/hello.rs".into()],
            toolchain: "rustc 1.95.0".into(),
            machine: Machine {
                cpu: "Test CPU".into(),
                cores: 2,
                os: "Linux 6.1".into(),
                date: "2026-11-25".into(),
            },
            runs: vec![Run {
                stdout: "hi\n".into(),
                stderr: String::new(),
                exit_code: 0,
                signal: None,
                duration_secs: 0.012,
            }],
            record: None,
        }
    }

    #[test]
    fn file_names_show_variants() {
        let out = Path::new("outputs");
        assert_eq!(
            path(out, Kind::Cell, "x", None),
            Path::new("outputs/cells/x.json")
        );
        let a = path(out, Kind::Cell, "x.py", Some("[\"4\"]"));
        let name = a.file_name().unwrap().to_str().unwrap();
        assert!(
            name.starts_with("x.py--") && name.len() == "x.py--12345678.json".len(),
            "{name}"
        );
        assert_ne!(a, path(out, Kind::Cell, "x.py", Some("[\"5\"]")));
        assert_eq!(
            path(out, Kind::Chart, "scaling", None),
            Path::new("outputs/charts/scaling.json")
        );
    }

    #[test]
    fn save_then_load_round_trips_and_leaves_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("cells/hello.json");
        save(&file, &sample()).unwrap();
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(
            text.ends_with("}\n") && text.starts_with("{\n  \"format\": 2,"),
            "{text}"
        );
        match load(&file, Kind::Cell, "hello") {
            Lookup::Found(stored) => assert_eq!(*stored, sample()),
            other => panic!("{other:?}"),
        }
        assert_eq!(all(dir.path()), std::slice::from_ref(&file));
        assert_eq!(
            std::fs::read_dir(file.parent().unwrap()).unwrap().count(),
            1
        );
    }

    #[test]
    fn damaged_or_foreign_files_are_corrupt_not_missing() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("x.json");
        assert!(matches!(load(&file, Kind::Cell, "hello"), Lookup::Missing));
        let good = serde_json::to_string(&sample()).unwrap();
        for (text, why) in [
            (good[..good.len() / 2].to_string(), "EOF"),
            (good.replace("\"format\":2", "\"format\":1"), "format 1"),
            (good.replace("\"hello\"", "\"other\""), "holds cell `other`"),
            (good.replace("\"runs\":1", "\"runs\":2"), "2 expected"),
            (good.replace("\"key\"", "\"kee\""), "kee"),
        ] {
            std::fs::write(&file, &text).unwrap();
            match load(&file, Kind::Cell, "hello") {
                Lookup::Corrupt(reason) => assert!(reason.contains(why), "{reason}"),
                other => panic!("{text}: {other:?}"),
            }
        }
    }

    #[test]
    fn leftover_temporary_files_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let cells = dir.path().join("cells");
        std::fs::create_dir_all(&cells).unwrap();
        std::fs::write(cells.join(".notebook-abc.tmp"), "{").unwrap();
        std::fs::write(cells.join("keep.json"), "{}").unwrap();
        assert_eq!(
            remove_temporary(dir.path()),
            [cells.join(".notebook-abc.tmp")]
        );
        assert_eq!(all(dir.path()), [cells.join("keep.json")]);
    }
}
