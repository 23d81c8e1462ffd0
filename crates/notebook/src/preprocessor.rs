//! One book build: find every cell and chart, decide which results are
//! current, run the rest (building them first, once), store them, and replace
//! each directive with what the reader sees.
//!
//! Any failure fails the whole build, naming the chapter file, the directive and
//! the program's last lines of stderr; nothing is stored for a failed run, and
//! no directive is ever left as an empty block.

use crate::config::{Mode, Settings};
use crate::directive::{self, Block, Line, Options};
use crate::exec::{self, Ended};
use crate::key::{Keys, Metadata, cargo_program};
use crate::render;
use crate::store::{self, Kind, Lookup, Stored};
use anyhow::{Context, Result, anyhow, bail};
use lab::{Machine, Record};
use mdbook_preprocessor::book::{Book, Chapter};
use mdbook_preprocessor::{Preprocessor, PreprocessorContext};
use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Draws a record; `charts::render` in the book, a stand-in in tests.
pub type ChartRenderer = fn(&Record) -> Result<charts::Rendered, String>;

/// The preprocessor. Register it with `MDBook::with_preprocessor` (it replaces
/// the `[preprocessor.notebook]` command from book.toml) or run the
/// `mdbook-notebook` binary.
pub struct Notebook {
    mode: Option<Mode>,
    target_dir: Option<PathBuf>,
    draw: ChartRenderer,
    executed: AtomicUsize,
}

impl Default for Notebook {
    fn default() -> Self {
        Notebook::new()
    }
}

impl Notebook {
    pub fn new() -> Self {
        Notebook {
            mode: None,
            target_dir: None,
            draw: charts::render,
            executed: AtomicUsize::new(0),
        }
    }

    /// Sets the mode for this build, over `NOTEBOOK_MODE` and book.toml.
    pub fn with_mode(mut self, mode: Mode) -> Self {
        self.mode = Some(mode);
        self
    }

    /// Builds into this cargo target directory instead of the workspace's.
    pub fn with_target_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.target_dir = Some(dir.into());
        self
    }

    /// Draws charts with `draw` instead of `charts::render`.
    pub fn with_chart_renderer(mut self, draw: ChartRenderer) -> Self {
        self.draw = draw;
        self
    }

    /// How many cells and charts this preprocessor has executed so far: a
    /// build whose results are all current executes none.
    pub fn executed(&self) -> usize {
        self.executed.load(Ordering::Relaxed)
    }
}

impl Preprocessor for Notebook {
    fn name(&self) -> &str {
        "notebook"
    }

    fn run(
        &self,
        ctx: &PreprocessorContext,
        book: Book,
    ) -> mdbook_preprocessor::errors::Result<Book> {
        let settings = Settings::from_context(ctx, self.mode.as_ref())?;
        Build::new(self, ctx, settings).run(book)
    }

    /// Only the HTML book shows outputs; `mdbook test` and other renderers
    /// must not run every cell again.
    fn supports_renderer(&self, renderer: &str) -> mdbook_preprocessor::errors::Result<bool> {
        Ok(renderer == "html")
    }
}

/// Where a directive is: for messages.
#[derive(Debug, Clone)]
struct Site {
    chapter: String,
    /// The chapter's file name, which `NOTEBOOK_RERUN` names.
    file: String,
    line: usize,
    text: String,
}

impl Site {
    fn describe(&self) -> String {
        format!("{}:{}: `{}`", self.chapter, self.line, self.text)
    }
}

/// One program to have a current result for, however many directives use it.
struct Job {
    kind: Kind,
    name: String,
    args: Vec<String>,
    options: Options,
    store_path: PathBuf,
    sites: Vec<Site>,
    key: String,
    result: Option<Stored>,
}

struct Build<'a> {
    notebook: &'a Notebook,
    settings: Settings,
    /// The book's root, for showing paths short.
    root: PathBuf,
    src: PathBuf,
    jobs: BTreeMap<PathBuf, Job>,
    /// Store paths in the order the book first uses them.
    order: Vec<PathBuf>,
    /// Experiment name → the chart job `{{#value}}` reads.
    values: HashMap<String, PathBuf>,
    /// The cells' examples folder.
    examples: PathBuf,
}

