//! Every rule of what a key covers, on a real workspace: changing an input
//! makes exactly the results that depend on it stale; changing anything
//! else makes nothing stale.

mod common;

use common::Fixture;
use notebook::Mode;

const USES_UTIL: &str = "fn main() {\n    println!(\"{}\", util::greeting());\n}\n";
const PLAIN: &str = "fn main() {\n    println!(\"plain\");\n}\n";
const UTIL: &str = "pub fn greeting() -> &'static str {\n    include_str!(\"greeting.txt\")\n}\n";
const SCRIPT: &str = "import helper\nprint(helper.word())\n";
const HELPER: &str = "def word():\n    return 'helped'\n";

const CHAPTER: &str = "# Keys\n\n{{#cell uses_util}}\n\n{{#cell plain}}\n\n{{#cell script.py}}\n\n\
                       {{#cell lonely.py}}\n\n{{#cell reader.py reads=data}}\n";

/// A book whose results are all current: two examples (one uses the crate
/// `util`, which includes a text file), three scripts (one imports a local
/// module, one reads a folder when it runs).
fn current_book() -> Fixture {
    let book = Fixture::new(&[("uses_util", USES_UTIL), ("plain", PLAIN)], &[("keys.md", CHAPTER)])
        .with_crate("util", UTIL)
        .with_crate("unrelated", "pub fn nothing() {}\n")
        .with_script("script.py", SCRIPT)
        .with_script("helper.py", HELPER)
        .with_script("lonely.py", "print('alone')\n")
        .with_script(
            "reader.py",
            "import os, sys\nprint(sorted(os.listdir(sys.argv[0].replace('python/reader.py', 'data'))))\n",
        );
    book.write("util/src/greeting.txt", "hello");
    book.write("data/a.txt", "1");
    let (_, ran) = book.build(Mode::Auto).unwrap();
    assert_eq!(ran, 5);
    assert_eq!(
        book.stale(),
        Vec::<String>::new(),
        "all current after a build"
    );
    book
}

/// Applies `change` to a fresh current book and returns what goes stale.
fn stale_after(change: impl FnOnce(&Fixture)) -> Vec<String> {
    let book = current_book();
    change(&book);
    book.stale()
}

fn edit(book: &Fixture, file: &str, edit: impl FnOnce(String) -> String) {
    let text = book.read(file);
    book.write(file, &edit(text));
}

#[test]
fn a_program_s_own_source() {
    assert_eq!(
        stale_after(|b| edit(b, "examples/plain.rs", |t| t.replace("plain", "changed"))),
        ["plain"]
    );
    assert_eq!(
        stale_after(|b| edit(b, "python/lonely.py", |t| t + "print('more')\n")),
        ["lonely.py"]
    );
}

#[test]
fn the_crates_it_uses_and_the_files_they_include() {
    assert_eq!(
        stale_after(|b| edit(b, "util/src/lib.rs", |t| t + "// touched\n")),
        ["uses_util"]
    );
    assert_eq!(
        stale_after(|b| b.write("util/src/greeting.txt", "bonjour")),
        ["uses_util"]
    );
    // A file the crate does not compile is not an input.
    assert!(stale_after(|b| b.write("util/src/notes.txt", "x")).is_empty());
}

#[test]
fn a_script_s_local_imports_and_what_it_reads() {
    assert_eq!(
        stale_after(|b| edit(b, "python/helper.py", |t| t.replace("helped", "aided"))),
        ["script.py"]
    );
    assert_eq!(stale_after(|b| b.write("data/b.txt", "2")), ["reader.py"]);
    assert_eq!(
        stale_after(|b| b.write("data/a.txt", "changed")),
        ["reader.py"]
    );
}

#[test]
fn how_programs_are_built_and_run() {
    // The release profile and build flags change every Rust program.
    let profile = stale_after(|b| {
        edit(b, "Cargo.toml", |t| {
            t + "\n[profile.release]\nopt-level = 2\n"
        })
    });
    assert_eq!(profile, ["plain", "uses_util"]);
    let flags = stale_after(|b| {
        b.write(
            ".cargo/config.toml",
            "[build]\nrustflags = [\"-C\", \"debug-assertions\"]\n",
        )
    });
    assert_eq!(flags, ["plain", "uses_util"]);
    // The interpreter the book names changes every script.
    let interpreter = stale_after(|b| {
        let python = b.root().join("python3-alias");
        std::os::unix::fs::symlink(which("python3"), &python).unwrap();
        let toml = format!(
            "[preprocessor.notebook.languages.py]\ncommand = {:?}\nfolder = \"python\"\nfence = \"python\"\n",
            python.display().to_string()
        );
        edit(b, "book.toml", |t| t + &toml)
    });
    assert_eq!(interpreter, ["lonely.py", "reader.py", "script.py"]);
}

