//! The convoy effect (chapter 12): how long a 100 µs sleep takes, measured
//! around the sleep and the retake of the GIL, in a thread that shares the
//! GIL with 0 to 3 CPU-bound threads, at switch intervals of 5 ms (CPython's
//! default) and 1 ms — under the model GIL and under CPython
//! (crates/lab/python/gil_convoy.py), side by side: the model's validation
//! matrix.
//!
//! After each sleep the thread must wait for the GIL: a CPU-bound holder
//! keeps it until some waiter has waited a whole switch interval and asked,
//! and with two or more CPU-bound threads the sleeper often loses the
//! hand-over to one of them and waits another interval, or several.
//!
//! The sleeper's wait is spread wide (one interval to many), and its sleeps
//! are not independent: within one start of the threads, a sleeper that got
//! the GIL at its first request tends to keep doing so (the timers of the
//! threads fall into step), and one that lost tends to keep losing. So every
//! configuration is measured in many short trials that start the threads
//! afresh, one trial of each per round, model and CPython taking turns, so
//! that neither one start of the threads nor a slow spell of the machine
//! weighs on one bar alone. The waits fall on steps one interval apart, and
//! the plain median of such samples jumps a whole step when the share below
//! a step crosses a half; the values quote the Harrell–Davis median, which
//! moves smoothly with that share.

use super::Args;
use super::gil_cpython as cpython;
use crate::contention::Contention;
use crate::python::{self, Interpreter};
use crate::sample::{format_ratio, format_seconds, smooth_median, smooth_median_with_spread};
use crate::{Plot, Point, Record, Series, SeriesKind};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

const NAP: Duration = Duration::from_micros(100);
const PYTHON_SCRIPT: &str = "gil_convoy.py";

/// The matrix: (CPU-bound threads, switch interval in ms). Alone, the
/// interval does not matter, so it is measured once.
const CONFIGS: [(usize, u64); 7] = [(0, 5), (1, 5), (2, 5), (3, 5), (1, 1), (2, 1), (3, 1)];

/// Sleeps timed in one trial (one start of the CPU-bound threads): few, since
/// sleeps of one trial resemble each other.
const SLEEPS_PER_TRIAL: usize = 4;

/// Rounds by default: about 40 s of the book build, half of it CPython's,
/// and 160 sleeps per configuration and series. `--full` is the validation:
/// 600 rounds (2,400 sleeps each, about 20 minutes), every CPython of
/// [`cpython::MODELLED_MINORS`] installed; with 150 rounds, the medians
/// beside two CPU-bound threads still moved ±16% between runs, more than a
/// bootstrap over the trials of one run gave (7–11%). `--samples N` sets
/// the rounds.
const ROUNDS: usize = 40;
const FULL_ROUNDS: usize = 600;

/// One measured series: its name, colour and the samples (seconds) of each
/// configuration, in the order of [`CONFIGS`].
struct Measured {
    name: String,
    kind: SeriesKind,
    /// The key prefix of its values: `model`, `cpython` (python3 from PATH),
    /// `cpython3_12`, …
    key: String,
    latencies: Vec<Vec<f64>>,
}

