//! Phase 5: every directive replaced with what the reader sees, spliced into
//! its chapter by byte offsets, from the results of phase 4.

use crate::config::Config;
use crate::directive::Directive;
use crate::execute::shown_command;
use crate::plan::{Plan, Program};
use crate::render;
use crate::scan::{Scanned, chapter_id};
use crate::store::Stored;
use anyhow::{Context, Result, anyhow, bail};
use mdbook_preprocessor::book::Book;
use std::collections::HashMap;

/// What the render phase reads: the plan and each job's result (`None`:
/// nothing to show, in mode `off`).
pub struct Results<'a> {
    pub config: &'a Config,
    pub scanned: &'a Scanned,
    pub plan: &'a Plan,
    pub stored: &'a [Option<Stored>],
}

/// Replaces every directive in `book`; fails listing every directive that
/// cannot be shown.
pub fn render(book: &mut Book, results: &Results) -> Result<()> {
    let by_chapter: HashMap<&str, usize> = results
        .scanned
        .chapters
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.as_str(), i))
        .collect();
    let mut errors = Vec::new();
    let mut sources = HashMap::new();
    book.for_each_chapter_mut(|chapter| {
        let Some(&index) = by_chapter.get(chapter_id(chapter).as_str()) else {
            return;
        };
        match render_chapter(&chapter.content, index, results, &mut sources) {
            Ok(content) => chapter.content = content,
            Err(e) => errors.push(format!("{e:#}")),
        }
    });
    if errors.is_empty() {
        Ok(())
    } else {
        bail!("{}", errors.join("\n"))
    }
}

fn render_chapter(
    content: &str,
    chapter: usize,
    results: &Results,
    sources: &mut HashMap<std::path::PathBuf, String>,
) -> Result<String> {
    let mut out = String::with_capacity(content.len() * 2);
    let mut last = 0;
    let mut shown = false;
    let sites = results
        .scanned
        .sites
        .iter()
        .enumerate()
        .filter(|(_, s)| s.chapter == chapter);
    for (index, site) in sites {
        let job = results.plan.job_of_site[&index];
        let stored = results.stored[job].as_ref();
        let replacement = match &site.directive {
            Directive::Value(value) => render_value(&value.chart, &value.key, stored),
            Directive::Cell(cell) => {
                let job = &results.plan.jobs[job];
                let (path, fence) = match &job.program {
                    Program::Rust { source, .. } => (source.clone(), "rust".to_string()),
                    Program::Script {
                        extension,
                        folder,
                        file,
                    } => (
                        folder.join(file),
                        results.config.languages[extension].fence.clone(),
                    ),
                };
                if !sources.contains_key(&path) {
                    let text = std::fs::read_to_string(&path)
                        .with_context(|| format!("cannot read {}", path.display()))?;
                    sources.insert(path.clone(), text);
                }
                render::shown_source(&sources[&path], cell.anchor.as_deref()).map(|code| {
                    let mut html = render::code_block(&code, &fence);
                    if let Some(stored) = stored {
                        let command = shown_command(job, results.config);
                        let show_stderr = cell.options.show_stderr.unwrap_or(false);
                        html.push('\n');
                        html.push_str(&render::cell_output(&command, stored, show_stderr));
                        shown = true;
                    }
                    html
                })
            }
            Directive::Chart(_) => match stored {
                Some(stored) => {
                    shown = true;
                    render_chart(stored, results.config)
                }
                None => Ok(String::new()),
            },
        }
        .with_context(|| site.describe())?;
        out.push_str(&content[last..site.span.start]);
        if matches!(site.directive, Directive::Value(_)) {
            out.push_str(&replacement);
        } else {
            // A block of its own, indented like its line (inside a list item).
            out.push('\n');
            for line in replacement.lines() {
                if !line.is_empty() {
                    out.push_str(&site.indent);
                }
                out.push_str(line);
                out.push('\n');
            }
        }
        last = site.span.end;
    }
    out.push_str(&content[last..]);
    if shown {
        out.push_str(&render::style_block());
    }
    Ok(out)
}

fn render_chart(stored: &Stored, config: &Config) -> Result<String> {
    let record = stored
        .record
        .as_ref()
        .context("a chart result without its record")?;
    let drawn = crate::chart::render(record, &config.series_colors, &stored.machine)
        .map_err(|e| anyhow!("cannot draw the chart: {e}"))?;
    Ok(render::chart_figure(
        &drawn.svg,
        &drawn.caption,
        &record.notes,
    ))
}

fn render_value(chart: &str, key: &str, stored: Option<&Stored>) -> Result<String> {
    let Some(stored) = stored else {
        return Ok("(not measured)".into());
    };
    let record = stored
        .record
        .as_ref()
        .context("a chart result without its record")?;
    match record.values.get(key) {
        Some(value) => Ok(render::escape_inline(value)),
        None => {
            let keys: Vec<&str> = record.values.keys().map(String::as_str).collect();
            bail!(
                "chart `{chart}` has no value `{key}`; it has: {}",
                if keys.is_empty() {
                    "none".into()
                } else {
                    keys.join(", ")
                }
            )
        }
    }
}
