//! Speedup against the number of workers (chapter 09): 1 to 4 workers each
//! count down the same amount, as native threads, forked processes, rayon
//! tasks, model-GIL threads (crates/gil), and — where `python3`
//! exists — CPython threads and processes (crates/lab/python/gil_scaling.py).
//!
//! Speedup at n workers = n × (time of 1 worker) / (time of n workers), each
//! series against its own 1-worker time: n means perfect scaling, 1 means the
//! workers ran one at a time. Four workers on the book's 2-core machine show
//! both regimes: up to 2 the cores add speed, beyond 2 workers share cores
//! and the speedup stays at the core count (`--full` goes to twice the cores).
//!
//! The book quotes the speedups at 2 workers, so the points at 1 and 2 workers
//! get a sample in every round and the points beyond them, which only the
//! chart shows, a third as many, spread over the rounds.

use super::Args;
use crate::python::{self as lab_python, samples_at};
use crate::sample::{format_ratio, interleaved_counts, median};
use crate::ways::{GIL_THREADS, PROCESSES, RAYON, THREADS, Way};
use crate::{Plot, Point, Record, Series, SeriesKind};
use std::collections::BTreeMap;

/// Countdown steps per worker: a tenth of `tasks::cpu_task`, about 60 ms on
/// the book's 2-core machine. Measured there: at a fifth the experiment took
/// 32 s for the same spread of the 2-worker speedups. Shorter runs lower the
/// points beyond 2 workers, because each run of 3 or 4 workers on 2 cores
/// loses a few milliseconds to sharing them: about 1.9 at a fifth, 1.8 at a
/// tenth, 1.7 at a twentieth.
const COUNT: u64 = tasks::CPU_TASK_COUNT / 10;
/// About the same time per worker in CPython, whose countdown step is about
/// 100 times slower (37 ms on the machine that builds the book).
const PYTHON_COUNT: u64 = 3_000_000;
const PYTHON_SCRIPT: &str = "gil_scaling.py";
/// The points the book quotes (at 2 workers) or divides by (1 worker).
const QUOTED_WORKERS: usize = 2;

/// The lines of the chart, with the key prefix of their values (`threads_2`).
const LINES: [(Way, &str); 4] = [
    (THREADS, "threads"),
    (PROCESSES, "processes"),
    (RAYON, "rayon"),
    (GIL_THREADS, "gil"),
];

pub fn run(args: &Args) -> Result<Record, String> {
    // On the book's machine about 18% of the 2-worker samples come out 3% or
    // more low, at 30, 60 or 120 ms a sample alike, with no other program on
    // the CPU (measured). A median goes low when half its samples do: for 7
    // samples that is 2.3% of the values, for 9 it is 1.3%.
    let n = args.samples(9);
    // Points beyond QUOTED_WORKERS, which only the chart shows.
    let chart_only = (n / 3).max(1);
    let cores = crate::cores();
    let max_workers = if args.full { 2 * cores } else { 4 };
    let configs: Vec<(&Way, usize)> = LINES
        .iter()
        .flat_map(|(way, _)| (1..=max_workers).map(move |workers| (way, workers)))
        .collect();
    let labels: Vec<String> = configs
        .iter()
        .map(|(way, workers)| format!("{} x{workers}", way.name()))
        .collect();
    let label_refs: Vec<&str> = labels.iter().map(String::as_str).collect();
    // Warm up: on the book's machine the first countdown of a run is measurably
    // slower, which would skew the first "1 worker" sample.
    tasks::countdown(COUNT);
    let counts: Vec<usize> = configs
        .iter()
        .map(|&(_, workers)| {
            if workers <= QUOTED_WORKERS {
                n
            } else {
                chart_only
            }
        })
        .collect();
    let samples = interleaved_counts(&label_refs, &counts, |i| {
        let (way, workers) = configs[i];
        (way.measure)(workers, COUNT)
    })?;

    let mut series = Vec::new();
    for ((way, _), times) in LINES.iter().zip(samples.chunks(max_workers)) {
        series.push(speedup_series(way.name(), way.kind, times)?);
    }
    let mut notes = vec![format!(
        "Each worker counts down from {COUNT} (Rust) or {PYTHON_COUNT} (CPython); \
         speedup = workers x time of 1 worker / time of all workers. Points beyond \
         {QUOTED_WORKERS} workers have fewer samples: the book quotes none of them."
    )];
    match cpython(max_workers, n, chart_only) {
        Ok((version, python_series)) => {
            notes.push(format!("CPython {version}."));
            series.extend(python_series);
        }
        Err(why) => notes.push(format!("No CPython series: {why}.")),
    }

    let mut values = BTreeMap::new();
    let keys = LINES
        .iter()
        .map(|(_, key)| *key)
        .chain(["cpython_threads", "cpython_processes"]);
    for (key, line) in keys.zip(&series) {
        if let Some(at_2) = line.points.iter().find(|p| p.x == 2.0) {
            values.insert(
                format!("{key}_2"),
                format_ratio(median(key, &at_2.samples)?),
            );
        }
    }
    values.insert("max_workers".into(), max_workers.to_string());
    values.insert("cores".into(), cores.to_string());
    let title = title(&series);
    let plot = Plot::Lines {
        x_label: "workers".into(),
        y_label: "speedup over one worker (x)".into(),
        log_x: false,
        log_y: false,
        series,
    };
    Ok(Record {
        values,
        notes,
        ..Record::new(title, plot)
    })
}