pub fn run(args: &Args) -> Result<Record, String> {
    let rounds = args.samples(if args.full { FULL_ROUNDS } else { ROUNDS });
    let (pythons, mut notes) = if args.full {
        python::with_minors(&cpython::MODELLED_MINORS)
    } else {
        (vec![Interpreter::path_python3()], Vec::new())
    };
    let contention = Contention::start();
    let mut model = vec![Vec::new(); CONFIGS.len()];
    // Each CPython version's samples, in the order the versions first ran.
    let mut measured: Vec<(String, Vec<Vec<f64>>)> = Vec::new();
    // The interpreters still in use, each with its index in `measured` once known.
    let mut slots: Vec<(Interpreter, Option<usize>)> =
        pythons.into_iter().map(|python| (python, None)).collect();
    for round in 0..rounds {
        eprintln!("  round {}/{rounds}", round + 1);
        // A different configuration goes first in each round.
        let order: Vec<usize> = (0..CONFIGS.len())
            .map(|i| (i + round) % CONFIGS.len())
            .collect();
        for &i in &order {
            let (cpu_threads, interval_ms) = CONFIGS[i];
            model[i].extend(model_trial(
                cpu_threads,
                Duration::from_millis(interval_ms),
                SLEEPS_PER_TRIAL,
            ));
        }
        let mut kept = Vec::new();
        for (python, slot) in slots {
            let (version, latencies) = match cpython_trials(&python, &order) {
                Ok(trials) => trials,
                Err(why) => {
                    notes.push(format!(
                        "No CPython series from {}: {why}.",
                        python.path.display()
                    ));
                    continue;
                }
            };
            let index = match slot {
                Some(index) => index,
                // A second interpreter of a version already measured (pyenv's
                // python3 is one of its versions): measured once is enough.
                None if measured.iter().any(|(known, _)| *known == version) => continue,
                None => {
                    measured.push((version, vec![Vec::new(); CONFIGS.len()]));
                    measured.len() - 1
                }
            };
            for (all, new) in measured[index].1.iter_mut().zip(latencies) {
                all.extend(new);
            }
            kept.push((python, Some(index)));
        }
        slots = kept;
    }

    let mut series = vec![Measured {
        name: "model GIL".into(),
        kind: SeriesKind::GilThreads,
        key: "model".into(),
        latencies: model,
    }];
    for (i, (version, latencies)) in measured.into_iter().enumerate() {
        // Beyond python3 (`--full` only) the colours are borrowed from other
        // kinds; the legend names the version.
        let (kind, key) = match i {
            0 => (SeriesKind::CPythonThreads, "cpython".to_string()),
            1 => (SeriesKind::CPythonProcesses, cpython::value_key(&version)),
            _ => (SeriesKind::Other, cpython::value_key(&version)),
        };
        series.push(Measured {
            name: format!("CPython {version}"),
            kind,
            key,
            latencies,
        });
    }

    let mut values = values(&series, rounds)?;
    // The machine's other load: the hand-overs take tens of microseconds, and
    // a busy core stretches them (the lab adds a note above 10%).
    if let Some(share) = contention.others_share() {
        values.insert("other_load".into(), format!("{:.0}%", share * 100.0));
    }
    notes.insert(
        0,
        format!(
            "Each sample is one sleep of 100 µs, timed from before the GIL is released to \
             after it is taken back: {} per bar, in {rounds} trials of {SLEEPS_PER_TRIAL} \
             sleeps with fresh threads, the configurations and series taking turns. \
             \"2 CPU, 5 ms\": beside 2 CPU-bound threads, at a 5 ms switch interval. \
             The numbers quoted with the chart are Harrell–Davis medians.",
            rounds * SLEEPS_PER_TRIAL
        ),
    );
    let alone = smooth_median("alone", &series[0].latencies[0])?;
    let crowded = smooth_median("crowded", &series[0].latencies[1])?;
    let title = format!(
        "Beside one CPU-bound thread, a 100 µs sleep takes {} instead of {}",
        format_seconds(crowded),
        format_seconds(alone)
    );
    Ok(Record {
        values,
        notes,
        ..Record::new(
            title,
            Plot::Bars {
                y_label: "time for a 100 µs sleep (ms, log scale)".into(),
                log_y: true,
                categories: CONFIGS.iter().map(|&config| label(config)).collect(),
                series: series.iter().map(to_series).collect(),
            },
        )
    })
}

/// The values chapter 12 quotes: each series' Harrell–Davis median per
/// configuration (`model_2cpu_5ms`), how much sampling alone would move it
/// (`model_2cpu_5ms_spread`, and the largest of those, `spread_highest`), the
/// longest single sleep (`model_2cpu_5ms_longest`), the
/// model's median over CPython's (`ratio_2cpu_5ms`, python3 from PATH), the
/// lowest and highest of those ratios; and beside two or more CPU-bound
/// threads, how often the sleeper got the GIL at its first request
/// (`model_2cpu_5ms_first`), and how often it did right after a sleep of the
/// same trial that did (`model_2cpu_5ms_first_again`).
fn values(series: &[Measured], rounds: usize) -> Result<BTreeMap<String, String>, String> {
    let mut values = BTreeMap::new();
    let mut medians = Vec::new();
    let mut spread_highest: f64 = 0.0;
    for line in series {
        let mut line_medians = Vec::new();
        for (samples, (cpu, interval_ms)) in line.latencies.iter().zip(CONFIGS) {
            let key = format!("{}_{cpu}cpu_{interval_ms}ms", line.key);
            let median = smooth_median_with_spread(&key, samples, SLEEPS_PER_TRIAL)?;
            values.insert(key.clone(), format_seconds(median.value));
            values.insert(format!("{key}_spread"), format_percent(median.spread));
            let longest = samples.iter().copied().fold(0.0, f64::max);
            values.insert(format!("{key}_longest"), format_seconds(longest));
            line_medians.push(median.value);
            spread_highest = spread_highest.max(median.spread);
            if cpu >= 2 {
                let (first, again) = first_requests(samples, Duration::from_millis(interval_ms));
                values.insert(format!("{key}_first"), format_share(first));
                values.insert(format!("{key}_first_again"), format_share(again));
            }
        }
        medians.push(line_medians);
    }
    if let [model, cpython, ..] = &medians[..] {
        let ratios: Vec<f64> = model.iter().zip(cpython).map(|(m, c)| m / c).collect();
        for (ratio, (cpu, interval_ms)) in ratios.iter().zip(CONFIGS) {
            values.insert(
                format!("ratio_{cpu}cpu_{interval_ms}ms"),
                format_ratio(*ratio),
            );
        }
        let lowest = ratios.iter().copied().fold(f64::INFINITY, f64::min);
        let (highest_at, highest) = CONFIGS
            .into_iter()
            .zip(ratios.iter().copied())
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .expect("one ratio per configuration");
        values.insert("ratio_lowest".into(), format_ratio(lowest));
        values.insert("ratio_highest".into(), format_ratio(highest));
        values.insert("ratio_highest_at".into(), label(highest_at));
        values.insert(
            "cpython_version".into(),
            series[1].name.trim_start_matches("CPython ").into(),
        );
    }
    values.insert("spread_highest".into(), format_percent(spread_highest));
    values.insert("sleeps".into(), (rounds * SLEEPS_PER_TRIAL).to_string());
    Ok(values)
}

