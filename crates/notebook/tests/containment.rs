//! Programs that misbehave, on purpose or by mistake, and a build that is
//! killed: nothing a cell starts outlives it, nothing hangs the build,
//! nothing of the builder's leaks into a cell, and nothing a program prints
//! reaches a page or a terminal raw.
//!
//! Waits here are bounded (a hang fails the test instead of stalling CI);
//! none measures how long anything took.

#![cfg(target_os = "linux")]

mod common;

use common::{Fixture, assert_gone, output_within, wait_until, without_style};
use notebook::Mode;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::Duration;

const MINUTE: Duration = Duration::from_secs(60);

/// Builds in `mode` on another thread; fails if the build takes more than a
/// minute (it would hang the test suite otherwise).
fn build_bounded(book: &Fixture, mode: Mode) -> Result<(String, usize), String> {
    std::thread::scope(|scope| {
        let build = scope.spawn(|| book.build(mode));
        if !wait_until(MINUTE, || build.is_finished()) {
            panic!("the build hung");
        }
        build.join().unwrap()
    })
}

fn one_cell(name: &str, source: &str, directive: &str) -> Fixture {
    Fixture::new(
        &[(name, source)],
        &[("c.md", &format!("# C\n\n{directive}\n"))],
    )
}

/// A program that starts `sleep 300` in a session of its own (setsid(1)),
/// writes its pid to the file named by its first argument, and exits.
const DAEMON: &str = r#"use std::process::{Command, Stdio};
fn main() {
    let pid_file = std::env::args().nth(1).unwrap();
    let keep_output = std::env::args().nth(2).is_some();
    let mut daemon = Command::new("setsid");
    daemon.args(["sleep", "300"]);
    if !keep_output {
        daemon.stdout(Stdio::null()).stderr(Stdio::null());
    }
    let child = daemon.spawn().unwrap();
    std::fs::write(&pid_file, child.id().to_string()).unwrap();
    println!("started a daemon");
}
"#;

#[test]
fn a_daemon_holding_the_output_fails_the_cell_and_is_killed() {
    let book = Fixture::new(&[("daemon", DAEMON)], &[]);
    let pid_file = book.path("daemon.pid");
    book.write(
        "src/c.md",
        &format!(
            "# C\n\n{{{{#cell daemon -- {} keep}}}}\n",
            pid_file.display()
        ),
    );
    let err = build_bounded(&book, Mode::Auto).unwrap_err();
    assert!(err.contains("src/c.md:3:"), "{err}");
    // `setsid` until it has exec'd `sleep`.
    assert!(
        err.contains("exited but left 1 process(es) running: `s"),
        "{err}"
    );
    assert_gone(&book.read("daemon.pid"), "the daemon");
    assert!(
        !book.path("outputs/cells").exists(),
        "a failed run was stored"
    );
}

#[test]
fn a_daemon_with_its_output_elsewhere_is_found_too() {
    let book = Fixture::new(&[("daemon", DAEMON)], &[]);
    let pid_file = book.path("daemon.pid");
    book.write(
        "src/c.md",
        &format!("# C\n\n{{{{#cell daemon -- {}}}}}\n", pid_file.display()),
    );
    let err = build_bounded(&book, Mode::Auto).unwrap_err();
    assert!(err.contains("left 1 process(es) running"), "{err}");
    assert_gone(&book.read("daemon.pid"), "the daemon");
}

#[test]
fn a_double_fork_is_found() {
    // The shell starts `sleep` in the background and exits: the sleep's
    // parent is gone before the program ends.
    let program = r#"fn main() {
    let pid_file = std::env::args().nth(1).unwrap();
    let script = format!("setsid sleep 300 >/dev/null 2>&1 & echo $! > {pid_file}");
    std::process::Command::new("sh").args(["-c", &script]).status().unwrap();
}
"#;
    let book = Fixture::new(&[("twice", program)], &[]);
    let pid_file = book.path("twice.pid");
    book.write(
        "src/c.md",
        &format!("# C\n\n{{{{#cell twice -- {}}}}}\n", pid_file.display()),
    );
    let err = build_bounded(&book, Mode::Auto).unwrap_err();
    // Named `setsid` or `sleep`: it may not have exec'd sleep yet.
    assert!(err.contains("left 1 process(es) running: `"), "{err}");
    assert_gone(&book.read("twice.pid"), "the double-forked sleep");
}

