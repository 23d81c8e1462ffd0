//! Every call the notebook makes to Cargo, and what it reads of Cargo's
//! files: the workspace's packages (`cargo metadata`), builds, the compiler's
//! dep-info, `Cargo.lock`, and the build settings in manifests and
//! `.cargo/config.toml`.

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The cargo that runs the notebook's builds: the one running us, if any.
pub fn program() -> OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// The workspace's own packages, from `cargo metadata --no-deps` (fast and
/// offline: it reads only the workspace's manifests).
#[derive(Debug, Deserialize)]
pub struct Workspace {
    pub packages: Vec<Package>,
    pub workspace_root: PathBuf,
    pub target_directory: PathBuf,
    /// What every key of the workspace reads, read once per build.
    #[serde(skip)]
    shared: Shared,
}

/// `Cargo.lock`, the release profile, Cargo's configuration and the flag
/// variables: the same for every program of a build.
#[derive(Debug, Default)]
struct Shared {
    lock: Lock,
    profile: Value,
    config: Value,
    env: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
pub struct Package {
    pub name: String,
    pub version: String,
    pub manifest_path: PathBuf,
    #[serde(default)]
    pub edition: String,
    #[serde(default)]
    pub features: BTreeMap<String, Vec<String>>,
    pub dependencies: Vec<Dependency>,
    pub targets: Vec<TargetInfo>,
    #[serde(default)]
    pub links: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Dependency {
    /// The package's name (not the name it is renamed to).
    pub name: String,
    pub req: String,
    /// `None` for a normal dependency, else `dev` or `build`.
    pub kind: Option<String>,
    pub rename: Option<String>,
    pub optional: bool,
    pub uses_default_features: bool,
    pub features: Vec<String>,
    pub target: Option<String>,
    /// Set for a path dependency.
    pub path: Option<PathBuf>,
}

#[derive(Debug, Deserialize)]
pub struct TargetInfo {
    pub kind: Vec<String>,
    pub name: String,
    pub src_path: PathBuf,
    #[serde(default)]
    pub edition: String,
    #[serde(rename = "required-features", default)]
    pub required_features: Vec<String>,
}

/// A program Cargo builds: an example or a binary of a package.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Unit {
    pub package: String,
    pub kind: UnitKind,
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum UnitKind {
    Example,
    Bin,
}

impl Workspace {
    /// Reads the workspace at `dir`. Fails with the fix when there is no
    /// `Cargo.lock`: every Rust result is keyed to exact dependency versions.
    pub fn load(dir: &Path, target_dir: Option<&Path>) -> Result<Workspace> {
        let mut cargo = Command::new(program());
        cargo
            .args([
                "metadata",
                "--format-version",
                "1",
                "--no-deps",
                "--offline",
            ])
            .current_dir(dir)
            .stdin(Stdio::null());
        if let Some(target) = target_dir {
            cargo.env("CARGO_TARGET_DIR", target);
        }
        let out = cargo
            .output()
            .with_context(|| format!("cannot run cargo metadata in {}", dir.display()))?;
        if !out.status.success() {
            bail!(
                "cargo metadata failed in {} (is `workspace` in [preprocessor.notebook] the \
                 Cargo workspace of the book's programs?):\n{}",
                dir.display(),
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        let mut workspace: Workspace =
            serde_json::from_slice(&out.stdout).context("cannot read cargo metadata's output")?;
        let lock = workspace.workspace_root.join("Cargo.lock");
        if !lock.is_file() {
            bail!(
                "no Cargo.lock in {}: the notebook builds with --locked so that every result \
                 is keyed to exact dependency versions. Run `cargo generate-lockfile` there \
                 (and commit Cargo.lock with the book)",
                workspace.workspace_root.display()
            );
        }
        workspace.shared = Shared {
            lock: Lock::read(&lock)?,
            profile: workspace.release_profile()?,
            config: cargo_config(&workspace.workspace_root)?,
            env: flag_variables(),
        };
        Ok(workspace)
    }

    pub fn package(&self, name: &str) -> Result<&Package> {
        self.packages
            .iter()
            .find(|p| p.name == name)
            .with_context(|| {
                format!(
                    "no package `{name}` in the workspace at {} (it has: {})",
                    self.workspace_root.display(),
                    self.names()
                )
            })
    }

    /// The package whose manifest is the workspace's root manifest.
    pub fn root_package(&self) -> Result<&Package> {
        let root = self.workspace_root.join("Cargo.toml");
        self.packages
            .iter()
            .find(|p| p.manifest_path == root)
            .with_context(|| {
                format!(
                    "the workspace at {} has no root package; set `package` in \
                     [preprocessor.notebook] to the package whose examples/ are the cells \
                     (one of: {})",
                    self.workspace_root.display(),
                    self.names()
                )
            })
    }

    /// The package with binary target `bin`.
    pub fn package_with_bin(&self, bin: &str) -> Result<&Package> {
        let mut owners = self.packages.iter().filter(|p| {
            p.targets
                .iter()
                .any(|t| t.name == bin && t.kind.iter().any(|k| k == "bin"))
        });
        match (owners.next(), owners.next()) {
            (Some(package), None) => Ok(package),
            (Some(a), Some(b)) => bail!(
                "binary `{bin}` is in two packages, `{}` and `{}`",
                a.name,
                b.name
            ),
            (None, _) => bail!(
                "no package of the workspace at {} has a binary `{bin}`",
                self.workspace_root.display()
            ),
        }
    }

    fn names(&self) -> String {
        let names: Vec<&str> = self.packages.iter().map(|p| p.name.as_str()).collect();
        names.join(", ")
    }

    /// Where the release build puts `unit`.
    pub fn artifact(&self, unit: &Unit) -> PathBuf {
        let release = self.target_directory.join("release");
        let file = format!("{}{}", unit.name, std::env::consts::EXE_SUFFIX);
        match unit.kind {
            UnitKind::Example => release.join("examples").join(file),
            UnitKind::Bin => release.join(file),
        }
    }

    /// `cargo build --release --locked` of `units`, one call per package.
    /// Cargo's messages go to stderr: stdout carries mdBook's protocol.
    pub fn build(&self, units: &BTreeSet<Unit>, target_dir: Option<&Path>) -> Result<()> {
        let mut by_package: BTreeMap<&str, Vec<&Unit>> = BTreeMap::new();
        for unit in units {
            by_package.entry(&unit.package).or_default().push(unit);
        }
        for (package, units) in by_package {
            let mut args = vec!["build", "--release", "--locked", "-p", package];
            for unit in units {
                args.push(match unit.kind {
                    UnitKind::Example => "--example",
                    UnitKind::Bin => "--bin",
                });
                args.push(&unit.name);
            }
            eprintln!("[notebook] cargo {}", args.join(" "));
            let mut cargo = Command::new(program());
            cargo
                .args(&args)
                .current_dir(&self.workspace_root)
                .stdin(Stdio::null())
                .stdout(std::io::stderr().as_fd().try_clone_to_owned()?);
            if let Some(dir) = target_dir {
                cargo.env("CARGO_TARGET_DIR", dir);
            }
            let status = cargo.status().context("cannot run cargo")?;
            if !status.success() {
                bail!(
                    "`cargo {}` failed ({status}); its messages are above",
                    args.join(" ")
                );
            }
        }
        Ok(())
    }

    /// The files `unit`'s last build read, from the dep-info Cargo writes
    /// beside it: the sources of the program and of every workspace crate it
    /// depends on, and every file they `include_str!`. Files the build
    /// generated (under the target directory) are left out.
    pub fn compiled_from(&self, unit: &Unit) -> Result<Vec<PathBuf>> {
        let mut dep_info = self.artifact(unit).into_os_string();
        dep_info.push(".d");
        let dep_info = PathBuf::from(dep_info);
        let text = std::fs::read_to_string(&dep_info)
            .with_context(|| format!("cannot read the build's dep-info {}", dep_info.display()))?;
        let mut files: Vec<PathBuf> = parse_dep_info(&text)
            .into_iter()
            .filter(|path| !path.starts_with(&self.target_directory))
            .collect();
        files.sort();
        files.dedup();
        Ok(files)
    }

    /// `path` relative to the workspace root, `/`-separated, when inside it.
    pub fn relative(&self, path: &Path) -> String {
        path.strip_prefix(&self.workspace_root)
            .unwrap_or(path)
            .to_string_lossy()
            .replace('\\', "/")
    }

    /// What a key covers of `unit`, from `compiled`, the files its build
    /// read (its dep-info): its own files, and the crates it names in them
    /// with everything those depend on; the `Cargo.lock` entries of that
    /// closure, the manifests of its workspace packages as Cargo reads them
    /// (not their bytes: comments and unrelated sections do not count), the
    /// release profile, and the flags from `.cargo/config.toml` and the
    /// environment.
    ///
    /// A crate counts only if the unit's own code names it (`name::…`,
    /// `use name`, `extern crate name`): every crate is reached through its
    /// name, so one never named cannot be used. So an example that does not
    /// use a dependency of its package is not re-run when that changes.
    pub fn inputs(&self, unit: &Unit, compiled: &[PathBuf]) -> Result<Inputs> {
        let package = self.package(&unit.package)?;
        let is_own = |file: &Path| self.owner(file).is_none_or(|p| p.name == package.name);
        let mut own_code = String::new();
        for file in compiled.iter().filter(|f| is_own(f)) {
            own_code.push_str(&std::fs::read_to_string(file).unwrap_or_default());
            own_code.push('\n');
        }
        let used = |d: &Dependency| {
            if d.kind.as_deref() == Some("dev") && unit.kind != UnitKind::Example {
                return false;
            }
            let name = d.rename.clone().unwrap_or_else(|| d.name.replace('-', "_"));
            names_crate(&own_code, &name)
        };
        let (entries, members) = self.shared.lock.closure(self, package, &used)?;
        let in_closure: BTreeSet<&str> = members.iter().map(|p| p.name.as_str()).collect();
        let files = compiled
            .iter()
            .filter(|f| {
                self.owner(f)
                    .is_none_or(|p| in_closure.contains(p.name.as_str()))
            })
            .cloned()
            .collect();
        let manifests: Vec<Value> = members
            .iter()
            .map(|p| {
                if p.name == package.name {
                    self.manifest(p, unit, &used)
                } else {
                    self.manifest(p, unit, &|d| d.kind.as_deref() != Some("dev"))
                }
            })
            .collect();
        Ok(Inputs {
            files,
            settings: serde_json::json!({
                "lock": entries,
                "manifests": manifests,
                "profile": self.shared.profile,
                "config": self.shared.config,
                "env": self.shared.env,
            }),
        })
    }

    /// The workspace package whose folder holds `file` (the innermost).
    fn owner(&self, file: &Path) -> Option<&Package> {
        self.packages
            .iter()
            .filter(|p| {
                p.manifest_path
                    .parent()
                    .is_some_and(|dir| file.starts_with(dir))
            })
            .max_by_key(|p| p.manifest_path.components().count())
    }

    /// What of a workspace package's manifest changes `unit`: its name,
    /// version, edition, features and `links`; the dependencies followed
    /// (`followed`); of its targets, `unit`'s own (for the unit's package)
    /// or those that make a library (for a dependency). Another example or a
    /// dependency nothing uses does not count.
    fn manifest(
        &self,
        package: &Package,
        unit: &Unit,
        followed: &dyn Fn(&Dependency) -> bool,
    ) -> Value {
        let dependencies: Vec<Value> = package
            .dependencies
            .iter()
            .filter(|d| followed(d))
            .map(|d| {
                serde_json::json!({
                    "name": d.name, "req": d.req, "kind": d.kind, "rename": d.rename,
                    "optional": d.optional, "default-features": d.uses_default_features,
                    "features": d.features, "target": d.target,
                    "path": d.path.as_deref().map(|p| self.relative(p)),
                })
            })
            .collect();
        let own = package.name == unit.package;
        let targets: Vec<Value> = package
            .targets
            .iter()
            .filter(|t| {
                let kinds = |names: &[&str]| t.kind.iter().any(|k| names.contains(&k.as_str()));
                if own {
                    t.name == unit.name && kinds(&["example", "bin"]) || kinds(&["custom-build"])
                } else {
                    kinds(&["lib", "rlib", "proc-macro", "custom-build"])
                }
            })
            .map(|t| {
                serde_json::json!({
                    "kind": t.kind, "name": t.name, "edition": t.edition,
                    "src": self.relative(&t.src_path), "required-features": t.required_features,
                })
            })
            .collect();
        serde_json::json!({
            "name": package.name, "version": package.version, "edition": package.edition,
            "features": package.features, "links": package.links,
            "dependencies": dependencies, "targets": targets,
        })
    }

    /// `[profile.release]` of the root manifest (the profile cells build with).
    fn release_profile(&self) -> Result<Value> {
        let path = self.workspace_root.join("Cargo.toml");
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let manifest: toml::Table =
            toml::from_str(&text).with_context(|| format!("cannot parse {}", path.display()))?;
        let profile = manifest
            .get("profile")
            .and_then(|p| p.get("release"))
            .cloned()
            .unwrap_or(toml::Value::Table(Default::default()));
        Ok(serde_json::to_value(profile)?)
    }
}

/// What a key covers of a Rust program: the files its build read that
/// count, and how it is built.
#[derive(Debug)]
pub struct Inputs {
    pub files: Vec<PathBuf>,
    pub settings: Value,
}

/// Whether Rust code names crate `name`: `name::…`, `use name…` (also in a
/// group, `use {a, name}`), `extern crate name`. Comments count too: a
/// false yes only makes a key cover more.
fn names_crate(code: &str, name: &str) -> bool {
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    code.match_indices(name).any(|(at, _)| {
        let before = &code[..at];
        let after = &code[at + name.len()..];
        if before.ends_with(ident) || after.starts_with(ident) {
            return false;
        }
        if after.trim_start().starts_with("::") {
            return true;
        }
        // The statement it is in: from the last `;` or `}`.
        let start = before.rfind([';', '}']).map_or(0, |i| i + 1);
        let statement = before[start..].trim_start();
        let statement = statement
            .strip_prefix("pub(crate) ")
            .or_else(|| statement.strip_prefix("pub "))
            .unwrap_or(statement);
        statement.starts_with("use ")
            || statement.starts_with("use{")
            || statement.trim_end() == "extern crate"
    })
}

/// The paths a make-style dep-info file lists as prerequisites of its first
/// rule (`target: a.rs b\ c.rs`).
pub fn parse_dep_info(text: &str) -> Vec<PathBuf> {
    let joined = text.replace("\\\n", " ");
    let Some(first) = joined.lines().next() else {
        return Vec::new();
    };
    let Some(colon) = first
        .find(": ")
        .or_else(|| first.strip_suffix(':').map(|t| t.len()))
    else {
        return Vec::new();
    };
    let mut paths = Vec::new();
    let mut current = String::new();
    let mut chars = first[colon + 1..].chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek().is_some_and(|n| *n == ' ' || *n == '\\') => {
                current.push(chars.next().unwrap_or(' '))
            }
            ' ' | '\t' => {
                if !current.is_empty() {
                    paths.push(PathBuf::from(std::mem::take(&mut current)));
                }
            }
            c => current.push(c),
        }
    }
    if !current.is_empty() {
        paths.push(PathBuf::from(current));
    }
    paths
}

/// `Cargo.lock`, as far as keys need it.
#[derive(Debug, Default, Deserialize)]
struct Lock {
    #[serde(default, rename = "package")]
    packages: Vec<LockEntry>,
}

#[derive(Debug, Deserialize)]
struct LockEntry {
    name: String,
    version: String,
    source: Option<String>,
    checksum: Option<String>,
    #[serde(default)]
    dependencies: Vec<String>,
}

impl Lock {
    fn read(path: &Path) -> Result<Lock> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("cannot parse {}", path.display()))
    }

