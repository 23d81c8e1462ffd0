//! Phase 2: the programs to have a result for, one [`Job`] per distinct
//! program, arguments and options, however many directives show it; and
//! what each job's key covers.

use crate::cargo::{Unit, UnitKind, Workspace};
use crate::config::Config;
use crate::directive::{Cwd, Directive, Options, Varies};
use crate::key::{self, Digests, relative};
use crate::program::Target;
use crate::scan::{Scanned, Site};
use crate::store::{self, Kind, RunOptions, Stored};
use anyhow::{Context, Result, bail};
use serde_json::json;
use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

/// How a job's program is built and run.
#[derive(Debug, Clone)]
pub enum Program {
    /// A Rust example or binary, built by Cargo in release mode.
    Rust {
        unit: Unit,
        /// The file a cell shows.
        source: PathBuf,
        /// Whether it belongs to the workspace's root package (its `cargo
        /// run` needs no `-p`).
        in_root_package: bool,
    },
    /// A script, run by its language's interpreter.
    Script {
        /// The language's file extension: its row in `Config::languages`.
        extension: String,
        /// The script's folder, absolute.
        folder: PathBuf,
        /// The script's file name in it.
        file: String,
    },
}

/// One program run to have a current result for.
#[derive(Debug, Clone)]
pub struct Job {
    pub kind: Kind,
    pub target: Target,
    pub program: Program,
    pub args: Vec<String>,
    pub options: RunOptions,
    /// Seconds: the longest any of its directives allows.
    pub timeout: u64,
    pub varies: Varies,
    pub store_path: PathBuf,
    /// Indices of its directives in `Scanned::sites`; the first named it.
    pub sites: Vec<usize>,
}

/// Every job of the book, and which job each directive shows.
#[derive(Debug, Default)]
pub struct Plan {
    pub jobs: Vec<Job>,
    /// Site index → job index.
    pub job_of_site: HashMap<usize, usize>,
}

/// The directives that need Cargo (a Rust program): only when there are
/// some is the workspace read, so a book of scripts needs no Cargo at all.
pub fn needing_cargo<'s>(scanned: &'s Scanned, config: &Config) -> Vec<&'s Site> {
    scanned
        .sites
        .iter()
        .filter(|site| {
            target_of(&site.directive, config)
                .is_ok_and(|(_, target, _)| !matches!(target, Target::Script { .. }))
        })
        .collect()
}

/// The kind, program and arguments a directive runs; `None` for a value.
fn target_of(
    directive: &Directive,
    config: &Config,
) -> Result<(Kind, Target, Vec<String>), String> {
    match directive {
        Directive::Cell(cell) => Ok((Kind::Cell, cell.target.clone(), cell.args.clone())),
        Directive::Chart(chart) => chart_target(&chart.name, &chart.args, config),
        Directive::Value(value) => chart_target(&value.chart, &[], config),
    }
}

/// A chart is its own program, or an argument of the book's chart program.
fn chart_target(
    name: &str,
    args: &[String],
    config: &Config,
) -> Result<(Kind, Target, Vec<String>), String> {
    match &config.chart_program {
        Some(program) => {
            let mut all = vec![name.to_string()];
            all.extend(args.iter().cloned());
            Ok((Kind::Chart, program.clone(), all))
        }
        None => Ok((Kind::Chart, Target::parse(name)?, args.to_vec())),
    }
}

