//! The README's quickstart, for real: the book in `tests/books/quickstart`
//! (a Cargo package and an mdBook of its own, whose book.toml says only
//! `[preprocessor.notebook]`), copied out of this workspace and built by
//! mdBook through its external-command path with the `mdbook-notebook`
//! binary, as `mdbook build` does with the installed one.

mod common;

use mdbook_driver::MDBook;
use mdbook_driver::config::Config;
use std::path::Path;

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Builds the book at `root` as `mdbook build` does, in `mode`.
fn build(root: &Path, mode: &str) -> Result<String, String> {
    let mut config = Config::from_disk(root.join("book.toml")).unwrap();
    // Where `mdbook build` would find the installed binary on PATH.
    config
        .set("preprocessor.notebook.command", common::BIN)
        .unwrap();
    config.set("preprocessor.notebook.mode", mode).unwrap();
    let book = MDBook::load_with_config(root, config).map_err(|e| format!("{e:#}"))?;
    book.build().map_err(|e| format!("{e:#}"))?;
    Ok(std::fs::read_to_string(root.join("book/chapter.html")).unwrap())
}

#[test]
fn the_quickstart_book_builds_outside_the_workspace() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/books/quickstart");
    let book_toml = std::fs::read_to_string(fixture.join("book.toml")).unwrap();
    let table: Vec<&str> = book_toml
        .lines()
        .skip_while(|l| !l.starts_with("[preprocessor.notebook]"))
        .take_while(|l| !l.is_empty())
        .collect();
    assert!(table.len() <= 2, "the quickstart's table: {table:?}");

    let _lock = common::Fixture::new(&[], &[]); // the shared target's lock
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("quickstart");
    copy(&fixture, &root);
    let html = build(&root, "auto").unwrap();
    assert!(
        html.contains("Hello from Rust, on a machine with at least one core: true</pre>"),
        "{html}"
    );
    assert!(html.contains("<code>$ cargo run --release --example hello</code>"));
    assert!(html.contains("squares: [1, 4, 9, 16, 25]</pre>"), "{html}");
    assert!(
        html.contains("<code>$ python3 python/squares.py</code>"),
        "{html}"
    );
    assert!(
        html.contains("the largest run being\n1,000,000 numbers:"),
        "{html}"
    );
    assert!(
        html.contains("<figure class=\"chart\">") && html.contains("<svg"),
        "{html}"
    );
    assert!(
        html.contains("Summing a range takes longer as it grows"),
        "{html}"
    );
    assert!(html.contains(".nb-output {"), "the stylesheet: {html}");
    for stored in [
        "cells/hello.json",
        "cells/squares.py.json",
        "charts/timing.py.json",
    ] {
        assert!(root.join("outputs").join(stored).is_file(), "{stored}");
    }

    // Frozen, it runs nothing and shows the same outputs.
    let frozen = build(&root, "frozen").unwrap();
    assert!(frozen.contains("squares: [1, 4, 9, 16, 25]</pre>"));
}
