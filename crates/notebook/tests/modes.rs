//! `verify` proves stored outputs come from their programs; `off` shows
//! what is stored and runs nothing; a book without directives is left
//! byte for byte as it was.

mod common;

use common::{Fixture, HELLO, without_style};
use notebook::Mode;

const PID: &str = "fn main() {\n    println!(\"pid {}\", std::process::id());\n}\n";

#[test]
fn verify_passes_on_honest_outputs_and_names_an_edited_one() {
    let book = Fixture::new(
        &[("hello", HELLO), ("pid", PID)],
        &[(
            "c.md",
            "# C\n\n{{#cell hello}}\n\n{{#cell pid varies=numbers}}\n",
        )],
    );
    book.build(Mode::Auto).unwrap();
    let (_, ran) = book.build(Mode::Verify).unwrap();
    assert_eq!(ran, 2, "verify runs everything again");

    // An output edited by hand, key left alone: frozen cannot tell, verify can.
    let stored = book.read("outputs/cells/hello.json");
    book.write(
        "outputs/cells/hello.json",
        &stored.replace("hello from a cell", "hello from an editor"),
    );
    assert!(book.build(Mode::Frozen).is_ok(), "frozen checks keys only");
    let err = book.fail(Mode::Verify);
    assert!(err.contains("src/c.md:3: `{{#cell hello}}`"), "{err}");
    assert!(
        err.contains(
            "stdout differs at line 1: stored `hello from an editor`, now `hello from a cell`"
        ),
        "{err}"
    );
    assert_eq!(
        book.read("outputs/cells/hello.json"),
        stored.replace("hello from a cell", "hello from an editor"),
        "verify stores nothing"
    );
}

#[test]
fn varying_output_needs_its_varies_option() {
    let book = Fixture::new(&[("pid", PID)], &[("c.md", "# C\n\n{{#cell pid}}\n")]);
    book.build(Mode::Auto).unwrap();
    let err = book.fail(Mode::Verify);
    assert!(
        err.contains("stdout differs at line 1: stored `pid "),
        "{err}"
    );
}

#[test]
fn verify_refuses_what_is_not_current() {
    let book = Fixture::new(&[("hello", HELLO)], &[("c.md", "# C\n\n{{#cell hello}}\n")]);
    let err = book.fail(Mode::Verify);
    assert!(
        err.contains("verify build: 1 result(s) not current"),
        "{err}"
    );
}

#[test]
fn off_shows_what_is_stored_and_runs_nothing() {
    let book = Fixture::new(
        &[("hello", HELLO), ("never", HELLO)],
        &[("c.md", "# C\n\n{{#cell hello}}\n\n{{#cell never}}\n")],
    );
    book.write("src/c.md", "# C\n\n{{#cell hello}}\n");
    book.build(Mode::Auto).unwrap();
    book.write("src/c.md", "# C\n\n{{#cell hello}}\n\n{{#cell never}}\n");
    // Stale too: off does not ask.
    book.write("examples/hello.rs", &format!("// edited\n{HELLO}"));
    let (page, ran) = book.build(Mode::Off).unwrap();
    assert_eq!(ran, 0);
    let outputs = page.matches("<div class=\"nb-output\">").count();
    assert_eq!(outputs, 1, "only the stored result is shown: {page}");
    assert!(page.contains("hello from a cell</pre>"));
    assert!(
        page.contains("```rust,noplayground\nfn main() {"),
        "the unrun cell still shows its code: {page}"
    );
    assert!(!book.path("outputs/cells/never.json").exists());
}

#[test]
fn a_book_without_directives_is_left_byte_for_byte() {
    let chapters = [
        (
            "a.md",
            "# Plain\n\nText with `{{#cell x}}` in code, \\{{#cell y}} escaped,\nand {{#include other.md}} of mdBook's.\n\n```rust\nfn main() {}\n```\n",
        ),
        (
            "b.md",
            "<!-- {{#cell z}} -->\n\n    {{#chart c}}\n\n<pre>\n{{#value a b}}\n</pre>\n",
        ),
    ];
    let book = Fixture::new(&[], &chapters);
    let notebook = book.notebook(Mode::Auto);
    let pages = book.build_with(&notebook).unwrap();
    assert_eq!(pages, [chapters[0].1, chapters[1].1]);
    assert_eq!(notebook.executed(), 0);
    assert!(!book.path("outputs").exists(), "nothing is written");
}

#[test]
fn escapes_show_a_directive_as_text() {
    let md = "# E\n\nWrite \\{{#cell hello}} to show a cell:\n\n\\{{#cell hello}}\n";
    let book = Fixture::new(&[("hello", HELLO)], &[("e.md", md)]);
    let (page, ran) = book.build(Mode::Auto).unwrap();
    assert_eq!((without_style(&page), ran), (md, 0));
}
