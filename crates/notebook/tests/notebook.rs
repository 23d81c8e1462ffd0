//! The notebook end to end on fixture books: what a page shows, what is
//! stored, when cells run, and how every failure is reported.

mod common;

use common::{Fixture, HELLO};
use notebook::Mode;

fn one_cell(directive: &str, examples: &[(&str, &str)]) -> Fixture {
    let chapter = format!("# Chapter\n\nSome prose.\n\n{directive}\n\nMore prose.\n");
    Fixture::new(examples, &[("chapter.md", &chapter)])
}

#[test]
fn a_cell_shows_source_output_and_caption_and_is_stored() {
    let book = one_cell("{{#cell hello}}", &[("hello", HELLO)]);
    let (page, executed) = book.build(Mode::Auto).unwrap();
    assert_eq!(executed, 1);
    assert!(
        page.contains("```rust,noplayground\nfn main() {\n    println!"),
        "{page}"
    );
    assert!(
        page.contains("<code>$ cargo run --release --example hello</code>"),
        "{page}"
    );
    assert!(
        page.contains("<pre class=\"nb-text\">\nhello from a cell</pre>"),
        "{page}"
    );
    assert!(page.contains("ran in "), "{page}");
    assert!(page.contains(" cores, "), "machine summary missing: {page}");
    let output = &page[page.find("<div class=\"nb-output\">").unwrap()..];
    assert!(
        !output.contains("a note on stderr"),
        "stderr is hidden by default: {page}"
    );
    assert!(!page.contains("{{#cell"), "{page}");
    let text = common::without_style(&page);
    assert!(text.starts_with("# Chapter\n\nSome prose.\n") && text.ends_with("\nMore prose.\n"));
    assert!(page.contains("<style>") && page.matches("<style>").count() == 1);

    let stored: serde_json::Value =
        serde_json::from_str(&book.read("outputs/cells/hello.json")).unwrap();
    assert_eq!(stored["kind"], "cell");
    assert_eq!(stored["program"], "hello");
    assert_eq!(stored["sources"], serde_json::json!(["examples/hello.rs"]));
    assert_eq!(stored["runs"][0]["stdout"], "hello from a cell\n");
    assert_eq!(stored["runs"][0]["stderr"], "a note on stderr\n");
    assert_eq!(stored["runs"][0]["exit_code"], 0);
    assert_eq!(stored["key"].as_str().unwrap().len(), 64);
    assert!(book.read("outputs/cells/hello.json").ends_with("}\n"));
}

#[test]
fn a_prose_edit_runs_nothing_and_a_code_edit_runs_the_cell() {
    let book = one_cell("{{#cell hello}}", &[("hello", HELLO)]);
    assert_eq!(book.build(Mode::Auto).unwrap().1, 1);

    book.write(
        "src/chapter.md",
        "# Chapter, rewritten\n\nNew words.\n\n{{#cell hello}}\n",
    );
    let (page, executed) = book.build(Mode::Auto).unwrap();
    assert_eq!(executed, 0, "a prose edit re-ran a cell");
    assert!(
        page.contains("hello from a cell"),
        "the stored output is still shown"
    );

    book.write(
        "examples/hello.rs",
        &HELLO.replace("hello from a cell", "changed"),
    );
    let (page, executed) = book.build(Mode::Auto).unwrap();
    assert_eq!(executed, 1, "an edited example must run again");
    assert!(page.contains("changed</pre>"), "{page}");
}

#[test]
fn frozen_passes_on_current_results_and_names_stale_ones() {
    let book = one_cell("{{#cell hello}}", &[("hello", HELLO)]);
    let missing = book.fail(Mode::Frozen);
    assert!(
        missing.contains("src/chapter.md:5: `{{#cell hello}}`"),
        "{missing}"
    );
    assert!(missing.contains("no stored result"), "{missing}");

    book.build(Mode::Auto).unwrap();
    let (page, executed) = book.build(Mode::Frozen).unwrap();
    assert_eq!(executed, 0);
    assert!(page.contains("hello from a cell"));

    book.write("examples/hello.rs", &format!("// a comment\n{HELLO}"));
    let stale = book.fail(Mode::Frozen);
    assert!(
        stale.contains("src/chapter.md:5: `{{#cell hello}}`"),
        "{stale}"
    );
    assert!(stale.contains("stale"), "{stale}");
    assert!(
        stale.contains("run `NOTEBOOK_MODE=auto mdbook build` to update outputs"),
        "{stale}"
    );
}

