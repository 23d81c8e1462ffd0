//! Bars: named categories on x; in each, one bar per series at its median,
//! a min–max whisker, and every sample as a dot.

use crate::axis::{format_tick, format_value, nice_ticks, unit_of};
use crate::frame::{self, AxisSpec, Entry, failed};
use crate::theme::{FG, colour};
use lab::{Point, Series, Summary};
use plotters::prelude::*;

const PLOT_HEIGHT: u32 = 360;
/// The share of a category's width its bars take together.
const GROUP_WIDTH: f64 = 0.7;

/// One bar: its category, series and samples.
struct Bar<'r> {
    series: &'r Series,
    slot: f64,
    width: f64,
    summary: Summary,
    samples: &'r [f64],
}

pub fn svg(
    title: &str,
    y_label: &str,
    categories: &[String],
    series: &[Series],
) -> Result<String, String> {
    if categories.is_empty() {
        return Err("a bar chart needs at least one category".into());
    }
    let bars = layout(categories, series)?;
    let lo = bars.iter().map(|b| b.summary.min).fold(0.0, f64::min);
    let hi = bars.iter().map(|b| b.summary.max).fold(0.0, f64::max);
    // Headroom above the tallest whisker for its value label.
    let top = if hi > lo { hi + (hi - lo) * 0.14 } else { 1.0 };
    let y_ticks = nice_ticks(lo, top, 6);

    // One legend entry per series, unless the category names already say
    // what each bar is (every category holds one bar).
    let one_bar_each = (0..categories.len())
        .all(|c| bars.iter().filter(|b| b.slot.round() as usize == c).count() <= 1);
    let legend: Vec<Entry> = if one_bar_each {
        vec![]
    } else {
        series
            .iter()
            .map(|s| (s.name.clone(), colour(s.kind)))
            .collect()
    };
    let unit = unit_of(y_label)
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
        let y = AxisSpec {
            range: (lo, top),
            ticks: y_ticks,
            label: &format_tick,
            description: y_label,
        };
        let mut chart = frame::chart(area, &x, &y, false)?;
        for bar in &bars {
            let left = bar.slot - bar.width / 2.0;
            let right = bar.slot + bar.width / 2.0;
            let fill = colour(bar.series.kind).filled();
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(left, 0.0), (right, bar.summary.median)],
                    fill,
                )))
                .map_err(failed)?;
            frame::whisker(
                &mut chart,
                bar.slot,
                (bar.summary.min, bar.summary.max),
                bar.width * 0.12,
                FG,
            )?;
            let spread = bar.width * 0.5;
            let n = bar.samples.len() as f64;
            let dots = bar.samples.iter().enumerate().map(|(i, s)| {
                let offset = ((i as f64 + 0.5) / n - 0.5) * spread;
                Circle::new((bar.slot + offset, *s), 3, FG.stroke_width(1))
            });
            chart.draw_series(dots).map_err(failed)?;
            // The median in numbers, where there is room for it.
            if one_bar_each {
                let label = format!("{}{unit}", format_value(bar.summary.median));
                frame::label_above(&mut chart, &label, (bar.slot, bar.summary.max))?;
            }
        }
        Ok(())
    })
}

/// Places every point's bar: category `x`, side by side with the other
/// series' bars in the same category.
fn layout<'r>(categories: &[String], series: &'r [Series]) -> Result<Vec<Bar<'r>>, String> {
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
            bars.push(Bar {
                series,
                slot: c as f64 - GROUP_WIDTH / 2.0 + width * (i as f64 + 0.5),
                width: width * 0.9,
                summary: crate::summary(series, point)?,
                samples: &point.samples,
            });
        }
    }
    Ok(bars)
}