/// Turns wall times (`times[w - 1]` = samples with w workers) into speedups
/// over the median 1-worker time, sample by sample.
fn speedup_series(name: &str, kind: SeriesKind, times: &[Vec<f64>]) -> Result<Series, String> {
    let one = median(name, &times[0])?;
    let points = times
        .iter()
        .enumerate()
        .map(|(i, samples)| {
            let workers = (i + 1) as f64;
            Point {
                x: workers,
                samples: samples.iter().map(|t| workers * one / t).collect(),
            }
        })
        .collect();
    Ok(kind.series(name, points))
}

/// CPython's threads and processes, from crates/lab/python/gil_scaling.py: its
/// version and two speedup series. The script runs twice: the quoted points in
/// `n` rounds, then every point in `chart_only` rounds; the samples of a point
/// measured in both runs are pooled.
fn cpython(
    max_workers: usize,
    n: usize,
    chart_only: usize,
) -> Result<(String, Vec<Series>), String> {
    let script = |workers: usize, rounds: usize| {
        let args = [PYTHON_COUNT, workers as u64, rounds as u64].map(|arg| arg.to_string());
        lab_python::run(PYTHON_SCRIPT, &args)
    };
    let quoted = script(QUOTED_WORKERS.min(max_workers), n)?;
    let every = script(max_workers, chart_only)?;
    let mut series = Vec::new();
    for (key, kind) in [
        ("threads", SeriesKind::CPythonThreads),
        ("processes", SeriesKind::CPythonProcesses),
    ] {
        let times: Vec<Vec<f64>> = (1..=max_workers)
            .map(|workers| {
                let mut samples = samples_at(&every[key][workers.to_string()])?;
                if workers <= QUOTED_WORKERS {
                    samples.extend(samples_at(&quoted[key][workers.to_string()])?);
                }
                Ok(samples)
            })
            .collect::<Result<_, String>>()
            .map_err(|e| format!("{PYTHON_SCRIPT}: {key}: {e}"))?;
        series.push(speedup_series(kind.legend(), kind, &times)?);
    }
    Ok((lab_python::version(&quoted), series))
}

/// A title that says which series scaled at 2 workers, from the measured numbers.
fn title(series: &[Series]) -> String {
    let at_2 = |kind: SeriesKind| {
        series
            .iter()
            .find(|s| s.color == kind.color())
            .and_then(|s| s.points.iter().find(|p| p.x == 2.0))
            .and_then(|p| median("", &p.samples).ok())
            .map_or("—".to_string(), format_ratio)
    };
    // Numbers rather than a verdict: on a noisy machine a verdict drawn from
    // a threshold flips from run to run; the numbers are what was measured.
    format!(
        "Speedup at 2 workers: threads {}, processes {}, rayon {}; model-GIL threads {}",
        at_2(SeriesKind::Threads),
        at_2(SeriesKind::Processes),
        at_2(SeriesKind::Rayon),
        at_2(SeriesKind::GilThreads),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    // `run` forks, so no test calls it (the harness is multi-threaded).

    #[test]
    fn speedup_is_relative_to_one_worker() {
        let series = speedup_series(
            "t",
            SeriesKind::Threads,
            &[vec![1.0, 1.0, 3.0], vec![1.0, 2.0]],
        )
        .unwrap();
        assert_eq!(series.points[0].samples, [1.0, 1.0, 1.0 / 3.0]);
        assert_eq!(series.points[1].x, 2.0);
        assert_eq!(series.points[1].samples, [2.0, 1.0]);
    }

    #[test]
    fn title_follows_the_numbers() {
        let line = |kind: SeriesKind, at_2: f64| Series {
            name: String::new(),
            color: kind.color(),
            points: vec![Point {
                x: 2.0,
                samples: vec![at_2],
            }],
        };
        let mut series = vec![
            line(SeriesKind::Threads, 1.95),
            line(SeriesKind::Processes, 1.97),
            line(SeriesKind::Rayon, 1.9),
            line(SeriesKind::GilThreads, 0.99),
        ];
        assert_eq!(
            title(&series),
            "Speedup at 2 workers: threads 1.95x, processes 1.97x, rayon 1.90x; \
             model-GIL threads 0.99x"
        );
        series.remove(2);
        assert!(title(&series).contains("rayon —;"), "{}", title(&series));
    }
}
