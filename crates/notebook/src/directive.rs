//! Finding and parsing `{{#cell}}`, `{{#chart}}` and `{{#value}}` in a chapter.
//!
//! Directives inside code (fenced blocks, inline code spans) and HTML comments
//! are text, not directives: that is how a chapter shows a directive literally,
//! and how an author comments a cell out. A `{{#cell` or `{{#chart` anywhere
//! else that is not alone on its line is an error rather than silently left as
//! text, so a typo never becomes a missing cell.

use std::fmt;
use std::ops::Range;

/// Options of a cell or chart, resolved to their values (defaults filled in),
/// so `{{#cell x timeout=30}}` and `{{#cell x}}` are the same cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Options {
    /// Seconds before the program and its process group are killed.
    pub timeout: u64,
    /// The exit code the program must end with (a death by signal N is 128+N).
    pub exit: i32,
    /// Whether the page shows the stderr block.
    pub show_stderr: bool,
    /// How many real runs are shown side by side.
    pub runs: u32,
}

impl Options {
    pub const CELL: Options = Options {
        timeout: 30,
        exit: 0,
        show_stderr: false,
        runs: 1,
    };
    /// Lab experiments take many samples; a whole experiment may take minutes.
    pub const CHART: Options = Options {
        timeout: 600,
        ..Options::CELL
    };
}

/// `{{#cell NAME[:ANCHOR] [opt=val…] [-- ARGS…]}}`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    pub name: String,
    pub anchor: Option<String>,
    pub options: Options,
    pub args: Vec<String>,
}

/// `{{#chart NAME [timeout=SECS] [-- ARGS…]}}`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chart {
    pub name: String,
    pub options: Options,
    pub args: Vec<String>,
}

/// A directive that takes a whole line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Cell(Cell),
    Chart(Chart),
}

/// `{{#value NAME KEY}}`, found inside a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Value {
    pub name: String,
    pub key: String,
    /// Byte range of the directive within its line.
    pub span: Range<usize>,
}

/// One line of a chapter, as the notebook sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line<'a> {
    /// A line with no directive: copied as it is.
    Text(&'a str),
    /// A line that is exactly one block directive (after `indent`).
    Block {
        indent: &'a str,
        text: &'a str,
        block: Block,
    },
    /// A line with `{{#value}}` directives to substitute.
    Values { line: &'a str, values: Vec<Value> },
}

/// A directive that could not be parsed: the line (1-based), the directive's
/// text and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub text: String,
    pub reason: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: `{}`: {}", self.line, self.text, self.reason)
    }
}

/// Splits `content` into lines and finds the directives in them. Line endings
/// are kept in each line's text.
pub fn scan(content: &str) -> Result<Vec<Line<'_>>, Vec<ParseError>> {
    let mut lines = Vec::new();
    let mut errors = Vec::new();
    let mut fence: Option<(char, usize)> = None;
    let mut in_comment = false;
    for (index, raw) in content.split_inclusive('\n').enumerate() {
        let number = index + 1;
        let body = raw.trim_end_matches(['\n', '\r']);
        if let Some((ch, len)) = fence {
            if is_fence_close(body, ch, len) {
                fence = None;
            }
            lines.push(Line::Text(raw));
            continue;
        }
        if !in_comment && let Some(open) = fence_open(body) {
            fence = Some(open);
            lines.push(Line::Text(raw));
            continue;
        }
        let live = live_ranges(body, &mut in_comment);
        match scan_line(body, &live) {
            Ok(ScannedLine::Text) => lines.push(Line::Text(raw)),
            Ok(ScannedLine::Block(indent, text, block)) => lines.push(Line::Block {
                indent,
                text,
                block,
            }),
            Ok(ScannedLine::Values(values)) => lines.push(Line::Values { line: raw, values }),
            Err((text, reason)) => errors.push(ParseError {
                line: number,
                text,
                reason,
            }),
        }
    }
    if errors.is_empty() {
        Ok(lines)
    } else {
        Err(errors)
    }
}

enum ScannedLine<'a> {
    Text,
    Block(&'a str, &'a str, Block),
    Values(Vec<Value>),
}

