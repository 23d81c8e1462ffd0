//! CSS colours as the browser reports them, and the WCAG contrast ratio between two of them.
//!
//! `getComputedStyle` gives colours as `rgb(r, g, b)` or `rgba(r, g, b, a)`; a layer that is
//! not opaque is seen through, so the colour a reader sees behind a chart is the stack of
//! backgrounds from the page down to the chart, composited over the white canvas.

/// An sRGB colour with straight (not premultiplied) alpha; channels are 0..=255, alpha 0..=1.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rgba {
    pub r: f64,
    pub g: f64,
    pub b: f64,
    pub a: f64,
}

impl Rgba {
    pub const WHITE: Rgba = Rgba {
        r: 255.0,
        g: 255.0,
        b: 255.0,
        a: 1.0,
    };

    /// Parses `rgb(…)`, `rgba(…)` (comma or space separated, alpha after `/` or a fourth
    /// comma), `#rgb`, `#rrggbb` and `transparent`. Anything else (`none`, `url(#…)`,
    /// `currentcolor`) is `None`: the caller says what it could not read.
    pub fn parse(text: &str) -> Option<Rgba> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("transparent") {
            return Some(Rgba {
                r: 0.0,
                g: 0.0,
                b: 0.0,
                a: 0.0,
            });
        }
        if let Some(hex) = text.strip_prefix('#') {
            return parse_hex(hex);
        }
        let inner = text
            .strip_prefix("rgba(")
            .or_else(|| text.strip_prefix("rgb("))?
            .strip_suffix(')')?;
        let parts: Vec<&str> = inner
            .split([',', ' ', '/'])
            .filter(|part| !part.is_empty())
            .collect();
        let channel = |part: &str| -> Option<f64> {
            let value: f64 = part.parse().ok()?;
            (0.0..=255.0).contains(&value).then_some(value)
        };
        let (r, g, b) = match parts.as_slice() {
            [r, g, b, ..] => (channel(r)?, channel(g)?, channel(b)?),
            _ => return None,
        };
        let a = match parts.as_slice() {
            [_, _, _] => 1.0,
            [_, _, _, alpha] => parse_alpha(alpha)?,
            _ => return None,
        };
        Some(Rgba { r, g, b, a })
    }

    /// This colour seen over an opaque `below` ("source over" compositing).
    pub fn over(self, below: Rgba) -> Rgba {
        let mix = |top: f64, bottom: f64| top * self.a + bottom * (1.0 - self.a);
        Rgba {
            r: mix(self.r, below.r),
            g: mix(self.g, below.g),
            b: mix(self.b, below.b),
            a: 1.0,
        }
    }

    /// WCAG 2 relative luminance of the (opaque) colour.
    pub fn luminance(self) -> f64 {
        let linear = |channel: f64| {
            let c = channel / 255.0;
            if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * linear(self.r) + 0.7152 * linear(self.g) + 0.0722 * linear(self.b)
    }
}

impl std::fmt::Display for Rgba {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "#{:02x}{:02x}{:02x}",
            self.r.round() as u8,
            self.g.round() as u8,
            self.b.round() as u8
        )?;
        if self.a < 1.0 {
            write!(f, " at {:.0}%", self.a * 100.0)?;
        }
        Ok(())
    }
}

fn parse_hex(hex: &str) -> Option<Rgba> {
    let digit = |i: usize, len: usize| u8::from_str_radix(hex.get(i..i + len)?, 16).ok();
    let (r, g, b) = match hex.len() {
        3 => (digit(0, 1)? * 17, digit(1, 1)? * 17, digit(2, 1)? * 17),
        6 => (digit(0, 2)?, digit(2, 2)?, digit(4, 2)?),
        _ => return None,
    };
    Some(Rgba {
        r: r.into(),
        g: g.into(),
        b: b.into(),
        a: 1.0,
    })
}

