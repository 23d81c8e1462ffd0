//! Every chapter of the book as a doc comment, so `cargo test` compiles and
//! runs each inline ```rust snippet with the workspace's dependencies.
//!
//! `build.rs` reads `src/SUMMARY.md` and generates one item per chapter:
//! `#[cfg(doctest)] #[doc = include_str!("…/src/NN-chapter.md")]`. Hidden `# `
//! lines, `compile_fail`, `should_panic` and `no_run` mean what rustdoc says.

include!(concat!(env!("OUT_DIR"), "/chapters.rs"));

#[cfg(test)]
mod tests {
    use super::CHAPTERS;
    use std::collections::BTreeSet;
    use std::path::Path;

    /// A chapter file that SUMMARY.md does not list would be neither
    /// published nor doctested.
    #[test]
    fn every_chapter_file_is_listed_and_doctested() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../src");
        let on_disk: BTreeSet<String> = std::fs::read_dir(&src)
            .expect("read src/")
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .filter(|name| name.ends_with(".md") && name != "SUMMARY.md")
            .collect();
        let listed: BTreeSet<String> = CHAPTERS.iter().map(|c| c.to_string()).collect();
        let missing: Vec<_> = on_disk.difference(&listed).collect();
        assert!(
            missing.is_empty(),
            "chapters not in SUMMARY.md: {missing:?}"
        );
    }
}
