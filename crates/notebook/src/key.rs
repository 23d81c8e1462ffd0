//! What a stored result depends on, hashed into its key.
//!
//! A key covers the program's inputs and nothing else: the kind, name,
//! arguments and options; the example's source (for a cell) or the lab
//! package (for a chart); every file of the workspace path-dependency crates it
//! uses, transitively; the package manifest, `Cargo.lock` and the build flags
//! in `.cargo/config.toml`. Not the prose, so
//! editing a chapter never re-runs a cell; not the machine or the rustc version,
//! so a result frozen on one machine is current on another. Paths are hashed
//! relative to the workspace so keys are the same in every checkout.

use crate::directive::Options;
use crate::store::Kind;
use anyhow::{Context, Result, bail};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The part of `cargo metadata --no-deps` the notebook reads.
#[derive(Debug, Deserialize)]
pub struct Metadata {
    pub packages: Vec<Package>,
    pub workspace_root: PathBuf,
    pub target_directory: PathBuf,
}

#[derive(Debug, Deserialize)]
pub struct Package {
    pub name: String,
    pub manifest_path: PathBuf,
    pub dependencies: Vec<Dependency>,
    pub targets: Vec<Target>,
}

#[derive(Debug, Deserialize)]
pub struct Dependency {
    /// Set for a path dependency: the folder of its package.
    pub path: Option<PathBuf>,
    /// `None` for a normal dependency, else "dev" or "build".
    pub kind: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Target {
    pub kind: Vec<String>,
    pub src_path: PathBuf,
}

impl Metadata {
    /// Runs `cargo metadata` once for the workspace at `dir`. `--no-deps` and
    /// `--offline` keep it fast and independent of the network: only the
    /// workspace's own packages matter to a key.
    pub fn load(dir: &Path, target_dir: Option<&Path>) -> Result<Metadata> {
        let mut cargo = Command::new(cargo_program());
        cargo
            .args([
                "metadata",
                "--format-version",
                "1",
                "--offline",
                "--no-deps",
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
                "cargo metadata failed in {}:\n{}",
                dir.display(),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        serde_json::from_slice(&out.stdout).context("cannot read cargo metadata's output")
    }

    pub fn package(&self, name: &str) -> Result<&Package> {
        self.packages
            .iter()
            .find(|p| p.name == name)
            .with_context(|| {
                let names: Vec<&str> = self.packages.iter().map(|p| p.name.as_str()).collect();
                format!(
                    "no package `{name}` in the workspace at {} (packages: {})",
                    self.workspace_root.display(),
                    names.join(", ")
                )
            })
    }

    fn package_at(&self, dir: &Path) -> Option<&Package> {
        self.packages
            .iter()
            .find(|p| p.manifest_path.parent() == Some(dir))
    }
}

impl Package {
    pub fn dir(&self) -> &Path {
        self.manifest_path.parent().unwrap_or(Path::new("."))
    }
}

/// The cargo that runs the notebook's builds: the one running us, if any.
pub fn cargo_program() -> std::ffi::OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// Computes keys, hashing each file set once per build however many cells
/// share it.
pub struct Keys<'m> {
    metadata: &'m Metadata,
    digests: HashMap<PathBuf, String>,
}

impl<'m> Keys<'m> {
    pub fn new(metadata: &'m Metadata) -> Self {
        Keys {
            metadata,
            digests: HashMap::new(),
        }
    }

    /// The key of cell `name` of `package`: its example and, if the examples
    /// folder has subfolders (shared modules or multi-file examples), those.
    pub fn cell(
        &mut self,
        package: &Package,
        name: &str,
        args: &[String],
        options: &Options,
    ) -> Result<String> {
        let examples = package.dir().join("examples");
        let mut inputs = vec![examples.join(format!("{name}.rs"))];
        if let Ok(entries) = std::fs::read_dir(&examples) {
            inputs.extend(
                entries
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.is_dir()),
            );
        }
        self.key(Kind::Cell, name, args, options, package, true, inputs)
    }

    /// The key of chart `name`, drawn from the output of `package`'s binary.
    pub fn chart(
        &mut self,
        package: &Package,
        name: &str,
        args: &[String],
        options: &Options,
    ) -> Result<String> {
        self.key(Kind::Chart, name, args, options, package, false, vec![])
    }