    /// The lock entry a dependency string (`name`, `name version` or
    /// `name version (source)`) names.
    fn find(&self, dependency: &str) -> Option<usize> {
        let mut words = dependency.split_whitespace();
        let name = words.next()?;
        let version = words.next();
        self.packages
            .iter()
            .position(|p| p.name == name && version.is_none_or(|v| v == p.version))
    }

    /// The lock entries a program of `package` is built from, as
    /// `name version source checksum` lines, and the workspace packages
    /// among them (`package` first). Of `package`'s dependencies only those
    /// the program `uses` are followed; from another workspace package, its
    /// normal and build dependencies; from a registry package, every
    /// dependency the lock lists.
    fn closure<'w>(
        &self,
        workspace: &'w Workspace,
        package: &'w Package,
        uses: &dyn Fn(&Dependency) -> bool,
    ) -> Result<(Vec<String>, Vec<&'w Package>)> {
        let start = self
            .packages
            .iter()
            .position(|p| p.name == package.name && p.source.is_none())
            .with_context(|| {
                format!(
                    "package `{}` is not in Cargo.lock: the lock file is out of date \
                     (run `cargo update -w`)",
                    package.name
                )
            })?;
        let mut seen = BTreeSet::from([start]);
        let mut queue = vec![start];
        let mut members = Vec::new();
        while let Some(index) = queue.pop() {
            let entry = &self.packages[index];
            let member = entry
                .source
                .is_none()
                .then(|| workspace.packages.iter().find(|p| p.name == entry.name))
                .flatten();
            if let Some(member) = member {
                members.push(member);
            }
            for dependency in &entry.dependencies {
                let Some(next) = self.find(dependency) else {
                    bail!(
                        "Cargo.lock lists `{dependency}` under `{}` but not as a package",
                        entry.name
                    );
                };
                let name = &self.packages[next].name;
                let followed = match member {
                    Some(member) if index == start => member
                        .dependencies
                        .iter()
                        .any(|d| d.name == *name && uses(d)),
                    Some(member) => member
                        .dependencies
                        .iter()
                        .any(|d| d.name == *name && d.kind.as_deref() != Some("dev")),
                    None => true,
                };
                if followed && seen.insert(next) {
                    queue.push(next);
                }
            }
        }
        let lines = seen
            .into_iter()
            .map(|i| {
                let p = &self.packages[i];
                format!(
                    "{} {} {} {}",
                    p.name,
                    p.version,
                    p.source.as_deref().unwrap_or("path"),
                    p.checksum.as_deref().unwrap_or("-")
                )
            })
            .collect();
        members.dedup_by(|a, b| a.name == b.name);
        Ok((lines, members))
    }
}