#[test]
fn the_time_limit_holds_though_a_daemon_keeps_the_pipes_open() {
    let program = r#"use std::process::Command;
fn main() {
    let pid_file = std::env::args().nth(1).unwrap();
    let child = Command::new("setsid").args(["sleep", "300"]).spawn().unwrap();
    std::fs::write(&pid_file, child.id().to_string()).unwrap();
    eprintln!("waiting forever");
    std::thread::sleep(std::time::Duration::from_secs(300));
}
"#;
    let book = Fixture::new(&[("hang", program)], &[]);
    let pid_file = book.path("hang.pid");
    book.write(
        "src/c.md",
        &format!(
            "# C\n\n{{{{#cell hang timeout=1 -- {}}}}}\n",
            pid_file.display()
        ),
    );
    let err = build_bounded(&book, Mode::Auto).unwrap_err();
    assert!(err.contains("did not finish within 1 s"), "{err}");
    assert!(err.contains("waiting forever"), "{err}");
    assert_gone(&book.read("hang.pid"), "the daemon");
}

#[test]
fn the_environment_is_the_notebooks_and_no_descriptor_leaks() {
    let program = r#"fn main() {
    let mut names: Vec<String> = std::env::vars().map(|(k, _)| k).collect();
    names.sort();
    println!("{}", names.join(" "));
    let mut fds: Vec<String> = std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    fds.sort();
    println!("fds {}", fds.join(" "));
}
"#;
    let book = one_cell("env", program, "{{#cell env}}").with_book_toml(
        "env = { GREETING = \"hi\" }\npass-env = [\"CARGO_PKG_NAME\", \"NOT_SET_ANYWHERE\"]\n",
    );
    // A descriptor the builder has open without close-on-exec.
    let file = std::fs::File::open(book.path("Cargo.toml")).unwrap();
    // SAFETY: dup of a descriptor we own; the copy is leaked on purpose.
    let leaky = unsafe { libc::dup(std::os::fd::AsRawFd::as_raw_fd(&file)) };
    assert!(leaky > 2);
    let (page, _) = build_bounded(&book, Mode::Auto).unwrap();
    // SAFETY: closes the copy made above.
    unsafe { libc::close(leaky) };
    assert!(
        page.contains("\nCARGO_PKG_NAME GREETING HOME LANG PATH\nfds 0 1 2 3</pre>"),
        "{page}"
    );
}

#[test]
fn control_bytes_never_reach_the_page_or_the_terminal_raw() {
    let program = r#"fn main() {
    println!("\u{1b}[31mred\u{1b}[0m and a bell\u{7}");
    eprintln!("\u{1b}]0;owned title\u{7}boom");
    std::process::exit(if std::env::args().nth(1).is_some() { 1 } else { 0 });
}
"#;
    let book = one_cell("ansi", program, "{{#cell ansi stderr=show}}");
    let (page, _) = build_bounded(&book, Mode::Auto).unwrap();
    assert!(
        !page.contains('\u{1b}') && !page.contains('\u{7}'),
        "{page:?}"
    );
    assert!(page.contains("␛[31mred␛[0m and a bell␇"), "{page}");
    assert!(page.contains("␛]0;owned title␇boom"), "{page}");

    book.write("src/c.md", "# C\n\n{{#cell ansi -- fail}}\n");
    let err = build_bounded(&book, Mode::Auto).unwrap_err();
    assert!(
        !err.contains('\u{1b}') && err.contains("␛]0;owned title␇boom"),
        "{err:?}"
    );
}

#[test]
fn the_shown_command_is_quoted_for_a_shell() {
    let program =
        "fn main() {\n    println!(\"{:?}\", std::env::args().skip(1).collect::<Vec<_>>());\n}\n";
    let book = one_cell(
        "args",
        program,
        r#"{{#cell args -- "two words" '$HOME' plain}}"#,
    );
    let (page, _) = build_bounded(&book, Mode::Auto).unwrap();
    assert!(
        page.contains(
            "<code>$ cargo run --release --example args -- &#39;two words&#39; &#39;$HOME&#39; plain</code>"
        ),
        "{page}"
    );
    assert!(
        page.contains("[&quot;two words&quot;, &quot;$HOME&quot;, &quot;plain&quot;]</pre>"),
        "{page}"
    );
}

#[test]
fn what_a_killed_build_left_is_removed_by_the_next() {
    let book = one_cell("hello", common::HELLO, "{{#cell hello}}");
    book.write("outputs/cells/.notebook-half.tmp", "{\"format\":");
    // A pid above the kernel's limit: no build of that pid is running.
    let stale = std::env::temp_dir().join("notebook-cell-4194305-fixture");
    std::fs::create_dir_all(&stale).unwrap();
    build_bounded(&book, Mode::Auto).unwrap();
    assert!(!book.path("outputs/cells/.notebook-half.tmp").exists());
    assert!(!stale.exists());
    assert!(book.path("outputs/cells/hello.json").exists());
}

