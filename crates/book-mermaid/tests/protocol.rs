//! The binary as mdBook calls it: `supports RENDERER`, then the book as JSON.

use mdbook_preprocessor::PreprocessorContext;
use mdbook_preprocessor::book::{Book, BookItem, Chapter};
use std::io::Write;
use std::process::{Command, Stdio};

fn binary() -> Command {
    Command::new(env!("CARGO_BIN_EXE_book-mermaid"))
}

#[test]
fn supports_only_the_html_renderer() {
    let supports = |renderer: &str| binary().args(["supports", renderer]).status().unwrap();
    assert!(supports("html").success());
    assert!(!supports("markdown").success());
}

#[test]
fn turns_mermaid_fences_into_diagrams_and_leaves_other_code() {
    let mut book = Book::new();
    let markdown = "# T\n\n```mermaid\ngraph TD\n  A --> B\n```\n\n```rust\nfn main() {}\n```\n";
    book.push_item(BookItem::Chapter(Chapter::new(
        "T",
        markdown.into(),
        "t.md",
        vec![],
    )));
    let ctx = PreprocessorContext::new(".".into(), Default::default(), "html".into());
    let input = serde_json::to_vec(&(ctx, book)).unwrap();
    let mut child = binary()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&input).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    let book: Book = serde_json::from_slice(&output.stdout).unwrap();
    let content = &book.chapters().next().unwrap().content;
    assert!(
        content.contains("<pre class=\"mermaid\">graph TD\n  A --&gt; B\n</pre>"),
        "{content}"
    );
    assert!(content.contains("```rust\nfn main() {}\n```"), "{content}");
}

#[test]
fn refuses_what_is_not_a_book() {
    let mut child = binary()
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"not json").unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("book-mermaid: error"));
}
