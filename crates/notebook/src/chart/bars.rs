//! Bars: named categories on x; in each, one bar per series at its median,
//! a min–max whisker, and every sample as a dot. The y axis is linear (bars
//! rise from zero) or logarithmic (bars rise from the bottom of the axis, for
//! values that span decades).

use super::axis::{Scale, format_tick, format_value, unit_of};
use super::frame::{self, AxisSpec, Entry, failed};
use super::theme::{FG, colour};
use notebook_record::{Point, Series, Summary};
use plotters::prelude::*;

const PLOT_HEIGHT: u32 = 360;
/// The share of a category's width its bars take together.
const GROUP_WIDTH: f64 = 0.7;

/// One bar: its category, series and samples.
struct Bar<'r> {
    series: &'r Series,
    slot: f64,
    width: f64,
    /// The median as measured, for its label.
    median: f64,
    /// Minimum, median and maximum in plot space (`log10` of them on a log axis).
    at: Summary,
    /// Every sample in plot space.
    dots: Vec<f64>,
}

/// The y axis: its description (with the unit) and scale.
pub struct YAxis<'r> {
    pub label: &'r str,
    pub scale: Scale,
}

pub fn svg(
    title: &str,
    y_axis: &YAxis,
    categories: &[String],
    series: &[Series],
) -> Result<String, String> {
    if categories.is_empty() {
        return Err("a bar chart needs at least one category".into());
    }
    let bars = layout(categories, series, y_axis.scale)?;
    let lo = bars.iter().map(|b| b.at.min).fold(f64::INFINITY, f64::min);
    let hi = bars
        .iter()
        .map(|b| b.at.max)
        .fold(f64::NEG_INFINITY, f64::max);
    // Where bars start: zero on a linear axis (so heights compare honestly),
    // the axis' bottom on a log one (which has no zero).
    let (base, hi) = match y_axis.scale {
        Scale::Linear => (0.0, hi.max(0.0)),
        Scale::Log => (log_bottom(lo), hi),
    };
    let bottom = lo.min(base);
    // Headroom above the tallest whisker for its value label.
    let top = if hi > bottom {
        hi + (hi - bottom) * 0.14
    } else {
        bottom + 1.0
    };
    let y_ticks = y_axis.scale.ticks(bottom, top);

    // One legend entry per series, unless the category names already say
    // what each bar is (every category holds one bar).
    let one_bar_each = (0..categories.len())
        .all(|c| bars.iter().filter(|b| b.slot.round() as usize == c).count() <= 1);
    let legend: Vec<Entry> = if one_bar_each {
        vec![]
    } else {
        series
            .iter()
            .map(|s| (s.name.clone(), colour(&s.color)))
            .collect()
    };
    let unit = unit_of(y_axis.label)
        .map(|u| format!(" {u}"))
        .unwrap_or_default();

    frame::svg(title, &legend, PLOT_HEIGHT, |area| {
        let category = |at: f64| {
            let index = at.round();
            if (at - index).abs() < 1e-6 && index >= 0.0 {
                categories.get(index as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        };
        let x = AxisSpec {
            range: (-0.5, categories.len() as f64 - 0.5),
            ticks: (0..categories.len()).map(|c| c as f64).collect(),
            label: &category,
            description: "",
        };
        let y_tick = |at: f64| format_tick(y_axis.scale.value_at(at));
        let y = AxisSpec {
            range: (bottom, top),
            ticks: y_ticks,
            label: &y_tick,
            description: y_axis.label,
        };
        let mut chart = frame::chart(area, &x, &y, false)?;
        for bar in &bars {
            let left = bar.slot - bar.width / 2.0;
            let right = bar.slot + bar.width / 2.0;
            let fill = colour(&bar.series.color).filled();
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(left, base), (right, bar.at.median)],
                    fill,
                )))
                .map_err(failed)?;
            frame::whisker(
                &mut chart,
                bar.slot,
                (bar.at.min, bar.at.max),
                bar.width * 0.12,
                FG,
            )?;
            let spread = bar.width * 0.5;
            let n = bar.dots.len() as f64;
            let dots = bar.dots.iter().enumerate().map(|(i, at)| {
                let offset = ((i as f64 + 0.5) / n - 0.5) * spread;
                Circle::new((bar.slot + offset, *at), 3, FG.stroke_width(1))
            });
            chart.draw_series(dots).map_err(failed)?;
            // The median in numbers, where there is room for it.
            if one_bar_each {
                let label = format!("{}{unit}", format_value(bar.median));
                frame::label_above(&mut chart, &label, (bar.slot, bar.at.max))?;
            }
        }
        Ok(())
    })
}

/// Places every point's bar: category `x`, side by side with the other
/// series' bars in the same category; its values placed on `scale`.
fn layout<'r>(
    categories: &[String],
    series: &'r [Series],
    scale: Scale,
) -> Result<Vec<Bar<'r>>, String> {
    let mut placed: Vec<(usize, &'r Series, &'r Point)> = Vec::new();
    for s in series {
        for point in &s.points {
            let index = point.x.round();
            if (point.x - index).abs() > 1e-9 || index < 0.0 || index as usize >= categories.len() {
                return Err(format!(
                    "series {:?}: x = {} is not the index of one of the {} categories",
                    s.name,
                    point.x,
                    categories.len()
                ));
            }
            placed.push((index as usize, s, point));
        }
    }
    let mut bars = Vec::with_capacity(placed.len());
    for c in 0..categories.len() {
        let here: Vec<_> = placed.iter().filter(|(at, _, _)| *at == c).collect();
        let width = GROUP_WIDTH / here.len().max(1) as f64;
        for (i, (_, series, point)) in here.iter().enumerate() {
            let summary = super::summary(series, point)?;
            let place = |value: f64| {
                scale.position(value).ok_or_else(|| {
                    format!(
                        "series {:?}: y = {value} cannot be drawn on a log axis",
                        series.name
                    )
                })
            };
            bars.push(Bar {
                series,
                slot: c as f64 - GROUP_WIDTH / 2.0 + width * (i as f64 + 0.5),
                width: width * 0.9,
                median: summary.median,
                at: Summary {
                    min: place(summary.min)?,
                    median: place(summary.median)?,
                    max: place(summary.max)?,
                },
                dots: point
                    .samples
                    .iter()
                    .map(|s| place(*s))
                    .collect::<Result<_, _>>()?,
            });
        }
    }
    Ok(bars)
}

/// The bottom of a log axis whose lowest value sits at `lo` (plot space):
/// the power of ten at or below it, or the one under that when `lo` is so
/// close above a power of ten that its bar would hardly show.
fn log_bottom(lo: f64) -> f64 {
    let decade = lo.floor();
    if lo - decade >= 0.2 {
        decade
    } else {
        decade - 1.0
    }
}
