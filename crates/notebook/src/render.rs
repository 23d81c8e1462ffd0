//! What a cell, chart or value becomes in the page.
//!
//! Output is emitted as raw HTML with every byte of program output escaped
//! (a program that prints `<script>` shows that text and nothing else, and
//! one that prints `{{#include …}}` cannot make a later preprocessor act on
//! it) and every control byte made visible. Markdown ends an HTML block at a
//! blank line, and program output has blank lines, so each `<pre>` starts its
//! own line: CommonMark's HTML block type 1, which runs to its `</pre>`
//! whatever is inside. Everything else is written without blank lines.

use crate::store::{Run, Stored};
use crate::text::visible;
use anyhow::{Result, bail};
use std::fmt::Write;

/// The notebook's stylesheet, added once to every page that shows a result.
/// It uses only mdBook's theme variables, so every theme restyles it.
pub const STYLE: &str = include_str!("notebook.css");

/// `<style>` with [`STYLE`], as one HTML block (type 1: blank lines inside
/// are fine). mdBook's search index skips `<style>`.
pub fn style_block() -> String {
    format!("\n<style>\n{STYLE}</style>\n")
}

/// Escapes text for HTML content and attribute values, and the braces of
/// mdBook's `{{#…}}` directives.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '{' => out.push_str("&#123;"),
            '}' => out.push_str("&#125;"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes a `{{#value}}` for the middle of markdown prose or a table cell:
/// HTML-escaped, and markdown's own punctuation (`|` ends a table cell, `*`
/// starts emphasis, …) written as character references so it stays text.
pub fn escape_inline(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in escape(&visible(text)).chars() {
        match c {
            '|' | '*' | '_' | '`' | '[' | ']' | '\\' | '~' | '$' => {
                let _ = write!(out, "&#{};", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// The lines a reader sees of a program: all of it, or only the region
/// between `ANCHOR: name` and `ANCHOR_END: name` comments (dedented).
/// Anchor marker lines never show, in any comment syntax.
pub fn shown_source(source: &str, anchor: Option<&str>) -> Result<String> {
    let marker = |line: &str, word: &str| -> Option<String> {
        let at = line.find(word)?;
        let rest = line[at + word.len()..].trim();
        Some(rest.split_whitespace().next().unwrap_or("").to_string())
    };
    let mut lines = Vec::new();
    let mut inside = anchor.is_none();
    let mut found = false;
    for line in source.lines() {
        if let Some(name) = marker(line, "ANCHOR_END:") {
            if Some(name.as_str()) == anchor {
                inside = false;
            }
            continue;
        }
        if let Some(name) = marker(line, "ANCHOR:") {
            if Some(name.as_str()) == anchor {
                inside = true;
                found = true;
            }
            continue;
        }
        if inside {
            lines.push(line);
        }
    }
    if let Some(anchor) = anchor {
        if !found {
            bail!("no `ANCHOR: {anchor}` in the program");
        }
        let indent = lines
            .iter()
            .filter(|l| !l.trim().is_empty())
            .map(|l| l.len() - l.trim_start().len())
            .min()
            .unwrap_or(0);
        let dedented: Vec<&str> = lines
            .iter()
            .map(|l| l.get(indent..).unwrap_or(""))
            .collect();
        return Ok(dedented.join("\n") + "\n");
    }
    Ok(lines.join("\n") + "\n")
}

/// A markdown code block in `language` that never goes to the playground
/// (programs need crates and cores the playground lacks). The fence is
/// longer than any run of backticks in the code.
pub fn code_block(code: &str, language: &str) -> String {
    let longest = code.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat((longest + 1).max(3));
    let info = if language == "rust" {
        "rust,noplayground"
    } else {
        language
    };
    format!("{fence}{info}\n{code}{fence}\n")
}

/// The captured output of a cell: the command, each run's streams, the exit
/// status when it is not 0, and a caption naming the run time, the
/// toolchain and the machine.
pub fn cell_output(command: &str, stored: &Stored, show_stderr: bool) -> String {
    let mut html = String::from("<div class=\"nb-output\">\n");
    let varies = if stored.runs.len() > 1 {
        " <span class=\"nb-varies\">varies per run</span>"
    } else {
        ""
    };
    let _ = writeln!(
        html,
        "<div class=\"nb-command\"><code>$ {}</code>{varies}</div>",
        escape(&visible(command))
    );
    if let [run] = &stored.runs[..] {
        push_run(&mut html, run, show_stderr);
    } else {
        html.push_str("<div class=\"nb-runs\">\n");
        for (i, run) in stored.runs.iter().enumerate() {
            let _ = writeln!(
                html,
                "<div class=\"nb-run\"><div class=\"nb-run-label\">run {} of {}</div>",
                i + 1,
                stored.runs.len()
            );
            push_run(&mut html, run, show_stderr);
            html.push_str("</div>\n");
        }
        html.push_str("</div>\n");
    }
    let times: Vec<String> = stored
        .runs
        .iter()
        .map(|r| seconds(r.duration_secs))
        .collect();
    let when = match &times[..] {
        [one] => format!("ran in {one}"),
        many => format!("{} runs: {}", many.len(), many.join(", ")),
    };
    let _ = writeln!(
        html,
        "<div class=\"nb-caption\">{} · {} · {}</div>\n</div>",
        escape(&when),
        escape(&visible(&stored.toolchain)),
        escape(&visible(&stored.machine.summary()))
    );
    html
}

fn push_run(html: &mut String, run: &Run, show_stderr: bool) {
    push_stream(html, "stdout", &run.stdout);
    if show_stderr {
        push_stream(html, "stderr", &run.stderr);
    }
    if run.exit_code != 0 {
        let status = match run.signal {
            Some(signal) => format!(
                "exit status {} (killed by signal {signal}{})",
                run.exit_code,
                signal_name(signal)
                    .map(|n| format!(", {n}"))
                    .unwrap_or_default()
            ),
            None => format!("exit status {}", run.exit_code),
        };
        let _ = writeln!(html, "<div class=\"nb-status\">{}</div>", escape(&status));
    }
}

fn push_stream(html: &mut String, label: &str, text: &str) {
    let _ = write!(
        html,
        "<div class=\"nb-stream nb-{label}\"><div class=\"nb-label\">{label}</div>"
    );
    if text.is_empty() {
        html.push_str("<div class=\"nb-empty\">(no output)</div></div>\n");
        return;
    }
    // The newline after `<pre>` is dropped by HTML parsers, so the output's
    // own first line (even an empty one) survives; the final newline is
    // dropped so the block has no trailing empty line.
    let body = text.strip_suffix('\n').unwrap_or(text);
    let _ = write!(
        html,
        "\n\n<pre class=\"nb-text\">\n{}</pre>\n\n</div>\n",
        escape(&visible(body))
    );
}

/// A chart as ONE HTML block: no blank line (it would end the block) and no
/// XML prolog (not allowed inside HTML).
pub fn chart_figure(svg: &str, caption: &str, notes: &[String]) -> String {
    let mut html = String::from("<figure class=\"chart\">\n");
    let svg = strip_prolog(svg);
    for line in svg.lines().filter(|l| !l.trim().is_empty()) {
        html.push_str(line);
        html.push('\n');
    }
    let _ = write!(html, "<figcaption>{}", escape(&visible(caption)));
    for note in notes {
        let _ = write!(
            html,
            "<br><span class=\"nb-note\">{}</span>",
            escape(&visible(note))
        );
    }
    html.push_str("</figcaption>\n</figure>\n");
    html
}

fn strip_prolog(svg: &str) -> &str {
    let mut rest = svg.trim_start();
    loop {
        let declaration = rest.starts_with("<?") || rest.starts_with("<!DOCTYPE");
        match rest.find('>') {
            Some(end) if declaration => rest = rest[end + 1..].trim_start(),
            _ => return rest,
        }
    }
}

/// "12 ms", "0.41 s", "2.3 s": enough digits to read, no false precision.
pub fn seconds(secs: f64) -> String {
    if secs < 0.001 {
        "under 1 ms".into()
    } else if secs < 0.1 {
        format!("{:.0} ms", secs * 1000.0)
    } else if secs < 10.0 {
        format!("{secs:.2} s")
    } else {
        format!("{secs:.1} s")
    }
}

/// The usual name of a signal on Linux and the BSDs (the numbers below 16
/// are the same on both).
fn signal_name(signal: i32) -> Option<&'static str> {
    Some(match signal {
        1 => "SIGHUP",
        2 => "SIGINT",
        3 => "SIGQUIT",
        4 => "SIGILL",
        5 => "SIGTRAP",
        6 => "SIGABRT",
        8 => "SIGFPE",
        9 => "SIGKILL",
        11 => "SIGSEGV",
        13 => "SIGPIPE",
        14 => "SIGALRM",
        15 => "SIGTERM",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::tests::sample;

    fn stored(runs: Vec<Run>) -> Stored {
        Stored { runs, ..sample() }
    }

    fn run(stdout: &str, stderr: &str, exit_code: i32, signal: Option<i32>) -> Run {
        Run {
            stdout: stdout.into(),
            stderr: stderr.into(),
            exit_code,
            signal,
            duration_secs: 0.41,
        }
    }

    #[test]
    fn escapes_every_special_byte() {
        assert_eq!(
            escape(r#"<a href="x">&'{{#include x}}"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&#123;&#123;#include x&#125;&#125;"
        );
        assert_eq!(escape_inline("a|b*c\u{1b}"), "a&#124;b&#42;c␛");
    }

    #[test]
    fn anchors_select_and_markers_disappear() {
        let source = "use x;\n// ANCHOR: main\nfn main() {\n    // ANCHOR: inner\n    go();\n    // ANCHOR_END: inner\n}\n// ANCHOR_END: main\n";
        assert_eq!(
            shown_source(source, None).unwrap(),
            "use x;\nfn main() {\n    go();\n}\n"
        );
        assert_eq!(
            shown_source(source, Some("main")).unwrap(),
            "fn main() {\n    go();\n}\n"
        );
        assert_eq!(shown_source(source, Some("inner")).unwrap(), "go();\n");
        let python = "import os\n# ANCHOR: body\nprint(os.getpid())\n# ANCHOR_END: body\n";
        assert_eq!(
            shown_source(python, Some("body")).unwrap(),
            "print(os.getpid())\n"
        );
        let err = shown_source(source, Some("nope")).unwrap_err().to_string();
        assert!(err.contains("ANCHOR: nope"), "{err}");
    }

    #[test]
    fn code_fences_outgrow_backticks_and_name_the_language() {
        assert!(code_block("fn main() {}\n", "rust").starts_with("```rust,noplayground\n"));
        assert!(code_block("// ````\n", "rust").starts_with("`````rust"));
        assert!(code_block("print()\n", "python").starts_with("```python\n"));
    }

    #[test]
    fn output_is_escaped_visible_and_each_pre_starts_a_line() {
        let html = cell_output(
            "cargo run --example x",
            &stored(vec![run(
                "<script>alert(1)</script>\n\n\u{1b}[31mred\u{7}\n",
                "",
                0,
                None,
            )]),
            false,
        );
        assert!(
            !html.contains("<script>") && !html.contains('\u{1b}'),
            "{html}"
        );
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;\n\n␛[31mred␇</pre>"));
        for (i, _) in html.match_indices("<pre") {
            assert!(
                html[..i].ends_with("\n\n"),
                "<pre> not on its own line: {html}"
            );
        }
        assert!(html.contains("ran in 0.41 s · rustc 1.95.0 · Test CPU, 2 cores, Linux 6.1"));
        assert!(!html.contains("stderr") && !html.contains("exit status"));
    }

    #[test]
    fn empty_output_stderr_and_status_are_shown() {
        let html = cell_output("x", &stored(vec![run("", "boom\n", 134, Some(6))]), true);
        assert!(html.contains("(no output)"));
        assert!(html.contains(
            "<div class=\"nb-label\">stderr</div>\n\n<pre class=\"nb-text\">\nboom</pre>"
        ));
        assert!(html.contains("exit status 134 (killed by signal 6, SIGABRT)"));
    }

    #[test]
    fn several_runs_sit_side_by_side_marked_as_varying() {
        let html = cell_output(
            "x",
            &stored(vec![run("a\n", "", 0, None), run("b\n", "", 0, None)]),
            false,
        );
        assert!(html.contains("varies per run"));
        assert!(html.contains("run 1 of 2") && html.contains("run 2 of 2"));
        assert!(html.contains("2 runs: 0.41 s, 0.41 s"));
    }

    #[test]
    fn figures_have_no_blank_lines_or_prolog() {
        let svg = "<?xml version=\"1.0\"?>\n<!DOCTYPE svg>\n<svg>\n\n  <text>a</text>\n</svg>\n";
        let html = chart_figure(svg, "2 cores, <5 samples>", &["no python".into()]);
        assert!(!html.contains("<?xml") && !html.contains("DOCTYPE"));
        assert!(!html.contains("\n\n"));
        assert!(html.starts_with("<figure class=\"chart\">\n<svg>"));
        assert!(html.ends_with(
            "<figcaption>2 cores, &lt;5 samples&gt;<br><span class=\"nb-note\">no python</span></figcaption>\n</figure>\n"
        ));
    }

    #[test]
    fn the_style_is_one_html_block() {
        let block = style_block();
        assert!(block.starts_with("\n<style>\n") && block.ends_with("</style>\n"));
        assert!(block.contains(".nb-output"));
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(seconds(0.0004), "under 1 ms");
        assert_eq!(seconds(0.012), "12 ms");
        assert_eq!(seconds(0.41), "0.41 s");
        assert_eq!(seconds(42.0), "42.0 s");
    }
}