#[test]
fn a_corrupt_result_is_rerun_in_auto_and_refused_when_frozen() {
    let book = one_cell("{{#cell hello}}", &[("hello", HELLO)]);
    book.build(Mode::Auto).unwrap();
    let good = book.read("outputs/cells/hello.json");
    book.write("outputs/cells/hello.json", &good[..good.len() / 2]);

    let refused = book.fail(Mode::Frozen);
    assert!(refused.contains("`{{#cell hello}}`"), "{refused}");
    assert!(refused.contains("not a valid stored result"), "{refused}");

    let (page, executed) = book.build(Mode::Auto).unwrap();
    assert_eq!(
        executed, 1,
        "a corrupt result must be run again, never trusted"
    );
    assert!(page.contains("hello from a cell"));
    assert_eq!(book.read("outputs/cells/hello.json").len(), good.len());
}

#[test]
fn force_runs_everything_and_rerun_one_chapter() {
    let chapter = |name: &str| format!("# {name}\n\n{{{{#cell {name}}}}}\n");
    let examples = [("first", HELLO), ("second", HELLO)];
    let book = Fixture::new(
        &examples,
        &[("a.md", &chapter("first")), ("b.md", &chapter("second"))],
    );
    let run = |mode| {
        let notebook = book.notebook(mode);
        book.build_with(&notebook).unwrap();
        notebook.executed()
    };
    assert_eq!(run(Mode::Auto), 2);
    assert_eq!(run(Mode::Auto), 0);
    assert_eq!(run(Mode::Force), 2);
    assert_eq!(run(Mode::Rerun("b.md".into())), 1);
    let unknown = book.notebook(Mode::Rerun("nope.md".into()));
    let err = book.build_with(&unknown).unwrap_err();
    assert!(
        err.contains("`nope.md`") && err.contains("no chapter"),
        "{err}"
    );
}

#[test]
fn a_failing_cell_fails_the_build_with_its_stderr_and_stores_nothing() {
    let failing = "fn main() {\n    eprintln!(\"first line\");\n    eprintln!(\"the disk is on fire\");\n    std::process::exit(3);\n}\n";
    let book = one_cell("{{#cell broken}}", &[("broken", failing)]);
    let err = book.fail(Mode::Auto);
    assert!(
        err.contains("src/chapter.md:5: `{{#cell broken}}`"),
        "{err}"
    );
    assert!(err.contains("exited with status 3, expected 0"), "{err}");
    assert!(err.contains("the disk is on fire"), "{err}");
    assert!(
        !book.path("outputs/cells/broken.json").exists(),
        "a failed run was stored"
    );
}

#[test]
fn a_hanging_cell_is_killed_with_its_children() {
    let hanging = r#"use std::process::Command;
fn main() {
    let pid_file = std::env::args().nth(1).expect("pid file argument");
    let child = Command::new("sleep").arg("300").spawn().expect("spawn sleep");
    std::fs::write(&pid_file, child.id().to_string()).expect("write pid");
    eprintln!("waiting forever");
    std::thread::sleep(std::time::Duration::from_secs(300));
}
"#;
    let book = Fixture::new(&[("hang", hanging)], &[]);
    let pid_file = book.path("child.pid");
    book.write(
        "src/chapter.md",
        &format!(
            "# Hang\n\n{{{{#cell hang timeout=1 -- {}}}}}\n",
            pid_file.display()
        ),
    );
    let err = book.fail(Mode::Auto);
    assert!(
        err.contains("src/chapter.md:3: `{{#cell hang timeout=1"),
        "{err}"
    );
    assert!(
        err.contains("did not finish within 1 s and was killed, with every process it started"),
        "{err}"
    );
    assert!(err.contains("waiting forever"), "{err}");
    assert!(
        !book.path("outputs/cells").exists(),
        "a timed-out run was stored"
    );

    common::assert_gone(&book.read("child.pid"), "the cell's child `sleep`");
}

#[test]
fn a_missing_example_names_chapter_and_directive() {
    let book = one_cell("{{#cell nowhere}}", &[("hello", HELLO)]);
    let err = book.fail(Mode::Auto);
    assert!(
        err.contains("src/chapter.md:5: `{{#cell nowhere}}`"),
        "{err}"
    );
    assert!(
        err.contains("no such example") && err.contains("examples/nowhere.rs"),
        "{err}"
    );
}

#[test]
fn a_malformed_directive_names_chapter_and_directive() {
    let book = one_cell("{{#cell hello colour=red}}", &[("hello", HELLO)]);
    let err = book.fail(Mode::Auto);
    assert!(
        err.contains("src/chapter.md:5: `{{#cell hello colour=red}}`"),
        "{err}"
    );
    assert!(err.contains("unknown option `colour`"), "{err}");
}

