//! Fixture books: a temporary Cargo workspace that is also an mdBook, with
//! its own examples, scripts, chapters and Cargo.lock; optionally a library
//! crate the examples use and a `fixlab` package whose binary prints a chart
//! record.
//!
//! Every fixture builds into one shared target directory under the system
//! temp dir, so the release profile is compiled once. Because the examples
//! of every fixture land on the same paths there (`release/examples/NAME`),
//! a fixture holds an exclusive file lock for its whole life: tests wait for
//! each other even when a runner puts them in separate processes.

#![allow(dead_code)] // each test file uses its own subset

use mdbook_preprocessor::book::{Book, BookItem, Chapter};
use mdbook_preprocessor::config::Config;
use mdbook_preprocessor::{Preprocessor, PreprocessorContext};
use notebook::{Mode, Notebook};
use std::fs::File;
use std::io::Write;
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::str::FromStr;

/// The preprocessor binary, as `mdbook build` runs it.
pub const BIN: &str = env!("CARGO_BIN_EXE_mdbook-notebook");

pub const HELLO: &str =
    "fn main() {\n    println!(\"hello from a cell\");\n    eprintln!(\"a note on stderr\");\n}\n";

/// The chart program of fixtures: `fixlab demo` prints a record.
const LAB_MAIN: &str = r###"
const RECORD: &str = r##"{
  "title": "Two threads finish <together>",
  "plot": {"kind": "bars", "y_label": "seconds", "categories": ["a"],
           "series": [{"name": "threads", "color": "#0072B2", "points": [{"x": 0.0, "samples": [1.0, 2.0]}]}]},
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
    members: Vec<String>,
    dependencies: Vec<String>,
    book_toml: String,
}

impl Fixture {
    /// A book with `examples` (name, source) and one chapter per `chapters`
    /// entry (file name, markdown).
    pub fn new(examples: &[(&str, &str)], chapters: &[(&str, &str)]) -> Fixture {
        let lock = lock();
        let dir = tempfile::Builder::new()
            .prefix("notebook-fixture-")
            .tempdir()
            .unwrap();
        let mut fixture = Fixture {
            dir,
            _lock: lock,
            members: Vec::new(),
            dependencies: Vec::new(),
            book_toml: String::new(),
        };
        // Cargo wants at least one target in the root package.
        fixture.write("examples/placeholder.rs", "fn main() {}\n");
        for (name, source) in examples {
            fixture.write(&format!("examples/{name}.rs"), source);
        }
        fixture.write_manifests();
        fixture = fixture.with_book_toml("");
        let mut summary = String::from("# Summary\n\n");
        for (file, markdown) in chapters {
            fixture.write(&format!("src/{file}"), markdown);
            summary.push_str(&format!("- [{file}]({file})\n"));
        }
        fixture.write("src/SUMMARY.md", &summary);
        fixture
    }

    /// Adds `text` to book.toml's `[preprocessor.notebook]` table.
    pub fn with_book_toml(mut self, text: &str) -> Fixture {
        self.book_toml.push_str(text);
        self.write(
            "book.toml",
            &format!(
                "[book]\ntitle = \"Fixture\"\n\n[preprocessor.notebook]\n{}\n",
                self.book_toml
            ),
        );
        self
    }

    /// Adds the `fixlab` chart program (`chart-program = "bin:fixlab"`).
    pub fn with_lab(mut self) -> Fixture {
        self.write(
            "fixlab/Cargo.toml",
            "[package]\nname = \"fixlab\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n",
        );
        self.write("fixlab/src/main.rs", LAB_MAIN);
        self.members.push("fixlab".into());
        self.write_manifests();
        self.with_book_toml("chart-program = \"bin:fixlab\"\n")
    }

    /// Adds a library crate `name` with `source`, a dependency of the root
    /// package (so its examples may use it).
    pub fn with_crate(mut self, name: &str, source: &str) -> Fixture {
        self.write(
            &format!("{name}/Cargo.toml"),
            &format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n"),
        );
        self.write(&format!("{name}/src/lib.rs"), source);
        self.members.push(name.into());
        self.dependencies
            .push(format!("{name} = {{ path = \"{name}\" }}"));
        self.write_manifests();
        self
    }