impl<'a> Build<'a> {
    fn new(notebook: &'a Notebook, ctx: &PreprocessorContext, settings: Settings) -> Self {
        Build {
            notebook,
            root: ctx.root.clone(),
            src: ctx.config.book.src.clone(),
            settings,
            jobs: BTreeMap::new(),
            order: Vec::new(),
            values: HashMap::new(),
            examples: PathBuf::new(),
        }
    }

    fn run(mut self, mut book: Book) -> Result<Book> {
        let value_sites = self.collect(&book)?;
        if self.jobs.is_empty() && value_sites.is_empty() {
            return Ok(book);
        }
        self.add_value_charts(value_sites);
        let metadata = Metadata::load(
            &self.settings.workspace,
            self.notebook.target_dir.as_deref(),
        )?;
        self.compute_keys(&metadata)?;
        let must_run = self.check_store(&book)?;
        self.execute(&metadata, must_run)?;
        self.warn_unused();
        self.render(&mut book)?;
        Ok(book)
    }

    /// Finds every directive in the book; returns the `{{#value}}` sites.
    fn collect(&mut self, book: &Book) -> Result<Vec<(String, Site)>> {
        let mut errors = Vec::new();
        let mut value_sites = Vec::new();
        for chapter in book.chapters() {
            let (chapter_name, file) = self.chapter_name(chapter);
            let lines = match directive::scan(&chapter.content) {
                Ok(lines) => lines,
                Err(found) => {
                    errors.extend(found.iter().map(|e| format!("{chapter_name}:{e}")));
                    continue;
                }
            };
            for (index, line) in lines.iter().enumerate() {
                let site = |text: &str| Site {
                    chapter: chapter_name.clone(),
                    file: file.clone(),
                    line: index + 1,
                    text: text.to_string(),
                };
                match line {
                    Line::Text(_) => {}
                    Line::Block { text, block, .. } => {
                        let (kind, name, args, options) = match block {
                            Block::Cell(c) => (Kind::Cell, &c.name, &c.args, c.options),
                            Block::Chart(c) => (Kind::Chart, &c.name, &c.args, c.options),
                        };
                        let path = self.add_job(kind, name, args, options, site(text));
                        if kind == Kind::Chart && args.is_empty() {
                            self.values.entry(name.clone()).or_insert(path);
                        }
                    }
                    Line::Values { line, values } => {
                        for value in values {
                            value_sites.push((value.name.clone(), site(&line[value.span.clone()])));
                        }
                    }
                }
            }
        }
        if !errors.is_empty() {
            bail!("bad notebook directives:\n  {}", errors.join("\n  "));
        }
        Ok(value_sites)
    }

    fn chapter_name(&self, chapter: &Chapter) -> (String, String) {
        match chapter.source_path.as_ref().or(chapter.path.as_ref()) {
            Some(path) => (
                self.src.join(path).display().to_string(),
                path.file_name()
                    .map_or_else(String::new, |f| f.to_string_lossy().into_owned()),
            ),
            None => (chapter.name.clone(), chapter.name.clone()),
        }
    }

    fn add_job(
        &mut self,
        kind: Kind,
        name: &str,
        args: &[String],
        options: Options,
        site: Site,
    ) -> PathBuf {
        let store_path = store::path(&self.settings.outputs, kind, name, args, &options);
        let job = self.jobs.entry(store_path.clone()).or_insert_with(|| {
            self.order.push(store_path.clone());
            Job {
                kind,
                name: name.to_string(),
                args: args.to_vec(),
                options,
                store_path: store_path.clone(),
                sites: Vec::new(),
                key: String::new(),
                result: None,
            }
        });
        job.sites.push(site);
        store_path
    }

