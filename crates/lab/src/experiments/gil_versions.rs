//! The GIL across CPython versions (chapter 27): every interpreter this
//! machine has (`examples/python_versions.rs` finds them; it is compiled here
//! with `#[path]`) runs `python/gil_versions.py`: two CPU-bound threads
//! against one, a 0.1 ms sleep beside a CPU-bound thread, and `counter += 1`
//! updates lost between 4 threads. A version this machine lacks is a note
//! and "not found here" in the values, never a failure.
//!
//! book.toml's `[preprocessor.notebook.reads]` puts the example and the
//! script in the lab's keys (they belong to the book's root package, which
//! the lab's own key does not follow). Which interpreters are installed is,
//! like the machine, not in the key.

use super::Args;
use crate::python;
use crate::sample::{format_ratio, format_seconds, median};
use crate::{Plot, Point, Record, Series, SeriesKind};
use serde_json::Value;
use std::collections::BTreeMap;

const SCRIPT: &str = "gil_versions.py";

pub fn run(args: &Args) -> Result<Record, String> {
    let rounds = args.samples(3);
    let script = python::book_script(SCRIPT);
    let mut measured: Vec<(String, Value)> = Vec::new();
    let mut notes = Vec::new();
    for python in python::interpreters() {
        match python.run_path(&script, &["--json".into(), rounds.to_string()]) {
            Ok(json) => measured.push((python.version, json)),
            Err(why) => notes.push(format!("{} did not run: {why}.", python.version)),
        }
    }
    if measured.is_empty() {
        return Err("no CPython interpreter found (pyenv or PATH)".into());
    }

    let mut values = BTreeMap::new();
    let mut speedups = Vec::new();
    for (i, (version, json)) in measured.iter().enumerate() {
        let samples = |key: &str| -> Result<Vec<f64>, String> {
            json[key]
                .as_array()
                .ok_or_else(|| format!("{version}: no {key}"))?
                .iter()
                .map(|v| v.as_f64().ok_or_else(|| format!("{version}: {key}: {v}")))
                .collect()
        };
        let two = samples("two_against_one")?;
        values.insert(
            format!("two_against_one_{version}"),
            format_ratio(median(version, &two)?),
        );
        values.insert(
            format!("convoy_{version}"),
            format_seconds(median(version, &samples("convoy")?)?),
        );
        let lost = median(version, &samples("lost")?)?;
        let increments = json["increments"]
            .as_f64()
            .ok_or_else(|| format!("{version}: no increments"))?;
        values.insert(
            format!("lost_{version}"),
            format!("{:.0}%", 100.0 * lost / increments),
        );
        values.insert(
            format!("full_{version}"),
            json["python"].as_str().unwrap_or(version).to_string(),
        );
        if json["gil"] == Value::Bool(false) {
            notes.push(format!(
                "{version} ran without a GIL (free-threaded build)."
            ));
        }
        speedups.push(Point {
            x: i as f64,
            samples: two,
        });
    }
    let versions: Vec<String> = measured.iter().map(|(v, _)| v.clone()).collect();
    let missing: Vec<&str> = python::KNOWN
        .iter()
        .copied()
        .filter(|known| !versions.iter().any(|v| v == known))
        .collect();
    for version in &missing {
        for key in ["two_against_one", "convoy", "lost", "full"] {
            values.insert(format!("{key}_{version}"), "not found here".into());
        }
    }
    if !missing.is_empty() {
        notes.push(format!("Not found here: {}.", missing.join(", ")));
    }
    values.insert("found".into(), versions.join(", "));
    notes.insert(
        0,
        "Speedup of two threads that each count down 2,000,000 over one thread that counts \
         down once: 2x would be parallel, 1x taking turns."
            .into(),
    );
    let title = title(&versions, &values);
    Ok(Record {
        values,
        notes,
        ..Record::new(
            title,
            Plot::Bars {
                y_label: "two CPU-bound threads against one (x), by CPython version".into(),
                log_y: false,
                categories: versions.clone(),
                series: vec![Series {
                    name: "CPython threads".into(),
                    color: SeriesKind::CPythonThreads.color(),
                    points: speedups,
                }],
            },
        )
    })
}

/// The oldest and newest versions' numbers, from what was measured.
fn title(versions: &[String], values: &BTreeMap<String, String>) -> String {
    let about = |v: &str| {
        format!(
            "{v}: two threads {}, a 0.1 ms sleep {}, {} of updates lost",
            values[&format!("two_against_one_{v}")],
            values[&format!("convoy_{v}")],
            values[&format!("lost_{v}")],
        )
    };
    match versions {
        [] => String::new(),
        [only] => about(only),
        [first, .., last] => format!("{}; {}", about(first), about(last)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpreter_names_give_their_versions() {
        for (name, version) in [
            ("python2.7", Some("2.7")),
            ("python3.13t", Some("3.13t")),
            ("python3.10", Some("3.10")),
            ("python3", None),
            ("python3.6m", None),
            ("python3.11-config", None),
            ("pythonw3.11", None),
        ] {
            assert_eq!(python::version_of(name).as_deref(), version, "{name}");
        }
    }

    #[test]
    fn the_title_names_the_oldest_and_newest() {
        let mut values = BTreeMap::new();
        for (v, two, nap, lost) in [
            ("2.7", "0.48x", "170 µs", "50%"),
            ("3.13", "0.99x", "5.25 ms", "0%"),
        ] {
            values.insert(format!("two_against_one_{v}"), two.to_string());
            values.insert(format!("convoy_{v}"), nap.to_string());
            values.insert(format!("lost_{v}"), lost.to_string());
        }
        let versions = ["2.7".to_string(), "3.13".to_string()];
        assert_eq!(
            title(&versions, &values),
            "2.7: two threads 0.48x, a 0.1 ms sleep 170 µs, 50% of updates lost; \
             3.13: two threads 0.99x, a 0.1 ms sleep 5.25 ms, 0% of updates lost"
        );
    }
}