    #[allow(clippy::too_many_arguments)]
    fn key(
        &mut self,
        kind: Kind,
        name: &str,
        args: &[String],
        options: &Options,
        package: &Package,
        with_dev_deps: bool,
        mut inputs: Vec<PathBuf>,
    ) -> Result<String> {
        let root = &self.metadata.workspace_root;
        inputs.push(root.join("Cargo.lock"));
        inputs.push(root.join("Cargo.toml"));
        // Build flags (rustflags) change the program as much as its source does.
        let cargo_config = root.join(".cargo").join("config.toml");
        if cargo_config.exists() {
            inputs.push(cargo_config);
        }
        for package_inputs in self.package_inputs(package, with_dev_deps) {
            inputs.extend(package_inputs);
        }
        let mut parts = BTreeMap::new();
        for input in inputs {
            let digest = self.digest(&input)?;
            parts.insert(self.relative(&input), digest);
        }
        let mut hasher = Sha256::new();
        let head = serde_json::to_string(&(kind.as_str(), name, args, options))?;
        hasher.update(head.as_bytes());
        for (path, digest) in parts {
            hasher.update(format!("\0{path}\0{digest}").as_bytes());
        }
        Ok(hex(&hasher.finalize()))
    }

    /// The files and folders of `package` and of its path dependencies,
    /// transitively: manifests and the folders of library, binary and build
    /// targets. Examples, tests and benches of a dependency do not go into the
    /// program, so they are not inputs; nor are a dependency's dev-dependencies.
    fn package_inputs(&self, package: &Package, with_dev_deps: bool) -> Vec<Vec<PathBuf>> {
        let mut seen = BTreeSet::new();
        let mut queue = vec![(package.dir().to_path_buf(), with_dev_deps)];
        let mut all = Vec::new();
        while let Some((dir, dev)) = queue.pop() {
            if !seen.insert(dir.clone()) {
                continue;
            }
            let Some(package) = self.metadata.package_at(&dir) else {
                // A path dependency outside the workspace: all of it.
                all.push(vec![dir]);
                continue;
            };
            all.push(target_inputs(package));
            for dep in &package.dependencies {
                if let Some(path) = &dep.path
                    && (dev || dep.kind.as_deref() != Some("dev"))
                {
                    queue.push((path.clone(), false));
                }
            }
        }
        all
    }

    fn relative(&self, path: &Path) -> String {
        let rel = path
            .strip_prefix(&self.metadata.workspace_root)
            .unwrap_or(path);
        rel.to_string_lossy().replace('\\', "/")
    }