    /// A `{{#value}}` reads the record of the chart of that name with no
    /// arguments; if the book draws no such chart, the record is still made.
    fn add_value_charts(&mut self, value_sites: Vec<(String, Site)>) {
        for (name, site) in value_sites {
            let path = match self.values.get(&name) {
                Some(path) => path.clone(),
                None => self.add_job(Kind::Chart, &name, &[], Options::CHART, site.clone()),
            };
            self.values.insert(name, path.clone());
            let job = self.jobs.get_mut(&path).expect("value charts are jobs");
            if !job
                .sites
                .iter()
                .any(|s| s.text == site.text && s.chapter == site.chapter)
            {
                job.sites.push(site);
            }
        }
    }

    fn compute_keys(&mut self, metadata: &Metadata) -> Result<()> {
        let has = |kind| self.jobs.values().any(|j| j.kind == kind);
        let cells = has(Kind::Cell)
            .then(|| metadata.package(&self.settings.package))
            .transpose()?;
        let charts = has(Kind::Chart)
            .then(|| metadata.package(&self.settings.chart_package))
            .transpose()?;
        if let Some(package) = cells {
            self.examples = package.dir().join("examples");
        }
        let mut keys = Keys::new(metadata);
        let mut missing = Vec::new();
        for job in self.jobs.values_mut() {
            job.key = match (job.kind, cells, charts) {
                (Kind::Cell, Some(package), _) => {
                    let source = self.examples.join(format!("{}.rs", job.name));
                    if !source.is_file() {
                        missing.push(format!(
                            "{}: no such example: {} (in package `{}`)",
                            job.sites[0].describe(),
                            source.display(),
                            package.name
                        ));
                        continue;
                    }
                    keys.cell(package, &job.name, &job.args, &job.options)?
                }
                (Kind::Chart, _, Some(package)) => {
                    keys.chart(package, &job.name, &job.args, &job.options)?
                }
                _ => unreachable!("packages are looked up for every kind of job"),
            };
        }
        if !missing.is_empty() {
            bail!("{}", missing.join("\n"));
        }
        Ok(())
    }

    /// Loads what is stored; returns the jobs that must run, in book order.
    /// In frozen mode, any such job is an error.
    fn check_store(&mut self, book: &Book) -> Result<Vec<PathBuf>> {
        let mode = self.settings.mode.clone();
        if let Mode::Rerun(chapter) = &mode {
            let known = book
                .chapters()
                .any(|c| self.chapter_name(c).1 == *chapter || self.chapter_name(c).0 == *chapter);
            if !known {
                bail!(
                    "NOTEBOOK_RERUN / --rerun names `{chapter}`, which is no chapter of this book"
                );
            }
        }
        let mut must_run = Vec::new();
        let mut refused = Vec::new();
        for path in &self.order {
            let job = self.jobs.get_mut(path).expect("ordered jobs exist");
            let forced = match &mode {
                Mode::Force => true,
                Mode::Rerun(chapter) => job
                    .sites
                    .iter()
                    .any(|s| s.file == *chapter || s.chapter == *chapter),
                Mode::Auto | Mode::Frozen => false,
            };
            let problem = match store::load(&job.store_path, job.kind, &job.name) {
                Lookup::Found(stored) if stored.key == job.key => {
                    job.result = Some(*stored);
                    None
                }
                Lookup::Found(_) => Some(format!(
                    "its stored result {} is stale (the program, a crate it uses or Cargo.lock changed)",
                    short(&self.root, &job.store_path)
                )),
                Lookup::Missing => Some(format!(
                    "no stored result {}",
                    short(&self.root, &job.store_path)
                )),
                Lookup::Corrupt(why) => {
                    let why = format!("stored result {} {why}", short(&self.root, &job.store_path));
                    if mode != Mode::Frozen {
                        eprintln!("[notebook] warning: {why}; running it again");
                    }
                    Some(why)
                }
            };
            match problem {
                Some(why) if mode == Mode::Frozen => {
                    refused.push(format!("{}: {why}", job.sites[0].describe()))
                }
                Some(_) => must_run.push(path.clone()),
                None if forced => must_run.push(path.clone()),
                None => {}
            }
        }
        if !refused.is_empty() {
            bail!(
                "frozen build: {} result(s) not current (run `cargo xtask book` to update outputs/):\n{}",
                refused.len(),
                refused.join("\n")
            );
        }
        Ok(must_run)
    }

