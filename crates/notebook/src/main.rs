//! `mdbook-notebook`: the notebook preprocessor for `mdbook build`, speaking
//! mdBook 0.5's preprocessor protocol.

use mdbook_preprocessor::Preprocessor;
use notebook::Notebook;
use std::process::ExitCode;

const HELP: &str = "\
mdbook-notebook: runs a book's programs and shows their real output

USAGE:
    mdbook-notebook                     read a book from mdBook on stdin, write it back processed
    mdbook-notebook supports RENDERER   exit 0 if RENDERER gets outputs (only `html`)
    mdbook-notebook --version | --help

mdBook runs it for you. In book.toml:

    [preprocessor.notebook]

then, in a chapter, `{{#cell NAME}}` shows examples/NAME.rs and its output,
`{{#cell NAME.py}}` python/NAME.py, `{{#chart NAME}}` draws the record a
program prints. Modes (book.toml `mode`, or NOTEBOOK_MODE): auto, force,
frozen, verify, off. The crate's README has the details.";

fn main() -> ExitCode {
    let notebook = Notebook::new();
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["supports", renderer] => match notebook.supports_renderer(renderer) {
            Ok(true) => ExitCode::SUCCESS,
            _ => ExitCode::FAILURE,
        },
        ["--version" | "-V"] => {
            println!("mdbook-notebook {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        ["--help" | "-h"] => {
            println!("{HELP}");
            ExitCode::SUCCESS
        }
        [] => match process(&notebook) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!(
                    "mdbook-notebook: error: {}",
                    notebook::text::visible(&format!("{e:#}"))
                );
                ExitCode::FAILURE
            }
        },
        _ => {
            eprintln!("mdbook-notebook: unexpected arguments {args:?}\n\n{HELP}");
            ExitCode::from(2)
        }
    }
}

fn process(notebook: &Notebook) -> anyhow::Result<()> {
    #[cfg(unix)]
    stop_when_mdbook_is_gone();
    // Programs of other users cannot read this process's memory or
    // /proc/PID/environ (the builder's variables).
    // SAFETY: prctl only changes this process's dumpable flag.
    #[cfg(target_os = "linux")]
    unsafe {
        libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0)
    };
    let (ctx, book) = mdbook_preprocessor::parse_input(std::io::stdin().lock())?;
    if minor(&ctx.mdbook_version) != minor(mdbook_preprocessor::MDBOOK_VERSION) {
        eprintln!(
            "mdbook-notebook: warning: built for mdbook {}, called by mdbook {}",
            mdbook_preprocessor::MDBOOK_VERSION,
            ctx.mdbook_version
        );
    }
    let book = notebook.run(&ctx, book)?;
    serde_json::to_writer(std::io::stdout().lock(), &book)?;
    Ok(())
}

/// mdBook reads this process's stdout when it is done. If mdBook is killed
/// meanwhile (the pipe's reading end closes), the build is stopped as by
/// SIGTERM: a running program is killed with everything it started, and no
/// further program runs. (Waiting for our own parent would not do: mdBook
/// may run this through `cargo run`.)
#[cfg(unix)]
fn stop_when_mdbook_is_gone() {
    std::thread::spawn(|| {
        let mut stdout = libc::pollfd {
            fd: 1,
            events: 0,
            revents: 0,
        };
        loop {
            // SAFETY: polls one valid pollfd; with no events asked for, it
            // returns only on POLLERR/POLLHUP (the reader closed).
            let ready = unsafe { libc::poll(&mut stdout, 1, -1) };
            if ready > 0 && stdout.revents & (libc::POLLERR | libc::POLLHUP) != 0 {
                // SAFETY: signals this process.
                unsafe { libc::kill(libc::getpid(), libc::SIGTERM) };
                return;
            }
            if ready < 0
                && std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted
            {
                return;
            }
        }
    });
}

/// `0.5` of `0.5.4`: mdBook keeps its preprocessor protocol within a minor version.
fn minor(version: &str) -> &str {
    let mut dots = version.match_indices('.');
    match (dots.next(), dots.next()) {
        (Some(_), Some((second, _))) => &version[..second],
        _ => version,
    }
}
