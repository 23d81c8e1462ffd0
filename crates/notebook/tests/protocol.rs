//! The `mdbook-notebook` binary speaks mdBook 0.5's preprocessor protocol, as
//! `mdbook build` calls it through book.toml's `command`.

mod common;

use common::{Fixture, HELLO};
use mdbook_preprocessor::book::Book;
use std::process::Command;

use common::BIN;

#[test]
fn version_help_and_bad_arguments() {
    let run = |args: &[&str]| Command::new(BIN).args(args).output().unwrap();
    let version = run(&["--version"]);
    assert!(version.status.success());
    assert_eq!(
        String::from_utf8_lossy(&version.stdout),
        format!("mdbook-notebook {}\n", env!("CARGO_PKG_VERSION"))
    );
    let help = run(&["--help"]);
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).contains("[preprocessor.notebook]"));
    let bad = run(&["--frozen"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unexpected arguments"));
}

#[test]
fn supports_only_html() {
    let supports = |renderer: &str| {
        Command::new(BIN)
            .args(["supports", renderer])
            .status()
            .unwrap()
    };
    assert!(supports("html").success());
    assert!(!supports("test").success());
    assert!(!supports("markdown").success());
}

/// Runs the binary to the end; returns the processed book or its stderr.
fn preprocess(fixture: &Fixture, content: &str, mode: &str) -> Result<Book, String> {
    let out = common::start_binary(fixture, content, mode)
        .wait_with_output()
        .unwrap();
    if out.status.success() {
        Ok(serde_json::from_slice(&out.stdout).expect("stdout is the book as JSON, and only that"))
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

#[test]
fn the_binary_processes_a_book_and_reports_errors() {
    let env = "fn main() {\n    println!(\"backtrace: {:?}\", std::env::var(\"RUST_BACKTRACE\").ok());\n}\n";
    let fixture = Fixture::new(&[("hello", HELLO), ("env", env)], &[]);
    let book = preprocess(
        &fixture,
        "# C\n\n{{#cell hello}}\n\n{{#cell env}}\n",
        "auto",
    )
    .unwrap();
    let content = &book.chapters().next().unwrap().content;
    assert!(content.contains("hello from a cell</pre>"), "{content}");
    assert!(content.contains("backtrace: None</pre>"), "{content}");

    // The environment sets the mode: frozen refuses a result made stale.
    fixture.write("examples/hello.rs", &format!("// edited\n{HELLO}"));
    let err = preprocess(&fixture, "# C\n\n{{#cell hello}}\n", "frozen").unwrap_err();
    assert!(
        err.contains("mdbook-notebook: error:") && err.contains("stale"),
        "{err}"
    );
}

#[test]
fn ctrl_c_kills_the_running_cell_and_its_children() {
    let hanging = r#"fn main() {
    let pid_file = std::env::args().nth(1).expect("pid file argument");
    let child = std::process::Command::new("sleep").arg("300").spawn().expect("spawn sleep");
    std::fs::write(&pid_file, child.id().to_string()).expect("write pid");
    std::thread::sleep(std::time::Duration::from_secs(300));
}
"#;
    let fixture = Fixture::new(&[("hang", hanging)], &[]);
    let pid_file = fixture.path("child.pid");
    let chapter = format!(
        "# C\n\n{{{{#cell hang timeout=300 -- {}}}}}\n",
        pid_file.display()
    );
    let notebook = common::start_binary_until_running(&fixture, &chapter, &pid_file);
    // SAFETY: kill only sends a signal to the binary this test started.
    unsafe { libc::kill(notebook.id() as libc::pid_t, libc::SIGINT) };
    let out = common::output_within(notebook, "the notebook after Ctrl-C");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");

    let pid = std::fs::read_to_string(&pid_file).unwrap();
    common::assert_gone(&pid, "the cell's child `sleep`");
}