#[test]
fn nothing_else() {
    for (what, change) in [
        (
            "prose",
            &(|b: &Fixture| {
                edit(b, "src/keys.md", |t| {
                    t.replace("# Keys", "# Keys, reworded")
                })
            }) as &dyn Fn(&Fixture),
        ),
        ("a comment in the root manifest", &|b: &Fixture| {
            edit(b, "Cargo.toml", |t| format!("# a comment\n{t}"))
        }),
        ("a crate no program uses", &|b: &Fixture| {
            edit(b, "unrelated/src/lib.rs", |t| t + "pub fn more() {}\n")
        }),
        ("an unrelated script", &|b: &Fixture| {
            b.write("python/other.py", "print(1)\n")
        }),
        ("a dev-dependency of another package", &|b: &Fixture| {
            edit(b, "unrelated/Cargo.toml", |t| {
                t + "\n[dev-dependencies]\nutil = { path = \"../util\" }\n"
            })
        }),
        ("a profile no program is built with", &|b: &Fixture| {
            edit(b, "Cargo.toml", |t| t + "\n[profile.dev]\nopt-level = 1\n")
        }),
        ("Cargo.lock's formatting", &|b: &Fixture| {
            edit(b, "Cargo.lock", |t| t + "\n")
        }),
    ] {
        assert_eq!(
            stale_after(change),
            Vec::<String>::new(),
            "{what} made results stale"
        );
    }
}

/// Examples keyed on a dependency of their package only if they name it.
#[test]
fn a_dependency_an_example_does_not_name_is_not_its_input() {
    let book = current_book();
    // `plain` has `util` available (a dependency of its package) but never names it.
    edit(&book, "util/src/lib.rs", |t| t + "pub fn extra() {}\n");
    assert_eq!(book.stale(), ["uses_util"]);
}

fn package(name: &str, extra: &str) -> String {
    format!(
        "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n{extra}"
    )
}

/// Crates reached by a rename, a `[lib] name`, a macro's expansion, or a
/// feature another crate turns on all count.
#[test]
fn crates_reached_in_every_way_count() {
    let ex = "fn main() {\n    println!(\"{} {} {} {}\", my_c::c(), quux::q(), mac::call_e!(), a::loud());\n}\n";
    let book = Fixture::new(
        &[("ex", ex), ("other", PLAIN)],
        &[("k.md", "# K\n\n{{#cell ex}}\n\n{{#cell other}}\n")],
    )
    .with_package(
        "c",
        &package("c", ""),
        "pub fn c() -> &'static str { \"c1\" }\n",
        Some("my-c = { package = \"c\", path = \"c\" }"),
    )
    .with_package(
        "libname",
        &package("lib-pkg", "\n[lib]\nname = \"quux\"\n"),
        "pub fn q() -> &'static str { \"q1\" }\n",
        Some("lib-pkg = { path = \"libname\" }"),
    )
    .with_package(
        "e",
        &package("e", ""),
        "pub fn e() -> &'static str { \"e1\" }\n",
        Some("e = { path = \"e\" }"),
    )
    .with_package(
        "mac",
        &package("mac", ""),
        "#[macro_export]\nmacro_rules! call_e { () => { ::e::e() } }\n",
        Some("mac = { path = \"mac\" }"),
    )
    .with_package(
        "a",
        &package("a", "\n[features]\nloud = []\n"),
        "pub fn loud() -> bool { cfg!(feature = \"loud\") }\n",
        Some("a = { path = \"a\" }"),
    )
    .with_package(
        "b",
        &package("b", "\n[dependencies]\na = { path = \"../a\" }\n"),
        "",
        Some("b = { path = \"b\" }"),
    );
    book.build(Mode::Auto).unwrap();
    assert_eq!(book.stale(), Vec::<String>::new());
    for (file, from, to) in [
        ("c/src/lib.rs", "c1", "c2"),
        ("libname/src/lib.rs", "q1", "q2"),
        ("e/src/lib.rs", "e1", "e2"),
        (
            "b/Cargo.toml",
            "a = { path = \"../a\" }",
            "a = { path = \"../a\", features = [\"loud\"] }",
        ),
    ] {
        edit(&book, file, |t| t.replace(from, to));
        assert_eq!(book.stale(), ["ex"], "{file}");
        book.build(Mode::Auto).unwrap();
    }
}

/// What book.toml sets in the environment is an input; what it reads must exist.
#[test]
fn the_book_s_environment_and_reads() {
    let book = current_book();
    edit(&book, "book.toml", |t| {
        t + "env = { GREETING = \"hello\" }\n"
    });
    assert_eq!(book.stale().len(), 5, "every program sees the environment");
    book.write(
        "src/keys.md",
        "# K\n\n{{#cell reader.py reads=data,nosuch.txt}}\n",
    );
    let err = book.fail(Mode::Frozen);
    assert!(
        err.contains("`reads=nosuch.txt`: no such file or folder"),
        "{err}"
    );
}

#[test]
fn two_programs_may_not_share_a_stored_result() {
    let book = Fixture::new(
        &[("bin-x", PLAIN)],
        &[("k.md", "# K\n\n{{#cell bin-x}}\n\n{{#cell bin:fixlab}}\n")],
    )
    .with_lab();
    book.write("examples/bin-fixlab.rs", PLAIN);
    book.write(
        "src/k.md",
        "# K\n\n{{#cell bin-fixlab}}\n\n{{#cell bin:fixlab}}\n",
    );
    let err = book.fail(Mode::Auto);
    assert!(
        err.contains("would share its stored result outputs/cells/bin-fixlab.json"),
        "{err}"
    );
}

fn which(program: &str) -> std::path::PathBuf {
    let path = std::env::var_os("PATH").unwrap();
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("{program} not on PATH"))
}
