//! Phase 1: every directive of the book, parsed, with where it was written.
//!
//! mdBook's `links` preprocessor usually runs first: it has already pasted
//! `{{#include}}`d files into the chapter and turned every escaped
//! `\{{#…}}` into a plain `{{#…}}`. So each directive found is traced back
//! to the source the author wrote ([`Origins`]): the chapter file or the
//! included file and line, and whether it was escaped there. Errors name
//! that file and line; an escaped directive is left as text.

use crate::directive::{self, Directive};
use crate::key::relative;
use crate::markdown;
use anyhow::{Result, bail};
use mdbook_preprocessor::book::{Book, Chapter};
use std::collections::{HashMap, VecDeque};
use std::ops::Range;
use std::path::{Path, PathBuf};

/// A chapter with directives.
#[derive(Debug, Clone)]
pub struct ChapterInfo {
    /// Its path under the book's source folder, or its name: how the
    /// render phase finds it again.
    pub id: String,
    /// Its file name (`19-pipes.md`), which `NOTEBOOK_RERUN` names.
    pub file: String,
    /// The folder its file is in (for `cwd=chapter`).
    pub dir: PathBuf,
}

/// Where a directive was written: a file relative to the book, and a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub file: String,
    pub line: usize,
}

/// One directive of the book.
#[derive(Debug, Clone)]
pub struct Site {
    /// Index into [`Scanned::chapters`].
    pub chapter: usize,
    /// Its bytes in the chapter's content as the notebook received it.
    pub span: Range<usize>,
    pub text: String,
    pub origin: Origin,
    /// The indentation a block replacing it takes.
    pub indent: String,
    pub directive: Directive,
}

impl Site {
    /// `src/x.md:12: `{{#cell y}}``, the start of every message about it.
    pub fn describe(&self) -> String {
        describe(&self.origin, &self.text)
    }
}

fn describe(origin: &Origin, text: &str) -> String {
    format!("{}:{}: `{}`", origin.file, origin.line, text)
}

#[derive(Debug, Default)]
pub struct Scanned {
    pub chapters: Vec<ChapterInfo>,
    pub sites: Vec<Site>,
}

/// A notebook directive as written in one markdown text.
#[derive(Debug, Clone)]
pub struct Written {
    pub line: usize,
    pub span: Range<usize>,
    pub text: String,
    /// Parsed, or why it cannot be (including a block that does not stand
    /// alone).
    pub directive: Result<Directive, String>,
    /// Where a block replacing it is indented to.
    pub indent: String,
}

/// The notebook's directives in `content`, as the build finds them:
/// escaped ones and other preprocessors' left out. The consistency checks
/// of a book use this to see exactly what the build sees.
pub fn directives(content: &str) -> Vec<Written> {
    let mut written = Vec::new();
    for found in markdown::find(content) {
        if found.escaped {
            continue;
        }
        let text = found.text(content);
        let directive = match directive::parse(&found.word, text, found.closed) {
            Ok(None) => continue,
            Ok(Some(d)) if !found.alone && !matches!(d, Directive::Value(_)) => Err(
                "a cell or chart must be a paragraph of its own, at the top level or in a \
                 list item (not in a heading, table, quote or footnote), with blank lines \
                 around it; put it in backticks to show it as text"
                    .to_string(),
            ),
            other => other.map(|d| d.expect("handled above")),
        };
        written.push(Written {
            line: found.line,
            span: found.span.clone(),
            text: text.to_string(),
            directive,
            indent: found.indent(content),
        });
    }
    written
}

/// Finds and parses every directive; fails listing every malformed one.
pub fn scan(book: &Book, root: &Path, src: &Path) -> Result<Scanned> {
    let mut scanned = Scanned::default();
    let mut errors = Vec::new();
    for chapter in book.chapters() {
        if !chapter.content.contains("{{#") {
            continue;
        }
        let index = scanned.chapters.len();
        let source = chapter
            .source_path
            .as_ref()
            .or(chapter.path.as_ref())
            .map(|p| src.join(p));
        let display = match &source {
            Some(path) => relative(root, path),
            None => chapter.name.clone(),
        };
        let mut origins = match &source {
            Some(path) => Origins::of(path, root),
            None => Origins::default(),
        };
        let mut any = false;
        for written in directives(&chapter.content) {
            let origin = match origins.next(&written.text) {
                // Escaped where it was written; the links step dropped the `\`.
                Some((_, _, true)) => continue,
                Some((file, line, false)) => Origin { file, line },
                None => Origin {
                    file: display.clone(),
                    line: written.line,
                },
            };
            match written.directive {
                Ok(directive) => {
                    scanned.sites.push(Site {
                        chapter: index,
                        span: written.span,
                        text: written.text,
                        origin,
                        indent: written.indent,
                        directive,
                    });
                    any = true;
                }
                Err(reason) => {
                    errors.push(format!("{}: {reason}", describe(&origin, &written.text)))
                }
            }
        }
        if any {
            scanned.chapters.push(chapter_info(chapter, src));
        }
    }
    if !errors.is_empty() {
        bail!("bad notebook directives:\n  {}", errors.join("\n  "));
    }
    Ok(scanned)
}