/// Builds the plan; fails listing every directive whose program cannot be
/// found.
pub fn plan(scanned: &Scanned, config: &Config, workspace: Option<&Workspace>) -> Result<Plan> {
    let mut plan = Plan::default();
    let mut by_path: HashMap<PathBuf, usize> = HashMap::new();
    let mut resolved: HashMap<Target, Program> = HashMap::new();
    let mut errors = Vec::new();
    for (index, site) in scanned.sites.iter().enumerate() {
        let (kind, target, args) = match target_of(&site.directive, config) {
            Ok(found) => found,
            Err(reason) => {
                errors.push(format!("{}: {reason}", site.describe()));
                continue;
            }
        };
        let (options, timeout) = match &site.directive {
            Directive::Cell(cell) => (&cell.options, config.defaults.timeout),
            Directive::Chart(chart) => (&chart.options, config.defaults.chart_timeout),
            Directive::Value(_) => (&Options::default(), config.defaults.chart_timeout),
        };
        let program = match resolved.get(&target) {
            Some(program) => program.clone(),
            None => match resolve(&target, config, workspace) {
                Ok(program) => {
                    resolved.insert(target.clone(), program.clone());
                    program
                }
                Err(reason) => {
                    errors.push(format!("{}: {reason:#}", site.describe()));
                    continue;
                }
            },
        };
        if let Directive::Cell(cell) = &site.directive
            && let Some(anchor) = &cell.anchor
        {
            let source = match &program {
                Program::Rust { source, .. } => source.clone(),
                Program::Script { folder, file, .. } => folder.join(file),
            };
            let text = std::fs::read_to_string(&source).unwrap_or_default();
            if !text.contains(&format!("ANCHOR: {anchor}")) {
                errors.push(format!(
                    "{}: no `ANCHOR: {anchor}` comment in {}",
                    site.describe(),
                    relative(&config.root, &source)
                ));
                continue;
            }
        }
        let mut reads = config.reads.get(&target).cloned().unwrap_or_default();
        reads.extend(options.reads.iter().cloned());
        if let Some(missing) = reads.iter().find(|r| !config.root.join(r).exists()) {
            errors.push(format!(
                "{}: `reads={missing}`: no such file or folder (paths are relative to the book's root)",
                site.describe()
            ));
            continue;
        }
        let run = RunOptions {
            exit: options.exit.unwrap_or(0),
            runs: options.runs.unwrap_or(1),
            cwd: options.cwd.unwrap_or(config.defaults.cwd),
            reads,
        };
        let stem = match (&site.directive, &config.chart_program) {
            (Directive::Chart(c), Some(_)) => c.name.clone(),
            (Directive::Value(v), Some(_)) => v.chart.clone(),
            _ => target.file_stem(),
        };
        // Named by what the directive says; the book's own `reads` are the
        // same for every directive of the program.
        let written = RunOptions {
            reads: options.reads.clone(),
            ..run.clone()
        };
        let variant = match (&site.directive, &config.chart_program) {
            (Directive::Chart(c), Some(_)) => variant(&c.args, &written),
            (Directive::Value(_), Some(_)) => variant(&[], &written),
            _ => variant(&args, &written),
        };
        let store_path = store::path(&config.outputs, kind, &stem, variant.as_deref());
        let varies = options.varies.unwrap_or_default();
        let timeout = options.timeout.unwrap_or(timeout);
        match by_path.get(&store_path) {
            Some(&existing) => {
                let job = &mut plan.jobs[existing];
                if (job.kind, &job.target, &job.args) != (kind, &target, &args) {
                    errors.push(format!(
                        "{}: would share its stored result {} with {}; rename one of the programs",
                        site.describe(),
                        relative(&config.root, &store_path),
                        scanned.sites[job.sites[0]].describe()
                    ));
                    continue;
                }
                if options.varies.is_some() && job.varies != varies {
                    errors.push(format!(
                        "{}: runs the same program as {} but says varies={varies:?}; \
                         give both the same `varies=`",
                        site.describe(),
                        scanned.sites[job.sites[0]].describe()
                    ));
                }
                job.timeout = job.timeout.max(timeout);
                job.sites.push(index);
                plan.job_of_site.insert(index, existing);
            }
            None => {
                by_path.insert(store_path.clone(), plan.jobs.len());
                plan.job_of_site.insert(index, plan.jobs.len());
                plan.jobs.push(Job {
                    kind,
                    target,
                    program,
                    args,
                    options: run,
                    timeout,
                    varies,
                    store_path,
                    sites: vec![index],
                });
            }
        }
    }
    if !errors.is_empty() {
        bail!("{}", errors.join("\n"));
    }
    Ok(plan)
}

/// What tells a variant's file from the plain one: its arguments and
/// options, when any differs from the default.
fn variant(args: &[String], run: &RunOptions) -> Option<String> {
    let plain = RunOptions {
        exit: 0,
        runs: 1,
        cwd: Cwd::Temp,
        reads: Vec::new(),
    };
    (!args.is_empty() || *run != plain).then(|| key::canonical(&json!([args, run])))
}