    fn execute(&mut self, metadata: &Metadata, must_run: Vec<PathBuf>) -> Result<()> {
        if must_run.is_empty() {
            return Ok(());
        }
        let wants = |kind| must_run.iter().any(|p| self.jobs[p].kind == kind);
        let (wants_cells, wants_charts) = (wants(Kind::Cell), wants(Kind::Chart));
        if wants_cells {
            self.cargo_build(&["--examples", "-p", &self.settings.package])?;
        }
        if wants_charts {
            self.cargo_build(&[
                "-p",
                &self.settings.chart_package,
                "--bin",
                &self.settings.chart_bin,
            ])?;
        }
        let release = metadata.target_directory.join("release");
        let machine = Machine::detect();
        let total = must_run.len();
        for (index, path) in must_run.iter().enumerate() {
            let job = self.jobs.get_mut(path).expect("jobs to run exist");
            let (program, args) = match job.kind {
                Kind::Cell => (release.join("examples").join(&job.name), job.args.clone()),
                Kind::Chart => {
                    let mut args = vec![job.name.clone()];
                    args.extend(job.args.iter().cloned());
                    (release.join(&self.settings.chart_bin), args)
                }
            };
            let site = &job.sites[0];
            eprint!(
                "[notebook] {} {}/{total} {} ({}) … ",
                job.kind.as_str(),
                index + 1,
                job.name,
                site.file
            );
            let _ = std::io::stderr().flush();
            let started = Instant::now();
            let result = run_job(job, &program, &args, &machine);
            self.notebook.executed.fetch_add(1, Ordering::Relaxed);
            match result {
                Ok(stored) => {
                    eprintln!("{}", render::seconds(started.elapsed().as_secs_f64()));
                    store::save(&job.store_path, &stored)
                        .with_context(|| format!("{}: cannot store the result", site.describe()))?;
                    job.result = Some(stored);
                }
                Err(e) => {
                    eprintln!("failed");
                    return Err(e.context(site.describe()));
                }
            }
        }
        Ok(())
    }

    /// `cargo build --release --locked ARGS` in the workspace. `--locked`
    /// because Cargo.lock is part of every key: it must not change under us.
    /// Cargo's messages go to stderr: stdout carries the preprocessor protocol.
    fn cargo_build(&self, args: &[&str]) -> Result<()> {
        eprintln!(
            "[notebook] cargo build --release --locked {}",
            args.join(" ")
        );
        let stdout = std::io::stderr().as_fd().try_clone_to_owned()?;
        let mut cargo = Command::new(cargo_program());
        cargo
            .args(["build", "--release", "--locked"])
            .args(args)
            .current_dir(&self.settings.workspace)
            .stdin(Stdio::null())
            .stdout(stdout);
        if let Some(dir) = &self.notebook.target_dir {
            cargo.env("CARGO_TARGET_DIR", dir);
        }
        let status = cargo.status().context("cannot run cargo")?;
        if !status.success() {
            bail!(
                "`cargo build --release --locked {}` failed ({status}); its messages are above",
                args.join(" ")
            );
        }
        Ok(())
    }

    fn warn_unused(&self) {
        let unused: Vec<String> = store::all(&self.settings.outputs)
            .into_iter()
            .filter(|(path, _)| !self.jobs.contains_key(path))
            .map(|(path, _)| short(&self.root, &path))
            .collect();
        if !unused.is_empty() {
            eprintln!(
                "[notebook] note: {} stored result(s) no chapter uses: {}",
                unused.len(),
                unused.join(", ")
            );
        }
    }

