//! Timelines: one lane per thread or process, filled where it ran.

use super::axis::{format_tick, nice_ticks, padded};
use super::frame::{self, AxisSpec, Entry, failed};
use super::theme::colour;
use notebook_record::Lane;
use plotters::prelude::*;

const LANE_HEIGHT: u32 = 40;
/// Room for the x axis, its labels and its description below the lanes.
const AXIS_HEIGHT: u32 = 76;

pub fn svg(title: &str, x_label: &str, lanes: &[Lane]) -> Result<String, String> {
    if lanes.is_empty() {
        return Err("a timeline needs at least one lane".into());
    }
    for lane in lanes {
        if let Some((start, end)) = lane
            .spans
            .iter()
            .find(|(start, end)| !start.is_finite() || !end.is_finite() || end < start)
        {
            return Err(format!(
                "lane {:?}: span ({start}, {end}) is not a finite interval",
                lane.name
            ));
        }
    }
    let spans = || lanes.iter().flat_map(|lane| lane.spans.iter());
    let lo = spans().map(|s| s.0).fold(f64::INFINITY, f64::min);
    let hi = spans().map(|s| s.1).fold(f64::NEG_INFINITY, f64::max);
    if !lo.is_finite() {
        return Err("a timeline needs at least one span".into());
    }
    let x_range = if lo >= 0.0 && hi > 0.0 {
        (0.0, padded(lo, hi, 0.02).1)
    } else {
        padded(lo, hi, 0.02)
    };
    let x_ticks = nice_ticks(x_range.0, x_range.1, 8);

    let mut legend: Vec<Entry> = Vec::new();
    for lane in lanes {
        let name = lane.group.as_ref().unwrap_or(&lane.name);
        let entry = (name.clone(), colour(&lane.color));
        if !legend.contains(&entry) {
            legend.push(entry);
        }
    }
    if legend.len() < 2 {
        legend.clear(); // one group: the lane names say it all
    }

    // Lane 0 on top.
    let row = |i: usize| (lanes.len() - 1 - i) as f64;
    let plot_height = LANE_HEIGHT * lanes.len() as u32 + AXIS_HEIGHT;
    frame::svg(title, &legend, plot_height, |area| {
        let lane_name = |at: f64| {
            let index = at.round();
            (0..lanes.len())
                .find(|i| row(*i) == index)
                .map(|i| lanes[i].name.clone())
                .unwrap_or_default()
        };
        let x = AxisSpec {
            range: x_range,
            ticks: x_ticks,
            label: &format_tick,
            description: x_label,
        };
        let y = AxisSpec {
            range: (-0.5, lanes.len() as f64 - 0.5),
            ticks: (0..lanes.len()).map(|i| i as f64).collect(),
            label: &lane_name,
            description: "",
        };
        let mut chart = frame::chart(area, &x, &y, true)?;
        // A span shorter than a pixel still shows, one pixel wide.
        let pixel = (x_range.1 - x_range.0) / f64::from(frame::WIDTH);
        for (i, lane) in lanes.iter().enumerate() {
            let fill = colour(&lane.color).filled();
            let (bottom, top) = (row(i) - 0.32, row(i) + 0.32);
            chart
                .draw_series(lane.spans.iter().map(|(start, end)| {
                    Rectangle::new([(*start, bottom), (end.max(start + pixel), top)], fill)
                }))
                .map_err(failed)?;
        }
        Ok(())
    })
}
