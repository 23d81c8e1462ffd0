//! The book and the code agree: every directive names something that exists,
//! every example and every CPython program is shown somewhere, and every Rust
//! block is either a cell or a snippet that `crates/book-doctests` tests.

use notebook::directive::{self, Block, Cell, Line, Value};
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// The repository root: the book's `src/` and the root package's `examples/`.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
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

/// Every directive of a chapter, found by the preprocessor's own scanner (so
/// directives inside code and comments are skipped exactly as in the build).
fn scan(chapter: &str, text: &str) -> (Vec<Block>, Vec<Value>) {
    let lines = directive::scan(text).unwrap_or_else(|errors| panic!("{chapter}: {errors:?}"));
    let mut blocks = Vec::new();
    let mut values = Vec::new();
    for line in lines {
        match line {
            Line::Block { block, .. } => blocks.push(block),
            Line::Values { values: found, .. } => values.extend(found),
            Line::Text(_) => {}
        }
    }
    (blocks, values)
}

fn cells(chapter: &str, text: &str) -> Vec<Cell> {
    let (blocks, _) = scan(chapter, text);
    blocks
        .into_iter()
        .filter_map(|block| match block {
            Block::Cell(cell) => Some(cell),
            Block::Chart(_) => None,
        })
        .collect()
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

/// A Python cell names its program with the extension (`{{#cell NAME.py}}`);
/// a Rust cell names its example without one.
fn is_python(cell: &Cell) -> bool {
    cell.name.ends_with(".py")
}

/// The file names of the CPython programs in python/ (`NAME.py`).
fn python_programs() -> BTreeSet<String> {
    fs::read_dir(root().join("python"))
        .expect("read python/")
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "py"))
        .map(|path| path.file_name().unwrap().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn every_cell_names_an_existing_example_and_anchor() {
    let examples = examples();
    let mut problems = Vec::new();
    for (chapter, text) in chapters() {
        for cell in cells(&chapter, &text).iter().filter(|c| !is_python(c)) {
            if !examples.contains(&cell.name) {
                problems.push(format!("{chapter}: no example {}", cell.name));
                continue;
            }
            if let Some(anchor) = &cell.anchor {
                let source = fs::read_to_string(example_file(&cell.name)).unwrap();
                if !source.contains(&format!("// ANCHOR: {anchor}")) {
                    problems.push(format!("{chapter}: {} has no anchor {anchor}", cell.name));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

fn example_file(name: &str) -> PathBuf {
    root().join("examples").join(format!("{name}.rs"))
}

/// The name of every cell in every chapter.
fn shown() -> BTreeSet<String> {
    chapters()
        .iter()
        .flat_map(|(chapter, text)| cells(chapter, text))
        .map(|cell| cell.name)
        .collect()
}

#[test]
fn every_example_is_shown_in_some_chapter() {
    let unshown: Vec<_> = examples().difference(&shown()).cloned().collect();
    assert!(unshown.is_empty(), "examples no chapter shows: {unshown:?}");
}

#[test]
fn every_python_cell_names_an_existing_program() {
    let programs = python_programs();
    let mut problems = Vec::new();
    for (chapter, text) in chapters() {
        for cell in cells(&chapter, &text).iter().filter(|c| is_python(c)) {
            if !programs.contains(&cell.name) {
                problems.push(format!("{chapter}: no program python/{}", cell.name));
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

/// Every CPython program is shown by a chapter, or is a module that a shown
/// program imports (`python/tasks.py`).
#[test]
fn every_python_program_is_shown_or_imported() {
    let programs = python_programs();
    let shown: BTreeSet<String> = shown().intersection(&programs).cloned().collect();
    let sources: Vec<String> = shown
        .iter()
        .map(|name| fs::read_to_string(root().join("python").join(name)).unwrap())
        .collect();
    let unused: Vec<_> = programs
        .difference(&shown)
        .filter(|name| {
            let module = name.trim_end_matches(".py");
            let imports = [
                format!("import {module}\n"),
                format!("from {module} import "),
            ];
            !sources
                .iter()
                .any(|source| imports.iter().any(|i| source.contains(i.as_str())))
        })
        .collect();
    assert!(
        unused.is_empty(),
        "python/ programs no chapter shows or imports: {unused:?}"
    );
}

#[test]
fn every_chart_and_value_names_a_lab_experiment() {
    let experiments = root().join("crates/lab/src/experiments");
    let mut problems = Vec::new();
    for (chapter, text) in chapters() {
        let (blocks, values) = scan(&chapter, &text);
        let charts = blocks.into_iter().filter_map(|block| match block {
            Block::Chart(chart) => Some(chart.name),
            Block::Cell(_) => None,
        });
        for name in charts.chain(values.into_iter().map(|value| value.name)) {
            if !experiments.join(format!("{name}.rs")).exists() {
                problems.push(format!("{chapter}: no lab experiment {name}"));
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
                problems.push(format!(
                    "{chapter}: ```{info} is neither rust nor a known language"
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn fence_reader_sees_every_opening_fence() {
    let text = "```rust,no_run\nx\n```\n```text\n```";
    assert_eq!(fence_infos(text), ["rust,no_run", "text"]);
}
