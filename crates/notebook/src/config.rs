//! `[preprocessor.notebook]` in book.toml, and the mode of a build.
//!
//! Every key is optional; a book needs none of them to start:
//!
//! ```toml
//! [preprocessor.notebook]
//! mode = "auto"                # auto | force | frozen | verify | off
//! workspace = "."              # the Cargo workspace, relative to the book
//! package = "my-book"          # whose examples/ are the Rust cells (default: the workspace's root package)
//! outputs = "outputs"          # the stored results, relative to the book
//! chart-program = "bin:lab"    # {{#chart NAME -- ARGS}} runs `lab NAME ARGS` (default: NAME is a program)
//! refresh-command = "mdbook build"   # what a frozen build's error tells you to run
//! pass-env = ["MY_VAR"]        # builder variables a program may see
//! env = { RUST_LOG = "info" }  # variables every program gets
//! series-colors = { threads = "#0072B2" }   # chart colours by series name
//!
//! [preprocessor.notebook.defaults]
//! timeout = 30                 # seconds, for cells
//! chart-timeout = 600          # seconds, for charts
//! cwd = "temp"                 # temp | chapter | workspace
//!
//! [preprocessor.notebook.languages.py]     # a row of the languages table
//! command = "python3"
//! folder = "python"
//! fence = "python"
//!
//! [preprocessor.notebook.reads]            # files a program reads when it runs
//! "bin:lab" = ["crates/lab/python"]
//! ```
//!
//! Unknown keys are errors, so a misspelt `mdoe = "frozen"` cannot silently
//! leave a CI build running cells. mdBook's `MDBOOK_PREPROCESSOR__NOTEBOOK__MODE`
//! sets any key from the environment; `NOTEBOOK_MODE` and
//! `NOTEBOOK_RERUN=CHAPTER.md` are shorter spellings for the mode.

use crate::directive::{Cwd, check_relative};
use crate::program::{Language, Target, builtin_languages};
use anyhow::{Context, Result, bail};
use mdbook_preprocessor::PreprocessorContext;
use serde::Deserialize;
use serde::de::IgnoredAny;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// When programs run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// Run what is missing or stale; re-run (with a warning) what is corrupt.
    Auto,
    /// Run everything.
    Force,
    /// Run nothing: a missing, stale or corrupt result is an error. Proves
    /// every stored result's key is current.
    Frozen,
    /// Run everything again and compare with what is stored (exactly, or as
    /// each directive's `varies=` allows; charts by shape). Stores nothing.
    /// Proves the stored outputs come from their programs.
    Verify,
    /// Run nothing and check nothing: show what is stored, nothing where
    /// nothing is. For writing prose on a machine that cannot run the book.
    Off,
    /// Auto, and also run every program of this chapter (its file name, e.g.
    /// `19-pipes.md`, or its path under src/).
    Rerun(String),
}

impl Mode {
    fn parse(text: &str) -> Result<Mode> {
        Ok(match text {
            "auto" => Mode::Auto,
            "force" => Mode::Force,
            "frozen" => Mode::Frozen,
            "verify" => Mode::Verify,
            "off" => Mode::Off,
            other => bail!(
                "unknown notebook mode `{other}` (expected auto, force, frozen, verify or off)"
            ),
        })
    }

