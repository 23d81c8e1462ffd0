//! Generates one doctested item per chapter listed in `src/SUMMARY.md`, so a
//! chapter added to the book is doctested without anyone remembering to.

use std::fmt::Write as _;
use std::path::Path;
use std::{env, fs};

fn main() {
    let manifest = env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR");
    let src = Path::new(&manifest)
        .join("../../src")
        .canonicalize()
        .expect("the book's src/");
    let summary = src.join("SUMMARY.md");
    println!("cargo:rerun-if-changed={}", summary.display());

    let text = fs::read_to_string(&summary).expect("read src/SUMMARY.md");
    let mut items = String::new();
    let mut names = Vec::new();
    for (i, file) in chapter_links(&text).into_iter().enumerate() {
        let path = src.join(&file);
        if !path.exists() {
            panic!("src/SUMMARY.md lists {file}, but src/{file} does not exist");
        }
        println!("cargo:rerun-if-changed={}", path.display());
        writeln!(
            items,
            "#[cfg(doctest)]\n#[doc = include_str!({:?})]\npub struct Chapter{i};",
            path.display().to_string()
        )
        .unwrap();
        names.push(file);
    }
    writeln!(
        items,
        "/// The chapters of `src/SUMMARY.md`, in order.\npub const CHAPTERS: &[&str] = &{names:?};"
    )
    .unwrap();

    let out = Path::new(&env::var("OUT_DIR").expect("OUT_DIR")).join("chapters.rs");
    fs::write(out, items).expect("write chapters.rs");
}

/// The targets of `[title](file.md)` links in SUMMARY.md, in order.
fn chapter_links(summary: &str) -> Vec<String> {
    summary
        .lines()
        .filter_map(|line| {
            let start = line.find("](")? + 2;
            let end = start + line[start..].find(')')?;
            let target = &line[start..end];
            target.ends_with(".md").then(|| target.to_string())
        })
        .collect()
}