fn scan_line<'a>(
    body: &'a str,
    live: &[Range<usize>],
) -> Result<ScannedLine<'a>, (String, String)> {
    let trimmed = body.trim();
    let indent = &body[..body.len() - body.trim_start().len()];
    let whole_line_live = live.len() == 1 && live[0] == (0..body.len());
    if whole_line_live
        && trimmed.ends_with("}}")
        && let Some(kind) = ["cell", "chart"]
            .into_iter()
            .find(|kind| starts_directive(trimmed, kind))
    {
        let inner = &trimmed[3 + kind.len()..trimmed.len() - 2];
        if !inner.contains("}}") {
            return parse_block(kind, inner)
                .map(|block| ScannedLine::Block(indent, trimmed, block))
                .map_err(|reason| (trimmed.to_string(), reason));
        }
    }
    let mut values = Vec::new();
    for range in live {
        let part = &body[range.clone()];
        for (offset, _) in part.match_indices("{{#") {
            let start = range.start + offset;
            let rest = &body[start..];
            let end = rest.find("}}").map(|e| start + e + 2);
            let text = &body[start..end.unwrap_or(body.len())];
            if starts_directive(rest, "cell") || starts_directive(rest, "chart") {
                return Err((
                    text.to_string(),
                    "a cell or chart must stand alone on its own line \
                     (put it in backticks to show it as text)"
                        .into(),
                ));
            }
            if starts_directive(rest, "value") {
                let Some(end) = end else {
                    return Err((text.to_string(), "no closing `}}`".into()));
                };
                let (name, key) = parse_value(&body[start + 8..end - 2])
                    .map_err(|reason| (text.to_string(), reason))?;
                values.push(Value {
                    name,
                    key,
                    span: start..end,
                });
            }
        }
    }
    Ok(if values.is_empty() {
        ScannedLine::Text
    } else {
        ScannedLine::Values(values)
    })
}

/// `{{#KIND` followed by whitespace or `}}`, so `{{#cells}}` is not a cell.
fn starts_directive(text: &str, kind: &str) -> bool {
    text.strip_prefix("{{#")
        .and_then(|rest| rest.strip_prefix(kind))
        .is_some_and(|rest| rest.starts_with(char::is_whitespace) || rest.starts_with("}}"))
}

fn fence_open(body: &str) -> Option<(char, usize)> {
    let trimmed = body.trim_start();
    let ch = trimmed.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let len = trimmed.chars().take_while(|c| *c == ch).count();
    // A backtick fence's info string may not contain a backtick.
    let info_ok = ch == '~' || !trimmed[len..].contains('`');
    (len >= 3 && info_ok).then_some((ch, len))
}

fn is_fence_close(body: &str, ch: char, len: usize) -> bool {
    let trimmed = body.trim();
    trimmed.len() >= len && trimmed.chars().all(|c| c == ch)
}

/// The byte ranges of `line` that are neither inside an HTML comment (which may
/// span lines: `in_comment` carries that state) nor inside an inline code span.
fn live_ranges(line: &str, in_comment: &mut bool) -> Vec<Range<usize>> {
    // Byte-wise: every token looked for is ASCII, so every range boundary
    // falls on a char boundary whatever the text around it.
    let bytes = line.as_bytes();
    let find = |from: usize, token: &[u8]| {
        bytes[from..]
            .windows(token.len())
            .position(|w| w == token)
            .map(|at| from + at)
    };
    let mut live = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        if *in_comment {
            match find(i, b"-->") {
                Some(end) => {
                    *in_comment = false;
                    i = end + 3;
                    start = i;
                }
                None => return live,
            }
        } else if bytes[i..].starts_with(b"<!--") {
            push_range(&mut live, start..i);
            *in_comment = true;
            i += 4;
        } else if bytes[i] == b'`' {
            let run = bytes[i..].iter().take_while(|b| **b == b'`').count();
            match find_backtick_run(&bytes[i + run..], run) {
                Some(close) => {
                    push_range(&mut live, start..i);
                    i += run + close + run;
                    start = i;
                }
                // An unmatched run of backticks is literal text.
                None => i += run,
            }
        } else {
            i += 1;
        }
    }
    if !*in_comment {
        push_range(&mut live, start..line.len());
    }
    live
}

fn push_range(live: &mut Vec<Range<usize>>, range: Range<usize>) {
    if !range.is_empty() {
        live.push(range);
    }
}

