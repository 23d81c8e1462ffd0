//! `cargo xtask measure`: runs the lab on this machine and puts each of the
//! book's charts next to the same chart drawn from this machine's numbers.
//!
//! The book's measurements come from one small cloud machine. A reader who
//! wants to know what their own machine does runs this; the result is a page,
//! `target/measure/index.html`, with both charts and every headline value side
//! by side, and this machine's records as JSON beside it. Nothing in
//! `outputs/` changes.

use anyhow::{Context, Result, bail};
use notebook::exec::{self, Ended, Spawn};
use notebook::record::{Machine, Record};
use notebook::render::escape;
use notebook::store::{self, Kind, Stored};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

pub fn run(root: &Path) -> Result<()> {
    let status = Command::new(env!("CARGO"))
        .args(["build", "--release", "--locked", "-p", "lab"])
        .current_dir(root)
        .status()
        .context("cannot run cargo build")?;
    if !status.success() {
        bail!("cargo build -p lab failed");
    }
    let lab = root.join("target/release/lab");
    let out = root.join("target/measure");
    std::fs::create_dir_all(&out)?;

    let mut charts = Vec::new();
    for path in store::all(&root.join("outputs")) {
        let stored: Stored = serde_json::from_str(&std::fs::read_to_string(&path)?)
            .with_context(|| format!("{} is not a stored result", path.display()))?;
        if let (Kind::Chart, Some(record)) = (stored.kind, stored.record.clone()) {
            charts.push((record, stored));
        }
    }
    let here = notebook::machine::detect();
    if charts.is_empty() {
        bail!("no stored chart in outputs/: run `cargo xtask book` first");
    }

    let mut page = String::from(PAGE_HEAD);
    for (i, (book, stored)) in charts.iter().enumerate() {
        // The lab takes the experiment's name first, then the chart's arguments.
        let label = stored.args.join(" ");
        eprintln!("[measure] {}/{} lab {label}", i + 1, charts.len());
        let mine = measure(&lab, &stored.args).with_context(|| format!("lab {label}"))?;
        std::fs::write(
            out.join(format!("{}.json", stored.args.join("-"))),
            serde_json::to_string_pretty(&mine)?,
        )?;
        section(&mut page, &label, (book, &stored.machine), (&mine, &here))?;
    }
    page.push_str("</body>\n</html>\n");
    let index = out.join("index.html");
    std::fs::write(&index, page)?;
    eprintln!("[measure] wrote {}", index.display());
    Ok(())
}

/// Runs the lab once with `args`, as the notebook would, and reads the
/// record it prints.
fn measure(lab: &Path, args: &[String]) -> Result<Record> {
    let env = exec::default_env();
    let limit = Duration::from_secs(600);
    let ended = exec::run(&Spawn {
        program: lab,
        args,
        env: &env,
        cwd: None,
        limit,
    })?;
    match ended {
        Ended::Exited(outcome) if outcome.run.exit_code == 0 => {
            serde_json::from_str(&outcome.run.stdout).context("the lab printed no valid record")
        }
        Ended::Exited(outcome) => bail!(
            "exit code {}: {}",
            outcome.run.exit_code,
            outcome.run.stderr.trim()
        ),
        Ended::TimedOut(_) => bail!("timed out after {limit:?}"),
        Ended::Interrupted => bail!("interrupted"),
    }
}

/// One experiment: the two charts side by side, then a table of its values.
fn section(
    page: &mut String,
    label: &str,
    (book, book_machine): (&Record, &Machine),
    (mine, here): (&Record, &Machine),
) -> Result<()> {
    writeln!(page, "<h2>{}</h2>\n<div class=\"pair\">", escape(label))?;
    for (whose, record, machine) in [
        ("In the book", book, book_machine),
        ("On this machine", mine, here),
    ] {
        let chart = notebook::chart::render(record, &BTreeMap::new(), machine)
            .map_err(anyhow::Error::msg)?;
        writeln!(
            page,
            "<figure><figcaption><b>{whose}</b>: {}</figcaption>\n{}\n</figure>",
            escape(&chart.caption),
            chart.svg
        )?;
    }
    page.push_str("</div>\n<table><tr><th>value</th><th>book</th><th>this machine</th></tr>\n");
    for (key, value) in &book.values {
        let yours = mine.values.get(key).map_or("—", String::as_str);
        writeln!(
            page,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(key),
            escape(value),
            escape(yours)
        )?;
    }
    page.push_str("</table>\n");
    Ok(())
}

const PAGE_HEAD: &str = "<!DOCTYPE html>
<html lang=\"en\">
<head>
<meta charset=\"utf-8\">
<title>The book's measurements and this machine's</title>
<style>
  body { font-family: sans-serif; margin: 2em; --fg: #222; --bg: #fff; color: var(--fg); }
  .pair { display: flex; flex-wrap: wrap; gap: 2em; }
  .pair figure { flex: 1 1 28em; margin: 0; }
  figcaption { font-size: 0.85em; margin-bottom: 0.5em; }
  table { border-collapse: collapse; margin: 1em 0 3em; }
  td, th { border: 1px solid #ccc; padding: 0.2em 0.6em; text-align: left; }
</style>
</head>
<body>
<h1>The book's measurements and this machine's</h1>
";
