//! The convoy effect (chapter 12): how long a 100 µs sleep takes, measured
//! around the sleep and the retake of the GIL, in a thread that shares the
//! GIL with 0, 1 or 2 CPU-bound threads — under the model GIL and, where
//! `python3` exists, under CPython's (crates/lab/python/gil_convoy.py) — at the default
//! switch interval of 5 ms and at 1 ms.
//!
//! After each sleep the thread must wait for the GIL: a CPU-bound holder
//! keeps it until the waiter has waited a whole switch interval and asked.

use super::Args;
use crate::python as lab_python;
use crate::python::samples_at;
use crate::sample::{format_ratio, format_seconds, median};
use crate::{Plot, Point, Record, Series, SeriesKind};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

const NAP: Duration = Duration::from_micros(100);
const PYTHON_SCRIPT: &str = "gil_convoy.py";

/// The bars: (CPU-bound threads, switch interval in ms).
const CONFIGS: [(usize, u64); 5] = [(0, 5), (1, 5), (2, 5), (1, 1), (2, 1)];

pub fn run(args: &Args) -> Result<Record, String> {
    // Every sleep is a sample: 100 by default, about 0.5 s per configuration.
    let sleeps = args.samples(100);
    let mut model = Vec::new();
    for (cpu_threads, interval_ms) in CONFIGS {
        eprintln!("  model GIL: {cpu_threads} CPU threads, {interval_ms} ms interval");
        model.push(model_latencies(
            cpu_threads,
            Duration::from_millis(interval_ms),
            sleeps,
        ));
    }
    let mut series = vec![to_series("model GIL", SeriesKind::GilThreads, model)];
    let mut notes = vec![
        "Each sample is one sleep of 100 µs, timed from before the GIL is released to \
         after it is taken back. \"2 CPU, 5 ms\": beside 2 CPU-bound threads, at a 5 ms \
         switch interval."
            .to_string(),
    ];
    match cpython(sleeps) {
        Ok((version, latencies)) => {
            notes.push(format!("CPython {version}, the same measurement."));
            series.push(to_series("CPython", SeriesKind::CPythonThreads, latencies));
        }
        Err(why) => notes.push(format!("No CPython series: {why}.")),
    }

    let mut values = BTreeMap::new();
    for (line, prefix) in series.iter().zip(["model", "cpython"]) {
        for (point, (cpu_threads, interval_ms)) in line.points.iter().zip(CONFIGS) {
            let key = format!("{prefix}_{cpu_threads}cpu_{interval_ms}ms");
            values.insert(key.clone(), format_ms(median(&key, &point.samples)?));
        }
    }
    if let [model, cpython] = &series[..] {
        // The model's latency over CPython's, one CPU thread, 5 ms.
        let ratio = median("", &model.points[1].samples)? / median("", &cpython.points[1].samples)?;
        values.insert("model_vs_cpython_1cpu".into(), format_ratio(ratio));
    }
    let alone = median("alone", &series[0].points[0].samples)?;
    let crowded = median("crowded", &series[0].points[1].samples)?;
    Ok(Record {
        title: format!(
            "Beside one CPU-bound thread, a 100 µs sleep takes {} instead of {}",
            format_ms(crowded),
            format_ms(alone)
        ),
        machine: None,
        plot: Plot::Bars {
            y_label: "time for a 100 µs sleep (ms)".into(),
            log_y: false,
            categories: CONFIGS
                .iter()
                .map(|&(cpu, interval)| match cpu {
                    0 => "alone".to_string(),
                    _ => format!("{cpu} CPU, {interval} ms"),
                })
                .collect(),
            series,
        },
        values,
        notes,
    })
}

/// A median in milliseconds (the series' unit), written with its unit.
fn format_ms(ms: f64) -> String {
    format_seconds(ms / 1e3)
}

/// One bar per configuration, samples in milliseconds.
fn to_series(name: &str, kind: SeriesKind, latencies: Vec<Vec<f64>>) -> Series {
    Series {
        name: name.into(),
        color: kind.color(),
        points: latencies
            .into_iter()
            .enumerate()
            .map(|(i, samples)| Point {
                x: i as f64,
                samples: samples.into_iter().map(|s| s * 1e3).collect(),
            })
            .collect(),
    }
}

/// Seconds each of `sleeps` naps took in this thread, with `cpu_threads`
/// threads counting down under the same model GIL.
fn model_latencies(cpu_threads: usize, interval: Duration, sleeps: usize) -> Vec<f64> {
    let gil = gil::Gil::with_switch_interval(interval);
    let stop = AtomicBool::new(false);
    thread::scope(|s| {
        for _ in 0..cpu_threads {
            s.spawn(|| {
                gil.attach(|py| {
                    while !stop.load(Ordering::Relaxed) {
                        gil::countdown(py, 1_000_000);
                    }
                })
            });
        }
        let latencies = gil.attach(|py| {
            py.detach(|| thread::sleep(Duration::from_millis(20))); // let them start
            (0..sleeps)
                .map(|_| {
                    let start = Instant::now();
                    py.detach(|| thread::sleep(NAP));
                    start.elapsed().as_secs_f64()
                })
                .collect()
        });
        stop.store(true, Ordering::Relaxed);
        latencies
    })
}

/// CPython's latencies, in the order of [`CONFIGS`].
fn cpython(sleeps: usize) -> Result<(String, Vec<Vec<f64>>), String> {
    let json = lab_python::run(PYTHON_SCRIPT, &[sleeps.to_string()])?;
    let version = json["python"].as_str().unwrap_or("3").to_string();
    let latencies = CONFIGS
        .iter()
        .map(|(cpu, interval)| samples_at(&json[interval.to_string()][cpu.to_string()]))
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{PYTHON_SCRIPT}: {e}"))?;
    Ok((version, latencies))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Invariants, not times: one sample per sleep, none shorter than the nap.
    #[test]
    fn every_sleep_is_measured_in_full() {
        let latencies = model_latencies(1, Duration::from_millis(1), 5);
        assert_eq!(latencies.len(), 5);
        assert!(latencies.iter().all(|&s| s >= NAP.as_secs_f64()));
    }
}