/// The build settings in Cargo's configuration files that Cargo reads for a
/// build in `root`: `.cargo/config.toml` there and in every parent, and in
/// `CARGO_HOME`. Only what changes the compiled program counts: `[build]`
/// (less `jobs` and `target-dir`), `[target]`, `[profile.release]`, `[env]`.
fn cargo_config(root: &Path) -> Result<Value> {
    let mut files: Vec<PathBuf> = root
        .ancestors()
        .flat_map(|dir| [dir.join(".cargo/config.toml"), dir.join(".cargo/config")])
        .collect();
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        let home = PathBuf::from(home);
        files.extend([home.join("config.toml"), home.join("config")]);
    }
    let mut found = Vec::new();
    let mut read = BTreeSet::new();
    for file in files {
        let Ok(canonical) = file.canonicalize() else {
            continue;
        };
        if !read.insert(canonical) {
            continue;
        }
        let text = std::fs::read_to_string(&file)?;
        let mut table: toml::Table =
            toml::from_str(&text).with_context(|| format!("cannot parse {}", file.display()))?;
        let mut kept = toml::Table::new();
        if let Some(toml::Value::Table(mut build)) = table.remove("build") {
            build.remove("jobs");
            build.remove("target-dir");
            kept.insert("build".into(), toml::Value::Table(build));
        }
        for key in ["target", "env"] {
            if let Some(value) = table.remove(key) {
                kept.insert(key.into(), value);
            }
        }
        if let Some(release) = table.get("profile").and_then(|p| p.get("release")) {
            kept.insert("profile.release".into(), release.clone());
        }
        if !kept.is_empty() {
            found.push(serde_json::to_value(kept)?);
        }
    }
    Ok(Value::Array(found))
}