    /// The mode of this build: one set in code wins, then the environment
    /// (`NOTEBOOK_MODE`, `NOTEBOOK_RERUN=<chapter>`), then book.toml.
    pub fn resolve(
        in_code: Option<&Mode>,
        env_mode: Option<&str>,
        env_rerun: Option<&str>,
        book_toml: Option<&str>,
    ) -> Result<Mode> {
        // Every spelling is checked, even one a higher source overrides.
        let book_toml = book_toml.map(Mode::parse).transpose()?;
        let env_mode = env_mode
            .filter(|m| !m.is_empty())
            .map(Mode::parse)
            .transpose()?;
        if let Some(mode) = in_code {
            return Ok(mode.clone());
        }
        match (env_rerun.filter(|c| !c.is_empty()), env_mode) {
            (Some(_), Some(mode)) if mode != Mode::Auto => {
                bail!("NOTEBOOK_RERUN cannot be combined with NOTEBOOK_MODE={mode:?}")
            }
            (Some(chapter), _) => Ok(Mode::Rerun(chapter.to_string())),
            (None, Some(mode)) => Ok(mode),
            (None, None) => Ok(book_toml.unwrap_or(Mode::Auto)),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct Table {
    mode: Option<String>,
    workspace: Option<PathBuf>,
    package: Option<String>,
    outputs: Option<PathBuf>,
    chart_program: Option<String>,
    refresh_command: Option<String>,
    #[serde(default)]
    pass_env: Vec<String>,
    #[serde(default)]
    env: BTreeMap<String, String>,
    #[serde(default)]
    series_colors: BTreeMap<String, String>,
    #[serde(default)]
    defaults: DefaultsTable,
    #[serde(default)]
    languages: BTreeMap<String, Language>,
    #[serde(default)]
    reads: BTreeMap<String, Vec<String>>,
    // mdBook's own keys for every preprocessor table: read by mdBook, allowed here.
    #[serde(rename = "command")]
    _command: Option<IgnoredAny>,
    #[serde(rename = "renderers")]
    _renderers: Option<IgnoredAny>,
    #[serde(rename = "before")]
    _before: Option<IgnoredAny>,
    #[serde(rename = "after")]
    _after: Option<IgnoredAny>,
    #[serde(rename = "optional")]
    _optional: Option<IgnoredAny>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct DefaultsTable {
    timeout: Option<u64>,
    chart_timeout: Option<u64>,
    cwd: Option<String>,
}

/// Book-wide values for what a directive leaves out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Defaults {
    pub timeout: u64,
    pub chart_timeout: u64,
    pub cwd: Cwd,
}

/// The settings of one build, paths absolute.
#[derive(Debug, Clone)]
pub struct Config {
    pub mode: Mode,
    /// The book's root (where book.toml is).
    pub root: PathBuf,
    /// The book's source folder.
    pub src: PathBuf,
    pub workspace: PathBuf,
    /// `None`: the workspace's root package.
    pub package: Option<String>,
    pub outputs: PathBuf,
    pub chart_program: Option<Target>,
    pub refresh_command: String,
    pub pass_env: Vec<String>,
    pub env: BTreeMap<String, String>,
    pub series_colors: BTreeMap<String, String>,
    pub defaults: Defaults,
    /// By file extension, built-in languages overridden and extended.
    pub languages: BTreeMap<String, Language>,
    /// Runtime inputs of a program, by target (`bin:lab`).
    pub reads: BTreeMap<Target, Vec<String>>,
}

impl Config {
    pub fn from_context(ctx: &PreprocessorContext, mode_in_code: Option<&Mode>) -> Result<Config> {
        let table: Table = ctx
            .config
            .get("preprocessor.notebook")
            .context("bad [preprocessor.notebook] table in book.toml")?
            .unwrap_or_default();
        let mode = Mode::resolve(
            mode_in_code,
            std::env::var("NOTEBOOK_MODE").ok().as_deref(),
            std::env::var("NOTEBOOK_RERUN").ok().as_deref(),
            table.mode.as_deref(),
        )?;
        let chart_program = table
            .chart_program
            .as_deref()
            .map(Target::parse)
            .transpose()
            .map_err(|e| anyhow::anyhow!("[preprocessor.notebook] chart-program: {e}"))?;
        let mut reads = BTreeMap::new();
        for (target, paths) in table.reads {
            let parsed = Target::parse(&target)
                .map_err(|e| anyhow::anyhow!("[preprocessor.notebook.reads] `{target}`: {e}"))?;
            for path in &paths {
                check_relative(path).map_err(|e| {
                    anyhow::anyhow!("[preprocessor.notebook.reads] `{target}`: {e}")
                })?;
            }
            reads.insert(parsed, paths);
        }
        for (name, color) in &table.series_colors {
            crate::chart::theme::parse_color(color).map_err(|e| {
                anyhow::anyhow!("[preprocessor.notebook] series-colors `{name}`: {e}")
            })?;
        }
        let mut languages = builtin_languages();
        languages.extend(table.languages);
        let cwd = table
            .defaults
            .cwd
            .as_deref()
            .map(Cwd::parse)
            .transpose()
            .map_err(|e| anyhow::anyhow!("[preprocessor.notebook.defaults] {e}"))?
            .unwrap_or_default();
        // Canonical, as Cargo's paths are, so paths relative to it match.
        let root = ctx.root.canonicalize().unwrap_or_else(|_| ctx.root.clone());
        Ok(Config {
            mode,
            root: root.clone(),
            src: root.join(&ctx.config.book.src),
            workspace: root.join(table.workspace.unwrap_or_default()),
            package: table.package,
            outputs: root.join(table.outputs.unwrap_or_else(|| "outputs".into())),
            chart_program,
            refresh_command: table
                .refresh_command
                .unwrap_or_else(|| "NOTEBOOK_MODE=auto mdbook build".into()),
            pass_env: table.pass_env,
            env: table.env,
            series_colors: table.series_colors,
            defaults: Defaults {
                timeout: table.defaults.timeout.unwrap_or(30),
                chart_timeout: table.defaults.chart_timeout.unwrap_or(600),
                cwd,
            },
            languages,
            reads,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mdbook_preprocessor::config::Config as BookConfig;
    use std::str::FromStr;

    fn config(toml: &str) -> Result<Config> {
        let book = BookConfig::from_str(toml).unwrap();
        let ctx = PreprocessorContext::new("/book".into(), book, "html".into());
        Config::from_context(&ctx, Some(&Mode::Auto))
    }

    #[test]
    fn no_table_means_defaults_that_fit_any_book() {
        let c = config("").unwrap();
        assert_eq!(c.workspace, PathBuf::from("/book/"));
        assert_eq!(c.package, None);
        assert_eq!(c.chart_program, None);
        assert_eq!(c.outputs, PathBuf::from("/book/outputs"));
        assert_eq!(c.src, PathBuf::from("/book/src"));
        assert_eq!(
            c.defaults,
            Defaults {
                timeout: 30,
                chart_timeout: 600,
                cwd: Cwd::Temp
            }
        );
        assert_eq!(c.languages["py"].command, "python3");
        assert!(c.refresh_command.contains("mdbook build"));
    }

    #[test]
    fn book_toml_sets_everything() {
        let c = config(
            "[preprocessor.notebook]\ncommand = \"x\"\nrenderers = [\"html\"]\nbefore = [\"links\"]\n\
             workspace = \"code\"\npackage = \"demo\"\noutputs = \"saved\"\nchart-program = \"bin:lab\"\n\
             refresh-command = \"cargo xtask book\"\npass-env = [\"A\"]\nenv = { B = \"1\" }\n\
             series-colors = { threads = \"#0072B2\" }\n\
             [preprocessor.notebook.defaults]\ntimeout = 5\ncwd = \"chapter\"\n\
             [preprocessor.notebook.languages.py]\ncommand = \"python3.12\"\nfolder = \"py\"\nfence = \"python\"\n\
             [preprocessor.notebook.languages.rb]\ncommand = \"ruby\"\nfolder = \"rb\"\nfence = \"ruby\"\n\
             [preprocessor.notebook.reads]\n\"bin:lab\" = [\"crates/lab/python\"]\n",
        )
        .unwrap();
        assert_eq!(c.workspace, PathBuf::from("/book/code"));
        assert_eq!(c.package.as_deref(), Some("demo"));
        assert_eq!(c.chart_program, Some(Target::Bin("lab".into())));
        assert_eq!((c.defaults.timeout, c.defaults.cwd), (5, Cwd::Chapter));
        assert_eq!(c.languages["py"].command, "python3.12");
        assert_eq!(c.languages["rb"].version_args, ["--version"]);
        assert_eq!(c.reads[&Target::Bin("lab".into())], ["crates/lab/python"]);
        assert_eq!((c.pass_env.len(), c.env["B"].as_str()), (1, "1"));
    }

    #[test]
    fn misspelt_or_bad_values_are_errors_naming_the_key() {
        for (toml, named) in [
            ("mdoe = \"frozen\"", "mdoe"),
            ("mode = \"sometimes\"", "sometimes"),
            ("chart-program = \"../lab\"", "chart-program"),
            ("series-colors = { a = \"red\" }", "series-colors `a`"),
            (
                "[preprocessor.notebook.defaults]\ncwd = \"home\"",
                "cwd=home",
            ),
            ("[preprocessor.notebook.defaults]\ntimout = 3", "timout"),
            (
                "[preprocessor.notebook.languages.rb]\ncommand = \"ruby\"",
                "folder",
            ),
            (
                "[preprocessor.notebook.reads]\n\"bin:lab\" = [\"/etc\"]",
                "relative",
            ),
        ] {
            let Err(err) = config(&format!("[preprocessor.notebook]\n{toml}\n")) else {
                panic!("{toml} was accepted");
            };
            assert!(format!("{err:#}").contains(named), "{toml}: {err:#}");
        }
    }

    #[test]
    fn code_beats_environment_beats_book_toml() {
        let frozen = Some("frozen");
        assert_eq!(
            Mode::resolve(Some(&Mode::Force), frozen, None, frozen).unwrap(),
            Mode::Force
        );
        assert_eq!(
            Mode::resolve(None, Some("verify"), None, frozen).unwrap(),
            Mode::Verify
        );
        assert_eq!(
            Mode::resolve(None, None, None, frozen).unwrap(),
            Mode::Frozen
        );
        assert_eq!(
            Mode::resolve(None, Some(""), None, None).unwrap(),
            Mode::Auto
        );
        assert_eq!(
            Mode::resolve(None, None, Some("19-pipes.md"), frozen).unwrap(),
            Mode::Rerun("19-pipes.md".into())
        );
        assert!(Mode::resolve(None, frozen, Some("19-pipes.md"), None).is_err());
        assert!(Mode::resolve(None, Some("sometimes"), None, None).is_err());
    }
}
