//! Draws the lab's records as SVG with plotters, for `{{#chart}}` in the book.

use lab::Record;

/// A chart ready to embed in a page.
pub struct Rendered {
    /// An `<svg>` element: no XML prolog, no blank lines (so it can sit inside markdown).
    pub svg: String,
    /// The caption: the machine and how many samples each point has.
    pub caption: String,
}

/// Renders `record` as SVG.
pub fn render(record: &Record) -> Result<Rendered, String> {
    let _ = record;
    Err("charts::render is not written yet".into())
}