    /// The digest of one file, or of every file under a folder (by relative
    /// path and content, skipping `target/` and hidden entries).
    fn digest(&mut self, path: &Path) -> Result<String> {
        if let Some(digest) = self.digests.get(path) {
            return Ok(digest.clone());
        }
        let mut hasher = Sha256::new();
        if path.is_dir() {
            let mut files = Vec::new();
            collect_files(path, &mut files)?;
            files.sort();
            for file in files {
                let rel = file.strip_prefix(path).unwrap_or(&file);
                let bytes = std::fs::read(&file)
                    .with_context(|| format!("cannot read {}", file.display()))?;
                hasher.update(format!("{}\0{}\0", rel.to_string_lossy(), bytes.len()).as_bytes());
                hasher.update(&bytes);
            }
        } else {
            let bytes =
                std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
            hasher.update(&bytes);
        }
        let digest = hex(&hasher.finalize());
        self.digests.insert(path.to_path_buf(), digest.clone());
        Ok(digest)
    }
}

fn target_inputs(package: &Package) -> Vec<PathBuf> {
    let dir = package.dir();
    let mut inputs = vec![package.manifest_path.clone()];
    let mut folders = BTreeSet::new();
    for target in &package.targets {
        let builds_program = target.kind.iter().any(|k| {
            matches!(
                k.as_str(),
                "lib" | "rlib" | "bin" | "proc-macro" | "custom-build"
            )
        });
        if !builds_program {
            continue;
        }
        match target.src_path.parent() {
            // A file at the package root (build.rs): just that file, not the
            // whole package folder.
            Some(parent) if parent == dir => inputs.push(target.src_path.clone()),
            Some(parent) => {
                folders.insert(parent.to_path_buf());
            }
            None => {}
        }
    }
    // `src/` covers `src/bin/`: keep only the outermost folders.
    let outermost: Vec<PathBuf> = folders
        .iter()
        .filter(|f| !folders.iter().any(|o| o != *f && f.starts_with(o)))
        .cloned()
        .collect();
    inputs.extend(outermost);
    inputs
}

fn collect_files(dir: &Path, files: &mut Vec<PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))? {
        let entry = entry?;
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') || name == "target" {
            continue;
        }
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            collect_files(&path, files)?;
        } else {
            files.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A workspace of two packages, `app` (examples) depending on `util`.
    fn workspace() -> (tempfile::TempDir, Metadata) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        for (path, text) in [
            ("Cargo.toml", "[workspace]\n"),
            ("Cargo.lock", "version = 4\n"),
            ("examples/hello.rs", "fn main() {}\n"),
            ("examples/other.rs", "fn main() {}\n"),
            ("src/chapter.md", "prose\n"),
            ("util/Cargo.toml", "[package]\n"),
            ("util/src/lib.rs", "pub fn f() {}\n"),
            ("util/tests/t.rs", "\n"),
            ("util/target/junk", "\n"),
        ] {
            let path = root.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let target = |kind: &str, path: &str| Target {
            kind: vec![kind.into()],
            src_path: root.join(path),
        };
        let metadata = Metadata {
            packages: vec![
                Package {
                    name: "app".into(),
                    manifest_path: root.join("Cargo.toml"),
                    dependencies: vec![Dependency {
                        path: Some(root.join("util")),
                        kind: Some("dev".into()),
                    }],
                    targets: vec![target("example", "examples/hello.rs")],
                },
                Package {
                    name: "util".into(),
                    manifest_path: root.join("util/Cargo.toml"),
                    dependencies: vec![],
                    targets: vec![
                        target("lib", "util/src/lib.rs"),
                        target("test", "util/tests/t.rs"),
                    ],
                },
            ],
            workspace_root: root.clone(),
            target_directory: root.join("target"),
        };
        (dir, metadata)
    }

    fn cell_key(metadata: &Metadata, args: &[String]) -> String {
        let app = metadata.package("app").unwrap();
        Keys::new(metadata)
            .cell(app, "hello", args, &Options::CELL)
            .unwrap()
    }

    #[test]
    fn key_follows_the_program_not_the_prose() {
        let (dir, metadata) = workspace();
        let root = dir.path();
        let first = cell_key(&metadata, &[]);
        assert_eq!(first.len(), 64);
        assert_eq!(cell_key(&metadata, &[]), first, "keys are deterministic");

        // Prose, other examples, a dependency's tests and target/ are not inputs.
        for file in [
            "src/chapter.md",
            "examples/other.rs",
            "util/tests/t.rs",
            "util/target/junk",
        ] {
            std::fs::write(root.join(file), "changed\n").unwrap();
            assert_eq!(cell_key(&metadata, &[]), first, "{file} changed the key");
        }
        assert_ne!(cell_key(&metadata, &["x".into()]), first, "args are inputs");

        // The example, a (dev-)dependency's source, its manifest and the lock are.
        let mut previous = first;
        for file in [
            "examples/hello.rs",
            "util/src/lib.rs",
            "util/Cargo.toml",
            "Cargo.lock",
        ] {
            std::fs::write(root.join(file), format!("// {file} changed\n")).unwrap();
            let now = cell_key(&metadata, &[]);
            assert_ne!(now, previous, "{file} did not change the key");
            previous = now;
        }
    }

    #[test]
    fn new_files_in_a_dependency_change_the_key() {
        let (dir, metadata) = workspace();
        let before = cell_key(&metadata, &[]);
        std::fs::write(dir.path().join("util/src/extra.rs"), "\n").unwrap();
        assert_ne!(cell_key(&metadata, &[]), before);
    }

    #[test]
    fn build_flags_change_the_key() {
        let (dir, metadata) = workspace();
        let without = cell_key(&metadata, &[]);
        let config = dir.path().join(".cargo/config.toml");
        std::fs::create_dir_all(config.parent().unwrap()).unwrap();
        std::fs::write(&config, "[build]\nrustflags = []\n").unwrap();
        let with = cell_key(&metadata, &[]);
        assert_ne!(
            with, without,
            "adding .cargo/config.toml did not change the key"
        );
        std::fs::write(&config, "[build]\nrustflags = [\"-Cx\"]\n").unwrap();
        assert_ne!(
            cell_key(&metadata, &[]),
            with,
            "new rustflags did not change the key"
        );
    }

    #[test]
    fn hex_is_lowercase_and_padded() {
        assert_eq!(hex(&[0, 10, 255]), "000aff");
    }
}