    fn render(&self, book: &mut Book) -> Result<()> {
        let mut errors = Vec::new();
        let mut sources = HashMap::new();
        book.for_each_chapter_mut(|chapter| {
            let (name, _) = self.chapter_name(chapter);
            match self.render_chapter(&name, &chapter.content, &mut sources) {
                Ok(Some(content)) => chapter.content = content,
                Ok(None) => {}
                Err(e) => errors.push(format!("{e:#}")),
            }
        });
        if errors.is_empty() {
            Ok(())
        } else {
            Err(anyhow!("{}", errors.join("\n")))
        }
    }

    /// The chapter with every directive replaced; `None` if it has none.
    fn render_chapter(
        &self,
        chapter: &str,
        content: &str,
        sources: &mut HashMap<String, String>,
    ) -> Result<Option<String>> {
        let lines = directive::scan(content).map_err(|e| anyhow!("{chapter}: {}", e[0]))?;
        if lines.iter().all(|l| matches!(l, Line::Text(_))) {
            return Ok(None);
        }
        let mut out = String::with_capacity(content.len() * 2);
        for (index, line) in lines.iter().enumerate() {
            let at = |text: &str| format!("{chapter}:{}: `{text}`", index + 1);
            match line {
                Line::Text(text) => out.push_str(text),
                Line::Values { line, values } => {
                    let mut last = 0;
                    for value in values {
                        out.push_str(&line[last..value.span.start]);
                        let text = self
                            .value(&value.name, &value.key)
                            .with_context(|| at(&line[value.span.clone()]))?;
                        out.push_str(&render::escape_inline(&text));
                        last = value.span.end;
                    }
                    out.push_str(&line[last..]);
                }
                Line::Block {
                    indent,
                    text,
                    block,
                } => {
                    let html = match block {
                        Block::Cell(cell) => self.cell(cell, sources),
                        Block::Chart(chart) => self.chart(&chart.name, &chart.args, &chart.options),
                    }
                    .with_context(|| at(text))?;
                    out.push('\n');
                    for line in html.lines() {
                        out.push_str(indent);
                        out.push_str(line);
                        out.push('\n');
                    }
                    out.push('\n');
                }
            }
        }
        Ok(Some(out))
    }

    fn result(
        &self,
        kind: Kind,
        name: &str,
        args: &[String],
        options: &Options,
    ) -> Result<&Stored> {
        let path = store::path(&self.settings.outputs, kind, name, args, options);
        self.jobs
            .get(&path)
            .and_then(|job| job.result.as_ref())
            .with_context(|| format!("no result for {} `{name}`", kind.as_str()))
    }

    fn cell(
        &self,
        cell: &directive::Cell,
        sources: &mut HashMap<String, String>,
    ) -> Result<String> {
        let stored = self.result(Kind::Cell, &cell.name, &cell.args, &cell.options)?;
        if !sources.contains_key(&cell.name) {
            let path = self.examples.join(format!("{}.rs", cell.name));
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            sources.insert(cell.name.clone(), text);
        }
        let shown = render::shown_source(&sources[&cell.name], cell.anchor.as_deref())?;
        let mut command = format!("cargo run --release --example {}", cell.name);
        if !cell.args.is_empty() {
            command = format!("{command} -- {}", cell.args.join(" "));
        }
        Ok(format!(
            "{}\n{}",
            render::code_block(&shown),
            render::cell_output(&command, stored, cell.options.show_stderr)
        ))
    }

    fn chart(&self, name: &str, args: &[String], options: &Options) -> Result<String> {
        let stored = self.result(Kind::Chart, name, args, options)?;
        let record = stored
            .record
            .as_ref()
            .context("a chart result without its record")?;
        let drawn =
            (self.notebook.draw)(record).map_err(|e| anyhow!("cannot draw chart `{name}`: {e}"))?;
        Ok(render::chart_figure(
            &drawn.svg,
            &drawn.caption,
            &record.notes,
        ))
    }

