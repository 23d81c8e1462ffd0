//! The page a reader gets: a fixture book built by mdBook itself (the driver
//! used as a library, as `cargo xtask book` does), checking that the raw HTML
//! the notebook emits survives mdBook's markdown and HTML processing intact.

mod common;

use common::Fixture;
use mdbook_driver::MDBook;
use notebook::Mode;

#[test]
fn blank_lines_and_markup_in_output_stay_inside_one_pre() {
    let program = r##"fn main() {
    println!("line one");
    println!();
    println!("    indented, like markdown code");
    println!("<script>alert(1)</script> *not emphasis*");
    println!();
    println!("# not a heading");
}
"##;
    let chapter = "# Page\n\n{{#cell blanks}}\n\nAfter the cell, {{#value demo spawn}}.\n\n{{#chart demo}}\n\nThe end.\n";
    let book = Fixture::new(&[("blanks", program)], &[("page.md", chapter)]).with_lab();
    let mut md = MDBook::load(book.root()).unwrap();
    md.with_preprocessor(book.notebook(Mode::Auto));
    md.build().unwrap();
    let html = book.read("book/page.html");

    let expected = "\nline one\n\n    indented, like markdown code\n\
                    &lt;script&gt;alert(1)&lt;/script&gt; *not emphasis*\n\n# not a heading</pre>";
    assert!(
        html.contains(expected),
        "output not intact in one <pre>:\n{html}"
    );
    assert!(!html.contains("<script>alert"), "{html}");
    assert!(!html.contains("<em>not emphasis</em>"), "{html}");
    assert!(
        html.contains("<code>$ cargo run --release --example blanks</code>"),
        "{html}"
    );
    assert!(html.contains("After the cell, 43 µs."), "{html}");
    // The chart is still one figure after mdBook's HTML pass.
    let figure = &html[html.find("<figure class=\"chart\">").expect("a figure")..];
    let figure = &figure[..figure.find("</figure>").expect("a closed figure")];
    assert!(
        figure.contains("<svg") && figure.contains("</svg>"),
        "{figure}"
    );
    assert!(figure.contains("<figcaption>"), "{figure}");
    assert!(
        !figure.contains("<p>"),
        "markdown leaked into the figure: {figure}"
    );
    assert!(
        html.contains("<p>The end.</p>"),
        "the chapter after the cell is markdown again:\n{html}"
    );
    // Cells never offer the playground's Run button.
    assert!(html.contains("language-rust noplayground"), "{html}");
    // The stylesheet reaches the page without a file of the author's, once.
    assert_eq!(html.matches(".nb-output {").count(), 1, "{html}");
}
