//! The `mdbook-notebook` binary speaks mdBook 0.5's preprocessor protocol, as
//! `mdbook build` calls it through book.toml's `command`.

mod common;

use common::{Fixture, HELLO};
use mdbook_preprocessor::PreprocessorContext;
use mdbook_preprocessor::book::{Book, BookItem, Chapter};
use mdbook_preprocessor::config::Config;
use std::io::Write;
use std::process::{Command, Stdio};
use std::str::FromStr;

const BIN: &str = env!("CARGO_BIN_EXE_mdbook-notebook");

#[test]
fn supports_only_html() {
    let supports = |renderer: &str| Command::new(BIN).args(["supports", renderer]).status().unwrap();
    assert!(supports("html").success());
    assert!(!supports("test").success());
    assert!(!supports("markdown").success());
}

/// Sends `(ctx, book)` as mdBook does; returns the processed book or stderr.
fn preprocess(fixture: &Fixture, content: &str, mode: &str) -> Result<Book, String> {
    let config = Config::from_str(&fixture.read("book.toml")).unwrap();
    let ctx = PreprocessorContext::new(fixture.root().to_path_buf(), config, "html".into());
    let mut book = Book::new();
    book.push_item(BookItem::Chapter(Chapter::new("c", content.into(), "c.md", vec![])));
    let input = serde_json::to_vec(&(&ctx, &book)).unwrap();

    let mut child = Command::new(BIN)
        .current_dir(fixture.root())
        .env("CARGO_TARGET_DIR", common::target_dir())
        .env("NOTEBOOK_MODE", mode)
        .env_remove("NOTEBOOK_RERUN")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&input).unwrap();
    let out = child.wait_with_output().unwrap();
    if out.status.success() {
        Ok(serde_json::from_slice(&out.stdout).expect("stdout is the book as JSON, and only that"))
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

#[test]
fn the_binary_processes_a_book_and_reports_errors() {
    let fixture = Fixture::new(&[("hello", HELLO)], &[], false);
    let book = preprocess(&fixture, "# C\n\n{{#cell hello}}\n", "auto").unwrap();
    let content = &book.chapters().next().unwrap().content;
    assert!(content.contains("hello from a cell</pre>"), "{content}");

    // The environment sets the mode: frozen refuses a result made stale.
    fixture.write("examples/hello.rs", &format!("// edited\n{HELLO}"));
    let err = preprocess(&fixture, "# C\n\n{{#cell hello}}\n", "frozen").unwrap_err();
    assert!(err.contains("mdbook-notebook: error:") && err.contains("stale"), "{err}");
}
