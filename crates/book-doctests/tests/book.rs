//! The book and the code agree: every directive names something that exists,
//! every program is shown somewhere, and every Rust block is either a cell or
//! a snippet that `crates/book-doctests` tests. Chapters are read with the
//! notebook's own scanner, so what is a directive here is what the build
//! runs.

use book_doctests::CHAPTERS;
use notebook::directive::Directive;
use notebook::program::{Imports, Target};
use notebook::{markdown, scan};
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// The repository root: the book's `src/`, `examples/` and `python/`.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// (file name, contents) of every chapter SUMMARY.md lists.
fn chapters() -> Vec<(String, String)> {
    CHAPTERS
        .iter()
        .map(|file| {
            let text = fs::read_to_string(root().join("src").join(file)).unwrap();
            (file.to_string(), text)
        })
        .collect()
}

/// Every directive of every chapter, with `chapter:line` for messages.
fn directives() -> Vec<(String, Directive)> {
    let mut all = Vec::new();
    for (chapter, text) in chapters() {
        for written in scan::directives(&text) {
            let at = format!("{chapter}:{}", written.line);
            match written.directive {
                Ok(directive) => all.push((at, directive)),
                Err(why) => panic!("{at}: `{}`: {why}", written.text),
            }
        }
    }
    all
}

/// The programs cells show: examples by name, scripts as `NAME.py`.
fn shown() -> BTreeSet<String> {
    directives()
        .into_iter()
        .filter_map(|(_, d)| match d {
            Directive::Cell(cell) => Some(cell.target.to_string()),
            _ => None,
        })
        .collect()
}

/// The file stems (`fork_pipe`) or names (`race.py`) in `dir` with `extension`.
fn files(dir: &str, extension: &str) -> BTreeSet<String> {
    fs::read_dir(root().join(dir))
        .unwrap_or_else(|e| panic!("read {dir}/: {e}"))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == extension))
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if extension == "rs" {
                name.trim_end_matches(".rs").to_string()
            } else {
                name
            }
        })
        .collect()
}

#[test]
fn every_cell_names_an_existing_program_and_anchor() {
    let mut problems = Vec::new();
    for (at, directive) in directives() {
        let Directive::Cell(cell) = directive else {
            continue;
        };
        let path = match &cell.target {
            Target::Example(name) => root().join("examples").join(format!("{name}.rs")),
            Target::Script { name, extension } => {
                root().join("python").join(format!("{name}.{extension}"))
            }
            Target::Bin(name) => {
                problems.push(format!("{at}: a cell shows the binary {name}"));
                continue;
            }
        };
        let Ok(source) = fs::read_to_string(&path) else {
            problems.push(format!("{at}: no program {}", path.display()));
            continue;
        };
        if let Some(anchor) = &cell.anchor
            && !source.contains(&format!("ANCHOR: {anchor}"))
        {
            problems.push(format!("{at}: {} has no anchor {anchor}", cell.target));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn every_example_is_shown_in_some_chapter() {
    let unshown: Vec<_> = files("examples", "rs")
        .difference(&shown())
        .cloned()
        .collect();
    assert!(unshown.is_empty(), "examples no chapter shows: {unshown:?}");
}

/// Every CPython program is shown by a chapter, or is a module that a shown
/// program imports (found as the notebook finds what a script's key covers).
#[test]
fn every_python_program_is_shown_or_imported() {
    let folder = root().join("python");
    let shown = shown();
    let used: BTreeSet<String> = shown
        .iter()
        .filter(|name| name.ends_with(".py"))
        .flat_map(|script| Imports::Python.sources(&folder, script))
        .collect();
    let unused: Vec<_> = files("python", "py").difference(&used).cloned().collect();
    assert!(
        unused.is_empty(),
        "python/ programs no chapter shows or imports: {unused:?}"
    );
}

/// Charts and values name an experiment the lab has (`lab --list`).
#[test]
fn every_chart_and_value_names_a_lab_experiment() {
    let mut problems = Vec::new();
    for (at, directive) in directives() {
        let name = match directive {
            Directive::Chart(chart) => chart.name,
            Directive::Value(value) => value.chart,
            Directive::Cell(_) => continue,
        };
        if lab::experiments::find(&name).is_none() {
            problems.push(format!("{at}: no lab experiment {name}"));
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
        for (info, line) in markdown::fenced_code(&text) {
            let mut words = info.split(',').map(str::trim);
            let language = words.next().unwrap_or("");
            if language == "rust" {
                if words.clone().any(|w| w == "ignore") {
                    problems.push(format!("{chapter}:{line}: ```{info} is not tested"));
                }
            } else if !OTHER_LANGUAGES.contains(&language) {
                problems.push(format!(
                    "{chapter}:{line}: ```{info} is neither rust nor a known language"
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}
