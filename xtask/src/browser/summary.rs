//! The chapter list of `src/SUMMARY.md`, as the HTML pages mdBook writes for it.

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
/// chapters. Draft chapters (`[Title]()`) have no page and are left out; so are links to
/// other sites, which are not chapters.
pub fn chapters(summary: &str) -> Vec<Chapter> {
    summary.lines().filter_map(chapter_of_line).collect()
}

fn chapter_of_line(line: &str) -> Option<Chapter> {
    let line = line.trim_start();
    let line = line
        .strip_prefix("- ")
        .or_else(|| line.strip_prefix("* "))
        .or_else(|| strip_ordered_marker(line))
        .unwrap_or(line);
    let rest = line.strip_prefix('[')?;
    let (title, rest) = rest.split_once("](")?;
    let (target, _) = rest.split_once(')')?;
    let target = target.trim();
    if target.is_empty() || target.contains("://") {
        return None;
    }
    let source = target.split('#').next().unwrap_or(target);
    Some(Chapter {
        title: title.to_string(),
        source: source.to_string(),
        page: page_of(source),
    })
}

fn strip_ordered_marker(line: &str) -> Option<&str> {
    let digits = line.find(|c: char| !c.is_ascii_digit())?;
    if digits == 0 {
        return None;
    }
    line[digits..].strip_prefix(". ")
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
            * [Star](02-star.md)\n3. [Ordered](03-ordered.md)\n\n---\n\n\
            # Part two\n\n[Appendix](appendix.md)\n";
        let pages: Vec<_> = chapters(summary).into_iter().map(|c| c.page).collect();
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
        assert_eq!(chapters(summary)[1].title, "Threads");
    }

    #[test]
    fn leaves_out_drafts_and_external_links() {
        let summary = "- [Draft]()\n- [Site](https://example.com/)\n- [Real](real.md)\n";
        assert_eq!(
            chapters(summary),
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
        assert_eq!(chapters("- [A](x.md#anchor)")[0].page, "x.html");
    }
}
