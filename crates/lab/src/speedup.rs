//! Speedups, the unit of most of the book's charts: a series of speedups
//! over one worker from wall times, and where a speedup against task length
//! breaks even (chapters 23, 24 and 26).

use crate::sample::{format_ratio, format_seconds, median};
use crate::{Plot, Point, Series, SeriesKind};

/// Wall times (`times[n - 1]`: the samples with n workers) as speedups over
/// the median 1-worker time, sample by sample: n × (time of 1) / (time of n).
pub fn over_workers(name: &str, kind: SeriesKind, times: &[Vec<f64>]) -> Result<Series, String> {
    let one = median(name, times.first().ok_or("no times")?)?;
    let points = times
        .iter()
        .enumerate()
        .map(|(i, samples)| {
            let n = (i + 1) as f64;
            Point::new(n, samples.iter().map(|t| n * one / t).collect())
        })
        .collect();
    Ok(kind.series(name, points))
}

/// The median of `series` at `x`.
pub fn at(series: &Series, x: f64) -> Result<f64, String> {
    let point = series
        .points
        .iter()
        .find(|p| p.x == x)
        .ok_or_else(|| format!("{} has no point at {x}", series.name))?;
    median(&series.name, &point.samples)
}

/// A line of speedups against task length in ms (`speedups[i]` at
/// `sizes[i]` seconds).
pub fn against_length(
    name: &str,
    kind: SeriesKind,
    sizes: &[f64],
    speedups: &[Vec<f64>],
) -> Series {
    let points = sizes
        .iter()
        .zip(speedups)
        .map(|(size, samples)| Point::new(size * 1e3, samples.clone()))
        .collect();
    kind.series(name, points)
}

/// The chart of [`against_length`] lines: log task length across, speedup up.
pub fn against_length_plot(series: Vec<Series>) -> Plot {
    Plot::Lines {
        x_label: "length of each task (ms, log scale)".into(),
        y_label: "speedup over running both in a row (x)".into(),
        log_x: true,
        log_y: false,
        series,
    }
}

/// From which task length on a line's medians stay at a speedup of 1 or
/// more: the way pays for that task and every longer one measured. (Where
/// it first touches 1 would be the same on a smooth line; on a noisy one it
/// can be a lucky sample far below the real break-even point.)
#[derive(Debug, PartialEq)]
pub enum BreakEven {
    /// Already at the shortest task measured (x, ms).
    Below(f64),
    /// Between two measured lengths: the length (ms) where the line between
    /// them (log x) crosses 1.
    At(f64),
    /// It never gained [`GAIN`] up to the longest task measured (x, ms), or
    /// fell below 1 again at the longest; its best median speedup. A median
    /// that only touches 1 is noise, not a way that paid.
    NotWithin { longest: f64, best: f64 },
}

/// The speedup a way must reach somewhere to count as paying at all.
const GAIN: f64 = 1.1;

/// Where `line` (x in ms, speedups) breaks even.
pub fn break_even(line: &Series) -> BreakEven {
    let medians: Vec<(f64, f64)> = line
        .points
        .iter()
        .filter_map(|p| median("", &p.samples).ok().map(|m| (p.x, m)))
        .collect();
    let best = medians.iter().map(|&(_, y)| y).fold(0.0, f64::max);
    let longest = medians.last().map_or(0.0, |&(x, _)| x);
    let last_loss = medians.iter().rposition(|&(_, y)| y < 1.0);
    match last_loss {
        _ if best < GAIN => BreakEven::NotWithin { longest, best },
        None => BreakEven::Below(medians[0].0),
        Some(i) if i + 1 == medians.len() => BreakEven::NotWithin { longest, best },
        Some(i) => {
            let ((x0, y0), (x1, y1)) = (medians[i], medians[i + 1]);
            let t = (1.0 - y0) / (y1 - y0);
            BreakEven::At((x0.ln() + t * (x1.ln() - x0.ln())).exp())
        }
    }
}

/// "350 µs", "below 10.0 µs", "not by 100 ms (best 0.89x)".
pub fn describe(point: BreakEven) -> String {
    let ms = |x: f64| format_seconds(x / 1e3);
    match point {
        BreakEven::Below(x) => format!("below {}", ms(x)),
        BreakEven::At(x) => ms(x),
        BreakEven::NotWithin { longest, best } => {
            format!("not by {} (best {})", ms(longest), format_ratio(best))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speedup_is_relative_to_one_worker() {
        let series = over_workers("t", SeriesKind::Threads, &[vec![2.0, 2.0], vec![2.0]]).unwrap();
        assert_eq!(series.points[1].samples, [2.0]);
        assert_eq!(series.color, SeriesKind::Threads.color());
        assert_eq!(at(&series, 2.0), Ok(2.0));
        assert!(at(&series, 3.0).is_err());
    }

    fn series(points: &[(f64, f64)]) -> Series {
        Series::new(
            "s",
            points
                .iter()
                .map(|&(x, y)| Point {
                    x,
                    samples: vec![y],
                })
                .collect(),
        )
    }

    #[test]
    fn break_even_interpolates_on_a_log_scale() {
        // From 0.5x at 1 ms to 1.5x at 100 ms: halfway on a log axis is 10 ms.
        let at = break_even(&series(&[(1.0, 0.5), (100.0, 1.5)]));
        let BreakEven::At(x) = at else {
            panic!("{at:?}")
        };
        assert!((x - 10.0).abs() < 1e-9, "{x}");
        assert_eq!(describe(BreakEven::At(x)), "10.0 ms");
    }

    #[test]
    fn break_even_is_where_the_line_stays_above_one() {
        // A lucky 1.2x at 0.01 ms does not count: it falls to 0.9x after.
        let noisy = break_even(&series(&[(0.01, 1.2), (1.0, 0.5), (100.0, 1.5)]));
        let BreakEven::At(x) = noisy else {
            panic!("{noisy:?}")
        };
        assert!((x - 10.0).abs() < 1e-9, "{x}");
        let fell = break_even(&series(&[(0.01, 0.5), (1.0, 1.5), (100.0, 0.9)]));
        assert_eq!(describe(fell), "not by 100 ms (best 1.50x)");
    }

    #[test]
    fn break_even_outside_the_range_says_so() {
        let low = break_even(&series(&[(0.01, 1.2), (1.0, 1.9)]));
        assert_eq!(low, BreakEven::Below(0.01));
        assert_eq!(describe(low), "below 10.0 µs");
        // Still rising at the longest task, or flat at about 1 (threads under
        // a GIL): both never paid within the range.
        let rising = break_even(&series(&[(0.01, 0.1), (100.0, 0.89)]));
        assert_eq!(describe(rising), "not by 100 ms (best 0.89x)");
        let flat = break_even(&series(&[(0.01, 0.1), (10.0, 1.01), (100.0, 0.99)]));
        assert_eq!(describe(flat), "not by 100 ms (best 1.01x)");
    }
}
