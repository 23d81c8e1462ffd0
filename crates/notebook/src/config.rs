//! `[preprocessor.notebook]` in book.toml, and the execution mode.
//!
//! ```toml
//! [preprocessor.notebook]
//! mode = "auto"                      # auto | force | frozen
//! workspace = "."                    # the cargo workspace, relative to the book root
//! package = "threads-vs-processes"   # the package whose examples/ are the cells
//! chart-package = "lab"              # the package whose binary draws charts
//! chart-bin = "lab"                  # that binary: `lab NAME ARGS` prints a lab::Record
//! outputs = "outputs"                # the frozen store, relative to the book root
//! ```
//!
//! Unknown keys are errors, so a misspelt `mdoe = "frozen"` cannot silently
//! leave a CI build in auto mode.

use anyhow::{Context, Result, bail};
use mdbook_preprocessor::PreprocessorContext;
use serde::Deserialize;
use serde::de::IgnoredAny;
use std::path::PathBuf;

/// When cells and charts run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// Run what is missing or stale; re-run (with a warning) what is corrupt.
    Auto,
    /// Run everything.
    Force,
    /// Run nothing: a missing, stale or corrupt result is an error. CI builds
    /// this way, which proves the committed outputs are current.
    Frozen,
    /// Auto, and also run every cell and chart of this chapter (its file name,
    /// e.g. `19-pipes.md`, or its path under src/).
    Rerun(String),
}

impl Mode {
    fn parse(text: &str) -> Result<Mode> {
        Ok(match text {
            "auto" => Mode::Auto,
            "force" => Mode::Force,
            "frozen" => Mode::Frozen,
            other => bail!("unknown notebook mode `{other}` (expected auto, force or frozen)"),
        })
    }

    /// The mode of this build: one set in code (xtask's flags) wins, then the
    /// environment (`NOTEBOOK_MODE`, `NOTEBOOK_RERUN=<chapter>`), then book.toml.
    pub fn resolve(
        in_code: Option<&Mode>,
        env_mode: Option<&str>,
        env_rerun: Option<&str>,
        book_toml: Option<&str>,
    ) -> Result<Mode> {
        if let Some(mode) = in_code {
            return Ok(mode.clone());
        }
        let env_mode = env_mode
            .filter(|m| !m.is_empty())
            .map(Mode::parse)
            .transpose()?;
        match (env_rerun.filter(|c| !c.is_empty()), env_mode) {
            (Some(_), Some(mode)) if mode != Mode::Auto => {
                bail!("NOTEBOOK_RERUN cannot be combined with NOTEBOOK_MODE={mode:?}")
            }
            (Some(chapter), _) => Ok(Mode::Rerun(chapter.to_string())),
            (None, Some(mode)) => Ok(mode),
            (None, None) => book_toml.map_or(Ok(Mode::Auto), Mode::parse),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct Table {
    mode: Option<String>,
    workspace: Option<PathBuf>,
    package: Option<String>,
    chart_package: Option<String>,
    chart_bin: Option<String>,
    outputs: Option<PathBuf>,
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

/// The settings of one build, paths absolute.
#[derive(Debug, Clone)]
pub struct Settings {
    pub mode: Mode,
    pub workspace: PathBuf,
    pub package: String,
    pub chart_package: String,
    pub chart_bin: String,
    pub outputs: PathBuf,
}

impl Settings {
    pub fn from_context(
        ctx: &PreprocessorContext,
        mode_in_code: Option<&Mode>,
    ) -> Result<Settings> {
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
        let chart_package = table.chart_package.unwrap_or_else(|| "lab".into());
        Ok(Settings {
            mode,
            workspace: ctx.root.join(table.workspace.unwrap_or_default()),
            package: table
                .package
                .unwrap_or_else(|| "threads-vs-processes".into()),
            chart_bin: table.chart_bin.unwrap_or_else(|| chart_package.clone()),
            chart_package,
            outputs: ctx
                .root
                .join(table.outputs.unwrap_or_else(|| "outputs".into())),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mdbook_preprocessor::config::Config;
    use std::str::FromStr;

    fn settings(toml: &str) -> Result<Settings> {
        let config = Config::from_str(toml).unwrap();
        let ctx = PreprocessorContext::new("/book".into(), config, "html".into());
        Settings::from_context(&ctx, Some(&Mode::Auto))
    }

    #[test]
    fn defaults_fit_this_repository() {
        let s = settings("").unwrap();
        assert_eq!(s.workspace, PathBuf::from("/book/"));
        assert_eq!(s.package, "threads-vs-processes");
        assert_eq!(
            (s.chart_package.as_str(), s.chart_bin.as_str()),
            ("lab", "lab")
        );
        assert_eq!(s.outputs, PathBuf::from("/book/outputs"));
    }

    #[test]
    fn book_toml_sets_paths_and_packages() {
        let s = settings(
            "[preprocessor.notebook]\ncommand = \"x\"\nrenderers = [\"html\"]\n\
             workspace = \"code\"\npackage = \"demo\"\nchart-package = \"bench\"\noutputs = \"saved\"\n",
        )
        .unwrap();
        assert_eq!(s.workspace, PathBuf::from("/book/code"));
        assert_eq!(
            (s.package.as_str(), s.chart_bin.as_str()),
            ("demo", "bench")
        );
        assert_eq!(s.outputs, PathBuf::from("/book/saved"));
    }

    #[test]
    fn misspelt_keys_are_errors() {
        let err = settings("[preprocessor.notebook]\nmdoe = \"frozen\"\n").unwrap_err();
        assert!(format!("{err:#}").contains("mdoe"), "{err:#}");
    }

    #[test]
    fn code_beats_environment_beats_book_toml() {
        let frozen = Some("frozen");
        assert_eq!(
            Mode::resolve(Some(&Mode::Force), frozen, None, frozen).unwrap(),
            Mode::Force
        );
        assert_eq!(
            Mode::resolve(None, Some("force"), None, frozen).unwrap(),
            Mode::Force
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
