//! The chapter list of `src/SUMMARY.md`, as the HTML pages mdBook writes for it.

use mdbook_summary::{SummaryItem, parse_summary};

/// One linked chapter of SUMMARY.md.
#[derive(Debug, PartialEq, Eq)]
pub struct Chapter {
    pub title: String,
    /// The markdown file, relative to `src/`.
    pub source: String,
    /// The page mdBook writes, relative to the book's root, e.g. `01-threads.html`.
    pub page: String,
}

/// Every chapter SUMMARY.md links to, in order: prefix, numbered (at any depth) and suffix
/// chapters, read by mdBook's own SUMMARY parser. Draft chapters (`[Title]()`) have no page
/// and are left out.
pub fn chapters(summary: &str) -> Result<Vec<Chapter>, String> {
    fn walk(items: &[SummaryItem], out: &mut Vec<Chapter>) {
        for item in items {
            if let SummaryItem::Link(link) = item {
                if let Some(location) = &link.location {
                    let source = location.to_string_lossy().replace('\\', "/");
                    out.push(Chapter {
                        title: link.name.clone(),
                        page: page_of(&source),
                        source,
                    });
                }
                walk(&link.nested_items, out);
            }
        }
    }
    let summary = parse_summary(summary).map_err(|e| format!("{e:#}"))?;
    let mut chapters = Vec::new();
    for part in [
        &summary.prefix_chapters,
        &summary.numbered_chapters,
        &summary.suffix_chapters,
    ] {
        walk(part, &mut chapters);
    }
    Ok(chapters)
}

/// mdBook's output name for a chapter source: `x.md` → `x.html`, and a `README.md` becomes
/// the `index.html` of its folder.
fn page_of(source: &str) -> String {
    let stem = source.strip_suffix(".md").unwrap_or(source);
    match stem.rsplit_once('/') {
        Some((dir, "README")) => format!("{dir}/index.html"),
        None if stem == "README" => "index.html".to_string(),
        _ => format!("{stem}.html"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_prefix_numbered_nested_and_suffix_chapters() {
        let summary = "# Summary\n\n[Introduction](introduction.md)\n\n\
            - [Threads](01-threads.md)\n  - [Timeline](01b-timeline.md)\n\
            * [Star](02-star.md)\n\n# Part two\n\n1. [Ordered](03-ordered.md)\n\n---\n\n\
            [Appendix](appendix.md)\n";
        let pages: Vec<_> = chapters(summary)
            .unwrap()
            .into_iter()
            .map(|c| c.page)
            .collect();
        assert_eq!(
            pages,
            [
                "introduction.html",
                "01-threads.html",
                "01b-timeline.html",
                "02-star.html",
                "03-ordered.html",
                "appendix.html"
            ]
        );
        assert_eq!(chapters(summary).unwrap()[1].title, "Threads");
    }

    #[test]
    fn leaves_out_drafts() {
        let summary = "- [Draft]()\n- [Real](real.md)\n";
        assert_eq!(
            chapters(summary).unwrap(),
            [Chapter {
                title: "Real".into(),
                source: "real.md".into(),
                page: "real.html".into()
            }]
        );
    }

    #[test]
    fn readme_becomes_index() {
        assert_eq!(page_of("README.md"), "index.html");
        assert_eq!(page_of("part/README.md"), "part/index.html");
        assert_eq!(page_of("part/x.md"), "part/x.html");
    }
}
