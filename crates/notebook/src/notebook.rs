//! The preprocessor, and one build as its phases:
//! scan → plan → decide (keys against the store) → execute → render.
//! Each phase hands the next a typed value; any failure fails the build,
//! naming every directive at fault, and nothing is stored for a failed run.

use crate::cargo::{Unit, Workspace};
use crate::config::{Config, Mode};
use crate::decide::{Decision, Held, decide};
use crate::execute::{self, Tools};
use crate::lock::BookLock;
use crate::page::{self, Results};
use crate::plan::{self, Job, Keys, Plan, Program};
use crate::scan::{self, Scanned};
use crate::store::{self, Lookup, Stored};
use crate::{exec, render, verify};
use anyhow::{Context, Result, bail};
use mdbook_preprocessor::book::Book;
use mdbook_preprocessor::{Preprocessor, PreprocessorContext};
use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// The preprocessor. Register it with `MDBook::with_preprocessor` (it then
/// replaces the `[preprocessor.notebook]` command of book.toml) or run the
/// `mdbook-notebook` binary.
#[derive(Debug, Default)]
pub struct Notebook {
    mode: Option<Mode>,
    target_dir: Option<PathBuf>,
    executed: AtomicUsize,
}

impl Notebook {
    pub fn new() -> Self {
        Notebook::default()
    }

    /// Sets the mode for this build, over `NOTEBOOK_MODE` and book.toml.
    pub fn with_mode(mut self, mode: Mode) -> Self {
        self.mode = Some(mode);
        self
    }

    /// Builds Rust programs into this Cargo target directory instead of the
    /// workspace's.
    pub fn with_target_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.target_dir = Some(dir.into());
        self
    }

    /// How many programs this preprocessor has run so far: a build whose
    /// results are all current runs none.
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
        mut book: Book,
    ) -> mdbook_preprocessor::errors::Result<Book> {
        let config = Config::from_context(ctx, self.mode.as_ref())?;
        let scanned = scan::scan(&book, &config.root, &config.src)?;
        if scanned.sites.is_empty() {
            return Ok(book);
        }
        let _lock = (config.mode != Mode::Off)
            .then(|| prepare_store(&config))
            .transpose()?;
        let rust = plan::needing_cargo(&scanned, &config);
        let workspace = match rust.first() {
            None => None,
            Some(site) => Some(
                Workspace::load(&config.workspace, self.target_dir.as_deref()).with_context(
                    || {
                        format!(
                            "{}: a Rust program{} needs the Cargo workspace at {}",
                            site.describe(),
                            match rust.len() - 1 {
                                0 => String::new(),
                                more => format!(" (and {more} other directive(s))"),
                            },
                            config.workspace.display()
                        )
                    },
                )?,
            ),
        };
        let plan = plan::plan(&scanned, &config, workspace.as_ref())?;
        let mut build = Build {
            notebook: self,
            config: &config,
            scanned: &scanned,
            plan: &plan,
            workspace: workspace.as_ref(),
            keys: Keys::new(&config, workspace.as_ref()),
        };
        let (decisions, stored) = build.decide()?;
        let stored = build.execute(&decisions, stored)?;
        page::render(
            &mut book,
            &Results {
                config: &config,
                scanned: &scanned,
                plan: &plan,
                stored: &stored,
            },
        )?;
        if config.mode != Mode::Off {
            warn_unused(&config, &plan);
        }
        Ok(book)
    }

    /// Only the HTML book shows outputs; `mdbook test` and other renderers
    /// must not run every program again.
    fn supports_renderer(&self, renderer: &str) -> mdbook_preprocessor::errors::Result<bool> {
        Ok(renderer == "html")
    }
}

/// Takes the book's lock and clears what a killed build left: half-written
/// results, and working directories no supervisor removed.
fn prepare_store(config: &Config) -> Result<BookLock> {
    let lock = BookLock::acquire(&config.outputs)?;
    for path in store::remove_temporary(&config.outputs)
        .into_iter()
        .chain(exec::remove_stale_workdirs())
    {
        eprintln!(
            "[notebook] removed {}, left by a build that was killed",
            path.display()
        );
    }
    Ok(lock)
}

