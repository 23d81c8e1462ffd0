//! Where a chapter's directives are: found with the CommonMark parser and
//! options mdBook itself renders with (`mdbook-markdown`), so the notebook and
//! the page agree on what is text.
//!
//! Only text counts. Code blocks (fenced or indented), code spans (also over
//! several lines), HTML blocks, inline HTML and comments are left alone, which
//! is how a chapter shows a directive literally, or comments a cell out. A
//! `{{#` right after a backslash is escaped: left in the text, where
//! CommonMark renders `\{` as `{`.
//!
//! Every other `{{#WORD …}}` is reported, whatever `WORD` is: the caller
//! decides which are its own, which belong to mdBook (`include`, …) and which
//! are near misses (`{{#CELL x}}`) to refuse.

use mdbook_markdown::pulldown_cmark::{CodeBlockKind, Event, Tag, TagEnd};
use mdbook_markdown::{MarkdownOptions, new_cmark_parser};
use std::ops::Range;

/// A `{{#…}}` found in a chapter's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Byte range of the whole directive, braces included.
    pub span: Range<usize>,
    /// 1-based line of its first byte.
    pub line: usize,
    /// The word after `{{#` (`cell`, `include`, …).
    pub word: String,
    /// Whether it is preceded by a backslash (and so shown as text).
    pub escaped: bool,
    /// Whether it has a paragraph (or a tight list item) to itself, where a
    /// block of output can replace it.
    pub alone: bool,
    /// Whether its closing `}}` was found (in the same paragraph).
    pub closed: bool,
}

impl Found {
    /// The directive's text within `content`.
    pub fn text<'a>(&self, content: &'a str) -> &'a str {
        &content[self.span.clone()]
    }

    /// The whitespace a block replacing this directive is indented with, so
    /// it stays inside a list item: the width of what precedes it on its line.
    pub fn indent(&self, content: &str) -> String {
        let line_start = content[..self.span.start].rfind('\n').map_or(0, |i| i + 1);
        let before = &content[line_start..self.span.start];
        if before.chars().all(char::is_whitespace) {
            before.to_string()
        } else {
            " ".repeat(before.chars().count())
        }
    }
}

/// Every `{{#…}}` in the text of `content`, in order.
pub fn find(content: &str) -> Vec<Found> {
    let mut found = Vec::new();
    let mut code_depth = 0usize;
    // Inside a block quote or footnote a block of output cannot be placed
    // (its lines would need the quote's markers), so nothing there stands alone.
    let mut enclosed = 0usize;
    // Text runs, merged: the parser may split one run of text into several
    // events (at `[`, `_`, an escape, …).
    let mut run: Option<Range<usize>> = None;
    // The innermost paragraph or list item and the text runs directly in it.
    let mut containers: Vec<Container> = Vec::new();
    let options = MarkdownOptions::default();
    for (event, range) in new_cmark_parser(content, &options).into_offset_iter() {
        match event {
            // A directive may wrap onto the paragraph's next line.
            Event::Text(_) | Event::SoftBreak if code_depth == 0 => {
                run = Some(match run.take() {
                    Some(open) if open.end == range.start => open.start..range.end,
                    Some(open) => {
                        scan_run(content, open, &mut containers, &mut found);
                        range
                    }
                    None => range,
                });
            }
            other => {
                if let Some(open) = run.take() {
                    scan_run(content, open, &mut containers, &mut found);
                }
                match other {
                    Event::Start(Tag::CodeBlock(_)) => code_depth += 1,
                    Event::End(TagEnd::CodeBlock) => code_depth -= 1,
                    Event::Start(Tag::BlockQuote(_) | Tag::FootnoteDefinition(_)) => enclosed += 1,
                    Event::End(TagEnd::BlockQuote(_) | TagEnd::FootnoteDefinition) => {
                        enclosed = enclosed.saturating_sub(1)
                    }
                    Event::Start(Tag::Paragraph | Tag::Item) => containers.push(Container {
                        range: range.clone(),
                        parts: 0,
                        directives: Vec::new(),
                        enclosed: enclosed > 0,
                    }),
                    Event::End(TagEnd::Paragraph | TagEnd::Item) => {
                        if let Some(container) = containers.pop() {
                            container.settle(content, &mut found);
                        }
                    }
                    // Anything else inside a paragraph (emphasis, a code span,
                    // a soft break) means a directive does not stand alone.
                    _ => {
                        if let Some(container) = containers.last_mut() {
                            container.parts += 1;
                        }
                    }
                }
            }
        }
    }
    if let Some(open) = run.take() {
        scan_run(content, open, &mut containers, &mut found);
    }
    found.sort_by_key(|f| f.span.start);
    found
}