#[test]
fn a_second_build_waits_for_the_first() {
    let program = r#"fn main() {
    let marker = std::env::args().nth(1).unwrap();
    println!("the first build had finished: {}", std::path::Path::new(&marker).exists());
}
"#;
    let book = Fixture::new(&[("second", program)], &[]);
    let marker = book.path("first-done");
    book.write(
        "src/c.md",
        &format!("# C\n\n{{{{#cell second -- {}}}}}\n", marker.display()),
    );
    std::fs::create_dir_all(book.path("outputs")).unwrap();
    let lock = notebook::BookLock::path_for(&book.path("outputs"));
    // Another build, standing in: it holds the lock, then finishes.
    let mut first = std::process::Command::new("flock")
        .arg(&lock)
        .args(["sh", "-c", &format!("sleep 1; touch {}", marker.display())])
        .spawn()
        .expect("flock(1) from util-linux");
    // Bounded wait until it holds the lock.
    let held = || {
        std::process::Command::new("flock")
            .args(["-n", &lock.to_string_lossy(), "true"])
            .status()
            .is_ok_and(|s| !s.success())
    };
    for _ in 0..400 {
        if held() {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let (page, _) = build_bounded(&book, Mode::Auto).unwrap();
    first.wait().unwrap();
    assert!(
        without_style(&page).contains("the first build had finished: true"),
        "{page}"
    );
}

/// The binary, killed with SIGKILL while a cell runs: the cell, the daemon
/// it started and its working directory all go.
#[test]
fn a_build_killed_by_sigkill_leaves_nothing() {
    killed_build_leaves_nothing(libc::SIGKILL);
}

/// A closed terminal: SIGHUP ends the build as SIGKILL does.
#[test]
fn a_build_killed_by_sighup_leaves_nothing() {
    killed_build_leaves_nothing(libc::SIGHUP);
}

fn killed_build_leaves_nothing(signal: libc::c_int) {
    let program = r#"use std::process::Command;
fn main() {
    let dir = std::path::PathBuf::from(std::env::args().nth(1).unwrap());
    let child = Command::new("setsid").args(["sleep", "300"]).spawn().unwrap();
    std::fs::write(dir.join("cwd"), std::env::current_dir().unwrap().to_string_lossy().as_bytes()).unwrap();
    std::fs::write(dir.join("daemon.pid"), child.id().to_string()).unwrap();
    std::fs::write(dir.join("cell.pid"), std::process::id().to_string()).unwrap();
    std::thread::sleep(std::time::Duration::from_secs(300));
}
"#;
    let book = Fixture::new(&[("victim", program)], &[]);
    let chapter = format!(
        "# C\n\n{{{{#cell victim timeout=300 -- {}}}}}\n",
        book.root().display()
    );
    let builder = common::start_binary_until_running(&book, &chapter, &book.path("cell.pid"));
    // SAFETY: kill only sends a signal to the binary this test started.
    unsafe { libc::kill(builder.id() as libc::pid_t, signal) };
    let out = output_within(builder, &format!("the build after signal {signal}"));
    assert_eq!(
        out.status.signal(),
        Some(signal),
        "the build did not die of the signal: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_gone(&book.read("cell.pid"), "the cell");
    assert_gone(&book.read("daemon.pid"), "the cell's daemon");
    let cwd = book.read("cwd");
    assert!(
        wait_until(Duration::from_secs(5), || !Path::new(&cwd).exists()),
        "the cell's working directory {cwd} outlived the build"
    );
}

/// Starts the notebook binary on a book whose one cell writes its pid to a
/// file and sleeps for five minutes; returns once the cell runs, with the
/// book, the pid file and the binary.
fn start_a_waiting_cell() -> (Fixture, PathBuf, Child) {
    let program = r#"fn main() {
    let pid_file = std::env::args().nth(1).unwrap();
    std::fs::write(&pid_file, std::process::id().to_string()).unwrap();
    std::thread::sleep(std::time::Duration::from_secs(300));
}
"#;
    let book = Fixture::new(&[("waits", program)], &[]);
    let pid_file = book.path("waits.pid");
    let chapter = format!(
        "# C\n\n{{{{#cell waits timeout=300 -- {}}}}}\n",
        pid_file.display()
    );
    let builder = common::start_binary_until_running(&book, &chapter, &pid_file);
    (book, pid_file, builder)
}

#[test]
fn sigterm_stops_the_build_and_the_cell() {
    let (_book, pid_file, builder) = start_a_waiting_cell();
    // SAFETY: kill only sends a signal to the binary this test started.
    unsafe { libc::kill(builder.id() as libc::pid_t, libc::SIGTERM) };
    let out = output_within(builder, "the build after SIGTERM");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains("interrupted"),
        "{stderr}"
    );
    assert_gone(&std::fs::read_to_string(&pid_file).unwrap(), "the cell");
}

