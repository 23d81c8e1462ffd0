//! The text of one directive, parsed.
//!
//! ```text
//! {{#cell TARGET[:ANCHOR] [OPTION=VALUE …] [-- ARGS…]}}   a program, its source and output
//! {{#chart NAME [OPTION=VALUE …] [-- ARGS…]}}             a program's record, drawn
//! {{#value CHART KEY}}                                    one headline value of a chart
//! ```
//!
//! `TARGET` is `NAME` (the Rust example `examples/NAME.rs`), `NAME.EXT` (a
//! script in a language's folder, `python/NAME.py`) or `bin:NAME` (a binary
//! of the workspace). `ARGS` are split like a shell's words, so quotes work.
//! Options left out take the book's defaults (`config`).
//!
//! A misspelt directive (`{{#cel x}}`, `{{#CELL x}}`) is an error rather than
//! text, so a typo never silently drops a cell; a directive of mdBook's own
//! (`{{#include}}`) or of another preprocessor is left alone.

use crate::program::Target;
use serde::{Deserialize, Serialize};

/// A notebook directive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Directive {
    Cell(Cell),
    Chart(Chart),
    Value(Value),
}

/// `{{#cell TARGET[:ANCHOR] … -- ARGS}}`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    pub target: Target,
    pub anchor: Option<String>,
    pub options: Options,
    pub args: Vec<String>,
}

/// `{{#chart NAME … -- ARGS}}`: `NAME` is a target, or the first argument of
/// the book's `chart-program`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chart {
    pub name: String,
    pub options: Options,
    pub args: Vec<String>,
}

/// `{{#value CHART KEY}}`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Value {
    pub chart: String,
    pub key: String,
}

/// Options as written; `None` takes the book's default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// `timeout=SECS`: the program and everything it started are killed after it.
    pub timeout: Option<u64>,
    /// `exit=N`: the exit code the program must end with (signal N is 128+N).
    pub exit: Option<i32>,
    /// `stderr=show|hide`: whether the page shows the stderr block.
    pub show_stderr: Option<bool>,
    /// `runs=N`: how many runs are shown side by side.
    pub runs: Option<u32>,
    /// `varies=numbers|order`: how runs may differ, for `verify`.
    pub varies: Option<Varies>,
    /// `reads=PATH[,PATH…]`: files or folders (relative to the book) the
    /// program reads when it runs, which its result's key must cover.
    pub reads: Vec<String>,
    /// `cwd=temp|chapter|workspace`: where it runs.
    pub cwd: Option<Cwd>,
}

/// How a program's output may differ from run to run; `verify` compares
/// accordingly.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Varies {
    /// Byte for byte the same.
    #[default]
    No,
    /// The same but for numbers (PIDs, times, addresses).
    Numbers,
    /// The same lines, numbers aside, in any order (threads interleaving).
    Order,
}

/// The working directory a program runs in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Cwd {
    /// A fresh empty temporary directory, removed afterwards.
    #[default]
    Temp,
    /// The folder of the chapter's markdown file.
    Chapter,
    /// The Cargo workspace's root.
    Workspace,
}

impl Cwd {
    pub fn parse(text: &str) -> Result<Cwd, String> {
        match text {
            "temp" => Ok(Cwd::Temp),
            "chapter" => Ok(Cwd::Chapter),
            "workspace" => Ok(Cwd::Workspace),
            _ => Err(format!(
                "`cwd={text}`: expected `temp`, `chapter` or `workspace`"
            )),
        }
    }
}

/// mdBook's own directives: never the notebook's, never a near miss.
const MDBOOK: [&str; 5] = [
    "include",
    "rustdoc_include",
    "playground",
    "playpen",
    "title",
];
const OURS: [&str; 3] = ["cell", "chart", "value"];