    fn value(&self, name: &str, key: &str) -> Result<String> {
        let path = self
            .values
            .get(name)
            .context("no chart for this experiment")?;
        let record = self.jobs[path]
            .result
            .as_ref()
            .and_then(|s| s.record.as_ref())
            .context("no record for this experiment")?;
        match record.values.get(key) {
            Some(value) => Ok(value.clone()),
            None => {
                let keys: Vec<&str> = record.values.keys().map(String::as_str).collect();
                bail!(
                    "experiment `{name}` has no value `{key}`; it has: {}",
                    if keys.is_empty() {
                        "none".into()
                    } else {
                        keys.join(", ")
                    }
                )
            }
        }
    }
}

/// Runs one job's program as many times as it asks, checking every run.
fn run_job(job: &Job, program: &Path, args: &[String], machine: &Machine) -> Result<Stored> {
    if !program.is_file() {
        bail!("the build made no program {}", program.display());
    }
    let limit = Duration::from_secs(job.options.timeout);
    let mut runs = Vec::new();
    for number in 1..=job.options.runs {
        let which = if job.options.runs > 1 {
            format!("run {number} of {}: ", job.options.runs)
        } else {
            String::new()
        };
        let ended = exec::run(program, args, limit)
            .with_context(|| format!("cannot start {}", program.display()))?;
        let run = match ended {
            Ended::TimedOut(run) => bail!(
                "{which}did not finish within {} s and was killed with its process group{}",
                job.options.timeout,
                stderr_tail(&run.stderr)
            ),
            Ended::Interrupted => {
                bail!("{which}interrupted: the build was stopped, the program killed")
            }
            Ended::Exited(run) => run,
        };
        if run.exit_code != job.options.exit {
            let how = match run.signal {
                Some(signal) => format!(
                    "was killed by signal {signal} (exit status {})",
                    run.exit_code
                ),
                None => format!("exited with status {}", run.exit_code),
            };
            bail!(
                "{which}{how}, expected {}{}",
                job.options.exit,
                stderr_tail(&run.stderr)
            );
        }
        runs.push(run);
    }
    let record = match job.kind {
        Kind::Cell => None,
        Kind::Chart => {
            let stdout = std::mem::take(&mut runs[0].stdout);
            let record: Record = serde_json::from_str(&stdout).map_err(|e| {
                let head: String = stdout.lines().take(5).collect::<Vec<_>>().join("\n    ");
                anyhow!(
                    "its stdout is not a lab::Record ({e}); it began:\n    {head}{}",
                    stderr_tail(&runs[0].stderr)
                )
            })?;
            Some(record)
        }
    };
    Ok(Stored {
        format: store::FORMAT,
        key: job.key.clone(),
        kind: job.kind,
        name: job.name.clone(),
        args: job.args.clone(),
        options: job.options,
        runs,
        machine: machine.clone(),
        record,
    })
}

/// `path` relative to `root` where it is inside it: messages stay readable.
fn short(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// The last 20 lines of a failed program's stderr, for the error message.
fn stderr_tail(stderr: &str) -> String {
    let lines: Vec<&str> = stderr.lines().collect();
    if lines.is_empty() {
        return "\n  (its stderr was empty)".into();
    }
    let start = lines.len().saturating_sub(20);
    format!(
        "\n  last {} line(s) of its stderr:\n    {}",
        lines.len() - start,
        lines[start..].join("\n    ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stderr_tail_keeps_the_last_twenty_lines() {
        let stderr: String = (1..=30).map(|i| format!("line {i}\n")).collect();
        let tail = stderr_tail(&stderr);
        assert!(tail.contains("last 20 line(s)"));
        assert!(tail.contains("line 11\n") && tail.ends_with("line 30"));
        assert!(!tail.contains("line 10\n"));
        assert!(stderr_tail("").contains("empty"));
    }

    #[test]
    fn only_the_html_book_runs_cells() {
        let notebook = Notebook::new();
        assert!(notebook.supports_renderer("html").unwrap());
        assert!(!notebook.supports_renderer("test").unwrap());
        assert!(!notebook.supports_renderer("markdown").unwrap());
    }
}
