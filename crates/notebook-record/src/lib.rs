//! The record a program prints on stdout for `mdbook-notebook` to draw as a
//! chart.
//!
//! A chart in a notebook book is a cell whose program prints one [`Record`] as
//! JSON and nothing else on stdout (progress belongs on stderr). The notebook
//! stores the record beside the run, draws its [`Plot`] as SVG, shows its
//! [`notes`](Record::notes) under the chart and lets prose quote its
//! [`values`](Record::values) with `{{#value CHART KEY}}`, so no measured number
//! is ever typed by hand.
//!
//! Every sample is kept: the chart shows the median and the spread, and a
//! reader can check both against the stored file.
//!
//! Only `serde` is needed to print one:
//!
//! ```
//! use notebook_record::{Plot, Point, Record, Series};
//!
//! let record = Record::new(
//!     "Two threads finish two tasks in half the time",
//!     Plot::Bars {
//!         y_label: "wall time (s)".into(),
//!         log_y: false,
//!         categories: vec!["1 thread".into(), "2 threads".into()],
//!         series: vec![Series::new(
//!             "Rust",
//!             vec![Point::new(0.0, vec![2.01, 1.98]), Point::new(1.0, vec![1.02, 1.0])],
//!         )],
//!     },
//! )
//! .with_value("speedup", "1.97x");
//! let json = serde_json::to_string(&record).unwrap();
//! assert!(json.starts_with(r#"{"title":"Two threads"#));
//! ```
//!
//! # Compatibility
//!
//! Fields may be added (with defaults, so older records still parse); none is
//! removed or changes meaning within a major version.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One chart's data, printed as JSON on a program's stdout.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    /// A title that states the finding, derived from the measured numbers
    /// ("Two threads finish two tasks 1.97x faster"), not a topic.
    pub title: String,
    pub plot: Plot,
    /// Headline numbers, already formatted with their units ("43 µs"), that
    /// prose quotes with `{{#value CHART KEY}}`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub values: BTreeMap<String, String>,
    /// What a reader should know about this run ("python3.12 not found: no
    /// series for it"), shown under the chart.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// The machine the data comes from, when it is not the machine that ran
    /// the program (a program that replays stored data). Left out, the
    /// notebook records the machine it ran the program on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub machine: Option<Machine>,
}

impl Record {
    /// A record with no values, notes or machine.
    pub fn new(title: impl Into<String>, plot: Plot) -> Record {
        Record {
            title: title.into(),
            plot,
            values: BTreeMap::new(),
            notes: Vec::new(),
            machine: None,
        }
    }

    /// Adds a headline value for `{{#value}}`.
    pub fn with_value(mut self, key: impl Into<String>, value: impl Into<String>) -> Record {
        self.values.insert(key.into(), value.into());
        self
    }
}

/// What to draw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Plot {
    /// Named categories along x; in each, one bar per series at the median of
    /// its samples, with a min–max whisker and every sample as a dot. A
    /// point's `x` is the index of its category. With `log_y` the y axis is
    /// logarithmic, for bars that span decades.
    Bars {
        y_label: String,
        #[serde(default)]
        log_y: bool,
        categories: Vec<String>,
        series: Vec<Series>,
    },
    /// A numeric x axis; one line per series through the medians, with
    /// min–max whiskers.
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

/// One line, or one bar in each category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Series {
    /// The legend's name for it.
    pub name: String,
    /// A CSS colour (`#0072B2`). Left out, the book's `series-colors` table
    /// in book.toml gives it by name, else the notebook's palette by order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    pub points: Vec<Point>,
}

impl Series {
    /// A series with no colour of its own.
    pub fn new(name: impl Into<String>, points: Vec<Point>) -> Series {
        Series {
            name: name.into(),
            color: None,
            points,
        }
    }

    /// Sets the series' colour (a CSS colour such as `#0072B2`).
    pub fn with_color(mut self, color: impl Into<String>) -> Series {
        self.color = Some(color.into());
        self
    }
}

/// Every sample taken at one x, in the series' unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Point {
    pub x: f64,
    pub samples: Vec<f64>,
}

impl Point {
    pub fn new(x: f64, samples: Vec<f64>) -> Point {
        Point { x, samples }
    }
}

/// A lane of a timeline: the spans (start, end), in the x axis' unit, when
/// it ran.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lane {
    /// The lane's label ("thread 1").
    pub name: String,
    /// The legend entry the lane belongs to ("model-GIL threads"); lanes of
    /// one group share a colour. Left out, the lane is its own group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// A CSS colour, as for [`Series::color`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    pub spans: Vec<(f64, f64)>,
}

/// The machine a record's data was measured on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Machine {
    /// CPU model name, e.g. "AMD EPYC 7B13".
    pub cpu: String,
    /// Cores the program could run on.
    pub cores: usize,
    /// Kernel name and release, e.g. "Linux 6.18.0".
    pub os: String,
    /// UTC date of the run, `YYYY-MM-DD`.
    pub date: String,
}

impl Machine {
    /// One line for a caption: "AMD EPYC 7B13, 2 cores, Linux 6.18.0, 2026-11-25".
    pub fn summary(&self) -> String {
        let cores = if self.cores == 1 { "core" } else { "cores" };
        format!(
            "{}, {} {cores}, {}, {}",
            self.cpu, self.cores, self.os, self.date
        )
    }
}

/// Minimum, median and maximum of a set of samples: what a chart draws of
/// each point.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub min: f64,
    pub median: f64,
    pub max: f64,
}

impl Summary {
    /// Summarises `samples`; `None` when there are none or any is NaN.
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
    fn records_round_trip_and_leave_out_what_is_empty() {
        let record = Record::new(
            "Demo",
            Plot::Lines {
                x_label: "workers".into(),
                y_label: "speedup".into(),
                log_x: false,
                log_y: true,
                series: vec![
                    Series::new("threads", vec![Point::new(1.0, vec![1.0, 1.1])])
                        .with_color("#0072B2"),
                ],
            },
        );
        let json = serde_json::to_string(&record).unwrap();
        assert!(!json.contains("values") && !json.contains("notes") && !json.contains("machine"));
        assert_eq!(serde_json::from_str::<Record>(&json).unwrap(), record);
    }

    #[test]
    fn a_minimal_hand_written_record_parses() {
        let json = r#"{"title": "t", "plot": {"kind": "timeline", "x_label": "ms",
            "lanes": [{"name": "main", "spans": [[0, 1.5]]}]}}"#;
        let record: Record = serde_json::from_str(json).unwrap();
        let Plot::Timeline { lanes, .. } = record.plot else {
            panic!("a timeline parsed as another plot");
        };
        assert_eq!(
            (lanes[0].group.as_deref(), lanes[0].spans[0]),
            (None, (0.0, 1.5))
        );
    }

    #[test]
    fn misspelt_fields_are_errors_not_silently_dropped() {
        let json = r#"{"title": "t", "plot": {"kind": "bars", "y_label": "s",
            "categories": [], "series": [{"name": "a", "colour": "red", "points": []}]}}"#;
        let err = serde_json::from_str::<Record>(json).unwrap_err();
        assert!(err.to_string().contains("colour"), "{err}");
    }
}