/// Where `target`'s program is, or why it cannot be found.
fn resolve(target: &Target, config: &Config, workspace: Option<&Workspace>) -> Result<Program> {
    match target {
        Target::Script { name, extension } => {
            let language = config.languages.get(extension).with_context(|| {
                format!(
                    "no language runs `.{extension}` files: add \
                     [preprocessor.notebook.languages.{extension}] to book.toml \
                     (command, folder, fence)"
                )
            })?;
            let folder = config.root.join(&language.folder);
            let file = format!("{name}.{extension}");
            if !folder.join(&file).is_file() {
                bail!(
                    "no such script: {}",
                    relative(&config.root, &folder.join(&file))
                );
            }
            Ok(Program::Script {
                extension: extension.clone(),
                folder,
                file,
            })
        }
        Target::Example(name) => {
            let workspace = workspace.context("no Cargo workspace")?;
            let root = workspace.root_package().ok().map(|p| p.name.as_str());
            let package = match &config.package {
                Some(package) => workspace.package(package)?,
                None => workspace.root_package()?,
            };
            let source = package
                .manifest_path
                .parent()
                .unwrap_or(&workspace.workspace_root)
                .join("examples")
                .join(format!("{name}.rs"));
            if !source.is_file() {
                bail!(
                    "no such example: {} (in package `{}`)",
                    relative(&config.root, &source),
                    package.name
                );
            }
            Ok(Program::Rust {
                unit: Unit {
                    package: package.name.clone(),
                    kind: UnitKind::Example,
                    name: name.clone(),
                },
                source,
                in_root_package: root == Some(package.name.as_str()),
            })
        }
        Target::Bin(name) => {
            let workspace = workspace.context("no Cargo workspace")?;
            let package = workspace.package_with_bin(name)?;
            let source = package
                .targets
                .iter()
                .find(|t| &t.name == name && t.kind.iter().any(|k| k == "bin"))
                .map(|t| t.src_path.clone())
                .context("a binary without a source file")?;
            let root = workspace.root_package().ok().map(|p| p.name.as_str());
            Ok(Program::Rust {
                unit: Unit {
                    package: package.name.clone(),
                    kind: UnitKind::Bin,
                    name: name.clone(),
                },
                source,
                in_root_package: root == Some(package.name.as_str()),
            })
        }
    }
}

/// Computes keys: each job's inputs, hashed.
pub struct Keys<'a> {
    config: &'a Config,
    workspace: Option<&'a Workspace>,
    digests: Digests,
}

impl<'a> Keys<'a> {
    pub fn new(config: &'a Config, workspace: Option<&'a Workspace>) -> Keys<'a> {
        Keys {
            config,
            workspace,
            digests: Digests::default(),
        }
    }

    /// The files a job's program is made of, relative to the book: for a
    /// script, the script and its local imports, found now; for a Rust
    /// program, those of `compiled` (what its build read) that its key
    /// covers.
    pub fn sources(&self, job: &Job, compiled: &[PathBuf]) -> Result<Vec<String>> {
        let files = match &job.program {
            Program::Rust { unit, .. } => self.workspace()?.inputs(unit, compiled)?.files,
            Program::Script {
                extension,
                folder,
                file,
            } => self.config.languages[extension]
                .imports
                .sources(folder, file)
                .into_iter()
                .map(|f| folder.join(f))
                .collect(),
        };
        Ok(files
            .iter()
            .map(|f| relative(&self.config.root, f))
            .collect())
    }

    /// `job`'s key, given the files its program is made of (see `sources`).
    pub fn key(&mut self, job: &Job, sources: &[String]) -> Result<String> {
        // The environment book.toml defines (the values of `pass-env`
        // variables are the builder's, so only their names count).
        let mut head = json!({
            "kind": job.kind,
            "program": job.target.to_string(),
            "args": job.args,
            "options": job.options,
            "env": self.config.env,
            "pass-env": self.config.pass_env,
        });
        let absolute: Vec<PathBuf> = sources.iter().map(|s| self.config.root.join(s)).collect();
        let settings = match &job.program {
            Program::Rust { unit, .. } => Some(self.workspace()?.inputs(unit, &absolute)?.settings),
            Program::Script { extension, .. } => {
                let language = &self.config.languages[extension];
                head["interpreter"] = json!(language.command);
                head["language-env"] = json!(language.env);
                None
            }
        };
        let files: Vec<(String, PathBuf)> = sources
            .iter()
            .cloned()
            .zip(absolute)
            .chain(
                job.options
                    .reads
                    .iter()
                    .map(|name| (name.clone(), self.config.root.join(name))),
            )
            .collect();
        Ok(key::key(
            &head,
            settings.as_ref(),
            &files,
            &mut self.digests,
        ))
    }

    /// `job`'s current key against what is stored: `None` when nothing
    /// usable is stored (a Rust program's inputs are known only from a build).
    pub fn current(&mut self, job: &Job, stored: Option<&Stored>) -> Result<Option<String>> {
        match (&job.program, stored) {
            (Program::Rust { .. }, None) => Ok(None),
            (Program::Rust { .. }, Some(stored)) => self.key(job, &stored.sources).map(Some),
            (Program::Script { .. }, _) => {
                let sources = self.sources(job, &[])?;
                self.key(job, &sources).map(Some)
            }
        }
    }

    fn workspace(&self) -> Result<&'a Workspace> {
        self.workspace.context("no Cargo workspace")
    }
}

/// The sites of `job`, for messages.
pub fn first_site<'s>(job: &Job, scanned: &'s Scanned) -> &'s Site {
    &scanned.sites[job.sites[0]]
}

/// The chapters a job's directives are in.
pub fn chapters(job: &Job, scanned: &Scanned) -> BTreeSet<usize> {
    job.sites
        .iter()
        .map(|s| scanned.sites[*s].chapter)
        .collect()
}