/// Environment variables that change what Cargo compiles.
fn flag_variables() -> BTreeMap<String, String> {
    std::env::vars()
        .filter(|(name, _)| {
            name == "RUSTFLAGS"
                || name == "CARGO_ENCODED_RUSTFLAGS"
                || name.starts_with("CARGO_PROFILE_RELEASE_")
                || (name.starts_with("CARGO_BUILD_")
                    && !matches!(name.as_str(), "CARGO_BUILD_JOBS" | "CARGO_BUILD_TARGET_DIR"))
                || (name.starts_with("CARGO_TARGET_") && name != "CARGO_TARGET_DIR")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dep_info_lists_the_first_rules_prerequisites() {
        let text = "/w/target/release/examples/x: /w/examples/x.rs /w/crates/a/src/lib.rs \\\n /w/dir\\ with\\ space/f.txt\n\n/w/examples/x.rs:\n";
        assert_eq!(
            parse_dep_info(text),
            [
                PathBuf::from("/w/examples/x.rs"),
                PathBuf::from("/w/crates/a/src/lib.rs"),
                PathBuf::from("/w/dir with space/f.txt"),
            ]
        );
        assert!(parse_dep_info("").is_empty());
    }

    #[test]
    fn crates_are_named_by_paths_uses_and_extern_crate() {
        for (code, named) in [
            ("fn main() { tasks::countdown(1); }", true),
            ("use tasks;", true),
            ("use tasks as t;", true),
            ("fn f() {}\npub use {gil, tasks};", true),
            ("use std::{io, tasks::x};", true),
            ("extern crate tasks;", true),
            ("#[tasks :: attr] fn f() {}", true),
            ("// two tasks, one after the other\nfn main() {}", false),
            ("let tasks = vec![1]; run(tasks);", false),
            ("use mytasks::x; subtasks::y();", false),
        ] {
            assert_eq!(names_crate(code, "tasks"), named, "{code}");
        }
    }

    #[test]
    fn lock_dependencies_name_an_entry_by_name_and_version() {
        let lock: Lock = toml::from_str(
            "version = 4\n[[package]]\nname = \"a\"\nversion = \"1.0.0\"\n\
             [[package]]\nname = \"a\"\nversion = \"2.0.0\"\n\
             [[package]]\nname = \"b\"\nversion = \"0.1.0\"\ndependencies = [\"a 2.0.0\"]\n",
        )
        .unwrap();
        assert_eq!(lock.find("a 2.0.0"), Some(1));
        assert_eq!(lock.find("b"), Some(2));
        assert_eq!(lock.find("c"), None);
    }
}