/// The offset of the next run of exactly `run` backticks in `text`.
fn find_backtick_run(bytes: &[u8], run: usize) -> Option<usize> {
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'`' {
            let len = bytes[i..].iter().take_while(|b| **b == b'`').count();
            if len == run {
                return Some(i);
            }
            i += len;
        } else {
            i += 1;
        }
    }
    None
}

fn parse_block(kind: &str, inner: &str) -> Result<Block, String> {
    let (head, args) = match inner.split_once(" -- ") {
        Some((head, args)) => (head, args.split_whitespace().map(String::from).collect()),
        None => match inner.trim_end().strip_suffix(" --") {
            Some(head) => (head, Vec::new()),
            None => (inner, Vec::new()),
        },
    };
    let mut words = head.split_whitespace();
    let target = words
        .next()
        .ok_or_else(|| format!("missing the name: write {{{{#{kind} NAME}}}}"))?;
    let (name, anchor) = match target.split_once(':') {
        Some((name, anchor)) => (name, Some(anchor)),
        None => (target, None),
    };
    check_identifier("name", name)?;
    if let Some(anchor) = anchor {
        if kind == "chart" {
            return Err("a chart has no anchor".into());
        }
        check_identifier("anchor", anchor)?;
    }
    let mut options = if kind == "cell" {
        Options::CELL
    } else {
        Options::CHART
    };
    let mut seen = Vec::new();
    for word in words {
        let (key, value) = word.split_once('=').ok_or_else(|| {
            format!("`{word}` is not an option (options are KEY=VALUE; arguments go after `--`)")
        })?;
        if seen.contains(&key) {
            return Err(format!("option `{key}` given twice"));
        }
        seen.push(key);
        set_option(kind, &mut options, key, value)?;
    }
    let name = name.to_string();
    Ok(match kind {
        "cell" => Block::Cell(Cell {
            name,
            anchor: anchor.map(String::from),
            options,
            args,
        }),
        _ => Block::Chart(Chart {
            name,
            options,
            args,
        }),
    })
}

fn set_option(kind: &str, options: &mut Options, key: &str, value: &str) -> Result<(), String> {
    let number = |max: u64| -> Result<u64, String> {
        value
            .parse::<u64>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| format!("`{key}={value}`: expected a whole number from 1 to {max}"))
    };
    match (kind, key) {
        (_, "timeout") => options.timeout = number(24 * 3600)?,
        ("cell", "exit") => {
            options.exit = value
                .parse::<u8>()
                .map_err(|_| format!("`exit={value}`: expected an exit code from 0 to 255"))?
                .into()
        }
        ("cell", "stderr") => {
            options.show_stderr = match value {
                "show" => true,
                "hide" => false,
                _ => return Err(format!("`stderr={value}`: expected `show` or `hide`")),
            }
        }
        ("cell", "runs") => options.runs = number(10)? as u32,
        ("cell", _) => {
            return Err(format!(
                "unknown option `{key}` (a cell takes timeout, exit, stderr, runs)"
            ));
        }
        _ => return Err(format!("unknown option `{key}` (a chart takes timeout)")),
    }
    Ok(())
}

fn parse_value(inner: &str) -> Result<(String, String), String> {
    let words: Vec<&str> = inner.split_whitespace().collect();
    let [name, key] = words[..] else {
        return Err("expected {{#value EXPERIMENT KEY}}".into());
    };
    check_identifier("experiment name", name)?;
    Ok((name.to_string(), key.to_string()))
}