/// Parses the directive `text` (braces included) whose word is `word`.
/// `Ok(None)`: not the notebook's. `Err`: the notebook's, or meant to be, but
/// malformed; the message says how to fix it.
pub fn parse(word: &str, text: &str, closed: bool) -> Result<Option<Directive>, String> {
    let after_hash = &text[3..];
    if after_hash.starts_with(char::is_whitespace)
        && (OURS.contains(&word) || near_miss(word).is_some())
    {
        return Err(format!(
            "no space may follow `{{{{#`: write `{{{{#{}`",
            near_miss(word).unwrap_or(word)
        ));
    }
    if !OURS.contains(&word) {
        return match near_miss(word) {
            Some(meant) => Err(format!(
                "unknown directive `{{{{#{word}`: did you mean `{{{{#{meant}`? \
                 (write `\\{{{{#{word}` to show it as text)"
            )),
            None => Ok(None),
        };
    }
    if !closed {
        return Err("no closing `}}` in this paragraph".into());
    }
    let inner = after_hash.trim_start()[word.len()..]
        .trim_end_matches("}}")
        .trim();
    match word {
        "cell" => parse_cell(inner).map(Directive::Cell),
        "chart" => parse_chart(inner).map(Directive::Chart),
        _ => parse_value(inner).map(Directive::Value),
    }
    .map(Some)
}

/// Which of the notebook's words `word` was probably meant to be.
fn near_miss(word: &str) -> Option<&'static str> {
    if MDBOOK.contains(&word) || word.is_empty() {
        return None;
    }
    let lower = word.to_ascii_lowercase();
    OURS.into_iter().find(|ours| {
        lower == *ours
            || lower.trim_end_matches('s') == *ours
            || edit_distance(&lower, ours) <= 1
            || (ours.len() > 4 && edit_distance(&lower, ours) <= 2)
    })
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

/// Splits `inner` at its first `--` word (whitespace, newlines too, on
/// either side) into the words before and the arguments after.
fn split_args(inner: &str) -> Result<(Vec<&str>, Vec<String>), String> {
    let separator = inner.match_indices("--").find(|(at, _)| {
        let before = inner[..*at].chars().next_back();
        let after = inner[at + 2..].chars().next();
        before.is_none_or(char::is_whitespace) && after.is_none_or(char::is_whitespace)
    });
    let (head, tail) = match separator {
        Some((at, _)) => (&inner[..at], Some(&inner[at + 2..])),
        None => (inner, None),
    };
    let args = match tail {
        Some(tail) => shlex::split(tail).ok_or_else(|| {
            format!(
                "cannot split the arguments `{}` into words (an unclosed quote?)",
                tail.trim()
            )
        })?,
        None => Vec::new(),
    };
    Ok((head.split_whitespace().collect(), args))
}

fn parse_cell(inner: &str) -> Result<Cell, String> {
    let (words, args) = split_args(inner)?;
    let (first, rest) = words
        .split_first()
        .ok_or("missing the program: write {{#cell NAME}}")?;
    let (target, anchor) = match first.rsplit_once(':') {
        Some((target, anchor)) if !target.is_empty() && target != "bin" => (target, Some(anchor)),
        _ => (*first, None),
    };
    let target = Target::parse(target)?;
    if let Some(anchor) = anchor {
        check_name("anchor", anchor)?;
    }
    Ok(Cell {
        target,
        anchor: anchor.map(String::from),
        options: parse_options(rest, CELL_OPTIONS)?,
        args,
    })
}

fn parse_chart(inner: &str) -> Result<Chart, String> {
    let (words, args) = split_args(inner)?;
    let (name, rest) = words
        .split_first()
        .ok_or("missing the chart's name: write {{#chart NAME}}")?;
    if name.contains(':') && !name.starts_with("bin:") {
        return Err("a chart has no anchor".into());
    }
    check_name("chart name", name.trim_start_matches("bin:"))?;
    Ok(Chart {
        name: name.to_string(),
        options: parse_options(rest, CHART_OPTIONS)?,
        args,
    })
}

fn parse_value(inner: &str) -> Result<Value, String> {
    let words: Vec<&str> = inner.split_whitespace().collect();
    let [chart, key] = words[..] else {
        return Err("expected {{#value CHART KEY}}".into());
    };
    check_name("chart name", chart.trim_start_matches("bin:"))?;
    Ok(Value {
        chart: chart.to_string(),
        key: key.to_string(),
    })
}