/// How the render phase finds a chapter again.
pub fn chapter_id(chapter: &Chapter) -> String {
    match &chapter.path {
        Some(path) => path.to_string_lossy().into_owned(),
        None => chapter.name.clone(),
    }
}

fn chapter_info(chapter: &Chapter, src: &Path) -> ChapterInfo {
    let path = chapter.source_path.as_ref().or(chapter.path.as_ref());
    ChapterInfo {
        id: chapter_id(chapter),
        file: path.and_then(|p| p.file_name()).map_or_else(
            || chapter.name.clone(),
            |f| f.to_string_lossy().into_owned(),
        ),
        dir: path
            .and_then(|p| src.join(p).parent().map(Path::to_path_buf))
            .unwrap_or_else(|| src.to_path_buf()),
    }
}

/// Each directive text's occurrences in the source files, in book order.
#[derive(Default)]
struct Origins {
    queues: HashMap<String, VecDeque<(String, usize, bool)>>,
}

impl Origins {
    /// Reads `file` and, recursively, the parts of files it `{{#include}}`s
    /// where it includes them.
    fn of(file: &Path, root: &Path) -> Origins {
        let mut origins = Origins::default();
        if let Ok(content) = std::fs::read_to_string(file) {
            origins.read(file, &content, 0, root, 0);
        }
        origins
    }

    /// Records the directives of `content`, the text of `file` from line
    /// `offset + 1` on.
    fn read(&mut self, file: &Path, content: &str, offset: usize, root: &Path, depth: usize) {
        let display = relative(root, file);
        for found in markdown::find(content) {
            let text = found.text(content);
            let included = matches!(found.word.as_str(), "include" | "rustdoc_include");
            if included && !found.escaped && depth < 10 {
                if let Some((target, selection)) = include_target(text, file)
                    && let Ok(whole) = std::fs::read_to_string(&target)
                {
                    let (part, first) = selected(&whole, selection.as_deref());
                    self.read(&target, &part, first, root, depth + 1);
                }
                continue;
            }
            self.queues.entry(text.to_string()).or_default().push_back((
                display.clone(),
                offset + found.line,
                found.escaped,
            ));
        }
    }

    /// Where the next occurrence of `text` was written.
    fn next(&mut self, text: &str) -> Option<(String, usize, bool)> {
        self.queues.get_mut(text)?.pop_front()
    }
}

/// The file an `{{#include PATH[:ANCHOR|:LINES]}}` in `from` names, and what
/// follows its path (`2:10`, `anchor`).
fn include_target(text: &str, from: &Path) -> Option<(PathBuf, Option<String>)> {
    let inner = text.strip_prefix("{{#")?.strip_suffix("}}")?;
    let spec = inner.split_whitespace().nth(1)?;
    let (path, selection) = match spec.split_once(':') {
        Some((path, selection)) => (path, Some(selection.to_string())),
        None => (spec, None),
    };
    Some((from.parent()?.join(path), selection))
}

