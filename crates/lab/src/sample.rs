//! Taking samples and formatting the numbers that come out of them.
//!
//! Every experiment measures the same way: run the workload `n` times, keep
//! every sample (the record stores them all, the chart shows their spread)
//! and quote medians, never a single lucky run.

use crate::Summary;
use statrs::distribution::{Beta, ContinuousCDF};
use std::io::IsTerminal;
use std::time::Instant;

/// Runs `measure` `n` times and returns every sample, reporting progress on
/// stderr as `label: sample i/n`.
pub fn sample(label: &str, n: usize, mut measure: impl FnMut() -> f64) -> Vec<f64> {
    try_sample(label, n, || Ok(measure())).unwrap_or_else(|never: String| unreachable!("{never}"))
}

/// [`sample`] for a measurement that can fail (a fork, a pipe): stops at the
/// first error and returns it, prefixed with `label`.
pub fn try_sample(
    label: &str,
    n: usize,
    mut measure: impl FnMut() -> Result<f64, String>,
) -> Result<Vec<f64>, String> {
    let mut samples = Vec::with_capacity(n);
    for i in 1..=n {
        progress(&format!("{label}: sample {i}/{n}"), i == n);
        samples.push(measure().map_err(|e| format!("{label}: {e}"))?);
    }
    Ok(samples)
}

/// Measures several configurations in rounds, one sample of each per round,
/// so that a slow spell of the machine (another build, a noisy neighbour)
/// falls on all of them alike instead of on whichever ran at that moment.
/// `measure(i)` takes one sample of configuration `i` (`labels[i]`); the
/// result holds each configuration's `n` samples, in the order of `labels`.
pub fn interleaved(
    labels: &[&str],
    n: usize,
    measure: impl FnMut(usize) -> Result<f64, String>,
) -> Result<Vec<Vec<f64>>, String> {
    interleaved_counts(labels, &vec![n; labels.len()], measure)
}

/// [`interleaved`] where configuration `i` takes `counts[i]` samples: as many
/// rounds as the largest count, and a configuration with fewer samples is
/// measured in rounds spread evenly over them (3 of 6: the 2nd, 4th and 6th).
/// Samples go where they are needed: a number the book quotes gets more than
/// a point only a chart shows.
pub fn interleaved_counts(
    labels: &[&str],
    counts: &[usize],
    mut measure: impl FnMut(usize) -> Result<f64, String>,
) -> Result<Vec<Vec<f64>>, String> {
    assert_eq!(labels.len(), counts.len(), "one count per label");
    let rounds = counts.iter().copied().max().unwrap_or(0);
    // Configuration i takes its k-th sample in the round where k * rounds / count
    // passes a whole number: evenly spread, and always in the last round.
    let in_round =
        |round: usize, count: usize| (round + 1) * count / rounds > round * count / rounds;
    let mut samples: Vec<Vec<f64>> = counts.iter().map(|&c| Vec::with_capacity(c)).collect();
    for round in 0..rounds {
        let due: Vec<usize> = (0..labels.len())
            .filter(|&i| in_round(round, counts[i]))
            .collect();
        for (j, &i) in due.iter().enumerate() {
            let label = labels[i];
            progress(
                &format!("round {}/{rounds}: {label}", round + 1),
                round + 1 == rounds && j + 1 == due.len(),
            );
            samples[i].push(measure(i).map_err(|e| format!("{label}: {e}"))?);
        }
    }
    Ok(samples)
}

/// One progress line on stderr: rewritten in place on a terminal, one line
/// per step in a log.
fn progress(line: &str, last: bool) {
    if std::io::stderr().is_terminal() {
        eprint!("\r\x1b[2K  {line}");
        if last {
            eprintln!();
        }
    } else {
        eprintln!("  {line}");
    }
}

/// Wall-clock seconds that `work` takes.
pub fn seconds(work: impl FnOnce()) -> f64 {
    let start = Instant::now();
    work();
    start.elapsed().as_secs_f64()
}

/// The median of `samples`, or an error naming `what` when there is none.
pub fn median(what: &str, samples: &[f64]) -> Result<f64, String> {
    Summary::of(samples)
        .map(|s| s.median)
        .ok_or_else(|| format!("{what}: no valid samples"))
}

/// The Harrell–Davis estimate of the median of `samples`: a weighted mean of
/// all of them in order, the weights from a Beta((n+1)/2, (n+1)/2)
/// distribution, so that the middle ones count most. Where samples fall on a
/// few values only (waits of a whole number of switch intervals), the plain
/// median jumps from one value to the next as soon as the share of samples
/// below a step crosses a half; this estimate moves smoothly with that share.
pub fn smooth_median(what: &str, samples: &[f64]) -> Result<f64, String> {
    let mut sorted = finite(what, samples)?;
    sorted.sort_by(f64::total_cmp);
    Ok(HarrellDavis::new(what, sorted.len())?.of(&sorted))
}

/// A [`smooth_median`] and how much sampling alone would move it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SmoothMedian {
    /// The Harrell–Davis median.
    pub value: f64,
    /// The standard deviation of the estimate over bootstrap resamples,
    /// relative to the estimate.
    pub spread: f64,
}

