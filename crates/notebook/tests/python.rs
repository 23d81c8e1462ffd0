//! Python cells: the same runner, store, modes and errors as Rust cells,
//! with the interpreter named in the header and its version in the caption.

mod common;

use common::Fixture;
use notebook::Mode;

const GREET: &str = "import sys\nfrom words import hello\n\n# ANCHOR: main\nprint(hello(), sys.argv[1:])\n# ANCHOR_END: main\n";

fn book(chapter: &str) -> Fixture {
    Fixture::new(&[], &[("p.md", chapter)])
        .with_script("greet.py", GREET)
        .with_script("words.py", "def hello():\n    return 'hello from python'\n")
}

#[test]
fn a_python_cell_shows_its_code_command_output_and_interpreter() {
    let book = book("# P\n\n{{#cell greet.py}}\n\n{{#cell greet.py:main -- 'a b' c}}\n");
    let (page, ran) = book.build(Mode::Auto).unwrap();
    assert_eq!(ran, 2);
    assert!(
        page.contains("```python\nimport sys\nfrom words import hello\n"),
        "{page}"
    );
    assert!(
        page.contains("```python\nprint(hello(), sys.argv[1:])\n```"),
        "{page}"
    );
    assert!(
        page.contains("<code>$ python3 python/greet.py</code>"),
        "{page}"
    );
    assert!(
        page.contains("<code>$ python3 python/greet.py &#39;a b&#39; c</code>"),
        "{page}"
    );
    assert!(page.contains("hello from python []</pre>"), "{page}");
    assert!(
        page.contains("hello from python [&#39;a b&#39;, &#39;c&#39;]</pre>"),
        "{page}"
    );
    assert!(
        page.contains(" · Python 3."),
        "the caption names the interpreter: {page}"
    );
    let stored: serde_json::Value =
        serde_json::from_str(&book.read("outputs/cells/greet.py.json")).unwrap();
    assert_eq!(
        stored["sources"],
        serde_json::json!(["python/greet.py", "python/words.py"])
    );
    assert!(
        !book.path("python/__pycache__").exists(),
        "running a cell writes nothing into the book's sources"
    );
    assert_eq!(book.build(Mode::Frozen).unwrap().1, 0);
}

#[test]
fn exit_codes_and_failures_are_reported_as_for_rust() {
    let book = book("# P\n\n{{#cell fail.py exit=3 stderr=show}}\n").with_script(
        "fail.py",
        "import sys\nprint('bad', file=sys.stderr)\nsys.exit(3)\n",
    );
    let (page, _) = book.build(Mode::Auto).unwrap();
    assert!(page.contains("exit status 3"), "{page}");
    book.write("src/p.md", "# P\n\n{{#cell fail.py}}\n");
    let err = book.fail(Mode::Auto);
    assert!(
        err.contains("src/p.md:3: `{{#cell fail.py}}`: exited with status 3, expected 0"),
        "{err}"
    );
    assert!(err.contains("bad"), "{err}");
}

#[test]
fn missing_scripts_and_languages_name_the_fix() {
    let err = book("# P\n\n{{#cell nowhere.py}}\n\n{{#cell x.rb}}\n").fail(Mode::Auto);
    assert!(
        err.contains("src/p.md:3: `{{#cell nowhere.py}}`: no such script: python/nowhere.py"),
        "{err}"
    );
    assert!(
        err.contains("src/p.md:5: `{{#cell x.rb}}`: no language runs `.rb` files: add [preprocessor.notebook.languages.rb]"),
        "{err}"
    );
}

#[test]
fn another_language_is_a_table_entry() {
    let book = book("# S\n\n{{#cell hi.sh -- there}}\n").with_book_toml(
        "[preprocessor.notebook.languages.sh]\ncommand = \"sh\"\nfolder = \"shell\"\nfence = \"sh\"\nversion-args = [\"-c\", \"echo POSIX sh\"]\n",
    );
    book.write("shell/hi.sh", "echo \"hi $1\"\n");
    let (page, _) = book.build(Mode::Auto).unwrap();
    assert!(page.contains("```sh\necho"), "{page}");
    assert!(
        page.contains("<code>$ sh shell/hi.sh there</code>"),
        "{page}"
    );
    assert!(
        page.contains("hi there</pre>") && page.contains(" · POSIX sh · "),
        "{page}"
    );
}

/// A book of scripts needs no Cargo workspace at all.
#[test]
fn a_book_without_rust_needs_no_cargo() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for (file, text) in [
        (
            "book.toml",
            "[book]\ntitle = \"Py\"\n\n[preprocessor.notebook]\n",
        ),
        ("src/SUMMARY.md", "- [P](p.md)\n"),
        ("src/p.md", "# P\n\n{{#cell hi.py}}\n"),
        ("python/hi.py", "print('no cargo here')\n"),
    ] {
        std::fs::create_dir_all(root.join(file).parent().unwrap()).unwrap();
        std::fs::write(root.join(file), text).unwrap();
    }
    let mut md = mdbook_driver::MDBook::load(root).unwrap();
    md.with_preprocessor(notebook::Notebook::new().with_mode(Mode::Auto));
    md.build().unwrap();
    let html = std::fs::read_to_string(root.join("book/p.html")).unwrap();
    assert!(html.contains("no cargo here"), "{html}");
}
