//! Charts and values on a fixture book whose chart program is a tiny `fixlab`
//! binary printing a `lab::Record`.

mod common;

use charts::Rendered;
use common::Fixture;
use lab::Record;
use notebook::Mode;

/// Stands in for `charts::render`: the tests check how a drawing is embedded,
/// not the drawing.
fn fake(record: &Record) -> Result<Rendered, String> {
    Ok(Rendered {
        svg: format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg viewBox=\"0 0 10 10\">\n\n<text>{}</text>\n</svg>\n",
            record.experiment
        ),
        caption: "Fixture CPU, 2 samples".into(),
    })
}

fn book(chapter: &str) -> Fixture {
    Fixture::new(&[], &[("chart.md", chapter)], true)
}

fn build(book: &Fixture, mode: Mode) -> Result<(String, usize), String> {
    let notebook = book.notebook(mode).with_chart_renderer(fake);
    let pages = book.build_with(&notebook)?;
    Ok((pages[0].clone(), notebook.executed()))
}

#[test]
fn a_chart_is_one_figure_and_values_quote_its_record() {
    let chapter =
        "# Chart\n\n{{#chart demo}}\n\n| speedup | {{#value demo speedup}} |\n|---|---|\n";
    let book = book(chapter);
    let (page, executed) = build(&book, Mode::Auto).unwrap();
    assert_eq!(executed, 1, "the chart and its value share one run");

    let start = page.find("<figure class=\"chart\">").expect("a figure");
    let end = page.find("</figure>").expect("a closed figure");
    let figure = &page[start..end];
    assert!(
        !figure.contains("\n\n"),
        "a blank line would end the HTML block: {figure}"
    );
    assert!(!figure.contains("<?xml"), "{figure}");
    assert!(figure.contains("<svg viewBox=\"0 0 10 10\">"), "{figure}");
    assert!(figure.contains(
        "<figcaption>Fixture CPU, 2 samples<br><span class=\"nb-note\">no python here</span>"
    ));
    assert!(
        page.contains("| speedup | 1.9x &lt;fast&gt; &#124; wide |"),
        "{page}"
    );

    let stored: serde_json::Value =
        serde_json::from_str(&book.read("outputs/charts/demo.json")).unwrap();
    assert_eq!(stored["record"]["values"]["spawn"], "43 µs");
    assert_eq!(
        stored["runs"][0]["stdout"], "",
        "the record is stored parsed, once"
    );

    assert_eq!(build(&book, Mode::Frozen).unwrap().1, 0);
}

#[test]
fn a_value_alone_runs_its_experiment() {
    let book = book("# Numbers\n\nThreads start in {{#value demo spawn}}.\n");
    let (page, executed) = build(&book, Mode::Auto).unwrap();
    assert_eq!(executed, 1);
    assert_eq!(page, "# Numbers\n\nThreads start in 43 µs.\n");
}

#[test]
fn a_missing_value_lists_the_keys() {
    let book = book("# Numbers\n\n{{#chart demo}}\n\nIt took {{#value demo nope}}.\n");
    let err = build(&book, Mode::Auto).unwrap_err();
    assert!(
        err.contains("src/chart.md:5: `{{#value demo nope}}`"),
        "{err}"
    );
    assert!(
        err.contains("no value `nope`; it has: spawn, speedup"),
        "{err}"
    );
}

#[test]
fn stdout_that_is_not_a_record_fails_and_is_not_stored() {
    let book = book("# Broken\n\n{{#chart broken}}\n");
    let err = build(&book, Mode::Auto).unwrap_err();
    assert!(err.contains("src/chart.md:3: `{{#chart broken}}`"), "{err}");
    assert!(err.contains("is not a lab::Record"), "{err}");
    assert!(err.contains("this is not json"), "{err}");
    assert!(err.contains("unknown experiment"), "{err}");
    assert!(!book.path("outputs/charts/broken.json").exists());
}

#[test]
fn a_chart_that_cannot_be_drawn_fails_the_build() {
    fn refuse(_: &Record) -> Result<Rendered, String> {
        Err("no series to draw".into())
    }
    let book = book("# Chart\n\n{{#chart demo}}\n");
    let notebook = book.notebook(Mode::Auto).with_chart_renderer(refuse);
    let err = book.build_with(&notebook).unwrap_err();
    assert!(err.contains("src/chart.md:3: `{{#chart demo}}`"), "{err}");
    assert!(
        err.contains("cannot draw chart `demo`: no series to draw"),
        "{err}"
    );
}

#[test]
fn a_real_chart_embeds_as_one_html_block() {
    let book = book("# Chart\n\n{{#chart demo}}\n\nAfter.\n");
    let notebook = book.notebook(Mode::Auto);
    let page = book.build_with(&notebook).unwrap().remove(0);
    let start = page.find("<figure class=\"chart\">").expect("a figure");
    let end = page.find("</figure>").expect("a closed figure");
    let figure = &page[start..end];
    assert!(figure.contains("<svg"), "{figure}");
    assert!(
        !figure.contains("\n\n"),
        "a blank line would end the HTML block"
    );
    assert!(!figure.contains("<?xml"), "{figure}");
    assert!(figure.contains("<figcaption>"), "{figure}");
    assert!(page.ends_with("</figure>\n\n\nAfter.\n"), "{page}");
}
