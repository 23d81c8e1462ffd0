//! What every chart shares: the canvas, the wrapped title, the legend row,
//! the axes with their ticks and labels, and the finishing of the SVG text.

use super::theme::{self, BG, FG};
use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// The width of every chart, in SVG units (it scales to the page's width).
pub const WIDTH: u32 = 720;
/// Font sizes as plotters takes them (it writes `font-size` = size / 1.24).
const TITLE_SIZE: f64 = 21.0;
pub const LABEL_SIZE: f64 = 16.0;
const FONT: &str = "sans-serif";

pub type Area<'b> = DrawingArea<SVGBackend<'b>, Shift>;
pub type Chart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<Axis, Axis>>;

/// Any drawing error, as the message `render` returns.
pub fn failed(error: impl std::fmt::Display) -> String {
    format!("drawing the chart failed: {error}")
}

/// Text in the theme's foreground colour.
pub fn text_style(size: f64) -> TextStyle<'static> {
    (FONT, size).into_font().color(&FG)
}

/// Roughly how wide `text` is at `size` (plotters has no font metrics here;
/// sans-serif glyphs average a little over half an em).
pub fn text_width(text: &str, size: f64) -> f64 {
    text.chars().count() as f64 * size / 1.24 * 0.58
}

/// A legend entry: a name and its colour.
pub type Entry = (String, RGBColor);

/// Draws a whole chart: `title` (wrapped to the width) on top, then the
/// `legend` (omitted when empty), then a `plot_height` tall area handed to
/// `plot`. Returns the finished `<svg>` element.
pub fn svg(
    title: &str,
    legend: &[Entry],
    plot_height: u32,
    plot: impl FnOnce(&Area) -> Result<(), String>,
) -> Result<String, String> {
    let title_lines = wrap(title, TITLE_SIZE, f64::from(WIDTH) - 40.0);
    let title_height = 12 + 26 * title_lines.len() as u32;
    let legend_rows = legend_rows(legend, f64::from(WIDTH) - 40.0);
    let legend_height = 22 * legend_rows.len() as u32;
    let height = title_height + legend_height + plot_height;

    let mut buffer = String::new();
    {
        let root = SVGBackend::with_string(&mut buffer, (WIDTH, height)).into_drawing_area();
        let bold = (FONT, TITLE_SIZE, FontStyle::Bold)
            .into_font()
            .color(&FG)
            .pos(Pos::new(HPos::Center, VPos::Top));
        for (i, line) in title_lines.iter().enumerate() {
            let y = 8 + 26 * i as i32;
            root.draw_text(line, &bold, (WIDTH as i32 / 2, y))
                .map_err(failed)?;
        }
        let (_, rest) = root.split_vertically(title_height);
        let (legend_area, plot_area) = rest.split_vertically(legend_height);
        draw_legend(&legend_area, &legend_rows)?;
        plot(&plot_area)?;
        root.present().map_err(failed)?;
    }
    Ok(finish(&buffer, title))
}

/// Splits `text` into as few lines no wider than `width` at `size` as it
/// can, of about equal length (no lone last word).
fn wrap(text: &str, size: f64, width: f64) -> Vec<String> {
    let lines = wrap_greedy(text, size, width);
    if lines.len() < 2 {
        return lines;
    }
    // The narrowest width that still needs no more lines balances them.
    let (mut narrow, mut wide) = (0.0, width);
    for _ in 0..24 {
        let mid = (narrow + wide) / 2.0;
        if wrap_greedy(text, size, mid).len() <= lines.len() {
            wide = mid;
        } else {
            narrow = mid;
        }
    }
    wrap_greedy(text, size, wide)
}

/// Fills each line with as many words as fit in `width`.
fn wrap_greedy(text: &str, size: f64, width: f64) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match lines.last_mut() {
            Some(line) if text_width(&format!("{line} {word}"), size) <= width => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    lines
}

const SWATCH: f64 = 14.0;
const ENTRY_GAP: f64 = 22.0;

fn entry_width((name, _): &Entry) -> f64 {
    SWATCH + 6.0 + text_width(name, LABEL_SIZE) + ENTRY_GAP
}

