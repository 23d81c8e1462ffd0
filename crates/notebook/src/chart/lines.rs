//! Lines: a numeric x axis (linear or log); one line per series through its
//! medians, with min–max whiskers.

use super::axis::{Scale, format_tick, padded};
use super::frame::{self, AxisSpec, Entry, failed};
use super::theme::colour;
use notebook_record::{Series, Summary};
use plotters::prelude::*;

const PLOT_HEIGHT: u32 = 380;

/// A point ready to draw: its x and summary, in plot space.
struct Drawn {
    x: f64,
    min: f64,
    median: f64,
    max: f64,
}

pub struct Axes<'r> {
    pub x_label: &'r str,
    pub y_label: &'r str,
    pub x_scale: Scale,
    pub y_scale: Scale,
}

pub fn svg(title: &str, axes: &Axes, series: &[Series]) -> Result<String, String> {
    let mut lines = Vec::with_capacity(series.len());
    for s in series {
        let mut points = Vec::with_capacity(s.points.len());
        for point in &s.points {
            let Summary { min, median, max } = super::summary(s, point)?;
            let place = |scale: Scale, value: f64, axis: &str| {
                scale.position(value).ok_or_else(|| {
                    format!(
                        "series {:?}: {axis} = {value} cannot be drawn on a log axis",
                        s.name
                    )
                })
            };
            points.push(Drawn {
                x: place(axes.x_scale, point.x, "x")?,
                min: place(axes.y_scale, min, "y")?,
                median: place(axes.y_scale, median, "y")?,
                max: place(axes.y_scale, max, "y")?,
            });
        }
        points.sort_by(|a, b| a.x.total_cmp(&b.x));
        lines.push((s, points));
    }

    let all = || lines.iter().flat_map(|(_, points)| points.iter());
    let x_lo = all().map(|p| p.x).fold(f64::INFINITY, f64::min);
    let x_hi = all().map(|p| p.x).fold(f64::NEG_INFINITY, f64::max);
    let y_lo = all().map(|p| p.min).fold(f64::INFINITY, f64::min);
    let y_hi = all().map(|p| p.max).fold(f64::NEG_INFINITY, f64::max);
    let x_range = padded(x_lo, x_hi, 0.04);
    let y_range = match axes.y_scale {
        // A linear y axis of positive values starts at zero, so heights compare honestly.
        Scale::Linear if y_lo >= 0.0 => (0.0, padded(y_lo, y_hi, 0.06).1),
        _ => padded(y_lo, y_hi, 0.06),
    };
    let x_ticks = x_ticks(axes.x_scale, &lines, x_range);
    let y_ticks = axes.y_scale.ticks(y_range.0, y_range.1);

    let legend: Vec<Entry> = series
        .iter()
        .map(|s| (s.name.clone(), colour(&s.color)))
        .collect();
    frame::svg(title, &legend, PLOT_HEIGHT, |area| {
        let x_label = |at: f64| format_tick(axes.x_scale.value_at(at));
        let y_label = |at: f64| format_tick(axes.y_scale.value_at(at));
        let x = AxisSpec {
            range: x_range,
            ticks: x_ticks,
            label: &x_label,
            description: axes.x_label,
        };
        let y = AxisSpec {
            range: y_range,
            ticks: y_ticks,
            label: &y_label,
            description: axes.y_label,
        };
        let mut chart = frame::chart(area, &x, &y, true)?;
        let cap = (x_range.1 - x_range.0) * 0.008;
        for (s, points) in &lines {
            let c = colour(&s.color);
            for p in points.iter().filter(|p| p.max > p.min) {
                frame::whisker(&mut chart, p.x, (p.min, p.max), cap, c)?;
            }
            chart
                .draw_series(LineSeries::new(
                    points.iter().map(|p| (p.x, p.median)),
                    c.stroke_width(3),
                ))
                .map_err(failed)?;
            chart
                .draw_series(
                    points
                        .iter()
                        .map(|p| Circle::new((p.x, p.median), 4, c.filled())),
                )
                .map_err(failed)?;
        }
        Ok(())
    })
}

/// Ticks at the measured x values when there are few and they are spread
/// out (worker counts 1, 2, 4, 8); round numbers otherwise.
fn x_ticks(scale: Scale, lines: &[(&Series, Vec<Drawn>)], range: (f64, f64)) -> Vec<f64> {
    let mut xs: Vec<f64> = lines
        .iter()
        .flat_map(|(_, ps)| ps.iter().map(|p| p.x))
        .collect();
    xs.sort_by(f64::total_cmp);
    xs.dedup_by(|a, b| (*a - *b).abs() < 1e-9);
    let span = range.1 - range.0;
    let spread = xs.windows(2).all(|w| w[1] - w[0] >= span / 14.0);
    if xs.len() <= 9 && spread {
        xs
    } else {
        scale.ticks(range.0, range.1)
    }
}