/// The info string (`rust,ignore`) and first line of every fenced code
/// block in `content`.
pub fn fenced_code(content: &str) -> Vec<(String, usize)> {
    let options = MarkdownOptions::default();
    new_cmark_parser(content, &options)
        .into_offset_iter()
        .filter_map(|(event, range)| match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => Some((
                info.to_string(),
                content[..range.start].matches('\n').count() + 1,
            )),
            _ => None,
        })
        .collect()
}

/// A paragraph or list item being read: how many pieces it has and which of
/// the found directives are in it.
struct Container {
    range: Range<usize>,
    parts: usize,
    directives: Vec<usize>,
    /// In a block quote or a footnote.
    enclosed: bool,
}

impl Container {
    /// Marks its directive as standing alone if it is the container's only
    /// content.
    fn settle(self, content: &str, found: &mut [Found]) {
        if let ([index], 1, false) = (&self.directives[..], self.parts, self.enclosed) {
            let directive = &mut found[*index];
            let body = content[self.range.clone()].trim_end();
            directive.alone = without_list_marker(body) == directive.text(content);
        }
    }
}

/// A list item's range starts at its marker (`-`, `*`, `+`, `1.`, `1)`).
fn without_list_marker(body: &str) -> &str {
    let digits = body.len() - body.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let marker = if digits > 0 {
        body[digits..].strip_prefix(['.', ')'])
    } else {
        body.strip_prefix(['-', '*', '+'])
    };
    marker.map_or(body, str::trim_start)
}

