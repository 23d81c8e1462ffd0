//! Phase 4: running a job's program, checking every run, and turning what
//! it printed into a result to store.

use crate::cargo::Workspace;
use crate::config::Config;
use crate::exec::{self, Ended, Spawn};
use crate::plan::{Job, Keys, Program};
use crate::store::{FORMAT, Kind, Run, Stored};
use crate::text::{command_line, visible};
use anyhow::{Context, Result, anyhow, bail};
use notebook_record::{Machine, Record};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What programs run with and on, found once per build.
pub struct Tools {
    pub machine: Machine,
    /// The environment every program starts from.
    env: Vec<(String, String)>,
    rustc: Option<String>,
    /// By extension: the interpreter's path and the version it reports.
    interpreters: BTreeMap<String, (PathBuf, String)>,
}

impl Tools {
    pub fn new(config: &Config) -> Tools {
        Tools {
            machine: crate::machine::detect(),
            env: base_env(config),
            rustc: None,
            interpreters: BTreeMap::new(),
        }
    }

    /// `rustc -V` of the compiler Cargo uses.
    fn rustc(&mut self) -> String {
        self.rustc
            .get_or_insert_with(|| {
                let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
                crate::machine::first_line(&rustc, &["-V"])
                    .map(|v| v.split(" (").next().unwrap_or(&v).to_string())
                    .unwrap_or_else(|| "rustc (version unknown)".into())
            })
            .clone()
    }

    /// The interpreter of language `extension`: its absolute path (found on
    /// the builder's `PATH`) and its version.
    fn interpreter(&mut self, config: &Config, extension: &str) -> Result<(PathBuf, String)> {
        if let Some(found) = self.interpreters.get(extension) {
            return Ok(found.clone());
        }
        let language = &config.languages[extension];
        let path = find_program(&language.command).with_context(|| {
            format!(
                "cannot find `{}` (the interpreter for .{extension} files) on PATH; install it or \
                 set `command` in [preprocessor.notebook.languages.{extension}]",
                language.command
            )
        })?;
        let args: Vec<&str> = language.version_args.iter().map(String::as_str).collect();
        let version = crate::machine::first_line(path.as_os_str(), &args)
            .unwrap_or_else(|| format!("{} (version unknown)", language.command));
        self.interpreters
            .insert(extension.to_string(), (path.clone(), version.clone()));
        Ok((path, version))
    }
}

/// `PATH` and `HOME` from the builder, `LANG=C.UTF-8`, the variables
/// book.toml passes through or sets: the same for every builder.
fn base_env(config: &Config) -> Vec<(String, String)> {
    let mut env: BTreeMap<String, String> = exec::default_env().into_iter().collect();
    for name in &config.pass_env {
        if let Ok(value) = std::env::var(name) {
            env.insert(name.clone(), value);
        }
    }
    env.extend(config.env.clone());
    env.into_iter().collect()
}

/// `command` as an absolute path: as given when it has a `/`, else the
/// first match on `PATH`.
fn find_program(command: &str) -> Option<PathBuf> {
    if command.contains('/') {
        return Path::new(command).canonicalize().ok();
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(command))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        path.metadata()
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        path.is_file()
    }
}

/// The command a reader types to run a job's program, quoted for a shell.
pub fn shown_command(job: &Job, config: &Config) -> String {
    let mut words: Vec<String> = match &job.program {
        Program::Rust {
            unit,
            in_root_package,
            ..
        } => {
            let mut words = vec!["cargo".to_string(), "run".into(), "--release".into()];
            if !in_root_package {
                words.extend(["-p".into(), unit.package.clone()]);
            }
            words.extend([
                match unit.kind {
                    crate::cargo::UnitKind::Example => "--example".into(),
                    crate::cargo::UnitKind::Bin => "--bin".into(),
                },
                unit.name.clone(),
            ]);
            if !job.args.is_empty() {
                words.push("--".into());
            }
            words
        }
        Program::Script {
            extension,
            folder,
            file,
        } => vec![
            config.languages[extension].command.clone(),
            crate::key::relative(&config.root, &folder.join(file)),
        ],
    };
    words.extend(job.args.iter().cloned());
    command_line(words.iter().map(String::as_str))
}