/// [`smooth_median`] of `samples`, with its spread over bootstrap resamples
/// of one run. `samples` come in trials of `trial_len` (the last may be
/// shorter), and a resample draws whole trials, with replacement: samples of
/// one trial resemble each other, and drawing them one by one would
/// understate the spread. The resamples are seeded, so the same samples give
/// the same spread. What differs between runs but not within one (the
/// machine's state, say) is beyond it: runs may move further.
pub fn smooth_median_with_spread(
    what: &str,
    samples: &[f64],
    trial_len: usize,
) -> Result<SmoothMedian, String> {
    const RESAMPLES: usize = 200;
    let samples = finite(what, samples)?;
    let trials: Vec<&[f64]> = samples.chunks(trial_len.max(1)).collect();
    let mut sorted = samples.clone();
    sorted.sort_by(f64::total_cmp);
    let weights = HarrellDavis::new(what, samples.len())?;
    let value = weights.of(&sorted);
    let mut rng = fastrand::Rng::with_seed(0x5eed);
    let mut resampled = Vec::with_capacity(samples.len());
    let estimates: Vec<f64> = (0..RESAMPLES)
        .map(|_| {
            resampled.clear();
            while resampled.len() < samples.len() {
                resampled.extend_from_slice(trials[rng.usize(..trials.len())]);
            }
            resampled.truncate(samples.len());
            resampled.sort_by(f64::total_cmp);
            weights.of(&resampled)
        })
        .collect();
    let mean = estimates.iter().sum::<f64>() / RESAMPLES as f64;
    let variance = estimates.iter().map(|e| (e - mean).powi(2)).sum::<f64>() / RESAMPLES as f64;
    Ok(SmoothMedian {
        value,
        spread: variance.sqrt() / value,
    })
}

/// `samples`, or an error naming `what` if there are none or one is not a
/// number.
fn finite(what: &str, samples: &[f64]) -> Result<Vec<f64>, String> {
    if samples.is_empty() || !samples.iter().all(|s| s.is_finite()) {
        return Err(format!("{what}: no valid samples"));
    }
    Ok(samples.to_vec())
}

/// The Harrell–Davis weights of `n` sorted samples: the i-th gets the
/// Beta((n+1)/2, (n+1)/2) probability of (i/n, (i+1)/n].
struct HarrellDavis {
    weights: Vec<f64>,
}

impl HarrellDavis {
    fn new(what: &str, n: usize) -> Result<HarrellDavis, String> {
        let shape = (n as f64 + 1.0) / 2.0;
        let beta = Beta::new(shape, shape).map_err(|e| format!("{what}: {e}"))?;
        let bounds: Vec<f64> = (0..=n).map(|i| beta.cdf(i as f64 / n as f64)).collect();
        Ok(HarrellDavis {
            weights: bounds.windows(2).map(|w| w[1] - w[0]).collect(),
        })
    }

    fn of(&self, sorted: &[f64]) -> f64 {
        self.weights.iter().zip(sorted).map(|(w, s)| w * s).sum()
    }
}

/// A duration in seconds, written with a unit that keeps three significant
/// digits: "2.01 s", "12.3 ms", "43.0 µs", "0.91 ns".
pub fn format_seconds(secs: f64) -> String {
    let (value, unit) = if secs.abs() >= 1.0 {
        (secs, "s")
    } else if secs.abs() >= 1e-3 {
        (secs * 1e3, "ms")
    } else if secs.abs() >= 1e-6 {
        (secs * 1e6, "µs")
    } else {
        (secs * 1e9, "ns")
    };
    format!("{} {unit}", three_digits(value))
}

/// "43.0 µs (38.1 µs–60.2 µs)": the median of `samples` (seconds) and their range.
pub fn format_spread(samples: &[f64]) -> Result<String, String> {
    let s = Summary::of(samples).ok_or("no valid samples")?;
    Ok(format!(
        "{} ({}–{})",
        format_seconds(s.median),
        format_seconds(s.min),
        format_seconds(s.max)
    ))
}

/// A ratio such as a speedup: "1.97x".
pub fn format_ratio(ratio: f64) -> String {
    format!("{}x", three_digits(ratio))
}

