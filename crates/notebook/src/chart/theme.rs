//! Colours: each series' own (from its record or book.toml, else the
//! palette's), and text, axes and grid in the page theme's foreground colour.
//!
//! mdBook has light and dark themes, and a chart is inline SVG inside the
//! page, so it can follow the theme through CSS variables. Plotters only
//! writes colours as `fill="#RRGGBB"`/`stroke="#RRGGBB"` attributes, and SVG
//! presentation attributes do not accept `var()`. So the chart is drawn with
//! two sentinel colours, [`FG`] and [`BG`], that no series uses, and
//! [`use_theme_colours`] rewrites those attributes into `style="fill:var(--fg, …)"`.

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

/// Colours for series that name none (in the record or in book.toml), in
/// order: the Okabe–Ito palette (distinguishable with the common
/// colour-vision deficiencies), chosen to show on white and on mdBook's dark
/// backgrounds. Its black cannot show on both and its yellow is too light on
/// white, so grey, brown, violet and a darker yellow stand in.
pub const PALETTE: [&str; 10] = [
    "#0072B2", // blue
    "#009E73", // bluish green
    "#E69F00", // orange
    "#D55E00", // vermillion
    "#CC79A7", // reddish purple
    "#56B4E9", // sky blue
    "#A6761D", // brown
    "#8A63D2", // violet
    "#C8B400", // dark yellow
    "#999999", // grey
];

/// Reads a CSS hex colour, `#RRGGBB` or `#RGB`.
pub fn parse_color(text: &str) -> Result<RGBColor, String> {
    let bad = || format!("colour `{text}` is not a hex colour such as #0072B2");
    let hex = text.strip_prefix('#').ok_or_else(bad)?;
    let digits: Vec<u8> = hex
        .chars()
        .map(|c| c.to_digit(16).map(|d| d as u8))
        .collect::<Option<_>>()
        .ok_or_else(bad)?;
    let colour = match digits[..] {
        [r, g, b] => RGBColor(r * 17, g * 17, b * 17),
        [r1, r2, g1, g2, b1, b2] => RGBColor(r1 * 16 + r2, g1 * 16 + g2, b1 * 16 + b2),
        _ => return Err(bad()),
    };
    if colour == FG || colour == BG {
        return Err(format!("colour `{text}` is reserved for the page's text"));
    }
    Ok(colour)
}

/// The colour of a series or lane whose colour has been resolved (see
/// `chart::with_colors`).
pub fn colour(resolved: &Option<String>) -> RGBColor {
    resolved
        .as_deref()
        .and_then(|c| parse_color(c).ok())
        .unwrap_or(FG)
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

    #[test]
    fn colours_parse_in_both_hex_forms_and_sentinels_are_refused() {
        assert_eq!(parse_color("#0072B2"), Ok(RGBColor(0, 0x72, 0xB2)));
        assert_eq!(parse_color("#fff"), Ok(RGBColor(255, 255, 255)));
        for bad in ["red", "#12345", "0072B2", "#GG0000", "#010203"] {
            assert!(parse_color(bad).is_err(), "{bad}");
        }
        for (i, a) in PALETTE.iter().enumerate() {
            assert!(parse_color(a).is_ok());
            assert!(!PALETTE[..i].contains(a), "{a} twice");
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
