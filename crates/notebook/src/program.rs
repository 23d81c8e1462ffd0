//! What a directive runs: a Rust example or binary of the workspace, or a
//! script run by an interpreter. Interpreted languages are rows of one table
//! ([`Language`]); adding one is configuration, not code.

use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

/// The program a directive names.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Target {
    /// `NAME`: `examples/NAME.rs` of the cells' package.
    Example(String),
    /// `NAME.EXT`: `FOLDER/NAME.EXT`, run by the language of extension `EXT`.
    Script { name: String, extension: String },
    /// `bin:NAME`: the binary target `NAME` of a workspace package.
    Bin(String),
}

impl Target {
    pub fn parse(text: &str) -> Result<Target, String> {
        if let Some(bin) = text.strip_prefix("bin:") {
            crate::directive::check_name("binary name", bin)?;
            return Ok(Target::Bin(bin.to_string()));
        }
        crate::directive::check_name("example name", text)?;
        Ok(match text.rsplit_once('.') {
            Some((name, extension)) if !name.is_empty() && !extension.is_empty() => {
                Target::Script {
                    name: name.to_string(),
                    extension: extension.to_string(),
                }
            }
            _ if text.contains('.') => {
                return Err(format!("bad program `{text}`: write NAME or NAME.EXT"));
            }
            _ => Target::Example(text.to_string()),
        })
    }

    /// The stem of its stored result's file name.
    pub fn file_stem(&self) -> String {
        match self {
            Target::Example(name) => name.clone(),
            Target::Script { name, extension } => format!("{name}.{extension}"),
            Target::Bin(name) => format!("bin-{name}"),
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Example(name) => write!(f, "{name}"),
            Target::Script { name, extension } => write!(f, "{name}.{extension}"),
            Target::Bin(name) => write!(f, "bin:{name}"),
        }
    }
}

/// How scripts of one extension run: `COMMAND FOLDER/NAME.EXT ARGS`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Language {
    /// The interpreter, looked up on `PATH` (`python3`).
    pub command: String,
    /// Where the scripts are, relative to the book's root (`python`).
    pub folder: PathBuf,
    /// The code block's language, for highlighting (`python`).
    pub fence: String,
    /// Arguments that make the interpreter print its version (`--version`),
    /// shown in each result's caption.
    #[serde(default = "version_flag")]
    pub version_args: Vec<String>,
    /// How to find the local modules a script imports, which its key covers.
    #[serde(default)]
    pub imports: Imports,
    /// Variables added to the program's environment.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
}

fn version_flag() -> Vec<String> {
    vec!["--version".into()]
}

/// How a language names the local files a script uses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Imports {
    /// None: the script is its only source (declare others with `reads=`).
    #[default]
    None,
    /// `import a.b` and `from a import b` name `FOLDER/a.py`, `FOLDER/a/__init__.py`,
    /// `FOLDER/a/b.py`, …
    Python,
}

/// The languages every book has: Python 3.
pub fn builtin_languages() -> BTreeMap<String, Language> {
    BTreeMap::from([(
        "py".to_string(),
        Language {
            command: "python3".into(),
            folder: "python".into(),
            fence: "python".into(),
            version_args: version_flag(),
            imports: Imports::Python,
            // Importing a sibling module must not write __pycache__ into the
            // book's sources.
            env: BTreeMap::from([("PYTHONDONTWRITEBYTECODE".into(), "1".into())]),
        },
    )])
}

impl Imports {
    /// The local files `script` (in `folder`) uses, itself first, found
    /// transitively; relative to `folder`.
    pub fn sources(self, folder: &Path, script: &str) -> Vec<String> {
        let mut found = vec![script.to_string()];
        let mut seen = BTreeSet::from([script.to_string()]);
        let mut index = 0;
        while index < found.len() {
            let text = std::fs::read_to_string(folder.join(&found[index])).unwrap_or_default();
            index += 1;
            for file in self.imported(&text) {
                if folder.join(&file).is_file() && seen.insert(file.clone()) {
                    found.push(file);
                }
            }
        }
        found
    }

    /// The files a script's imports may name, existing or not.
    fn imported(self, text: &str) -> Vec<String> {
        match self {
            Imports::None => Vec::new(),
            Imports::Python => text
                .lines()
                .flat_map(|line| line.split(';'))
                .flat_map(python_imports)
                .collect(),
        }
    }
}

/// The files `import a.b, c as d` or `from a.b import x, y` may load:
/// `a.py`, `a/__init__.py`, `a/b.py`, `a/b/__init__.py`, `c.py`, … and for
/// `from`, also `a/b/x.py` and `a/b/x/__init__.py` (a submodule). Relative
/// imports and anything else name nothing.
fn python_imports(statement: &str) -> Vec<String> {
    let statement = statement.trim();
    let module_files = |module: &str| -> Vec<String> {
        let parts: Vec<&str> = module.split('.').filter(|p| !p.is_empty()).collect();
        (1..=parts.len())
            .flat_map(|n| {
                let path = parts[..n].join("/");
                [format!("{path}.py"), format!("{path}/__init__.py")]
            })
            .collect()
    };
    let first_word = |s: &str| s.split_whitespace().next().unwrap_or("").to_string();
    if let Some(rest) = statement.strip_prefix("import ") {
        rest.split(',')
            .flat_map(|m| module_files(&first_word(m)))
            .collect()
    } else if let Some(rest) = statement.strip_prefix("from ") {
        let Some((module, names)) = rest.split_once(" import ") else {
            return Vec::new();
        };
        let module = module.trim();
        if module.starts_with('.') {
            return Vec::new();
        }
        let mut files = module_files(module);
        let names = names.trim().trim_start_matches('(').trim_end_matches(')');
        for name in names
            .split(',')
            .map(first_word)
            .filter(|n| n != "*" && !n.is_empty())
        {
            files.extend(module_files(&format!("{module}.{name}")));
        }
        files
    } else {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_and_print_back() {
        for (text, target) in [
            ("fork_pipe", Target::Example("fork_pipe".into())),
            (
                "race.py",
                Target::Script {
                    name: "race".into(),
                    extension: "py".into(),
                },
            ),
            ("bin:lab", Target::Bin("lab".into())),
        ] {
            assert_eq!(Target::parse(text), Ok(target.clone()));
            assert_eq!(target.to_string(), text);
        }
        assert_eq!(Target::parse("bin:lab").unwrap().file_stem(), "bin-lab");
        for bad in ["", "../x", "a/b", ".py", "x.", "bin:", "a b"] {
            assert!(Target::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn python_imports_are_followed_to_local_files_only() {
        let dir = tempfile::tempdir().unwrap();
        for (file, text) in [
            (
                "main.py",
                "import os, tasks\nfrom helpers.sub import x\nfrom . import rel\n",
            ),
            ("tasks.py", "import threading\nimport helpers as h\n"),
            ("helpers.py", "import main\n"),
            ("unused.py", ""),
        ] {
            std::fs::write(dir.path().join(file), text).unwrap();
        }
        assert_eq!(
            Imports::Python.sources(dir.path(), "main.py"),
            ["main.py", "tasks.py", "helpers.py"]
        );
        assert_eq!(Imports::None.sources(dir.path(), "main.py"), ["main.py"]);
    }
}
