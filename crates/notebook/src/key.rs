//! A result's key: one digest of exactly what produced it.
//!
//! A key covers:
//! - what the directive asks for: the program, its arguments and the options
//!   that change what it prints (`exit=`, `runs=`, `cwd=`, `reads=`);
//! - the files the program is made of: for a Rust program, the files its
//!   last build read (the compiler's dep-info: its own sources and the files
//!   they `include_str!`), and of those of workspace crates, the ones of
//!   crates it names and of their dependencies; for a script, the script and
//!   the local modules it imports;
//! - for a Rust program, how it is built (`cargo::Workspace::inputs`: the
//!   `Cargo.lock` entries of the crates it uses, the manifests as Cargo
//!   reads them, the release profile, the flags);
//! - for a script, the interpreter as the book names it (`python3`);
//! - the files and folders it reads when it runs (`reads=`).
//!
//! Nothing else: not the prose, so editing a chapter re-runs nothing; not
//! the machine, the compiler's version or the interpreter's path, so a result
//! stored on one machine is current on another. Paths are hashed relative to
//! the book, so keys are the same in every checkout.

use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `value` as JSON with every object's keys sorted, so equal values hash
/// equally whatever order they were built in.
pub fn canonical(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let fields: Vec<String> = keys
                .into_iter()
                .map(|k| format!("{}:{}", Value::String(k.clone()), canonical(&map[k])))
                .collect();
            format!("{{{}}}", fields.join(","))
        }
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(canonical).collect();
            format!("[{}]", items.join(","))
        }
        other => other.to_string(),
    }
}

/// The digest of `head` (what was asked), `settings` (how it was built) and
/// the contents of `files` (relative name, absolute path).
pub fn key(
    head: &Value,
    settings: Option<&Value>,
    files: &[(String, PathBuf)],
    digests: &mut Digests,
) -> String {
    let mut hasher = Sha256::new();
    hasher.update(canonical(head).as_bytes());
    hasher.update(b"\0");
    if let Some(settings) = settings {
        hasher.update(canonical(settings).as_bytes());
    }
    let mut files: Vec<&(String, PathBuf)> = files.iter().collect();
    files.sort();
    files.dedup();
    for (name, path) in files {
        hasher.update(format!("\0{name}\0{}", digests.of(path)).as_bytes());
    }
    hex(&hasher.finalize())
}

/// File digests, each file hashed once per build however many keys share it.
#[derive(Default)]
pub struct Digests {
    known: HashMap<PathBuf, String>,
}

impl Digests {
    /// The digest of a file, or of every file under a folder (by relative
    /// path and content, every file: hidden ones too). A missing file has a
    /// digest too, so a deleted input makes a key stale rather than failing
    /// the build.
    pub fn of(&mut self, path: &Path) -> String {
        if let Some(digest) = self.known.get(path) {
            return digest.clone();
        }
        let mut hasher = Sha256::new();
        if path.is_dir() {
            let mut files = Vec::new();
            collect_files(path, &mut files);
            files.sort();
            for file in files {
                let rel = file.strip_prefix(path).unwrap_or(&file);
                hasher.update(format!("{}\0", rel.to_string_lossy()).as_bytes());
                hash_file(&mut hasher, &file);
            }
        } else {
            hash_file(&mut hasher, path);
        }
        let digest = hex(&hasher.finalize());
        self.known.insert(path.to_path_buf(), digest.clone());
        digest
    }
}

fn hash_file(hasher: &mut Sha256, path: &Path) {
    match std::fs::read(path) {
        Ok(bytes) => {
            hasher.update(format!("{}\0", bytes.len()).as_bytes());
            hasher.update(&bytes);
        }
        Err(e) => hasher.update(format!("unreadable: {:?}\0", e.kind()).as_bytes()),
    }
}

fn collect_files(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            collect_files(&path, files);
        } else {
            files.push(path);
        }
    }
}

/// `path` relative to `base`, `/`-separated, with `..` where it is outside:
/// both absolute, compared lexically.
pub fn relative(base: &Path, path: &Path) -> String {
    let base: Vec<Component> = base.components().collect();
    let path: Vec<Component> = path.components().collect();
    let common = base.iter().zip(&path).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".into(); base.len() - common];
    parts.extend(
        path[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn canonical_json_sorts_keys_at_every_depth() {
        let a = json!({"b": 1, "a": {"d": [1, {"y": 2, "x": 1}], "c": null}});
        assert_eq!(
            canonical(&a),
            r#"{"a":{"c":null,"d":[1,{"x":1,"y":2}]},"b":1}"#
        );
    }

    #[test]
    fn keys_follow_contents_not_order_or_location() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.rs");
        std::fs::write(&a, "one").unwrap();
        let head = json!({"target": "x"});
        let files = vec![("a.rs".to_string(), a.clone())];
        let first = key(&head, None, &files, &mut Digests::default());
        assert_eq!(first.len(), 64);
        let twice = vec![files[0].clone(), files[0].clone()];
        assert_eq!(key(&head, None, &twice, &mut Digests::default()), first);
        std::fs::write(&a, "two").unwrap();
        assert_ne!(key(&head, None, &files, &mut Digests::default()), first);
        std::fs::remove_file(&a).unwrap();
        let missing = key(&head, None, &files, &mut Digests::default());
        assert_ne!(missing, first);
        assert_ne!(
            key(
                &json!({"target": "y"}),
                None,
                &files,
                &mut Digests::default()
            ),
            missing
        );
        assert_ne!(
            key(
                &head,
                Some(&json!({"profile": {}})),
                &files,
                &mut Digests::default()
            ),
            missing
        );
    }

    #[test]
    fn folders_hash_every_file_in_them() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("sub/target")).unwrap();
        std::fs::write(root.join("sub/a.py"), "x").unwrap();
        let mut digests = vec![Digests::default().of(root)];
        for (file, text) in [
            ("sub/b.py", ""),
            ("sub/target/x", "x"),
            (".hidden", "x"),
            ("sub/a.py", "y"),
        ] {
            std::fs::write(root.join(file), text).unwrap();
            let now = Digests::default().of(root);
            assert!(!digests.contains(&now), "{file} did not change the digest");
            digests.push(now);
        }
    }

    #[test]
    fn relative_paths_go_up_where_needed() {
        let r = |b: &str, p: &str| relative(Path::new(b), Path::new(p));
        assert_eq!(r("/w/book", "/w/book/src/a.md"), "src/a.md");
        assert_eq!(
            r("/w/book", "/w/crates/x/src/lib.rs"),
            "../crates/x/src/lib.rs"
        );
        assert_eq!(r("/w", "/w"), ".");
    }

    #[test]
    fn hex_is_lowercase_and_padded() {
        assert_eq!(hex(&[0, 10, 255]), "000aff");
    }
}