#[test]
fn program_output_is_escaped() {
    let script = "fn main() {\n    println!(\"<script>alert('x')</script> & \\\"q\\\"\\n\\n</pre>after\");\n}\n";
    let book = one_cell("{{#cell script}}", &[("script", script)]);
    let (page, _) = book.build(Mode::Auto).unwrap();
    let output = &page[page.find("<div class=\"nb-output\">").unwrap()..];
    assert!(!output.contains("<script>"), "{output}");
    assert!(
        output.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;\n\n&lt;/pre&gt;after</pre>"),
        "{output}"
    );
}

#[test]
fn anchors_args_exit_codes_stderr_and_runs() {
    let anchored = "use std::env;\n\n// ANCHOR: body\nfn main() {\n    // ANCHOR: args\n    let args: Vec<String> = env::args().skip(1).collect();\n    // ANCHOR_END: args\n    println!(\"args: {args:?}\");\n}\n// ANCHOR_END: body\n";
    let crash = "fn main() {\n    eprintln!(\"about to abort\");\n    std::process::abort();\n}\n";
    let counter = "fn main() {\n    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();\n    println!(\"{}\", t.as_nanos());\n}\n";
    let chapter = "# Many\n\n{{#cell anchored:args -- one two}}\n\n{{#cell anchored}}\n\n\
                   {{#cell crash exit=134 stderr=show}}\n\n{{#cell counter runs=3}}\n";
    let book = Fixture::new(
        &[
            ("anchored", anchored),
            ("crash", crash),
            ("counter", counter),
        ],
        &[("many.md", chapter)],
    );
    let (page, executed) = book.build(Mode::Auto).unwrap();
    assert_eq!(executed, 4);

    // Only the anchored region, dedented, without any marker line.
    assert!(
        page.contains(
            "```rust,noplayground\nlet args: Vec<String> = env::args().skip(1).collect();\n```"
        ),
        "{page}"
    );
    assert!(!page.contains("ANCHOR"), "{page}");
    assert!(page.contains("<code>$ cargo run --release --example anchored -- one two</code>"));
    assert!(
        page.contains("args: [&quot;one&quot;, &quot;two&quot;]</pre>"),
        "{page}"
    );
    assert!(page.contains("args: []</pre>"), "{page}");

    assert!(
        page.contains("exit status 134 (killed by signal 6, SIGABRT)"),
        "{page}"
    );
    assert!(
        page.contains(
            "<div class=\"nb-label\">stderr</div>\n\n<pre class=\"nb-text\">\nabout to abort</pre>"
        ),
        "{page}"
    );

    assert!(page.contains("varies per run"));
    assert!(
        page.contains("run 3 of 3") && page.contains("3 runs: "),
        "{page}"
    );
    let stored: serde_json::Value = serde_json::from_str(
        &book.read(
            &std::fs::read_dir(book.path("outputs/cells"))
                .unwrap()
                .map(|e| e.unwrap().path())
                .find(|p| {
                    p.file_name()
                        .unwrap()
                        .to_str()
                        .unwrap()
                        .starts_with("counter--")
                })
                .map(|p| {
                    p.strip_prefix(book.root())
                        .unwrap()
                        .to_str()
                        .unwrap()
                        .to_string()
                })
                .expect("counter's runs=3 result has its own file"),
        ),
    )
    .unwrap();
    let outputs: Vec<&str> = stored["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["stdout"].as_str().unwrap())
        .collect();
    assert_eq!(outputs.len(), 3);
    assert!(
        outputs[0] != outputs[1] && outputs[1] != outputs[2],
        "three real runs: {outputs:?}"
    );

    // An unexpected exit code, even a crash the chapter did not announce, fails.
    book.write("src/many.md", "# Crash\n\n{{#cell crash}}\n");
    let err = book.fail(Mode::Auto);
    assert!(
        err.contains("killed by signal 6 (exit status 134), expected 0 (set `exit=` if that is what it shows)"),
        "{err}"
    );
    assert!(err.contains("about to abort"), "{err}");
}

#[test]
fn directives_in_code_are_text() {
    let chapter =
        "# Doc\n\nWrite `{{#cell hello}}` on its own line:\n\n```md\n{{#cell hello}}\n```\n";
    let book = Fixture::new(&[("hello", HELLO)], &[("doc.md", chapter)]);
    let (page, executed) = book.build(Mode::Frozen).unwrap();
    assert_eq!((page.as_str(), executed), (chapter, 0));
}