/// `value` with three significant digits (at least two decimals below 10,
/// none from 100 up).
fn three_digits(value: f64) -> String {
    let decimals = match value.abs() {
        v if v >= 100.0 => 0,
        v if v >= 10.0 => 1,
        _ => 2,
    };
    format!("{value:.decimals$}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Symmetric samples: the middle. Samples on two steps: one sample moved
    /// across moves the plain median a whole step, this estimate a little.
    #[test]
    fn the_smooth_median_moves_smoothly_across_a_step() {
        let close = |a: f64, b: f64| (a - b).abs() < 1e-9;
        assert!(close(smooth_median("x", &[3.0, 1.0, 2.0]).unwrap(), 2.0));
        let steps = |ones: usize| {
            let mut samples = vec![1.0; ones];
            samples.resize(100, 2.0);
            samples
        };
        let (more_ones, more_twos) = (steps(51), steps(49));
        assert_eq!(median("x", &more_ones).unwrap(), 1.0);
        assert_eq!(median("x", &more_twos).unwrap(), 2.0);
        let (low, high) = (
            smooth_median("x", &more_ones).unwrap(),
            smooth_median("x", &more_twos).unwrap(),
        );
        assert!(
            1.3 < low && low < 1.5 && 1.5 < high && high < 1.7,
            "{low} {high}"
        );
        assert!(close(low + high, 3.0));
        assert!(smooth_median("none", &[f64::NAN]).is_err());
        assert!(smooth_median("none", &[]).is_err());
    }

    /// No spread without variation; with trials that differ, some; the same
    /// every time for the same samples. Trials that are alike inside (each
    /// all ones or all twos) spread more than the same values mixed in
    /// every trial.
    #[test]
    fn the_spread_resamples_whole_trials() {
        let spread = |samples: &[f64]| smooth_median_with_spread("x", samples, 4).map(|m| m.spread);
        let flat = smooth_median_with_spread("x", &[2.0; 40], 4).unwrap();
        assert_eq!(
            flat,
            SmoothMedian {
                value: 2.0,
                spread: 0.0
            }
        );
        let alike: Vec<f64> = (0..40)
            .map(|i| if (i / 4) % 2 == 0 { 1.0 } else { 2.0 })
            .collect();
        let mixed: Vec<f64> = (0..40)
            .map(|i| if i % 2 == 0 { 1.0 } else { 2.0 })
            .collect();
        let alike_spread = spread(&alike).unwrap();
        assert!(alike_spread > 0.0);
        assert_eq!(alike_spread, spread(&alike).unwrap());
        assert!(alike_spread > spread(&mixed).unwrap());
        assert_eq!(
            smooth_median_with_spread("x", &alike, 4).unwrap().value,
            smooth_median("x", &alike).unwrap()
        );
        assert!(spread(&[]).is_err());
    }

    #[test]
    fn keeps_every_sample_in_order() {
        let mut next = 0.0;
        let samples = sample("count", 4, || {
            next += 1.0;
            next
        });
        assert_eq!(samples, [1.0, 2.0, 3.0, 4.0]);
    }

    #[test]
    fn stops_at_the_first_error() {
        let mut calls = 0;
        let result = try_sample("fails", 5, || {
            calls += 1;
            if calls == 2 {
                Err("boom".into())
            } else {
                Ok(1.0)
            }
        });
        assert_eq!(result, Err("fails: boom".into()));
        assert_eq!(calls, 2);
    }

    #[test]
    fn interleaves_rounds_and_groups_by_configuration() {
        let mut order = Vec::new();
        let samples = interleaved(&["a", "b"], 3, |i| {
            order.push(i);
            Ok(order.len() as f64)
        })
        .unwrap();
        assert_eq!(order, [0, 1, 0, 1, 0, 1]);
        assert_eq!(samples, [vec![1.0, 3.0, 5.0], vec![2.0, 4.0, 6.0]]);
        let failed = interleaved(&["a", "b"], 3, |i| {
            if i == 1 { Err("no".into()) } else { Ok(0.0) }
        });
        assert_eq!(failed, Err("b: no".into()));
    }

    #[test]
    fn fewer_samples_spread_evenly_over_the_rounds() {
        let mut order = Vec::new();
        let samples = interleaved_counts(&["a", "b", "c"], &[6, 3, 2], |i| {
            order.push(i);
            Ok(order.len() as f64)
        })
        .unwrap();
        // b in rounds 2, 4, 6; c in rounds 3 and 6.
        assert_eq!(order, [0, 0, 1, 0, 2, 0, 1, 0, 0, 1, 2]);
        assert_eq!(samples.iter().map(Vec::len).collect::<Vec<_>>(), [6, 3, 2]);
        assert_eq!(samples[1], [3.0, 7.0, 10.0]);
        assert_eq!(interleaved_counts(&[], &[], |_| Ok(0.0)), Ok(vec![]));
    }

    #[test]
    fn spread_shows_median_and_range() {
        assert_eq!(
            format_spread(&[60.2e-6, 43e-6, 38.1e-6]).unwrap(),
            "43.0 µs (38.1 µs–60.2 µs)"
        );
        assert!(format_spread(&[]).is_err());
    }

    #[test]
    fn median_needs_samples() {
        assert_eq!(median("x", &[3.0, 1.0, 2.0]), Ok(2.0));
        assert!(median("x", &[]).unwrap_err().contains("x"));
    }

    #[test]
    fn formats_with_units() {
        assert_eq!(format_seconds(2.0149), "2.01 s");
        assert_eq!(format_seconds(0.0123), "12.3 ms");
        assert_eq!(format_seconds(43e-6), "43.0 µs");
        assert_eq!(format_seconds(0.91e-9), "0.91 ns");
        assert_eq!(format_seconds(125.0), "125 s");
        assert_eq!(format_ratio(1.9712), "1.97x");
    }
}
