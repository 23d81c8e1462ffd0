//! Draws a [`Record`] as SVG with plotters, for `{{#chart}}`.
//!
//! Every chart states its finding in its title (the record's), labels its
//! axes with units, shows the spread of the samples (min–max whiskers around
//! the median, and for bars every sample as a dot), gives each series the
//! colour its record or the book names (else the palette's, in order), and
//! follows mdBook's light or dark theme for its text, axes and grid (see
//! [`theme`]).

mod axis;
mod bars;
mod frame;
mod lines;
pub mod theme;
mod timeline;

use axis::Scale;
use notebook_record::{Machine, Plot, Point, Record, Series, Summary};
use std::collections::BTreeMap;

/// A chart ready to embed in a page.
pub struct Rendered {
    /// An `<svg>` element: no XML prolog, no blank lines (so it can sit inside markdown).
    pub svg: String,
    /// The caption: the machine and how many samples each point has.
    pub caption: String,
}

/// Renders `record` as SVG, measured on `machine` unless the record names
/// its own; `colors` gives series colours by name (book.toml's
/// `series-colors`). Fails, with a message naming what is wrong, on a record
/// with nothing to draw (no series, a point without samples, a NaN) or a bad
/// colour.
pub fn render(
    record: &Record,
    colors: &BTreeMap<String, String>,
    machine: &Machine,
) -> Result<Rendered, String> {
    let plot = with_colors(&record.plot, colors)?;
    let (svg, shown) = match &plot {
        Plot::Bars {
            y_label,
            log_y,
            categories,
            series,
        } => {
            let y_axis = bars::YAxis {
                label: y_label,
                scale: scale(*log_y),
            };
            let counted = samples(series)?;
            (
                bars::svg(&record.title, &y_axis, categories, series)?,
                format!("{counted} per bar, bars at the median, whiskers min–max"),
            )
        }
        Plot::Lines {
            x_label,
            y_label,
            log_x,
            log_y,
            series,
        } => {
            let axes = lines::Axes {
                x_label,
                y_label,
                x_scale: scale(*log_x),
                y_scale: scale(*log_y),
            };
            let counted = samples(series)?;
            (
                lines::svg(&record.title, &axes, series)?,
                format!("{counted} per point, lines through the medians, whiskers min–max"),
            )
        }
        Plot::Timeline { x_label, lanes } => (
            timeline::svg(&record.title, x_label, lanes)?,
            "one run".to_string(),
        ),
    };
    // The record's notes are not repeated here: the page shows them under the caption.
    let machine = record.machine.as_ref().unwrap_or(machine);
    let caption = format!("Measured on {}; {shown}.", machine.summary());
    Ok(Rendered { svg, caption })
}

/// `plot` with every series' and lane's colour filled in and checked: its
/// own, else the book's for its name (a lane's group), else the next of the
/// palette. Lanes of one group share a colour.
fn with_colors(plot: &Plot, book: &BTreeMap<String, String>) -> Result<Plot, String> {
    let mut plot = plot.clone();
    let mut next = 0;
    let mut by_name: BTreeMap<String, String> = BTreeMap::new();
    let mut assign = |name: &str, color: &mut Option<String>| -> Result<(), String> {
        let chosen = match (color.take(), book.get(name), by_name.get(name)) {
            (Some(own), _, _) => own,
            (None, Some(named), _) => named.clone(),
            (None, None, Some(earlier)) => earlier.clone(),
            (None, None, None) => {
                next += 1;
                theme::PALETTE[(next - 1) % theme::PALETTE.len()].to_string()
            }
        };
        theme::parse_color(&chosen).map_err(|e| format!("series {name:?}: {e}"))?;
        by_name.insert(name.to_string(), chosen.clone());
        *color = Some(chosen);
        Ok(())
    };
    match &mut plot {
        Plot::Bars { series, .. } | Plot::Lines { series, .. } => {
            for s in series {
                assign(&s.name, &mut s.color)?;
            }
        }
        Plot::Timeline { lanes, .. } => {
            for lane in lanes {
                let group = lane.group.clone().unwrap_or_else(|| lane.name.clone());
                assign(&group, &mut lane.color)?;
            }
        }
    }
    Ok(plot)
}

/// A log axis when `log`, else a linear one.
fn scale(log: bool) -> Scale {
    if log { Scale::Log } else { Scale::Linear }
}

/// "5 samples" or "5–9 samples": how many samples the points have. Fails on
/// a chart with no points.
fn samples(series: &[Series]) -> Result<String, String> {
    if series.is_empty() {
        return Err("nothing to draw: the record has no series".into());
    }
    let counts = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.samples.len()));
    let (Some(min), Some(max)) = (counts.clone().min(), counts.max()) else {
        return Err("nothing to draw: the record's series have no points".into());
    };
    let plural = if max == 1 { "sample" } else { "samples" };
    Ok(if min == max {
        format!("{min} {plural}")
    } else {
        format!("{min}–{max} {plural}")
    })
}

/// The summary of one point, or an error naming its series.
fn summary(series: &Series, point: &Point) -> Result<Summary, String> {
    if point.samples.iter().any(|s| !s.is_finite()) {
        return Err(format!(
            "series {:?} at x = {}: a sample is not a finite number",
            series.name, point.x
        ));
    }
    Summary::of(&point.samples)
        .ok_or_else(|| format!("series {:?} at x = {}: no samples", series.name, point.x))
}

#[cfg(test)]
mod tests;