/// Legend entries grouped into rows that fit `width`.
fn legend_rows(legend: &[Entry], width: f64) -> Vec<Vec<Entry>> {
    let mut rows: Vec<Vec<Entry>> = Vec::new();
    let mut used = 0.0;
    for entry in legend {
        let w = entry_width(entry);
        match rows.last_mut() {
            Some(row) if used + w <= width => row.push(entry.clone()),
            _ => {
                rows.push(vec![entry.clone()]);
                used = 0.0;
            }
        }
        used += w;
    }
    rows
}

/// Each row centred: a colour swatch, then the name.
fn draw_legend(area: &Area, rows: &[Vec<Entry>]) -> Result<(), String> {
    let style = text_style(LABEL_SIZE).pos(Pos::new(HPos::Left, VPos::Center));
    for (r, row) in rows.iter().enumerate() {
        let row_width: f64 = row.iter().map(entry_width).sum::<f64>() - ENTRY_GAP;
        let mut x = (f64::from(WIDTH) - row_width) / 2.0;
        let y = 11 + 22 * r as i32;
        for entry in row {
            let (name, colour) = entry;
            let half = (SWATCH / 2.0) as i32;
            let left = x as i32;
            area.draw(&Rectangle::new(
                [(left, y - half), (left + SWATCH as i32, y + half)],
                colour.filled(),
            ))
            .map_err(failed)?;
            area.draw_text(name, &style, (left + SWATCH as i32 + 6, y))
                .map_err(failed)?;
            x += entry_width(entry);
        }
    }
    Ok(())
}

/// One axis of a chart: its range and ticks in plot space, how a tick is
/// labelled, and its description (with the unit).
pub struct AxisSpec<'f> {
    pub range: (f64, f64),
    pub ticks: Vec<f64>,
    pub label: &'f dyn Fn(f64) -> String,
    pub description: &'f str,
}

/// A linear plotters axis with the ticks given (plotters' own `f64` axis
/// picks its ticks itself, and its `with_key_points` wrapper loses the tick
/// label formatting).
pub struct Axis {
    range: (f64, f64),
    ticks: Vec<f64>,
}

impl Axis {
    fn new(range: (f64, f64), ticks: Vec<f64>) -> Axis {
        Axis { range, ticks }
    }
}

impl Ranged for Axis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, (from, to): (i32, i32)) -> i32 {
        let (lo, hi) = self.range;
        let share = if hi > lo {
            (value - lo) / (hi - lo)
        } else {
            0.5
        };
        from + (f64::from(to - from) * share).round() as i32
    }

    /// The given ticks as the bold (labelled, gridded) points, no light ones.
    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.range.0..self.range.1
    }
}

/// Builds the plot's axes in `area` and draws the frame: axes and tick labels
/// in the foreground colour, horizontal grid lines faint (vertical ones too
/// when `x_grid`).
pub fn chart<'a, 'b>(
    area: &'a Area<'b>,
    x: &AxisSpec,
    y: &AxisSpec,
    x_grid: bool,
) -> Result<Chart<'a, 'b>, String> {
    let widest_y = y
        .ticks
        .iter()
        .map(|t| text_width(&(y.label)(*t), LABEL_SIZE))
        .fold(0.0, f64::max);
    let y_area = widest_y.ceil() as u32 + if y.description.is_empty() { 16 } else { 40 };
    let x_area = if x.description.is_empty() { 34 } else { 52 };
    let mut chart = ChartBuilder::on(area)
        .margin_top(8)
        .margin_right(24)
        .margin_left(8)
        .margin_bottom(4)
        .x_label_area_size(x_area)
        .y_label_area_size(y_area)
        .build_cartesian_2d(
            Axis::new(x.range, x.ticks.clone()),
            Axis::new(y.range, y.ticks.clone()),
        )
        .map_err(failed)?;
    let x_label = |at: &f64| (x.label)(*at);
    let y_label = |at: &f64| (y.label)(*at);
    let mut mesh = chart.configure_mesh();
    mesh.axis_style(FG)
        .bold_line_style(FG.mix(0.15))
        .light_line_style(TRANSPARENT)
        .label_style(text_style(LABEL_SIZE))
        .axis_desc_style(text_style(LABEL_SIZE))
        .x_label_formatter(&x_label)
        .y_label_formatter(&y_label)
        .x_desc(x.description)
        .y_desc(y.description);
    if !x_grid {
        mesh.disable_x_mesh();
    }
    mesh.draw().map_err(failed)?;
    Ok(chart)
}