struct Build<'a> {
    notebook: &'a Notebook,
    config: &'a Config,
    scanned: &'a Scanned,
    plan: &'a Plan,
    workspace: Option<&'a Workspace>,
    keys: Keys<'a>,
}

impl Build<'_> {
    /// Loads each job's stored result, computes its current key and decides
    /// what to do with it; fails on any refusal, listing them all.
    fn decide(&mut self) -> Result<(Vec<Decision>, Vec<Option<Stored>>)> {
        let mode = &self.config.mode;
        if let Mode::Rerun(chapter) = mode
            && !self
                .scanned
                .chapters
                .iter()
                .any(|c| c.file == *chapter || c.id == *chapter)
        {
            bail!(
                "NOTEBOOK_RERUN / --rerun names `{chapter}`, which is no chapter of this book with a cell or chart"
            );
        }
        let mut decisions = Vec::new();
        let mut stored = Vec::new();
        let mut refused = Vec::new();
        for job in &self.plan.jobs {
            let site = plan::first_site(job, self.scanned);
            let name = crate::key::relative(&self.config.root, &job.store_path);
            let (held, result, why) = match store::load(
                &job.store_path,
                job.kind,
                &job.target.to_string(),
            ) {
                Lookup::Missing => (Held::Missing, None, format!("no stored result {name}")),
                Lookup::Corrupt(why) => {
                    let why = format!("stored result {name} {why}");
                    if !matches!(mode, Mode::Frozen | Mode::Verify | Mode::Off) {
                        eprintln!(
                            "[notebook] warning: {}: {why}; running it again",
                            site.describe()
                        );
                    }
                    (Held::Corrupt, None, why)
                }
                // Off shows what is stored without asking whether it is current.
                Lookup::Found(result) if *mode == Mode::Off => {
                    (Held::Current, Some(*result), String::new())
                }
                Lookup::Found(result) => {
                    let current = self.keys.current(job, Some(&result))?;
                    if current.as_deref() == Some(result.key.as_str()) {
                        (Held::Current, Some(*result), String::new())
                    } else {
                        let why = format!(
                            "its stored result {name} is stale: the program, a file it is built \
                             from or reads, or how it is built changed"
                        );
                        (Held::Stale, Some(*result), why)
                    }
                }
            };
            let rerun = match mode {
                Mode::Rerun(chapter) => plan::chapters(job, self.scanned).iter().any(|&c| {
                    let info = &self.scanned.chapters[c];
                    info.file == *chapter || info.id == *chapter
                }),
                _ => false,
            };
            let decision = decide(mode, held, rerun);
            if decision == Decision::Refuse {
                refused.push(format!("{}: {why}", site.describe()));
            }
            decisions.push(decision);
            stored.push(match decision {
                Decision::Use | Decision::Verify => result,
                _ => None,
            });
        }
        if !refused.is_empty() {
            let mode = if *mode == Mode::Verify {
                "verify"
            } else {
                "frozen"
            };
            bail!(
                "{mode} build: {} result(s) not current; run `{}` to update {}:\n{}",
                refused.len(),
                self.config.refresh_command,
                crate::key::relative(&self.config.root, &self.config.outputs),
                refused.join("\n")
            );
        }
        Ok((decisions, stored))
    }

    /// Builds what must run, runs it in book order, stores (or, verifying,
    /// compares) each result.
    fn execute(
        &mut self,
        decisions: &[Decision],
        mut stored: Vec<Option<Stored>>,
    ) -> Result<Vec<Option<Stored>>> {
        let to_run: Vec<usize> = (0..decisions.len())
            .filter(|&i| matches!(decisions[i], Decision::Run | Decision::Verify))
            .collect();
        if to_run.is_empty() {
            return Ok(stored);
        }
        let units: BTreeSet<Unit> = to_run
            .iter()
            .filter_map(|&i| match &self.plan.jobs[i].program {
                Program::Rust { unit, .. } => Some(unit.clone()),
                Program::Script { .. } => None,
            })
            .collect();
        if let (false, Some(workspace)) = (units.is_empty(), self.workspace) {
            workspace
                .build(&units, self.notebook.target_dir.as_deref())
                .with_context(|| {
                    let sites: Vec<String> = to_run
                        .iter()
                        .map(|&i| &self.plan.jobs[i])
                        .filter(|job| matches!(job.program, Program::Rust { .. }))
                        .map(|job| plan::first_site(job, self.scanned).describe())
                        .collect();
                    format!(
                        "the build of the Rust programs of:\n  {}",
                        sites.join("\n  ")
                    )
                })?;
        }
        let mut tools = Tools::new(self.config);
        let mut mismatches = Vec::new();
        for (done, &index) in to_run.iter().enumerate() {
            let job = &self.plan.jobs[index];
            let site = plan::first_site(job, self.scanned);
            let chapter = &self.scanned.chapters[site.chapter];
            let name = job.store_path.file_stem().map(|s| s.to_string_lossy());
            eprint!(
                "[notebook] {} {}/{} {} ({}) … ",
                job.kind.as_str(),
                done + 1,
                to_run.len(),
                name.unwrap_or_default(),
                chapter.file
            );
            let _ = std::io::stderr().flush();
            let started = Instant::now();
            let result = execute::run(
                job,
                self.config,
                self.workspace,
                &mut tools,
                &mut self.keys,
                &chapter.dir,
            );
            self.notebook.executed.fetch_add(1, Ordering::Relaxed);
            let fresh = match result {
                Ok(fresh) => fresh,
                Err(e) => {
                    eprintln!("failed");
                    return Err(e.context(site.describe()));
                }
            };
            eprintln!("{}", render::seconds(started.elapsed().as_secs_f64()));
            if decisions[index] == Decision::Verify {
                let was = stored[index]
                    .as_ref()
                    .context("a verified result is stored")?;
                if let Err(why) = compare(job, was, &fresh) {
                    mismatches.push(format!("{}: {why}", site.describe()));
                }
                continue;
            }
            store::save(&job.store_path, &fresh)
                .with_context(|| format!("{}: cannot store the result", site.describe()))?;
            stored[index] = Some(fresh);
        }
        if !mismatches.is_empty() {
            bail!(
                "verify: {} stored result(s) differ from what their programs print now:\n{}",
                mismatches.len(),
                mismatches.join("\n")
            );
        }
        Ok(stored)
    }
}

/// Whether a fresh run matches the stored one, as the job allows.
fn compare(job: &Job, stored: &Stored, fresh: &Stored) -> Result<(), String> {
    match (&stored.record, &fresh.record) {
        (Some(was), Some(now)) => verify::chart(was, now),
        _ => verify::cell(&stored.runs, &fresh.runs, job.varies),
    }
}

/// Stored results no directive uses: named, never deleted (another
/// branch's chapters may need them).
fn warn_unused(config: &Config, plan: &Plan) {
    let used: BTreeSet<&Path> = plan.jobs.iter().map(|j| j.store_path.as_path()).collect();
    let unused: Vec<String> = store::all(&config.outputs)
        .into_iter()
        .filter(|path| !used.contains(path.as_path()))
        .map(|path| crate::key::relative(&config.root, &path))
        .collect();
    if !unused.is_empty() {
        eprintln!(
            "[notebook] note: {} stored result(s) no chapter uses: {}",
            unused.len(),
            unused.join(", ")
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_html_book_runs_programs() {
        let notebook = Notebook::new();
        assert!(notebook.supports_renderer("html").unwrap());
        assert!(!notebook.supports_renderer("test").unwrap());
        assert!(!notebook.supports_renderer("markdown").unwrap());
    }
}