    /// Adds a workspace package in `dir` with `manifest` (its whole
    /// Cargo.toml) and `lib` (src/lib.rs), and `dependency` (a line of the
    /// root package's `[dependencies]`, if any).
    pub fn with_package(
        mut self,
        dir: &str,
        manifest: &str,
        lib: &str,
        dependency: Option<&str>,
    ) -> Fixture {
        self.write(&format!("{dir}/Cargo.toml"), manifest);
        self.write(&format!("{dir}/src/lib.rs"), lib);
        self.members.push(dir.into());
        self.dependencies.extend(dependency.map(String::from));
        self.write_manifests();
        self
    }

    /// Adds `python/FILE` with `text`.
    pub fn with_script(self, file: &str, text: &str) -> Fixture {
        self.write(&format!("python/{file}"), text);
        self
    }

    /// The root manifest and a Cargo.lock for the packages so far.
    fn write_manifests(&self) {
        let members: Vec<String> = self.members.iter().map(|m| format!("{m:?}")).collect();
        self.write(
            "Cargo.toml",
            &format!(
                "[workspace]\nmembers = [{}]\n\n[package]\nname = \"fixture\"\nversion = \"0.1.0\"\n\
                 edition = \"2024\"\npublish = false\n\n[dependencies]\n{}\n",
                members.join(", "),
                self.dependencies.join("\n")
            ),
        );
        let status = Command::new(env!("CARGO"))
            .args(["generate-lockfile", "--offline", "--quiet"])
            .current_dir(self.root())
            .status()
            .unwrap();
        assert!(status.success(), "cargo generate-lockfile failed");
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
            .filter(|f| f.ends_with(".md") && f != "SUMMARY.md")
            .collect();
        files.sort();
        for file in &files {
            let content = self.read(&format!("src/{file}"));
            book.push_item(BookItem::Chapter(Chapter::new(file, content, file, vec![])));
        }
        let book = notebook.run(&ctx, book).map_err(|e| format!("{e:#}"))?;
        Ok(book.chapters().map(|c| c.content.clone()).collect())
    }

    /// Builds in `mode`; returns the first chapter and how many programs ran.
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

    /// The programs a frozen build finds stale or missing, by name.
    pub fn stale(&self) -> Vec<String> {
        let Err(message) = self.build(Mode::Frozen) else {
            return Vec::new();
        };
        let mut names: Vec<String> = message
            .lines()
            .filter(|line| line.contains("stale") || line.contains("no stored result"))
            .filter_map(|line| {
                let start = line.find("`{{#")? + 3;
                let words: Vec<&str> = line[start..].split_whitespace().collect();
                Some(words.get(1)?.trim_end_matches("}}`:").to_string())
            })
            .collect();
        names.sort();
        names
    }
}

/// Starts the binary on a book of one chapter, `content`, sent on stdin as
/// mdBook sends it, in `mode` (NOTEBOOK_MODE).
pub fn start_binary(fixture: &Fixture, content: &str, mode: &str) -> Child {
    start_binary_ignoring(fixture, content, mode, None)
}

/// [`start_binary`], with `ignored` (a signal) ignored from the start, as a
/// build started under `nohup` ignores SIGHUP.
pub fn start_binary_ignoring(
    fixture: &Fixture,
    content: &str,
    mode: &str,
    ignored: Option<libc::c_int>,
) -> Child {
    let config = Config::from_str(&fixture.read("book.toml")).unwrap();
    let ctx = PreprocessorContext::new(fixture.root().to_path_buf(), config, "html".into());
    let mut book = Book::new();
    book.push_item(BookItem::Chapter(Chapter::new(
        "c",
        content.into(),
        "c.md",
        vec![],
    )));
    let input = serde_json::to_vec(&(&ctx, &book)).unwrap();
    let mut command = Command::new(BIN);
    // The signals the tests send do what they do to a program started at a
    // terminal. A runner started under `nohup` (SIGHUP ignored) or as a
    // script's background job (SIGINT ignored) would hand its SIG_IGN down,
    // and a test's SIGHUP would do nothing: the build ran on until its cell
    // ended on its own.
    // SAFETY: only signal(2), which is async-signal-safe, runs between fork and exec.
    unsafe {
        command.pre_exec(move || {
            for signal in [libc::SIGHUP, libc::SIGINT, libc::SIGTERM] {
                let action = if Some(signal) == ignored {
                    libc::SIG_IGN
                } else {
                    libc::SIG_DFL
                };
                libc::signal(signal, action);
            }
            Ok(())
        })
    };
    let mut child = command
        .current_dir(fixture.root())
        .env("CARGO_TARGET_DIR", target_dir())
        .env("NOTEBOOK_MODE", mode)
        // A builder with backtraces on must not change what a page shows.
        .env("RUST_BACKTRACE", "1")
        .env_remove("NOTEBOOK_RERUN")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&input).unwrap();
    child
}