/// A configuration as the chart names it: "alone", "2 CPU, 5 ms".
fn label((cpu, interval_ms): (usize, u64)) -> String {
    match cpu {
        0 => "alone".to_string(),
        _ => format!("{cpu} CPU, {interval_ms} ms"),
    }
}

/// Of `latencies` (trials of [`SLEEPS_PER_TRIAL`], in order), the share
/// that got the GIL back at the sleeper's first request, within one and a
/// half switch intervals; and that share among the sleeps that came right
/// after such a sleep in the same trial (`None` if there were none).
fn first_requests(latencies: &[f64], interval: Duration) -> (Option<f64>, Option<f64>) {
    let first: Vec<bool> = latencies
        .iter()
        .map(|&s| s < 1.5 * interval.as_secs_f64())
        .collect();
    let share = |hits: usize, of: usize| (of > 0).then(|| hits as f64 / of as f64);
    let after_first: Vec<bool> = first
        .chunks(SLEEPS_PER_TRIAL)
        .flat_map(|trial| trial.windows(2).filter(|w| w[0]).map(|w| w[1]))
        .collect();
    (
        share(first.iter().filter(|&&f| f).count(), first.len()),
        share(
            after_first.iter().filter(|&&f| f).count(),
            after_first.len(),
        ),
    )
}

/// A share as a whole percentage, or "none" when nothing was counted.
fn format_share(share: Option<f64>) -> String {
    share.map_or_else(|| "none".into(), format_percent)
}

/// A fraction as a whole percentage: 0.07 is "7%".
fn format_percent(fraction: f64) -> String {
    format!("{:.0}%", fraction * 100.0)
}

/// One bar per configuration, samples in milliseconds.
fn to_series(line: &Measured) -> Series {
    Series {
        name: line.name.clone(),
        color: line.kind.color(),
        points: line
            .latencies
            .iter()
            .enumerate()
            .map(|(i, samples)| Point {
                x: i as f64,
                samples: samples.iter().map(|s| s * 1e3).collect(),
            })
            .collect(),
    }
}

