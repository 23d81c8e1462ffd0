//! The frozen store: one JSON file per cell or chart under `outputs/`, like a
//! notebook's saved outputs. Committed, diffable (pretty, fixed field order,
//! trailing newline) and written atomically, so a failed or interrupted build
//! never leaves a half-written result that a later build would trust.

use crate::directive::Options;
use anyhow::{Context, Result, bail};
use lab::{Machine, Record};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Bumped when the stored layout changes; an older file then reads as corrupt
/// and is re-run (or refused in frozen mode).
pub const FORMAT: u32 = 1;

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

/// The result of one cell or chart, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stored {
    pub format: u32,
    /// What the result depends on, hashed (see `key`): a result whose key no
    /// longer matches is stale.
    pub key: String,
    pub kind: Kind,
    pub name: String,
    pub args: Vec<String>,
    pub options: Options,
    pub runs: Vec<Run>,
    pub machine: Machine,
    /// For a chart: its stdout, parsed. Stored parsed (and its run's `stdout`
    /// left empty) so the committed file diffs line by line.
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

/// The store's file for a cell or chart. A plain `{{#cell NAME}}` gets
/// `NAME.json`; with arguments or options, `NAME--<8 hex>.json`, so variants
/// of one example live side by side and a reader can still find them by name.
pub fn path(outputs: &Path, kind: Kind, name: &str, args: &[String], options: &Options) -> PathBuf {
    let default = match kind {
        Kind::Cell => Options::CELL,
        Kind::Chart => Options::CHART,
    };
    let file = if args.is_empty() && *options == default {
        format!("{name}.json")
    } else {
        let variant = serde_json::to_string(&(args, options)).expect("args and options serialize");
        let digest = Sha256::digest(variant.as_bytes());
        format!("{name}--{}.json", &crate::key::hex(&digest)[..8])
    };
    outputs.join(kind.folder()).join(file)
}

/// What is in the store for one cell or chart.
#[derive(Debug)]
pub enum Lookup {
    Missing,
    /// There is a file, but it cannot be trusted; the reason says why (it
    /// reads after the file's name).
    Corrupt(String),
    Found(Box<Stored>),
}

/// Reads `path`, checking that it is a complete result of `kind` `name`.
pub fn load(path: &Path, kind: Kind, name: &str) -> Lookup {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Lookup::Missing,
        Err(e) => return Lookup::Corrupt(format!("cannot be read: {e}")),
    };
    match parse(&text, kind, name) {
        Ok(stored) => Lookup::Found(Box::new(stored)),
        Err(e) => Lookup::Corrupt(format!("is not a valid stored result: {e:#}")),
    }
}

fn parse(text: &str, kind: Kind, name: &str) -> Result<Stored> {
    let stored: Stored = serde_json::from_str(text)?;
    if stored.format != FORMAT {
        bail!(
            "format {} (this notebook reads format {FORMAT})",
            stored.format
        );
    }
    if stored.kind != kind || stored.name != name {
        bail!("it holds {} `{}`", stored.kind.as_str(), stored.name);
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

/// Writes `stored` to `path` atomically: a temporary file in the same folder,
/// then a rename over the old file.
pub fn save(path: &Path, stored: &Stored) -> Result<()> {
    let dir = path.parent().context("store path has no folder")?;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut json = serde_json::to_string_pretty(stored)?;
    json.push('\n');
    let mut file = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    file.write_all(json.as_bytes())?;
    file.as_file().sync_all()?;
    file.persist(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// Every stored result under `outputs`, for reports such as the total cold
/// execution time. Unreadable files are skipped.
pub fn all(outputs: &Path) -> Vec<(PathBuf, Stored)> {
    let mut found = Vec::new();
    for kind in [Kind::Cell, Kind::Chart] {
        let Ok(entries) = std::fs::read_dir(outputs.join(kind.folder())) else {
            continue;
        };
        let mut paths: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        paths.sort();
        for path in paths {
            let stored = std::fs::read_to_string(&path)
                .ok()
                .and_then(|text| serde_json::from_str::<Stored>(&text).ok());
            if let Some(stored) = stored {
                found.push((path, stored));
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn sample() -> Stored {
        Stored {
            format: FORMAT,
            key: "ab".repeat(32),
            kind: Kind::Cell,
            name: "hello".into(),
            args: vec![],
            options: Options::CELL,
            runs: vec![Run {
                stdout: "hi\n".into(),
                stderr: String::new(),
                exit_code: 0,
                signal: None,
                duration_secs: 0.012,
            }],
            machine: Machine {
                cpu: "Test CPU".into(),
                cores: 2,
                os: "Linux 6.1".into(),
                rustc: "rustc 1.95.0".into(),
                date: "2026-11-25".into(),
            },
            record: None,
        }
    }

    #[test]
    fn file_names_show_variants() {
        let out = Path::new("outputs");
        let plain = path(out, Kind::Cell, "x", &[], &Options::CELL);
        assert_eq!(plain, Path::new("outputs/cells/x.json"));
        let with_args = path(out, Kind::Cell, "x", &["4".into()], &Options::CELL);
        let name = with_args.file_name().unwrap().to_str().unwrap();
        assert!(
            name.starts_with("x--") && name.len() == "x--12345678.json".len(),
            "{name}"
        );
        let other = path(out, Kind::Cell, "x", &["5".into()], &Options::CELL);
        assert_ne!(with_args, other);
        assert_eq!(
            path(out, Kind::Chart, "scaling", &[], &Options::CHART),
            Path::new("outputs/charts/scaling.json")
        );
    }

    #[test]
    fn save_then_load_round_trips_with_a_trailing_newline() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("cells/hello.json");
        save(&file, &sample()).unwrap();
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(
            text.ends_with("}\n") && text.starts_with("{\n  \"format\": 1,"),
            "{text}"
        );
        match load(&file, Kind::Cell, "hello") {
            Lookup::Found(stored) => assert_eq!(*stored, sample()),
            other => panic!("{other:?}"),
        }
        // Nothing but the result itself is left in the folder.
        assert_eq!(
            std::fs::read_dir(file.parent().unwrap()).unwrap().count(),
            1
        );
        assert_eq!(all(dir.path()).len(), 1);
    }

    #[test]
    fn damaged_files_are_corrupt_not_missing() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("x.json");
        assert!(matches!(load(&file, Kind::Cell, "hello"), Lookup::Missing));
        let good = serde_json::to_string(&sample()).unwrap();
        let cases = [
            good[..good.len() / 2].to_string(),
            good.replace("\"format\":1", "\"format\":0"),
            good.replace("\"hello\"", "\"other\""),
            good.replace("\"runs\":1", "\"runs\":2"),
        ];
        for text in cases {
            std::fs::write(&file, &text).unwrap();
            assert!(
                matches!(load(&file, Kind::Cell, "hello"), Lookup::Corrupt(_)),
                "{text}"
            );
        }
    }
}