/// A build started with SIGTERM ignored (under `nohup`, or as a script's
/// background job) keeps ignoring it while a cell runs: the cell finishes and
/// the build succeeds.
#[test]
fn a_signal_the_build_was_started_ignoring_stays_ignored() {
    let program = r#"fn main() {
    let dir = std::path::PathBuf::from(std::env::args().nth(1).unwrap());
    std::fs::write(dir.join("cell.pid"), std::process::id().to_string()).unwrap();
    // Until the test has sent its SIGTERM (at most a minute).
    for _ in 0..600 {
        if dir.join("go").exists() {
            println!("finished");
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}
"#;
    let book = Fixture::new(&[("patient", program)], &[]);
    let chapter = format!(
        "# C\n\n{{{{#cell patient timeout=300 -- {}}}}}\n",
        book.root().display()
    );
    let builder = common::until_running(
        common::start_binary_ignoring(&book, &chapter, "auto", Some(libc::SIGTERM)),
        &book.path("cell.pid"),
    );
    // SAFETY: kill only sends a signal to the binary this test started.
    unsafe { libc::kill(builder.id() as libc::pid_t, libc::SIGTERM) };
    std::thread::sleep(Duration::from_millis(200));
    std::fs::write(book.path("go"), "").unwrap();
    let out = output_within(builder, "the build that ignores SIGTERM");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("finished"));
}

/// mdBook killed while the notebook runs a cell (the notebook's stdout, which
/// mdBook reads, closes): the notebook stops and the cell goes with it, even
/// when mdBook ran it through `cargo run` and is not its parent.
#[test]
fn the_build_stops_when_mdbook_is_gone() {
    let (_book, pid_file, mut builder) = start_a_waiting_cell();
    drop(builder.stdout.take());
    output_within(builder, "the notebook with mdBook gone");
    assert_gone(&std::fs::read_to_string(&pid_file).unwrap(), "the cell");
}

/// A program that kills its own supervisor: the build says so, and the
/// program's process group (all it started without leaving it) is killed.
#[test]
fn a_program_that_kills_its_supervisor_is_named_and_its_group_killed() {
    let program = r#"use std::process::Command;
fn main() {
    let pid_file = std::env::args().nth(1).unwrap();
    let child = Command::new("sleep").arg("300").spawn().unwrap();
    std::fs::write(&pid_file, child.id().to_string()).unwrap();
    let supervisor = std::os::unix::process::parent_id().to_string();
    Command::new("kill").args(["-KILL", &supervisor]).status().unwrap();
    std::thread::sleep(std::time::Duration::from_secs(300));
}
"#;
    let book = Fixture::new(&[("rebel", program)], &[]);
    let pid_file = book.path("rebel.pid");
    book.write(
        "src/c.md",
        &format!("# C\n\n{{{{#cell rebel -- {}}}}}\n", pid_file.display()),
    );
    let err = build_bounded(&book, Mode::Auto).unwrap_err();
    assert!(
        err.contains("its supervisor (pid") && err.contains("was killed before the program ended"),
        "{err}"
    );
    assert_gone(&book.read("rebel.pid"), "the program's child");
}

/// The supervisor is a copy of the build: its environment is wiped before
/// the program starts, so the program cannot read the builder's variables in
/// its parent's /proc/PID/environ.
#[test]
fn the_builder_s_environment_is_not_in_the_program_s_parent() {
    let program = r#"fn main() {
    let parent = std::os::unix::process::parent_id();
    let environ = std::fs::read(format!("/proc/{parent}/environ")).unwrap_or_default();
    let text = String::from_utf8_lossy(&environ);
    println!("parent's environment has PATH: {}, CARGO: {}", text.contains("PATH="), text.contains("CARGO"));
}
"#;
    let book = one_cell("peek", program, "{{#cell peek}}");
    let (page, _) = build_bounded(&book, Mode::Auto).unwrap();
    assert!(
        page.contains("parent&#39;s environment has PATH: false, CARGO: false</pre>"),
        "{page}"
    );
}