/// The part of `content` an include selects, as mdBook reads the selection
/// (`N`, `N:M`, `N:`, `:M`, or an anchor name), and how many lines come
/// before it in the file.
fn selected(content: &str, selection: Option<&str>) -> (String, usize) {
    let lines: Vec<&str> = content.lines().collect();
    let number = |s: &str| s.parse::<usize>().ok();
    let range = match selection {
        None => Some((1, lines.len())),
        Some(spec) => match spec.split_once(':') {
            None => number(spec).map(|n| (n, n)),
            Some((start, end)) => match (start, end) {
                ("", end) => number(end).map(|e| (1, e)),
                (start, "") => number(start).map(|s| (s, lines.len())),
                (start, end) => number(start).zip(number(end)),
            },
        },
    };
    if let Some((start, end)) = range {
        let start = start.max(1);
        let end = end.min(lines.len());
        let part = lines.get(start - 1..end).unwrap_or(&[]).join("\n");
        return (part + "\n", start - 1);
    }
    // An anchor: the lines between `ANCHOR: name` and `ANCHOR_END: name`.
    let anchor = selection.unwrap_or_default();
    let Some(open) = lines
        .iter()
        .position(|l| l.contains(&format!("ANCHOR: {anchor}")))
    else {
        return (String::new(), 0);
    };
    let part: Vec<&str> = lines[open + 1..]
        .iter()
        .take_while(|l| !l.contains(&format!("ANCHOR_END: {anchor}")))
        .copied()
        .collect();
    (part.join("\n") + "\n", open + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use mdbook_preprocessor::book::BookItem;

    fn book_of(dir: &Path, chapters: &[(&str, &str)], processed: &[&str]) -> Book {
        let mut book = Book::new();
        for ((file, raw), content) in chapters.iter().zip(processed) {
            std::fs::write(dir.join("src").join(file), raw).unwrap();
            book.push_item(BookItem::Chapter(Chapter::new(
                file,
                content.to_string(),
                file,
                vec![],
            )));
        }
        book
    }

    #[test]
    fn errors_name_the_file_and_line_they_were_written_at() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("src");
        std::fs::create_dir_all(src.join("parts")).unwrap();
        std::fs::write(src.join("parts/inc.md"), "Intro.\n\n{{#cel broken}}\n").unwrap();
        // As mdBook's links step leaves it: the include pasted in.
        let raw = "# A\n\n{{#include parts/inc.md}}\n\n{{#cell fine}}\n\n{{#CHART x}}\n";
        let processed = "# A\n\nIntro.\n\n{{#cel broken}}\n\n\n{{#cell fine}}\n\n{{#CHART x}}\n";
        let book = book_of(dir.path(), &[("a.md", raw)], &[processed]);
        let err = format!("{:#}", scan(&book, dir.path(), &src).unwrap_err());
        assert!(
            err.contains("src/parts/inc.md:3: `{{#cel broken}}`: unknown directive"),
            "{err}"
        );
        assert!(err.contains("src/a.md:7: `{{#CHART x}}`"), "{err}");
        assert!(!err.contains("fine"), "{err}");
    }

    #[test]
    fn an_include_of_some_lines_traces_only_those() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("src");
        std::fs::create_dir_all(&src).unwrap();
        std::fs::write(src.join("inc.md"), "Escaped: \\{{#cell x}}\n\n{{#cel y}}\n").unwrap();
        // Line 3 of inc.md only; the chapter then has a live `{{#cell x}}`.
        let raw = "# C\n\n{{#include inc.md:3}}\n\n{{#cell x}}\n";
        let processed = "# C\n\n{{#cel y}}\n\n{{#cell x}}\n";
        let book = book_of(dir.path(), &[("a.md", raw)], &[processed]);
        let err = format!("{:#}", scan(&book, dir.path(), &src).unwrap_err());
        assert!(err.contains("src/inc.md:3: `{{#cel y}}`"), "{err}");
        std::fs::write(src.join("inc.md"), "Escaped: \\{{#cell x}}\n\ntext\n").unwrap();
        let raw = "# C\n\n{{#include inc.md:3}}\n\n{{#cell x}}\n";
        let processed = "# C\n\ntext\n\n{{#cell x}}\n";
        let book = book_of(dir.path(), &[("a.md", raw)], &[processed]);
        let scanned = scan(&book, dir.path(), &src).unwrap();
        let lines: Vec<(String, usize)> = scanned
            .sites
            .iter()
            .map(|s| (s.origin.file.clone(), s.origin.line))
            .collect();
        assert_eq!(lines, [("src/a.md".to_string(), 5)], "the live cell runs");
    }

    #[test]
    fn selections_read_as_mdbook_reads_them() {
        let text = "a\nb\n// ANCHOR: x\nc\nd\n// ANCHOR_END: x\ne\n";
        assert_eq!(selected(text, Some("2")), ("b\n".into(), 1));
        assert_eq!(selected(text, Some("2:3")), ("b\n// ANCHOR: x\n".into(), 1));
        assert_eq!(selected(text, Some(":2")), ("a\nb\n".into(), 0));
        assert_eq!(
            selected(text, Some("6:")),
            ("// ANCHOR_END: x\ne\n".into(), 5)
        );
        assert_eq!(selected(text, Some("x")), ("c\nd\n".into(), 3));
        assert_eq!(selected(text, None).1, 0);
    }

    #[test]
    fn escapes_survive_the_links_step() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("src");
        std::fs::create_dir_all(&src).unwrap();
        // mdBook's links step turned `\{{#cell x}}` into `{{#cell x}}`.
        let raw = "\\{{#cell x}}\n\n{{#cell x}}\n\nSay \\{{#value a b}}.\n";
        let processed = "{{#cell x}}\n\n{{#cell x}}\n\nSay {{#value a b}}.\n";
        let book = book_of(dir.path(), &[("a.md", raw)], &[processed]);
        let scanned = scan(&book, dir.path(), &src).unwrap();
        let live: Vec<usize> = scanned.sites.iter().map(|s| s.origin.line).collect();
        assert_eq!(live, [3]);
    }

    #[test]
    fn blocks_must_stand_alone_and_others_directives_pass() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("src");
        std::fs::create_dir_all(&src).unwrap();
        let md = "Text {{#cell x}} here.\n\n{{#include y.rs}}\n\n{{#admonish note}}\n";
        let book = book_of(dir.path(), &[("a.md", md)], &[md]);
        let err = format!("{:#}", scan(&book, dir.path(), &src).unwrap_err());
        assert!(
            err.contains("src/a.md:1:") && err.contains("paragraph of its own"),
            "{err}"
        );
        assert_eq!(err.matches("src/a.md").count(), 1, "{err}");
    }

    #[test]
    fn a_book_without_directives_has_no_sites() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("src");
        std::fs::create_dir_all(&src).unwrap();
        let md = "# Plain\n\n`{{#cell x}}` in code.\n";
        let book = book_of(dir.path(), &[("a.md", md)], &[md]);
        let scanned = scan(&book, dir.path(), &src).unwrap();
        assert!(scanned.sites.is_empty() && scanned.chapters.is_empty());
    }
}