/// Runs `job` as many times as it asks, checking every run, and returns its
/// result. `chapter_dir` is where `cwd=chapter` runs.
pub fn run(
    job: &Job,
    config: &Config,
    workspace: Option<&Workspace>,
    tools: &mut Tools,
    keys: &mut Keys,
    chapter_dir: &Path,
) -> Result<Stored> {
    let (program, mut args, toolchain, env) = match &job.program {
        Program::Rust { unit, .. } => {
            let workspace = workspace.context("no Cargo workspace")?;
            let artifact = workspace.artifact(unit);
            if !artifact.is_file() {
                bail!("the build made no program {}", artifact.display());
            }
            (artifact, Vec::new(), tools.rustc(), tools.env.clone())
        }
        Program::Script {
            extension,
            folder,
            file,
        } => {
            let (interpreter, version) = tools.interpreter(config, extension)?;
            let mut env: BTreeMap<String, String> = tools.env.iter().cloned().collect();
            env.extend(config.languages[extension].env.clone());
            let script = folder.join(file).to_string_lossy().into_owned();
            (
                interpreter,
                vec![script],
                version,
                env.into_iter().collect(),
            )
        }
    };
    args.extend(job.args.iter().cloned());
    let cwd = match job.options.cwd {
        crate::directive::Cwd::Temp => None,
        crate::directive::Cwd::Chapter => Some(chapter_dir.to_path_buf()),
        crate::directive::Cwd::Workspace => Some(match workspace {
            Some(w) => w.workspace_root.clone(),
            None => config.workspace.clone(),
        }),
    };
    let mut runs = Vec::new();
    for number in 1..=job.options.runs {
        let which = if job.options.runs > 1 {
            format!("run {number} of {}: ", job.options.runs)
        } else {
            String::new()
        };
        let ended = exec::run(&Spawn {
            program: &program,
            args: &args,
            env: &env,
            cwd: cwd.as_deref(),
            limit: Duration::from_secs(job.timeout),
        })
        .with_context(|| format!("cannot run {}", program.display()))?;
        let outcome = match ended {
            Ended::TimedOut(outcome) => bail!(
                "{which}did not finish within {} s and was killed, with every process it \
                 started (raise `timeout=` if it needs longer){}",
                job.timeout,
                stderr_tail(&outcome.run.stderr)
            ),
            Ended::Interrupted => {
                bail!("{which}interrupted: the build was stopped and the program killed")
            }
            Ended::Exited(outcome) => outcome,
        };
        if !outcome.leftovers.is_empty() {
            let named: Vec<String> = outcome
                .leftovers
                .iter()
                .filter(|l| l.pid > 0)
                .map(|l| format!("`{}` (pid {})", visible(&l.name), l.pid))
                .collect();
            bail!(
                "{which}exited but left {} process(es) running{}{}, still there half a \
                 second later; they were killed. A program must wait for every process it \
                 starts{}",
                outcome.leftovers.len(),
                if named.is_empty() { "" } else { ": " },
                named.join(", "),
                stderr_tail(&outcome.run.stderr)
            );
        }
        let run = outcome.run;
        if run.exit_code != job.options.exit {
            let how = match run.signal {
                Some(signal) => format!(
                    "was killed by signal {signal} (exit status {})",
                    run.exit_code
                ),
                None => format!("exited with status {}", run.exit_code),
            };
            bail!(
                "{which}{how}, expected {} (set `exit=` if that is what it shows){}",
                job.options.exit,
                stderr_tail(&run.stderr)
            );
        }
        runs.push(run);
    }
    let record = match job.kind {
        Kind::Cell => None,
        Kind::Chart => {
            let record = parse_record(&mut runs[0])?;
            // A record that cannot be drawn is a failed run: never stored.
            crate::chart::render(&record, &config.series_colors, &tools.machine)
                .map_err(|e| anyhow!("its record cannot be drawn: {e}"))?;
            Some(record)
        }
    };
    let compiled = match (&job.program, workspace) {
        (Program::Rust { unit, .. }, Some(workspace)) => workspace.compiled_from(unit)?,
        _ => Vec::new(),
    };
    let sources = keys.sources(job, &compiled)?;
    Ok(Stored {
        format: FORMAT,
        key: keys.key(job, &sources)?,
        kind: job.kind,
        program: job.target.to_string(),
        args: job.args.clone(),
        options: job.options.clone(),
        sources,
        toolchain,
        machine: tools.machine.clone(),
        runs,
        record,
    })
}

/// A chart's stdout, parsed; stored parsed, so its run's stdout is emptied.
fn parse_record(run: &mut Run) -> Result<Record> {
    let stdout = std::mem::take(&mut run.stdout);
    serde_json::from_str(&stdout).map_err(|e| {
        let head: Vec<&str> = stdout.lines().take(5).collect();
        anyhow!(
            "its stdout is not a chart record ({e}; see the mdbook-notebook-record crate for \
             the format); it began:\n    {}{}",
            visible(&head.join("\n    ")),
            stderr_tail(&run.stderr)
        )
    })
}

/// The last 20 lines of a failed program's stderr, for the error message,
/// control bytes made visible.
pub fn stderr_tail(stderr: &str) -> String {
    let lines: Vec<&str> = stderr.lines().collect();
    if lines.is_empty() {
        return "\n  (its stderr was empty)".into();
    }
    let start = lines.len().saturating_sub(20);
    format!(
        "\n  last {} line(s) of its stderr:\n    {}",
        lines.len() - start,
        visible(&lines[start..].join("\n    "))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stderr_tail_keeps_the_last_twenty_lines_visibly() {
        let stderr: String = (1..=30).map(|i| format!("line {i}\n")).collect();
        let tail = stderr_tail(&stderr);
        assert!(tail.contains("last 20 line(s)"));
        assert!(tail.contains("line 11\n") && tail.ends_with("line 30"));
        assert!(!tail.contains("line 10\n"));
        assert!(stderr_tail("").contains("empty"));
        assert!(stderr_tail("\u{1b}[31mred\n").contains("␛[31mred"));
    }

    #[test]
    fn programs_are_found_on_path() {
        assert!(find_program("sh").is_some_and(|p| p.is_absolute()));
        assert!(find_program("no-such-program-here").is_none());
    }
}
