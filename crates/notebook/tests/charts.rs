//! Charts and values: from the book's chart program (a tiny `fixlab`
//! binary), and from any program that prints a record (a Python script).

mod common;

use common::{Fixture, without_style};
use notebook::Mode;

fn book(chapter: &str) -> Fixture {
    Fixture::new(&[], &[("chart.md", chapter)]).with_lab()
}

fn figure(page: &str) -> &str {
    let start = page.find("<figure class=\"chart\">").expect("a figure");
    let end = page.find("</figure>").expect("a closed figure");
    &page[start..end]
}

#[test]
fn a_chart_is_one_figure_and_values_quote_its_record() {
    let chapter = "# Chart\n\n{{#chart demo}}\n\n| speedup | {{#value demo speedup}} |\n|---|---|\n\nAfter.\n";
    let book = book(chapter);
    let (page, executed) = book.build(Mode::Auto).unwrap();
    assert_eq!(executed, 1, "the chart and its value share one run");

    let figure = figure(&page);
    assert!(
        !figure.contains("\n\n"),
        "a blank line would end the HTML block: {figure}"
    );
    assert!(!figure.contains("<?xml"), "{figure}");
    assert!(figure.contains("<svg"), "{figure}");
    assert!(
        figure.contains("Two threads finish &lt;together&gt;"),
        "{figure}"
    );
    assert!(
        figure.contains("fill=\"#0072B2\""),
        "the record's colour: {figure}"
    );
    assert!(
        figure.contains("<figcaption>Measured on ")
            && figure.contains("2 samples per bar")
            && figure.contains("<span class=\"nb-note\">no python here</span>"),
        "{figure}"
    );
    assert!(
        page.contains("| speedup | 1.9x &lt;fast&gt; &#124; wide |"),
        "{page}"
    );
    assert!(without_style(&page).ends_with("\n\nAfter.\n"), "{page}");

    let stored: serde_json::Value =
        serde_json::from_str(&book.read("outputs/charts/demo.json")).unwrap();
    assert_eq!(stored["program"], "bin:fixlab");
    assert_eq!(stored["args"], serde_json::json!(["demo"]));
    assert_eq!(stored["record"]["values"]["spawn"], "43 µs");
    assert_eq!(
        stored["runs"][0]["stdout"], "",
        "the record is stored parsed, once"
    );

    assert_eq!(book.build(Mode::Frozen).unwrap().1, 0);
}

#[test]
fn a_value_alone_runs_its_chart() {
    let book = book("# Numbers\n\nThreads start in {{#value demo spawn}}.\n");
    let (page, executed) = book.build(Mode::Auto).unwrap();
    assert_eq!(executed, 1);
    assert_eq!(page, "# Numbers\n\nThreads start in 43 µs.\n");
}

#[test]
fn a_missing_value_lists_the_keys() {
    let book = book("# Numbers\n\n{{#chart demo}}\n\nIt took {{#value demo nope}}.\n");
    let err = book.fail(Mode::Auto);
    assert!(
        err.contains("src/chart.md:5: `{{#value demo nope}}`"),
        "{err}"
    );
    assert!(
        err.contains("chart `demo` has no value `nope`; it has: spawn, speedup"),
        "{err}"
    );
}

#[test]
fn stdout_that_is_not_a_record_fails_and_is_not_stored() {
    let book = book("# Broken\n\n{{#chart broken}}\n");
    let err = book.fail(Mode::Auto);
    assert!(err.contains("src/chart.md:3: `{{#chart broken}}`"), "{err}");
    assert!(err.contains("is not a chart record"), "{err}");
    assert!(err.contains("this is not json"), "{err}");
    assert!(err.contains("unknown experiment"), "{err}");
    assert!(!book.path("outputs/charts/broken.json").exists());
}

/// Without a chart program, a chart is any program that prints a record:
/// here a script, coloured from book.toml.
#[test]
fn any_program_can_print_a_chart() {
    let script = r#"import json
print(json.dumps({"title": "Lines from Python",
    "plot": {"kind": "lines", "x_label": "n", "y_label": "s",
             "series": [{"name": "mine", "points": [{"x": 1, "samples": [1, 2]},
                                                  {"x": 2, "samples": [2, 3]}]}]},
    "values": {"best": "1 s"}}))
"#;
    let book = Fixture::new(
        &[],
        &[(
            "c.md",
            "{{#chart plot.py}}\n\nBest: {{#value plot.py best}}.\n",
        )],
    )
    .with_script("plot.py", script)
    .with_book_toml("series-colors = { mine = \"#123456\" }\n");
    let (page, executed) = book.build(Mode::Auto).unwrap();
    assert_eq!(executed, 1);
    assert!(figure(&page).contains("stroke=\"#123456\""), "{page}");
    assert!(page.contains("Best: 1 s."), "{page}");
    let stored: serde_json::Value =
        serde_json::from_str(&book.read("outputs/charts/plot.py.json")).unwrap();
    assert!(
        stored["toolchain"]
            .as_str()
            .unwrap()
            .starts_with("Python 3")
    );
}

#[test]
fn a_chart_that_cannot_be_drawn_fails_the_build() {
    let script = r#"print('{"title": "t", "plot": {"kind": "bars", "y_label": "s", "categories": [], "series": []}}')"#;
    let book = Fixture::new(&[], &[("c.md", "# Chart\n\n{{#chart empty.py}}\n")])
        .with_script("empty.py", script);
    let err = book.fail(Mode::Auto);
    assert!(err.contains("src/c.md:3: `{{#chart empty.py}}`"), "{err}");
    assert!(
        err.contains("its record cannot be drawn: nothing to draw: the record has no series"),
        "{err}"
    );
    assert!(
        !book.path("outputs/charts/empty.py.json").exists(),
        "a record that cannot be drawn is not stored"
    );
}
