//! The `lab` binary's command line: what the book build and readers rely on.

use std::process::{Command, Output};

fn lab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lab"))
        .args(args)
        .output()
        .expect("the lab binary runs")
}

#[test]
fn list_names_every_experiment() {
    let out = lab(&["--list"]);
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    for lab::experiments::Experiment { name, .. } in lab::experiments::EXPERIMENTS {
        assert!(
            stdout
                .lines()
                .any(|line| line.split_whitespace().next() == Some(name)),
            "{name} not listed in {stdout}"
        );
    }
}

#[test]
fn bad_usage_exits_2_with_nothing_on_stdout() {
    for args in [
        &["no_such_experiment"][..],
        &[],
        &["two_tasks", "--samples", "many"],
    ] {
        let out = lab(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?} printed on stdout");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(stderr.contains("usage: lab NAME"), "{args:?}: {stderr}");
    }
}
