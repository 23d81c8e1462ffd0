//! Escaping the GIL from Rust (chapter 23): 1 to 4 CPython threads each call
//! the extension module `escape_gil` (crates/escape-gil, built with the lab
//! as its dependency) once, `count_holding` or `count_releasing`; beside
//! them, model-GIL threads (crates/gil) that run the same Rust countdown
//! attached, or attached and then detached.
//!
//! Speedup at n threads = n × (time of 1 thread) / (time of n threads), as in
//! `scaling`. The module is the file Cargo built for this very lab binary, so
//! a change to the extension rebuilds the lab and makes this record stale:
//! the lab names `escape_gil`, which puts the crate's sources and its
//! `Cargo.lock` entries (pyo3) in the record's key.

use super::Args;
use crate::python::{samples_at, version};
use crate::sample::{format_ratio, format_seconds, interleaved, median, seconds};
use crate::speedup::{at, over_workers};
use crate::ways::GIL_THREADS;
use crate::{Plot, Record, Series, SeriesKind};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::thread;

/// Countdown steps per call: about 25 ms on the machine that builds the book.
/// The same Rust code runs in every series, so one count serves them all.
const COUNT: u64 = 100_000_000;
const MAX_THREADS: usize = 4;
const PYTHON_SCRIPT: &str = "escape_gil_threads.py";

pub fn run(args: &Args) -> Result<Record, String> {
    let rounds = args.samples(5);
    let threads: Vec<usize> = (1..=MAX_THREADS).collect();
    let labels: Vec<String> = [false, true]
        .iter()
        .flat_map(|detach| {
            threads
                .iter()
                .map(move |n| format!("model detach={detach} x{n}"))
        })
        .collect();
    let label_refs: Vec<&str> = labels.iter().map(String::as_str).collect();
    escape_gil::work(COUNT); // warm up
    let samples = interleaved(&label_refs, rounds, |i| {
        let threads = i % MAX_THREADS + 1;
        if i < MAX_THREADS {
            (GIL_THREADS.measure)(threads, COUNT)
        } else {
            Ok(detached(threads))
        }
    })?;
    let mut series = vec![
        over_workers(
            "model-GIL threads, attached",
            GIL_THREADS.kind,
            &samples[..MAX_THREADS],
        )?,
        over_workers(
            "model-GIL threads, detached",
            SeriesKind::Other,
            &samples[MAX_THREADS..],
        )?,
    ];
    let one_call = median("one call", &samples[0][..])?;
    let mut notes = vec![format!(
        "Each thread counts down from {COUNT} once, in Rust ({} alone); speedup = threads x \
         time of 1 thread / time of all threads.",
        format_seconds(one_call)
    )];
    match cpython(rounds) {
        Ok((version, python_series)) => {
            notes.push(format!(
                "CPython {version}, importing escape_gil.so built with this lab."
            ));
            series.extend(python_series);
        }
        Err(why) => notes.push(format!("No CPython series: {why}.")),
    }

    let mut values = BTreeMap::new();
    for (line, key) in series.iter().zip([
        "model_attached",
        "model_detached",
        "cpython_holding",
        "cpython_releasing",
    ]) {
        values.insert(format!("{key}_2"), format_ratio(at(line, 2.0)?));
    }
    for key in ["cpython_holding_2", "cpython_releasing_2"] {
        values
            .entry(key.to_string())
            .or_insert_with(|| "not measured (see the chart's notes)".into());
    }
    values.insert("one_call".into(), format_seconds(one_call));
    let title = title(&series);
    Ok(Record {
        values,
        notes,
        ..Record::new(
            title,
            Plot::Lines {
                x_label: "threads".into(),
                y_label: "speedup over one thread (x)".into(),
                log_x: false,
                log_y: false,
                series,
            },
        )
    })
}

/// Wall time of `threads` model-GIL threads that each attach, then count
/// down [`COUNT`] detached, as `count_releasing` does.
fn detached(threads: usize) -> f64 {
    let gil = gil::Gil::new();
    seconds(|| {
        thread::scope(|s| {
            for _ in 0..threads {
                s.spawn(|| gil.attach(|py| py.detach(|| escape_gil::work(COUNT))));
            }
        })
    })
}

/// CPython's two series: the module installed into a fresh folder, the
/// script's samples turned into speedups.
fn cpython(rounds: usize) -> Result<(String, Vec<Series>), String> {
    let dir = ScratchDir::new()?;
    escape_gil::install(&dir.0)?;
    let json = crate::python::run(
        PYTHON_SCRIPT,
        &[
            dir.0.display().to_string(),
            COUNT.to_string(),
            MAX_THREADS.to_string(),
            rounds.to_string(),
        ],
    )?;
    let version = version(&json);
    let mut series = Vec::new();
    for (key, name, kind) in [
        (
            "holding",
            "CPython threads, count_holding",
            SeriesKind::CPythonThreads,
        ),
        (
            "releasing",
            "CPython threads, count_releasing",
            SeriesKind::Threads,
        ),
    ] {
        let times: Vec<Vec<f64>> = (1..=MAX_THREADS)
            .map(|n| samples_at(&json[key][n.to_string()]))
            .collect::<Result<_, _>>()
            .map_err(|e| format!("{PYTHON_SCRIPT}: {key}: {e}"))?;
        series.push(over_workers(name, kind, &times)?);
    }
    Ok((version, series))
}

/// A folder of its own under the system's temporary directory, removed when
/// dropped.
struct ScratchDir(PathBuf);

impl ScratchDir {
    fn new() -> Result<ScratchDir, String> {
        let path = std::env::temp_dir().join(format!("lab-escape-gil-{}", std::process::id()));
        std::fs::create_dir_all(&path)
            .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
        Ok(ScratchDir(path))
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(Path::new(&self.0));
    }
}

/// The speedups at 2 threads, from the measured numbers.
fn title(series: &[Series]) -> String {
    let at_2 = |kind: SeriesKind| {
        series
            .iter()
            .find(|s| s.color == kind.color())
            .and_then(|s| at(s, 2.0).ok())
            .map_or("—".to_string(), format_ratio)
    };
    format!(
        "CPython threads calling Rust, 2 threads: {} holding the GIL, {} releasing it \
         (model: {} attached, {} detached)",
        at_2(SeriesKind::CPythonThreads),
        at_2(SeriesKind::Threads),
        at_2(SeriesKind::GilThreads),
        at_2(SeriesKind::Other),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Point;

    #[test]
    fn title_quotes_each_series_at_two_threads() {
        let line = |kind: SeriesKind, at_2: f64| kind.series("", vec![Point::new(2.0, vec![at_2])]);
        let series = [
            line(SeriesKind::GilThreads, 1.0),
            line(SeriesKind::Other, 1.9),
            line(SeriesKind::CPythonThreads, 0.99),
            line(SeriesKind::Threads, 1.95),
        ];
        assert_eq!(
            title(&series),
            "CPython threads calling Rust, 2 threads: 0.99x holding the GIL, 1.95x releasing it \
             (model: 1.00x attached, 1.90x detached)"
        );
        assert!(title(&series[..2]).contains("— holding"));
    }
}
