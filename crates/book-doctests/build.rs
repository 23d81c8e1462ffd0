//! Generates one doctested item per chapter listed in `src/SUMMARY.md`, so a
//! chapter added to the book is doctested without anyone remembering to.

use mdbook_summary::{SummaryItem, parse_summary};
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

/// The chapter files SUMMARY.md links, in book order, read by mdBook's own
/// SUMMARY parser.
fn chapter_links(summary: &str) -> Vec<String> {
    fn walk(items: &[SummaryItem], out: &mut Vec<String>) {
        for item in items {
            if let SummaryItem::Link(link) = item {
                if let Some(location) = &link.location {
                    out.push(location.to_string_lossy().into_owned());
                }
                walk(&link.nested_items, out);
            }
        }
    }
    let summary = parse_summary(summary).expect("src/SUMMARY.md parses");
    let mut files = Vec::new();
    for part in [
        &summary.prefix_chapters,
        &summary.numbered_chapters,
        &summary.suffix_chapters,
    ] {
        walk(part, &mut files);
    }
    files
}