/// Starts the binary (as [`start_binary`], mode `auto`) and returns once the
/// cell it runs has written a pid to `pid_file` ([`until_running`]).
pub fn start_binary_until_running(fixture: &Fixture, content: &str, pid_file: &Path) -> Child {
    until_running(start_binary(fixture, content, "auto"), pid_file)
}

/// Returns `binary` once the cell it runs has written a pid to `pid_file`.
/// If that takes over a minute (a cold build of the fixture takes seconds),
/// kills the binary and fails with what it printed.
pub fn until_running(binary: Child, pid_file: &Path) -> Child {
    let started = || std::fs::read_to_string(pid_file).is_ok_and(|p| !p.is_empty());
    if !wait_until(std::time::Duration::from_secs(60), started) {
        // SAFETY: kill only sends a signal to the binary this test started.
        unsafe { libc::kill(binary.id() as libc::pid_t, libc::SIGKILL) };
        let out = output_within(binary, "the binary whose cell never started");
        panic!(
            "the cell never started; the binary printed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    binary
}

/// Waits (boundedly) for `binary` to end and close its output; returns its
/// status and output. A binary still running, or whose output some process
/// it started still holds open, after ten seconds is killed and the test
/// fails naming `what`: a test never waits for a cell to end on its own.
pub fn output_within(binary: Child, what: &str) -> Output {
    let pid = binary.id();
    // wait_with_output reads both streams to their end before it reaps the
    // process, so `pid` stays this binary's until the thread is done.
    let waiting = std::thread::spawn(move || binary.wait_with_output());
    if !wait_until(std::time::Duration::from_secs(10), || waiting.is_finished()) {
        let state = if is_running(&pid.to_string()) {
            "was still running"
        } else {
            "had exited, but a process it started still held its output open"
        };
        // SAFETY: signals the binary this test started, not yet reaped.
        unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
        panic!("{what} (pid {pid}) {state} after 10 s; killed");
    }
    waiting.join().unwrap().unwrap()
}

/// The page a chapter shows, before the stylesheet the notebook appends.
pub fn without_style(page: &str) -> &str {
    page.find("\n<style>").map_or(page, |at| &page[..at])
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

/// Whether process `pid` is still running. On Linux a zombie does not count
/// (a container's init may never reap it); elsewhere init reaps orphans, so
/// "the pid exists" is the test.
pub fn is_running(pid: &str) -> bool {
    let pid: libc::pid_t = pid.trim().parse().expect("a pid");
    if cfg!(target_os = "linux") {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        !stat.is_empty() && !stat.contains(") Z ")
    } else {
        // SAFETY: signal 0 sends nothing; it only asks whether the process exists.
        unsafe { libc::kill(pid, 0) == 0 }
    }
}

/// Polls `done` every 25 ms until it holds or `limit` has passed; returns
/// whether it held. Waits in the tests are bounded so that a hang fails the
/// test instead of stalling CI; none measures how long anything took.
pub fn wait_until(limit: std::time::Duration, mut done: impl FnMut() -> bool) -> bool {
    const POLL: std::time::Duration = std::time::Duration::from_millis(25);
    for _ in 0..limit.as_millis() / POLL.as_millis() {
        if done() {
            return true;
        }
        std::thread::sleep(POLL);
    }
    false
}

/// Waits (boundedly) until process `pid` is gone; panics naming `what` if
/// it is still running after five seconds.
pub fn assert_gone(pid: &str, what: &str) {
    if !wait_until(std::time::Duration::from_secs(5), || !is_running(pid)) {
        panic!("{what} (pid {}) outlived the cell", pid.trim());
    }
}
