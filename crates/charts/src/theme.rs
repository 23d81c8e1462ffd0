//! Colours: one fixed colour per series kind across the book, and text, axes
//! and grid in the page theme's foreground colour.
//!
//! mdBook has light and dark themes, and a chart is inline SVG inside the
//! page, so it can follow the theme through CSS variables. Plotters only
//! writes colours as `fill="#RRGGBB"`/`stroke="#RRGGBB"` attributes, and SVG
//! presentation attributes do not accept `var()`. So the chart is drawn with
//! two sentinel colours, [`FG`] and [`BG`], that no series uses, and
//! [`use_theme_colours`] rewrites those attributes into `style="fill:var(--fg, …)"`.

use lab::SeriesKind;
use plotters::style::RGBColor;

/// Drawn as the page's foreground colour (text, axes, whiskers, sample dots;
/// grid lines are this at low opacity).
pub const FG: RGBColor = RGBColor(0x01, 0x02, 0x03);
/// Drawn as the page's background colour (behind the value labels).
pub const BG: RGBColor = RGBColor(0xFD, 0xFE, 0xFC);

/// CSS for each sentinel: mdBook's variables, with fallbacks for a page
/// without them (a light page).
const SENTINELS: [(&str, &str); 2] = [
    ("#010203", "var(--fg, #333)"),
    ("#FDFEFC", "var(--bg, #fff)"),
];

/// The colour of a series kind, the same in every chart of the book. From the
/// Okabe–Ito palette (distinguishable with the common colour-vision
/// deficiencies), chosen to show on white and on mdBook's dark backgrounds.
/// Its black cannot show on both and its yellow is too light on white, so
/// grey, brown, violet and a darker yellow stand in.
pub fn colour(kind: SeriesKind) -> RGBColor {
    match kind {
        SeriesKind::Sequential => RGBColor(0x99, 0x99, 0x99), // grey
        SeriesKind::Threads => RGBColor(0x00, 0x72, 0xB2),    // blue
        SeriesKind::Processes => RGBColor(0x00, 0x9E, 0x73),  // bluish green
        SeriesKind::Rayon => RGBColor(0xE6, 0x9F, 0x00),      // orange
        SeriesKind::GilThreads => RGBColor(0xD5, 0x5E, 0x00), // vermillion
        SeriesKind::CPythonThreads => RGBColor(0xCC, 0x79, 0xA7), // reddish purple
        SeriesKind::CPythonProcesses => RGBColor(0xA6, 0x76, 0x1D), // brown
        SeriesKind::Spawn => RGBColor(0x56, 0xB4, 0xE9),      // sky blue
        SeriesKind::ZeroCopy => RGBColor(0x8A, 0x63, 0xD2),   // violet
        SeriesKind::Other => RGBColor(0xC8, 0xB4, 0x00),      // dark yellow
    }
}

/// The kind's name in a legend.
pub fn kind_name(kind: SeriesKind) -> &'static str {
    match kind {
        SeriesKind::Sequential => "sequential",
        SeriesKind::Threads => "threads",
        SeriesKind::Processes => "processes",
        SeriesKind::Rayon => "rayon",
        SeriesKind::GilThreads => "model-GIL threads",
        SeriesKind::CPythonThreads => "CPython threads",
        SeriesKind::CPythonProcesses => "CPython processes",
        SeriesKind::Spawn => "spawned processes",
        SeriesKind::ZeroCopy => "zero-copy transfer",
        SeriesKind::Other => "other",
    }
}

/// Rewrites every `fill`/`stroke` attribute that holds a sentinel colour into
/// a `style` attribute with the theme's CSS variable. Plotters writes one
/// element per line, so this works line by line.
pub fn use_theme_colours(svg: &str) -> String {
    svg.lines().map(theme_line).collect::<Vec<_>>().join("\n")
}

fn theme_line(line: &str) -> String {
    let mut line = line.to_string();
    let mut style = Vec::new();
    for property in ["fill", "stroke"] {
        for (sentinel, css) in SENTINELS {
            let attribute = format!(" {property}=\"{sentinel}\"");
            if line.contains(&attribute) {
                line = line.replace(&attribute, "");
                style.push(format!("{property}:{css}"));
            }
        }
    }
    if style.is_empty() {
        return line;
    }
    let end = if line.ends_with("/>") {
        line.len() - 2
    } else {
        line.len() - 1
    };
    line.insert_str(end, &format!(" style=\"{}\"", style.join(";")));
    line
}

/// `#RRGGBB` of a colour, as plotters writes it.
pub fn hex(colour: RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", colour.0, colour.1, colour.2)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KINDS: [SeriesKind; 10] = [
        SeriesKind::Sequential,
        SeriesKind::Threads,
        SeriesKind::Processes,
        SeriesKind::Rayon,
        SeriesKind::GilThreads,
        SeriesKind::CPythonThreads,
        SeriesKind::CPythonProcesses,
        SeriesKind::Spawn,
        SeriesKind::ZeroCopy,
        SeriesKind::Other,
    ];

    #[test]
    fn every_kind_has_its_own_colour_and_none_is_a_sentinel() {
        for (i, a) in KINDS.iter().enumerate() {
            for b in &KINDS[..i] {
                assert_ne!(colour(*a), colour(*b), "{a:?} and {b:?}");
            }
            assert!(colour(*a) != FG && colour(*a) != BG);
        }
    }

    #[test]
    fn sentinels_become_css_variables() {
        let line = r##"<line opacity="1" stroke="#010203" stroke-width="1" x1="0"/>"##;
        assert_eq!(
            theme_line(line),
            r##"<line opacity="1" stroke-width="1" x1="0" style="stroke:var(--fg, #333)"/>"##
        );
        let text = r##"<text x="1" fill="#010203">"##;
        assert_eq!(
            theme_line(text),
            r##"<text x="1" style="fill:var(--fg, #333)">"##
        );
        let both = r##"<rect fill="#FDFEFC" stroke="#010203"/>"##;
        assert_eq!(
            theme_line(both),
            r##"<rect style="fill:var(--bg, #fff);stroke:var(--fg, #333)"/>"##
        );
        let series = r##"<rect fill="#0072B2" stroke="none"/>"##;
        assert_eq!(theme_line(series), series);
    }
}