/// Names become file names (`examples/NAME.rs`, `outputs/cells/NAME.json`):
/// letters, digits, `_` and `-` only, so no name can reach outside its folder.
fn check_identifier(what: &str, text: &str) -> Result<(), String> {
    let ok = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "bad {what} `{text}`: use letters, digits, `_` and `-`"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(line: &str) -> Result<Block, String> {
        match scan(line) {
            Ok(lines) => match &lines[..] {
                [Line::Block { block, .. }] => Ok(block.clone()),
                other => panic!("not a block: {other:?}"),
            },
            Err(errors) => Err(errors[0].reason.clone()),
        }
    }

    fn cell(line: &str) -> Cell {
        match block(line).unwrap() {
            Block::Cell(cell) => cell,
            other => panic!("not a cell: {other:?}"),
        }
    }

    #[test]
    fn plain_cell_takes_the_defaults() {
        let c = cell("{{#cell fork_pipe}}\n");
        assert_eq!(c.name, "fork_pipe");
        assert_eq!(c.anchor, None);
        assert_eq!(c.options, Options::CELL);
        assert!(c.args.is_empty());
    }

    #[test]
    fn anchor_options_and_args() {
        let c = cell("  {{#cell fork_crash:main exit=134 timeout=10 stderr=show runs=3 -- a --b}}");
        assert_eq!(c.anchor.as_deref(), Some("main"));
        assert_eq!(
            c.options,
            Options {
                timeout: 10,
                exit: 134,
                show_stderr: true,
                runs: 3
            }
        );
        assert_eq!(c.args, ["a", "--b"]);
    }

    #[test]
    fn chart_allows_only_timeout() {
        let Block::Chart(chart) = block("{{#chart scaling timeout=900 -- --quick}}").unwrap()
        else {
            panic!("not a chart")
        };
        assert_eq!(chart.options.timeout, 900);
        assert_eq!(chart.args, ["--quick"]);
        assert!(block("{{#chart scaling}}").is_ok());
        assert!(
            block("{{#chart scaling runs=2}}")
                .unwrap_err()
                .contains("unknown option `runs`")
        );
        assert!(
            block("{{#chart scaling:x}}")
                .unwrap_err()
                .contains("no anchor")
        );
    }

    #[test]
    fn malformed_directives_say_why() {
        for (line, why) in [
            ("{{#cell}}", "missing the name"),
            ("{{#cell x colour=red}}", "unknown option `colour`"),
            ("{{#cell x timeout=0}}", "timeout=0"),
            ("{{#cell x exit=300}}", "exit=300"),
            ("{{#cell x stderr=loud}}", "stderr=loud"),
            ("{{#cell x runs=2 runs=3}}", "given twice"),
            ("{{#cell x arg}}", "not an option"),
            ("{{#cell ../etc}}", "bad name"),
            ("Text then {{#cell x}}", "own line"),
            ("{{#value scaling}}", "{{#value EXPERIMENT KEY}}"),
            ("{{#value scaling key", "closing"),
        ] {
            let err = block(line).expect_err(line);
            assert!(err.contains(why), "{line}: {err}");
        }
    }

    #[test]
    fn errors_carry_line_numbers() {
        let errors = scan("# Title\n\n{{#cell x bad}}\n").unwrap_err();
        assert_eq!(errors[0].line, 3);
        assert_eq!(errors[0].text, "{{#cell x bad}}");
    }

    #[test]
    fn code_and_comments_are_not_directives() {
        let text = "```md\n{{#cell x}}\n```\n`{{#cell y}}` and ``{{#value a b}}``\n\
                    <!-- {{#cell z}}\n{{#chart w}} -->\n~~~~\n{{#cell q}}\n~~~~\n";
        let lines = scan(text).unwrap();
        assert!(
            lines.iter().all(|l| matches!(l, Line::Text(_))),
            "{lines:?}"
        );
    }

    #[test]
    fn values_are_found_inline_with_their_spans() {
        let line = "| threads | {{#value scaling speedup}} | {{#value spawn thread_us}} |\n";
        let lines = scan(line).unwrap();
        let Line::Values { values, .. } = &lines[0] else {
            panic!("{lines:?}")
        };
        assert_eq!(values.len(), 2);
        assert_eq!(values[0].name, "scaling");
        assert_eq!(values[0].key, "speedup");
        assert_eq!(&line[values[1].span.clone()], "{{#value spawn thread_us}}");
    }

    #[test]
    fn any_text_around_directives_is_fine() {
        let line = "Lock — `code ✓` <!-- é --> {{#value a b}} — ünïcode\n";
        let Line::Values { values, .. } = &scan(line).unwrap()[0] else {
            panic!("no value found")
        };
        assert_eq!(&line[values[0].span.clone()], "{{#value a b}}");
    }

    #[test]
    fn other_mdbook_directives_are_left_alone() {
        let lines = scan("{{#include file.rs}}\n{{#cells}}\n").unwrap();
        assert!(lines.iter().all(|l| matches!(l, Line::Text(_))));
    }
}
