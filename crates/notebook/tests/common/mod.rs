//! Fixture books: a temporary cargo workspace that is also an mdBook, with its
//! own examples (no dependencies, its own Cargo.lock) and, when a test needs
//! charts, a tiny `fixlab` package whose binary prints a `lab::Record`.
//!
//! Every fixture builds into one shared target directory under the system temp
//! dir, so the release profile is compiled once. Because the examples of every
//! fixture land on the same paths there (`release/examples/NAME`), a fixture
//! holds an exclusive file lock for its whole life: tests wait for each other
//! even when a runner puts them in separate processes.

#![allow(dead_code)] // each test file uses its own subset

use mdbook_preprocessor::book::{Book, BookItem, Chapter};
use mdbook_preprocessor::config::Config;
use mdbook_preprocessor::{Preprocessor, PreprocessorContext};
use notebook::{Mode, Notebook};
use std::fs::File;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::str::FromStr;

pub const HELLO: &str =
    "fn main() {\n    println!(\"hello from a cell\");\n    eprintln!(\"a note on stderr\");\n}\n";

const LAB_MAIN: &str = r###"
const RECORD: &str = r##"{
  "experiment": "demo",
  "title": "Two threads finish <together>",
  "machine": {"cpu": "Fixture CPU", "cores": 2, "os": "Linux", "rustc": "rustc 1.0", "date": "2026-01-01"},
  "plot": {"kind": "bars", "y_label": "seconds", "categories": ["a"],
           "series": [{"name": "threads", "kind": "threads", "points": [{"x": 0.0, "samples": [1.0, 2.0]}]}]},
  "values": {"speedup": "1.9x <fast> | wide", "spawn": "43 µs"},
  "notes": ["no python here"]
}"##;

fn main() {
    match std::env::args().nth(1).as_deref() {
        Some("demo") => println!("{RECORD}"),
        other => {
            println!("this is not json");
            eprintln!("unknown experiment {other:?}");
        }
    }
}
"###;

pub struct Fixture {
    dir: tempfile::TempDir,
    _lock: File,
}

impl Fixture {
    /// A book with `examples` (name, source) and one chapter per `chapters`
    /// entry (file name, markdown). `with_lab` adds the chart package.
    pub fn new(examples: &[(&str, &str)], chapters: &[(&str, &str)], with_lab: bool) -> Fixture {
        let lock = lock();
        let dir = tempfile::Builder::new()
            .prefix("notebook-fixture-")
            .tempdir()
            .unwrap();
        let fixture = Fixture { dir, _lock: lock };
        let members = if with_lab { "[\"fixlab\"]" } else { "[]" };
        fixture.write(
            "Cargo.toml",
            &format!(
                "[workspace]\nmembers = {members}\n\n[package]\nname = \"fixture\"\nversion = \"0.1.0\"\n\
                 edition = \"2024\"\npublish = false\n"
            ),
        );
        let mut lock_file = String::from("version = 4\n\n");
        if with_lab {
            lock_file.push_str("[[package]]\nname = \"fixlab\"\nversion = \"0.1.0\"\n\n");
            fixture.write(
                "fixlab/Cargo.toml",
                "[package]\nname = \"fixlab\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n",
            );
            fixture.write("fixlab/src/main.rs", LAB_MAIN);
        }
        lock_file.push_str("[[package]]\nname = \"fixture\"\nversion = \"0.1.0\"\n");
        fixture.write("Cargo.lock", &lock_file);
        fixture.write(
            "book.toml",
            "[book]\ntitle = \"Fixture\"\n\n[preprocessor.notebook]\npackage = \"fixture\"\n\
             chart-package = \"fixlab\"\n\n[output.html]\n",
        );
        // Cargo wants at least one target in the root package.
        let placeholder = [("placeholder", "fn main() {}\n")];
        let examples = if examples.is_empty() {
            &placeholder[..]
        } else {
            examples
        };
        for (name, source) in examples {
            fixture.write(&format!("examples/{name}.rs"), source);
        }
        let mut summary = String::from("# Summary\n\n");
        for (file, markdown) in chapters {
            fixture.write(&format!("src/{file}"), markdown);
            summary.push_str(&format!("- [{file}]({file})\n"));
        }
        fixture.write("src/SUMMARY.md", &summary);
        fixture
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.root().join(rel)
    }

    pub fn write(&self, rel: &str, text: &str) {
        let path = self.path(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }

    /// A notebook for this fixture in `mode`, building into the shared target.
    pub fn notebook(&self, mode: Mode) -> Notebook {
        Notebook::new()
            .with_mode(mode)
            .with_target_dir(target_dir())
    }

    /// Runs `notebook` over the chapters as they are on disk now; returns
    /// each chapter's processed markdown, or the build error (with its causes).
    pub fn build_with(&self, notebook: &Notebook) -> Result<Vec<String>, String> {
        let config = Config::from_str(&self.read("book.toml")).unwrap();
        let ctx = PreprocessorContext::new(self.root().to_path_buf(), config, "html".into());
        let mut book = Book::new();
        let mut files: Vec<_> = std::fs::read_dir(self.path("src"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|f| f != "SUMMARY.md")
            .collect();
        files.sort();
        for file in &files {
            let content = self.read(&format!("src/{file}"));
            book.push_item(BookItem::Chapter(Chapter::new(file, content, file, vec![])));
        }
        let book = notebook.run(&ctx, book).map_err(|e| format!("{e:#}"))?;
        Ok(book.chapters().map(|c| c.content.clone()).collect())
    }

    /// Builds in `mode`; returns the first chapter and how many cells ran.
    pub fn build(&self, mode: Mode) -> Result<(String, usize), String> {
        let notebook = self.notebook(mode);
        let chapters = self.build_with(&notebook)?;
        Ok((chapters[0].clone(), notebook.executed()))
    }

    /// Builds in `mode`, expecting failure; returns the message.
    pub fn fail(&self, mode: Mode) -> String {
        match self.build(mode) {
            Ok((content, _)) => panic!("the build should have failed; it gave:\n{content}"),
            Err(message) => message,
        }
    }
}

pub fn target_dir() -> PathBuf {
    std::env::temp_dir().join("mdbook-notebook-tests-target")
}

fn lock() -> File {
    let path = std::env::temp_dir().join("mdbook-notebook-tests.lock");
    let file = File::create(path).unwrap();
    // SAFETY: flock on a file descriptor we own; released when it is closed.
    let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) };
    assert_eq!(rc, 0, "cannot lock the shared fixture target");
    file
}

/// Whether the `sleep` a hanging cell started (pid `pid`) is still running. On
/// Linux a zombie does not count (a container's init may never reap it); on
/// other Unix systems init reaps orphans, so "the pid exists" is the test.
pub fn sleep_is_running(pid: &str) -> bool {
    if cfg!(target_os = "linux") {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        comm.trim() == "sleep" && !stat.contains(") Z ")
    } else {
        let pid: libc::pid_t = pid.trim().parse().expect("a pid");
        // SAFETY: signal 0 sends nothing; it only asks whether the process exists.
        unsafe { libc::kill(pid, 0) == 0 }
    }
}
