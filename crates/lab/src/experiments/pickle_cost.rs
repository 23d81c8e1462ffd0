//! What `multiprocessing` pays to move data (chapter 24): one argument of
//! 1 KiB to 16 MiB sent to a running pool worker and returned, as `bytes`
//! and as a list of floats, and the list pickled and unpickled twice in one
//! process, the serialisation part of that round trip
//! (crates/lab/python/pickle_cost.py).

use super::Args;
use crate::python::{samples_at, version};
use crate::sample::{format_seconds, median};
use crate::{Plot, Point, Record, Series, SeriesKind};
use std::collections::BTreeMap;

/// Payload sizes in bytes (pickled, about): 1 KiB to 16 MiB.
const SIZES: [u64; 5] = [1 << 10, 16 << 10, 256 << 10, 4 << 20, 16 << 20];
const SCRIPT: &str = "pickle_cost.py";
const MIB: f64 = (1 << 20) as f64;

/// (JSON key of the samples, JSON key of the pickled sizes, legend, colour).
const LINES: [(&str, &str, &str, SeriesKind); 3] = [
    (
        "round_trip_bytes",
        "bytes",
        "to a worker and back: bytes",
        SeriesKind::CPythonProcesses,
    ),
    (
        "round_trip_floats",
        "floats",
        "to a worker and back: list of floats",
        SeriesKind::Spawn,
    ),
    (
        "pickling_floats",
        "floats",
        "pickle + unpickle the list, twice, no worker",
        SeriesKind::Other,
    ),
];

pub fn run(args: &Args) -> Result<Record, String> {
    let rounds = args.samples(5);
    let mut script_args = vec![rounds.to_string()];
    script_args.extend(SIZES.iter().map(u64::to_string));
    let json = crate::python::run(SCRIPT, &script_args)?;
    let mut series = Vec::new();
    let mut values = BTreeMap::new();
    for (key, size_key, name, kind) in LINES {
        let points = (0..SIZES.len())
            .map(|i| {
                let bytes = json["sizes"][size_key][i]
                    .as_f64()
                    .ok_or_else(|| format!("{SCRIPT}: no size {i} of {size_key}"))?;
                let samples =
                    samples_at(&json[key][i]).map_err(|e| format!("{SCRIPT}: {key}: {e}"))?;
                Ok(Point {
                    x: bytes / MIB,
                    samples: samples.iter().map(|s| s * 1e3).collect(),
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        let first = median(key, &points[0].samples)? / 1e3;
        let last = points.last().expect("SIZES is not empty");
        let (largest, last_s) = (last.x, median(key, &last.samples)? / 1e3);
        values.insert(format!("{key}_smallest"), format_seconds(first));
        values.insert(format!("{key}_largest"), format_seconds(last_s));
        values.insert(
            format!("{key}_rate"),
            format!("{:.0} MiB/s", 2.0 * largest / last_s),
        );
        series.push(Series {
            name: name.into(),
            color: kind.color(),
            points,
        });
    }
    let largest = SIZES[SIZES.len() - 1] >> 20;
    values.insert("largest".into(), format!("{largest} MiB"));
    let title = format!(
        "To a pool worker and back: {} for 1 KiB; for {largest} MiB, {} as bytes, {} as a \
             list of floats",
        values["round_trip_bytes_smallest"],
        values["round_trip_bytes_largest"],
        values["round_trip_floats_largest"],
    );
    Ok(Record {
        values,
        notes: vec![format!(
            "CPython {}, a running fork Pool of one worker; pool.apply(echo, (payload,)) sends \
             the argument and receives it back, so each crosses the pipe twice (the rate \
             counts both ways). A sample of a small argument is the median of up to 50 calls.",
            version(&json)
        )],
        ..Record::new(
            title,
            Plot::Lines {
                x_label: "pickled size of the argument (MiB, log scale)".into(),
                y_label: "time (ms, log scale)".into(),
                log_x: true,
                log_y: true,
                series,
            },
        )
    })
}