/// A whisker from `lo` to `hi` at `x` with caps `cap` wide (all in data
/// units), in the foreground colour or `colour`.
pub fn whisker(
    chart: &mut Chart,
    x: f64,
    (lo, hi): (f64, f64),
    cap: f64,
    colour: RGBColor,
) -> Result<(), String> {
    let style = colour.stroke_width(2);
    let lines = [
        vec![(x, lo), (x, hi)],
        vec![(x - cap, lo), (x + cap, lo)],
        vec![(x - cap, hi), (x + cap, hi)],
    ];
    chart
        .draw_series(lines.into_iter().map(|line| PathElement::new(line, style)))
        .map_err(failed)?;
    Ok(())
}

/// A label centred just above `(x, y)`, on a background-coloured plate so grid
/// lines do not cross it.
pub fn label_above(chart: &mut Chart, text: &str, (x, y): (f64, f64)) -> Result<(), String> {
    let style = text_style(LABEL_SIZE - 1.0).pos(Pos::new(HPos::Center, VPos::Bottom));
    let half = (text_width(text, LABEL_SIZE - 1.0) / 2.0).ceil() as i32 + 3;
    let plate = Rectangle::new([(-half, -22), (half, -5)], BG.mix(0.85).filled());
    chart
        .draw_series(std::iter::once(
            EmptyElement::at((x, y)) + plate + Text::new(text.to_string(), (0, -6), style),
        ))
        .map_err(failed)?;
    Ok(())
}

/// The final text: theme colours, a `<title>`, scaling to the page's width,
/// and no blank lines (the SVG sits in markdown as one HTML block).
fn finish(svg: &str, title: &str) -> String {
    let themed = theme::use_theme_colours(svg);
    let mut out = String::with_capacity(themed.len() + 200);
    for line in themed.lines().filter(|line| !line.trim().is_empty()) {
        if let Some(rest) = line.strip_prefix("<svg ") {
            out.push_str(
                "<svg class=\"lab-chart\" role=\"img\" style=\"max-width:100%;height:auto\" ",
            );
            out.push_str(rest);
            out.push('\n');
            out.push_str("<title>");
            out.push_str(&escape(title));
            out.push_str("</title>\n");
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    out.truncate(out.trim_end().len());
    out
}

/// Escapes text for XML content.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_titles_wrap_and_short_ones_do_not() {
        assert_eq!(wrap("Short title", TITLE_SIZE, 680.0), ["Short title"]);
        let long = "Two threads finish two tasks in about the same time as one after the other; \
                    two processes 1.2x faster than one after the other";
        let lines = wrap(long, TITLE_SIZE, 680.0);
        assert!(lines.len() >= 2);
        assert_eq!(lines.join(" "), long);
        assert!(lines.iter().all(|l| text_width(l, TITLE_SIZE) <= 680.0));
        // Balanced: the last line is not a lone word.
        let widths: Vec<f64> = lines.iter().map(|l| text_width(l, TITLE_SIZE)).collect();
        assert!(widths.iter().all(|w| *w > 0.6 * widths[0]), "{lines:?}");
    }

    #[test]
    fn legend_rows_fit_the_width() {
        let entry = |name: &str| (name.to_string(), RED);
        let rows = legend_rows(&[entry("threads"), entry("processes")], 680.0);
        assert_eq!(rows.len(), 1);
        let many: Vec<Entry> = (0..12)
            .map(|i| entry(&format!("series number {i}")))
            .collect();
        let rows = legend_rows(&many, 680.0);
        assert!(rows.len() > 1);
        for row in rows {
            assert!(row.iter().map(entry_width).sum::<f64>() <= 680.0 + ENTRY_GAP);
        }
    }

    #[test]
    fn finishing_adds_a_title_and_drops_blank_lines() {
        let raw = "<svg width=\"10\" height=\"10\" viewBox=\"0 0 10 10\" xmlns=\"http://www.w3.org/2000/svg\">\n\
                   <text fill=\"#010203\">\n\n</text>\n</svg>\n";
        let done = finish(raw, "A & B");
        assert!(done.starts_with("<svg class=\"lab-chart\" role=\"img\""));
        assert!(done.contains("<title>A &amp; B</title>"));
        assert!(!done.contains("\n\n"));
        assert!(done.contains("style=\"fill:var(--fg, #333)\""));
        assert!(done.ends_with("</svg>"));
    }
}
