//! Axis ranges, tick positions and tick labels.
//!
//! Charts are drawn in "plot space": a linear axis plots values as they are,
//! a log axis plots `log10(value)`. Ticks are chosen here (not by plotters) so
//! that both cases share one code path and land on round numbers.

/// How values map onto an axis.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scale {
    Linear,
    Log,
}

impl Scale {
    /// The position of `value` on the axis; `None` where it cannot be drawn
    /// (not finite, or not positive on a log axis).
    pub fn position(self, value: f64) -> Option<f64> {
        match self {
            _ if !value.is_finite() => None,
            Scale::Linear => Some(value),
            Scale::Log if value > 0.0 => Some(value.log10()),
            Scale::Log => None,
        }
    }

    /// The value at axis position `at`.
    pub fn value_at(self, at: f64) -> f64 {
        match self {
            Scale::Linear => at,
            Scale::Log => 10f64.powf(at),
        }
    }

    /// Round-number ticks (in plot space) covering `lo..=hi` (in plot space).
    pub fn ticks(self, lo: f64, hi: f64) -> Vec<f64> {
        match self {
            Scale::Linear => nice_ticks(lo, hi, 6),
            Scale::Log => log_ticks(lo, hi),
        }
    }
}

/// About `count` ticks at multiples of 1, 2 or 5 × 10^k inside `lo..=hi`.
pub fn nice_ticks(lo: f64, hi: f64, count: usize) -> Vec<f64> {
    let span = hi - lo;
    if span.is_nan() || span <= 0.0 || span.is_infinite() {
        return vec![lo];
    }
    let rough = span / count.max(1) as f64;
    let magnitude = 10f64.powf(rough.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|step| *step >= rough)
        .unwrap_or(10.0 * magnitude);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    (first..=last).map(|i| i as f64 * step).collect()
}

/// Ticks at powers of ten inside `lo..=hi` (exponents); at 1, 2 and 5 × 10^k
/// when that gives fewer than three; at linear round numbers when the range
/// is narrower than that.
fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let in_range = |at: &f64| *at >= lo - 1e-9 && *at <= hi + 1e-9;
    let decades = (lo.ceil() as i64..=hi.floor() as i64).map(|k| k as f64);
    let ticks: Vec<f64> = decades.collect();
    if ticks.len() >= 3 {
        return ticks;
    }
    let ticks: Vec<f64> = (lo.floor() as i64..=hi.ceil() as i64)
        .flat_map(|k| [1.0, 2.0, 5.0].map(|m| (m * 10f64.powi(k as i32)).log10()))
        .filter(in_range)
        .collect();
    if ticks.len() >= 3 {
        return ticks;
    }
    nice_ticks(10f64.powf(lo), 10f64.powf(hi), 4)
        .into_iter()
        .filter(|v| *v > 0.0)
        .map(f64::log10)
        .filter(in_range)
        .collect()
}

/// A tick label: the shortest plain number that shows the value ("0.25",
/// "3", "1500"), or an exponent for very large or small ones ("1e6").
pub fn format_tick(value: f64) -> String {
    let magnitude = value.abs();
    if magnitude != 0.0 && !(1e-3..1e6).contains(&magnitude) {
        return format!("{value:.0e}");
    }
    let text = format!("{value:.4}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".into()
    } else {
        text.into()
    }
}

/// A measured value with three significant digits: "1.69", "12.3", "457".
pub fn format_value(value: f64) -> String {
    let magnitude = value.abs();
    if magnitude != 0.0 && !(1e-3..1e6).contains(&magnitude) {
        return format!("{value:.2e}");
    }
    let decimals = match magnitude {
        m if m >= 100.0 => 0,
        m if m >= 10.0 => 1,
        m if m >= 1.0 || m == 0.0 => 2,
        m => (2 - m.log10().floor() as i64) as usize,
    };
    format!("{value:.decimals$}")
}

/// The unit in an axis label written "what (unit)": "s" from "wall time (s)".
pub fn unit_of(label: &str) -> Option<&str> {
    let inner = label.trim_end().strip_suffix(')')?;
    let open = inner.rfind('(')?;
    Some(&inner[open + 1..]).filter(|unit| !unit.is_empty())
}

/// `lo..hi` widened by `fraction` of its span on each side (or by 0.5 when it
/// is a single value), so points do not sit on the frame.
pub fn padded(lo: f64, hi: f64, fraction: f64) -> (f64, f64) {
    let span = hi - lo;
    if span > 0.0 {
        (lo - span * fraction, hi + span * fraction)
    } else {
        (lo - 0.5, hi + 0.5)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: &[f64], b: &[f64]) -> bool {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-9)
    }

    #[test]
    fn linear_ticks_are_round() {
        assert!(close(&nice_ticks(0.0, 2.2, 6), &[0.0, 0.5, 1.0, 1.5, 2.0]));
        assert!(close(
            &nice_ticks(0.0, 100.0, 5),
            &[0.0, 20.0, 40.0, 60.0, 80.0, 100.0]
        ));
        assert!(close(&nice_ticks(3.0, 3.0, 5), &[3.0]));
    }

    #[test]
    fn log_ticks_fall_on_decades_or_1_2_5() {
        let decades = Scale::Log.ticks(0.0, 3.2);
        assert!(close(&decades, &[0.0, 1.0, 2.0, 3.0]));
        let labels: Vec<String> = Scale::Log
            .ticks(0.0, 1.0)
            .iter()
            .map(|t| format_tick(Scale::Log.value_at(*t)))
            .collect();
        assert_eq!(labels, ["1", "2", "5", "10"]);
        let narrow = Scale::Log.ticks(2f64.log10(), 4f64.log10());
        assert!(narrow.len() >= 2, "{narrow:?}");
    }

    #[test]
    fn log_scale_rejects_what_it_cannot_draw() {
        assert_eq!(Scale::Log.position(100.0), Some(2.0));
        assert_eq!(Scale::Log.position(0.0), None);
        assert_eq!(Scale::Linear.position(f64::NAN), None);
        assert_eq!(Scale::Linear.position(-1.0), Some(-1.0));
    }

    #[test]
    fn numbers_print_short() {
        assert_eq!(format_tick(0.30000000000000004), "0.3");
        assert_eq!(format_tick(1500.0), "1500");
        assert_eq!(format_tick(-0.0), "0");
        assert_eq!(format_tick(1e7), "1e7");
        assert_eq!(format_value(1.6912), "1.69");
        assert_eq!(format_value(43.04), "43.0");
        assert_eq!(format_value(0.0123), "0.0123");
        assert_eq!(format_value(457.2), "457");
    }

    #[test]
    fn units_come_from_parentheses() {
        assert_eq!(unit_of("wall time for two tasks (s)"), Some("s"));
        assert_eq!(unit_of("throughput (GiB/s)"), Some("GiB/s"));
        assert_eq!(unit_of("workers"), None);
    }
}