/// One trial: seconds each of `sleeps` naps took in this thread, with
/// `cpu_threads` threads counting down under the same model GIL, started
/// for this trial and stopped after it.
///
/// The threads start as the script's do: this thread holds the GIL and starts
/// them one at a time, each time waiting (GIL released) until the new thread
/// runs, as `Thread.start()` waits for the new thread to report that it has
/// started, which it can only do holding the GIL. Started all at once, the
/// model's second to fourth sleeps of a trial came out shorter than CPython's.
fn model_trial(cpu_threads: usize, interval: Duration, sleeps: usize) -> Vec<f64> {
    let gil = gil::Gil::with_switch_interval(interval);
    let stop = AtomicBool::new(false);
    let (started, has_started) = mpsc::channel();
    thread::scope(|s| {
        let latencies = gil.attach(|py| {
            for _ in 0..cpu_threads {
                let started = started.clone();
                let (gil, stop) = (&gil, &stop);
                s.spawn(move || {
                    gil.attach(|py| {
                        started.send(()).expect("the sleeper waits for it");
                        while !stop.load(Ordering::Relaxed) {
                            gil::countdown(py, 1_000_000);
                        }
                    })
                });
                py.detach(|| has_started.recv().expect("the thread reports"));
            }
            // Let every CPU-bound thread reach the GIL once, as the script does.
            py.detach(|| thread::sleep(interval));
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

/// One trial of each configuration, in `order`, under `python`: its version
/// and the latencies, in the order of [`CONFIGS`].
fn cpython_trials(
    python: &Interpreter,
    order: &[usize],
) -> Result<(String, Vec<Vec<f64>>), String> {
    let config = |i: usize| format!("{}:{}", CONFIGS[i].0, CONFIGS[i].1);
    let mut args = vec!["1".to_string(), SLEEPS_PER_TRIAL.to_string()];
    args.extend(order.iter().map(|&i| config(i)));
    let json = python.run(PYTHON_SCRIPT, &args)?;
    let version = json["python"].as_str().unwrap_or("3").to_string();
    let latencies = (0..CONFIGS.len())
        .map(|i| python::samples_at(&json["samples"][config(i)]))
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{PYTHON_SCRIPT}: {e}"))?;
    Ok((version, latencies))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Firsts are counted over all sleeps; "again" only over the sleeps that
    /// follow a first in the same trial, never across two trials.
    #[test]
    fn first_requests_count_within_trials() {
        let ms = 1e-3;
        let (first, won) = (1.2 * ms, 2.3 * ms);
        let mut latencies = vec![first, first, won, first]; // pairs: F-F, F-W, W-F
        latencies.extend([won, won, won, first]); // none after a first
        latencies.truncate(2 * SLEEPS_PER_TRIAL);
        let (share, again) = first_requests(&latencies, Duration::from_millis(1));
        assert_eq!(share, Some(4.0 / 8.0));
        assert_eq!(again, Some(1.0 / 2.0));
        assert_eq!(first_requests(&[won; 4], Duration::from_millis(1)).1, None);
        assert_eq!(format_share(None), "none");
    }

    /// Invariants, not times: one sample per sleep, none shorter than the nap.
    #[test]
    fn every_sleep_is_measured_in_full() {
        let latencies = model_trial(2, Duration::from_millis(1), 5);
        assert_eq!(latencies.len(), 5);
        assert!(latencies.iter().all(|&s| s >= NAP.as_secs_f64()));
    }

    /// The values the chapter quotes: a median per series and configuration,
    /// the model over the first CPython, and the extremes of those ratios.
    #[test]
    fn values_name_every_cell_and_the_ratios() {
        let line = |key: &str, scale: f64| Measured {
            name: key.into(),
            kind: SeriesKind::Other,
            key: key.into(),
            latencies: (1..=CONFIGS.len())
                .map(|i| vec![i as f64 * scale * 1e-3; 3])
                .collect(),
        };
        let mut cpython = line("cpython", 2.0);
        cpython.name = "CPython 3.11.7".into();
        let mut model = line("model", 1.0);
        model.latencies[1].push(9e-3);
        let got = values(&[model, cpython], 5).unwrap();
        assert_eq!(got["model_0cpu_5ms"], "1.00 ms");
        assert_eq!(got["model_1cpu_5ms_longest"], "9.00 ms");
        assert_eq!(got["cpython_1cpu_5ms_longest"], "4.00 ms");
        assert_eq!(got["cpython_3cpu_1ms"], "14.0 ms");
        assert_eq!(got["ratio_2cpu_5ms"], "0.50x");
        assert_eq!(got["ratio_lowest"], "0.50x");
        // The model's extra long sleep makes that cell the furthest apart.
        assert_eq!(got["ratio_highest_at"], "1 CPU, 5 ms");
        assert_eq!(got["cpython_version"], "3.11.7");
        assert_eq!(got["sleeps"], (5 * SLEEPS_PER_TRIAL).to_string());
        // 2 ms beside 2 CPU-bound threads at 1 ms: not the first request.
        assert_eq!(got["model_2cpu_1ms_first"], "0%");
        // Equal samples: nothing to move.
        assert_eq!(got["model_2cpu_1ms_spread"], "0%");
        assert_eq!(got["spread_highest"], "0%");
        assert!(!got.contains_key("model_1cpu_1ms_first"));
        let alone = values(&[line("model", 1.0)], 5).unwrap();
        assert!(!alone.contains_key("ratio_highest"));
        assert!(!alone.contains_key("ratio_lowest"));
    }
}