const CELL_OPTIONS: &[&str] = &[
    "timeout", "exit", "stderr", "runs", "varies", "reads", "cwd",
];
const CHART_OPTIONS: &[&str] = &["timeout", "reads", "cwd"];

fn parse_options(words: &[&str], allowed: &[&str]) -> Result<Options, String> {
    let mut options = Options::default();
    let mut seen = Vec::new();
    for word in words {
        let (key, value) = word.split_once('=').ok_or_else(|| {
            format!("`{word}` is not an option (options are KEY=VALUE; arguments go after `--`)")
        })?;
        if !allowed.contains(&key) {
            return Err(format!(
                "unknown option `{key}` (this directive takes {})",
                allowed.join(", ")
            ));
        }
        if seen.contains(&key) {
            return Err(format!("option `{key}` given twice"));
        }
        seen.push(key);
        let number = |max: u64| -> Result<u64, String> {
            value
                .parse::<u64>()
                .ok()
                .filter(|n| (1..=max).contains(n))
                .ok_or_else(|| format!("`{key}={value}`: expected a whole number from 1 to {max}"))
        };
        match key {
            "timeout" => options.timeout = Some(number(24 * 3600)?),
            "exit" => {
                let code = value
                    .parse::<u8>()
                    .map_err(|_| format!("`exit={value}`: expected an exit code from 0 to 255"))?;
                options.exit = Some(code.into());
            }
            "stderr" => {
                options.show_stderr = Some(match value {
                    "show" => true,
                    "hide" => false,
                    _ => return Err(format!("`stderr={value}`: expected `show` or `hide`")),
                })
            }
            "runs" => options.runs = Some(number(10)? as u32),
            "varies" => {
                options.varies = Some(match value {
                    "numbers" => Varies::Numbers,
                    "order" => Varies::Order,
                    "no" => Varies::No,
                    _ => {
                        return Err(format!(
                            "`varies={value}`: expected `numbers` (runs differ only in numbers) \
                             or `order` (lines may also come in another order)"
                        ));
                    }
                })
            }
            "reads" => {
                for path in value.split(',') {
                    check_relative(path)?;
                    options.reads.push(path.to_string());
                }
            }
            _ => options.cwd = Some(Cwd::parse(value)?),
        }
    }
    Ok(options)
}

/// A `reads=` path: relative to the book, inside it, so keys are the same in
/// every checkout.
pub fn check_relative(path: &str) -> Result<(), String> {
    let p = std::path::Path::new(path);
    if path.is_empty() || p.is_absolute() {
        return Err(format!(
            "`reads={path}`: give a path relative to the book's root"
        ));
    }
    Ok(())
}

