//! The JSON record one experiment prints: the contract between the lab, the
//! notebook's store and the `charts` renderers.

use crate::Machine;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One experiment's result, printed as JSON on the lab's stdout.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// The experiment's name, e.g. `two_tasks`.
    pub experiment: String,
    /// A title that states the finding, e.g. "Two threads finish two tasks in half the time".
    pub title: String,
    pub machine: Machine,
    pub plot: Plot,
    /// Headline numbers, already formatted with units ("43 µs"), that prose and
    /// tables quote with `{{#value EXPERIMENT KEY}}`.
    #[serde(default)]
    pub values: BTreeMap<String, String>,
    /// Anything the reader should know about this run ("python3 not found: no CPython series").
    #[serde(default)]
    pub notes: Vec<String>,
}

/// What to draw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Plot {
    /// Named categories along x; in each, one bar per series at its median, with a
    /// min–max whisker. A point's `x` is the index of its category. With
    /// `log_y` the y axis is logarithmic, for bars that span decades.
    Bars {
        y_label: String,
        #[serde(default)]
        log_y: bool,
        categories: Vec<String>,
        series: Vec<Series>,
    },
    /// A numeric x axis; one line per series through the medians, min–max whiskers.
    Lines {
        x_label: String,
        y_label: String,
        #[serde(default)]
        log_x: bool,
        #[serde(default)]
        log_y: bool,
        series: Vec<Series>,
    },
    /// Who ran when: one lane per thread or process, filled where it ran.
    Timeline { x_label: String, lanes: Vec<Lane> },
}

/// One line or set of bars, drawn in its kind's colour everywhere in the book.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    pub name: String,
    pub kind: SeriesKind,
    pub points: Vec<Point>,
}

/// Every sample taken at one x, in the series' unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Point {
    pub x: f64,
    pub samples: Vec<f64>,
}

/// A lane of a timeline: the spans (start, end), in the x axis' unit, when it ran.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lane {
    pub name: String,
    pub kind: SeriesKind,
    pub spans: Vec<(f64, f64)>,
}

/// What a series measures; it fixes the series' colour across the book.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SeriesKind {
    Sequential,
    Threads,
    Processes,
    Rayon,
    GilThreads,
    CPythonThreads,
    CPythonProcesses,
    Spawn,
    /// Data moved between processes without copying it (`vmsplice`/`splice`).
    ZeroCopy,
    Other,
}

/// Minimum, median and maximum of a set of samples.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub min: f64,
    pub median: f64,
    pub max: f64,
}

impl Summary {
    /// Summarises `samples`; `None` when there are none (or any is NaN).
    pub fn of(samples: &[f64]) -> Option<Summary> {
        if samples.is_empty() || samples.iter().any(|s| s.is_nan()) {
            return None;
        }
        let mut sorted = samples.to_vec();
        sorted.sort_by(f64::total_cmp);
        let mid = sorted.len() / 2;
        let median = if sorted.len().is_multiple_of(2) {
            (sorted[mid - 1] + sorted[mid]) / 2.0
        } else {
            sorted[mid]
        };
        Some(Summary {
            min: sorted[0],
            median,
            max: sorted[sorted.len() - 1],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_takes_the_middle() {
        let s = Summary::of(&[3.0, 1.0, 2.0]).unwrap();
        assert_eq!((s.min, s.median, s.max), (1.0, 2.0, 3.0));
        assert_eq!(Summary::of(&[4.0, 1.0, 2.0, 3.0]).unwrap().median, 2.5);
        assert_eq!(Summary::of(&[]), None);
        assert_eq!(Summary::of(&[1.0, f64::NAN]), None);
    }

    #[test]
    fn records_round_trip_through_json() {
        let record = Record {
            experiment: "demo".into(),
            title: "Demo".into(),
            machine: Machine::detect(),
            plot: Plot::Bars {
                y_label: "seconds".into(),
                log_y: true,
                categories: vec!["a".into()],
                series: vec![Series {
                    name: "threads".into(),
                    kind: SeriesKind::Threads,
                    points: vec![Point {
                        x: 0.0,
                        samples: vec![1.0, 2.0],
                    }],
                }],
            },
            values: BTreeMap::from([("speedup".into(), "1.9x".into())]),
            notes: vec![],
        };
        let json = serde_json::to_string(&record).unwrap();
        assert_eq!(serde_json::from_str::<Record>(&json).unwrap(), record);
    }

    #[test]
    fn bars_stored_before_log_y_still_parse() {
        let json = r#"{"kind": "bars", "y_label": "time (ms)", "categories": ["a"],
            "series": [{"name": "a", "kind": "threads", "points": [{"x": 0, "samples": [1]}]}]}"#;
        let Plot::Bars { log_y, series, .. } = serde_json::from_str(json).unwrap() else {
            panic!("a bars record parsed as another plot");
        };
        assert!(!log_y);
        assert_eq!(series[0].points[0].samples, [1.0]);
    }
}
