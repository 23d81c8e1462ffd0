//! The book and the code agree: every directive names something that exists,
//! every example is shown somewhere, and every Rust block is either a cell or
//! a snippet that `crates/book-doctests` tests.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// (file name, contents) of every markdown file in src/.
fn chapters() -> Vec<(String, String)> {
    let mut chapters: Vec<_> = fs::read_dir(root().join("src"))
        .expect("read src/")
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, fs::read_to_string(&path).unwrap())
        })
        .collect();
    chapters.sort();
    chapters
}

fn examples() -> BTreeSet<String> {
    fs::read_dir(root().join("examples"))
        .expect("read examples/")
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "rs"))
        .map(|path| path.file_stem().unwrap().to_string_lossy().into_owned())
        .collect()
}

/// The words inside every `{{#KIND …}}` directive of a text; an escaped
/// `\{{#KIND …}}` is prose about a directive, not a directive.
fn directives<'a>(text: &'a str, kind: &str) -> Vec<Vec<&'a str>> {
    let open = format!("{{{{#{kind} ");
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(&open) {
        let escaped = rest[..start].ends_with('\\');
        let body = &rest[start + open.len()..];
        let end = body.find("}}").expect("unclosed directive");
        if !escaped {
            found.push(body[..end].split_whitespace().collect());
        }
        rest = &body[end..];
    }
    found
}

/// The info strings of every fenced code block (```info).
fn fence_infos(text: &str) -> Vec<String> {
    let mut infos = Vec::new();
    let mut inside = false;
    for line in text.lines() {
        if let Some(info) = line.trim_start().strip_prefix("```") {
            if !inside {
                infos.push(info.trim().to_string());
            }
            inside = !inside;
        }
    }
    infos
}

#[test]
fn every_cell_names_an_existing_example_and_anchor() {
    let examples = examples();
    let mut problems = Vec::new();
    for (chapter, text) in chapters() {
        for words in directives(&text, "cell") {
            let (name, anchor) = match words[0].split_once(':') {
                Some((name, anchor)) => (name, Some(anchor)),
                None => (words[0], None),
            };
            if !examples.contains(name) {
                problems.push(format!("{chapter}: no example {name}"));
                continue;
            }
            if let Some(anchor) = anchor {
                let source = fs::read_to_string(example_file(name)).unwrap();
                if !source.contains(&format!("// ANCHOR: {anchor}")) {
                    problems.push(format!("{chapter}: {name} has no anchor {anchor}"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

fn example_file(name: &str) -> PathBuf {
    root().join("examples").join(format!("{name}.rs"))
}

#[test]
fn every_example_is_shown_in_some_chapter() {
    let shown: BTreeSet<String> = chapters()
        .iter()
        .flat_map(|(_, text)| directives(text, "cell"))
        .map(|words| words[0].split(':').next().unwrap().to_string())
        .collect();
    let unshown: Vec<_> = examples().difference(&shown).cloned().collect();
    assert!(unshown.is_empty(), "examples no chapter shows: {unshown:?}");
}

#[test]
fn every_chart_and_value_names_a_lab_experiment() {
    let experiments = root().join("crates/lab/src/experiments");
    let mut problems = Vec::new();
    for (chapter, text) in chapters() {
        for kind in ["chart", "value"] {
            for words in directives(&text, kind) {
                let file = experiments.join(format!("{}.rs", words[0]));
                if !file.exists() {
                    problems.push(format!("{chapter}: {kind} {} has no experiment", words[0]));
                }
                if kind == "value" && words.len() != 2 {
                    problems.push(format!("{chapter}: value needs NAME KEY: {words:?}"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

/// Rust blocks are doctested by crates/book-doctests; a block marked `ignore`,
/// or Rust hidden behind another language name, would escape that.
#[test]
fn every_rust_block_is_doctested() {
    const OTHER_LANGUAGES: &[&str] = &["text", "mermaid", "toml", "python", "console", "sh"];
    let mut problems = Vec::new();
    for (chapter, text) in chapters() {
        for info in fence_infos(&text) {
            let mut words = info.split(',').map(str::trim);
            let language = words.next().unwrap_or("");
            if language == "rust" {
                if words.clone().any(|w| w == "ignore") {
                    problems.push(format!("{chapter}: ```{info} is not tested"));
                }
            } else if !OTHER_LANGUAGES.contains(&language) {
                problems.push(format!("{chapter}: ```{info} is neither rust nor a known language"));
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn directive_scanner_reads_options_and_arguments() {
    let text = "a\n{{#cell fork_crash exit=134 -- --flag}}\nb {{#value spawn_cost thread_us}} \\{{#cell x}}";
    assert_eq!(directives(text, "cell"), [vec!["fork_crash", "exit=134", "--", "--flag"]]);
    assert_eq!(directives(text, "value"), [vec!["spawn_cost", "thread_us"]]);
    assert_eq!(fence_infos("```rust,no_run\nx\n```\n```text\n```"), ["rust,no_run", "text"]);
}