fn parse_alpha(text: &str) -> Option<f64> {
    let alpha = match text.strip_suffix('%') {
        Some(percent) => percent.parse::<f64>().ok()? / 100.0,
        None => text.parse().ok()?,
    };
    (0.0..=1.0).contains(&alpha).then_some(alpha)
}

/// Composites layers listed from the innermost (nearest the text) outwards over the white
/// canvas, which is what a reader sees behind the innermost layer.
pub fn composite(layers_inner_first: &[Rgba]) -> Rgba {
    layers_inner_first
        .iter()
        .rev()
        .fold(Rgba::WHITE, |below, layer| layer.over(below))
}

/// WCAG 2 contrast ratio, from 1 (same colour) to 21 (black on white). Both colours opaque.
pub fn contrast_ratio(a: Rgba, b: Rgba) -> f64 {
    let (la, lb) = (a.luminance(), b.luminance());
    let (light, dark) = if la > lb { (la, lb) } else { (lb, la) };
    (light + 0.05) / (dark + 0.05)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rgb(r: f64, g: f64, b: f64) -> Rgba {
        Rgba { r, g, b, a: 1.0 }
    }

    #[test]
    fn parses_what_get_computed_style_returns() {
        assert_eq!(Rgba::parse("rgb(20, 22, 23)"), Some(rgb(20.0, 22.0, 23.0)));
        assert_eq!(
            Rgba::parse("rgba(0, 0, 0, 0)"),
            Some(Rgba {
                r: 0.0,
                g: 0.0,
                b: 0.0,
                a: 0.0
            })
        );
        assert_eq!(
            Rgba::parse("rgb(10 20 30 / 50%)"),
            Some(Rgba {
                r: 10.0,
                g: 20.0,
                b: 30.0,
                a: 0.5
            })
        );
        assert_eq!(Rgba::parse("#fff"), Some(Rgba::WHITE));
        assert_eq!(Rgba::parse("#1F77B4"), Some(rgb(31.0, 119.0, 180.0)));
        assert_eq!(Rgba::parse("transparent").map(|c| c.a), Some(0.0));
    }

    #[test]
    fn rejects_what_is_not_a_plain_colour() {
        for text in [
            "none",
            "url(#grad)",
            "currentcolor",
            "rgb(1, 2)",
            "rgb(300, 0, 0)",
            "#12345",
            "rgba(1, 2, 3, 2)",
        ] {
            assert_eq!(Rgba::parse(text), None, "{text}");
        }
    }

    #[test]
    fn contrast_ratio_matches_wcag_reference_values() {
        let black = rgb(0.0, 0.0, 0.0);
        assert!((contrast_ratio(black, Rgba::WHITE) - 21.0).abs() < 1e-9);
        assert!((contrast_ratio(Rgba::WHITE, black) - 21.0).abs() < 1e-9);
        assert!((contrast_ratio(black, black) - 1.0).abs() < 1e-9);
        // #777777 on white is the classic "just below 4.5" grey: 4.48.
        let grey = rgb(119.0, 119.0, 119.0);
        assert!((contrast_ratio(grey, Rgba::WHITE) - 4.48).abs() < 0.01);
        // Black text on mdBook's coal background (#141617) is unreadable.
        assert!(contrast_ratio(black, rgb(20.0, 22.0, 23.0)) < 1.5);
    }

    #[test]
    fn transparent_layers_show_what_is_below() {
        let coal = rgb(20.0, 22.0, 23.0);
        let clear = Rgba {
            a: 0.0,
            ..Rgba::WHITE
        };
        assert_eq!(composite(&[clear, clear, coal]), coal);
        assert_eq!(composite(&[]), Rgba::WHITE);
        let half_black = Rgba {
            r: 0.0,
            g: 0.0,
            b: 0.0,
            a: 0.5,
        };
        let mid = composite(&[half_black]);
        assert!((mid.r - 127.5).abs() < 1e-9 && mid.a == 1.0);
        // An opaque inner layer hides everything outside it.
        assert_eq!(composite(&[Rgba::WHITE, coal]), Rgba::WHITE);
    }
}