/// Names become file names (`examples/NAME.rs`, `outputs/cells/NAME.json`):
/// letters, digits, `_`, `-` and `.` only, so no name reaches outside its
/// folder.
pub fn check_name(what: &str, text: &str) -> Result<(), String> {
    let ok = !text.is_empty()
        && !text.starts_with('.')
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "bad {what} `{text}`: use letters, digits, `_`, `-` and `.`"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn directive(text: &str) -> Result<Option<Directive>, String> {
        let word: String = text[3..]
            .trim_start()
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
            .collect();
        parse(&word, text, text.ends_with("}}"))
    }

    fn cell(text: &str) -> Cell {
        match directive(text) {
            Ok(Some(Directive::Cell(cell))) => cell,
            other => panic!("{text}: {other:?}"),
        }
    }

    #[test]
    fn cells_take_targets_anchors_options_and_quoted_args() {
        let c = cell("{{#cell fork_pipe}}");
        assert_eq!(c.target, Target::Example("fork_pipe".into()));
        assert_eq!(
            (c.anchor, c.options, c.args),
            (None, Options::default(), vec![])
        );

        let c = cell(r#"{{#cell race.py:main runs=3 varies=order exit=1 -- 4 "two words" '$x'}}"#);
        assert_eq!(
            c.target,
            Target::Script {
                name: "race".into(),
                extension: "py".into()
            }
        );
        assert_eq!(c.anchor.as_deref(), Some("main"));
        assert_eq!((c.options.runs, c.options.exit), (Some(3), Some(1)));
        assert_eq!(c.options.varies, Some(Varies::Order));
        assert_eq!(c.args, ["4", "two words", "$x"]);

        let c = cell("{{#cell x\n-- a\n b}}");
        assert_eq!(
            (c.target, c.args),
            (
                Target::Example("x".into()),
                vec!["a".to_string(), "b".into()]
            )
        );
        let c = cell("{{#cell x -- --full -- y}}");
        assert_eq!(c.args, ["--full", "--", "y"]);

        let c = cell("{{#cell bin:lab reads=a.py,dir cwd=workspace timeout=9 stderr=show --}}");
        assert_eq!(c.target, Target::Bin("lab".into()));
        assert_eq!(c.options.reads, ["a.py", "dir"]);
        assert_eq!(c.options.cwd, Some(Cwd::Workspace));
        assert_eq!(
            (c.options.timeout, c.options.show_stderr),
            (Some(9), Some(true))
        );
        assert!(c.args.is_empty());
    }

    #[test]
    fn charts_and_values() {
        let Ok(Some(Directive::Chart(chart))) =
            directive("{{#chart scaling timeout=60 -- --full}}")
        else {
            panic!()
        };
        assert_eq!(
            (chart.name.as_str(), chart.args.as_slice()),
            ("scaling", &["--full".to_string()][..])
        );
        assert_eq!(
            directive("{{#value scaling threads_2}}"),
            Ok(Some(Directive::Value(Value {
                chart: "scaling".into(),
                key: "threads_2".into()
            })))
        );
    }

    #[test]
    fn other_directives_are_left_alone() {
        for text in [
            "{{#include file.rs:2:4}}",
            "{{#title x}}",
            "{{#admonish note}}",
            "{{#toc}}",
        ] {
            assert_eq!(directive(text), Ok(None), "{text}");
        }
    }

    #[test]
    fn malformed_directives_say_why() {
        for (text, why) in [
            ("{{#cell}}", "missing the program"),
            ("{{#cell ../x}}", "bad example name"),
            ("{{#cell x timeout=0}}", "from 1 to"),
            ("{{#cell x exit=300}}", "exit code from 0 to 255"),
            ("{{#cell x stderr=maybe}}", "`show` or `hide`"),
            ("{{#cell x runs=11}}", "from 1 to 10"),
            ("{{#cell x varies=sometimes}}", "`numbers`"),
            ("{{#cell x cwd=home}}", "`temp`, `chapter` or `workspace`"),
            ("{{#cell x reads=/etc/passwd}}", "relative to the book"),
            ("{{#cell x fast}}", "not an option"),
            ("{{#cell x color=red}}", "unknown option `color`"),
            ("{{#cell x runs=2 runs=3}}", "given twice"),
            ("{{#cell x -- \"open}}", "unclosed quote"),
            ("{{#chart x:y}}", "no anchor"),
            ("{{#chart x runs=3}}", "unknown option `runs`"),
            ("{{#value x}}", "expected {{#value CHART KEY}}"),
            ("{{#cell x", "no closing"),
            ("{{#CELL x}}", "did you mean `{{#cell`"),
            ("{{#cel x}}", "did you mean `{{#cell`"),
            ("{{#cells x}}", "did you mean `{{#cell`"),
            ("{{#chrat x}}", "did you mean `{{#chart`"),
            ("{{#Value x y}}", "did you mean `{{#value`"),
            ("{{# cell x}}", "no space may follow `{{#`: write `{{#cell`"),
            ("{{#  chrat x}}", "write `{{#chart`"),
        ] {
            match directive(text) {
                Err(reason) => assert!(reason.contains(why), "{text}: {reason}"),
                Ok(parsed) => panic!("{text} parsed: {parsed:?}"),
            }
        }
    }
}