fn scan_run(
    content: &str,
    run: Range<usize>,
    containers: &mut [Container],
    found: &mut Vec<Found>,
) {
    let text = &content[run.clone()];
    if let Some(container) = containers.last_mut() {
        container.parts += 1;
    }
    let mut from = 0;
    while let Some(at) = text[from..].find("{{#") {
        let start = run.start + from + at;
        let rest = &content[start..run.end];
        let (end, closed) = match rest.find("}}") {
            Some(close) => (start + close + 2, true),
            None => (start + rest.find('\n').unwrap_or(rest.len()), false),
        };
        // mdBook's own `{{# include}}` allows no space here, but a space must
        // not hide a misspelt cell: the word is read past it.
        let word: String = rest[3..]
            .trim_start()
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
            .collect();
        let escaped = start > 0 && content.as_bytes()[start - 1] == b'\\';
        if let Some(container) = containers.last_mut() {
            container.directives.push(found.len());
        }
        found.push(Found {
            span: start..end,
            line: content[..start].matches('\n').count() + 1,
            word,
            escaped,
            alone: false,
            closed,
        });
        from = end - run.start;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(content: &str) -> Vec<(String, usize, bool, bool)> {
        find(content)
            .iter()
            .map(|f| (f.text(content).to_string(), f.line, f.alone, f.escaped))
            .collect()
    }

    #[test]
    fn a_directive_alone_in_its_paragraph_is_a_block() {
        let md = "# Title\n\n{{#cell hello}}\n\nText with {{#value a b}} inside.\n";
        assert_eq!(
            texts(md),
            [
                ("{{#cell hello}}".into(), 3, true, false),
                ("{{#value a b}}".into(), 5, false, false)
            ]
        );
    }

    #[test]
    fn code_html_and_comments_are_not_text() {
        let md = "```\n{{#cell a}}\n```\n\n    {{#cell b}}\n\n`{{#cell c}}` and ``x\n{{#cell d}}``\n\n\
                  <pre>\n{{#cell e}}\n</pre>\n\n<!-- {{#cell f}} -->\n\n<span>{{#cell g}}</span>\n\n~~~rust\n{{#cell h}}\n~~~\n";
        let found: Vec<String> = texts(md).into_iter().map(|t| t.0).collect();
        // Only g's text is text: inline HTML tags around it do not hide it.
        assert_eq!(found, ["{{#cell g}}"]);
    }

    #[test]
    fn escapes_are_found_and_marked() {
        let md = "\\{{#cell x}}\n\nand \\{{#value a b}} too\n";
        assert_eq!(
            texts(md),
            [
                // The backslash is part of the paragraph: an escape never stands alone.
                ("{{#cell x}}".into(), 1, false, true),
                ("{{#value a b}}".into(), 3, false, true)
            ]
        );
    }

    #[test]
    fn list_items_and_indentation() {
        let md =
            "- {{#cell a}}\n- text {{#cell b}}\n\n1. item\n\n   {{#cell c}}\n\n10) {{#cell d}}\n";
        let found = find(md);
        let alone: Vec<(bool, String)> = found.iter().map(|f| (f.alone, f.indent(md))).collect();
        assert_eq!(
            alone,
            [
                (true, "  ".to_string()),
                (false, "       ".to_string()),
                (true, "   ".to_string()),
                (true, "    ".to_string())
            ]
        );
    }

    #[test]
    fn words_splits_and_unclosed_directives() {
        let md = "{{#CELL x}} {{#cel_l y}} {{#include a.rs}}\n\n{{#cell z\n\nA [link](u) {{#cell my_name}} *x*\n";
        let found = find(md);
        let words: Vec<&str> = found.iter().map(|f| f.word.as_str()).collect();
        assert_eq!(words, ["CELL", "cel_l", "include", "cell", "cell"]);
        assert!(!found[3].closed && found[3].text(md) == "{{#cell z");
        assert_eq!(found[4].text(md), "{{#cell my_name}}");
        let alone: Vec<bool> = found.iter().map(|f| f.alone).collect();
        assert_eq!(alone, [false, false, false, true, false]);
    }

    #[test]
    fn a_directive_may_wrap_in_its_paragraph() {
        let md = "Two took {{#value two_tasks\nthreads}} in all.\n\n{{#cell x\n-- a}}\n";
        assert_eq!(
            texts(md),
            [
                ("{{#value two_tasks\nthreads}}".into(), 1, false, false),
                ("{{#cell x\n-- a}}".into(), 4, true, false)
            ]
        );
    }

    #[test]
    fn multibyte_text_keeps_offsets_right() {
        let md = "µs — {{#value a b}} ✓\n\n{{#cell ü}}\n";
        assert_eq!(
            texts(md),
            [
                ("{{#value a b}}".into(), 1, false, false),
                ("{{#cell ü}}".into(), 3, true, false)
            ]
        );
    }

    #[test]
    fn fenced_code_reports_its_info_string() {
        let md = "text\n\n```rust,ignore\nfn x() {}\n```\n\n    indented\n\n~~~python\nx\n~~~\n";
        assert_eq!(
            fenced_code(md),
            [("rust,ignore".to_string(), 3), ("python".to_string(), 9)]
        );
    }

    #[test]
    fn nothing_in_a_quote_or_footnote_stands_alone() {
        let md = "> {{#cell a}}\n\nText.[^1]\n\n[^1]: {{#cell b}}\n\n{{#cell c}}\n";
        let alone: Vec<bool> = find(md).iter().map(|f| f.alone).collect();
        assert_eq!(alone, [false, false, true]);
    }

    #[test]
    fn tables_hold_inline_directives() {
        let md = "| a | b |\n|---|---|\n| {{#value x y}} | `{{#value no no}}` |\n";
        assert_eq!(texts(md), [("{{#value x y}}".into(), 3, false, false)]);
    }
}
