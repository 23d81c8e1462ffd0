//! `book-mermaid`: the Mermaid step of `mdbook build` and `mdbook serve`.
//!
//! book.toml runs it with `cargo run`, like the notebook, so an installed mdBook
//! needs no `mdbook-mermaid` binary beside it. It is the `mdbook-mermaid`
//! library's preprocessor (the one `cargo xtask book` runs in-process), behind
//! mdBook 0.5's preprocessor protocol: `book-mermaid supports RENDERER` answers
//! by exit status; with no arguments, the book comes as JSON on stdin and goes
//! back, processed, as JSON on stdout.

use mdbook_mermaid::Mermaid;
use mdbook_preprocessor::Preprocessor;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [supports, renderer] if supports == "supports" => {
            match Mermaid.supports_renderer(renderer) {
                Ok(true) => ExitCode::SUCCESS,
                _ => ExitCode::FAILURE,
            }
        }
        [] => match process() {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("book-mermaid: error: {e:#}");
                ExitCode::FAILURE
            }
        },
        _ => {
            eprintln!("usage: book-mermaid [supports RENDERER]   (run by mdbook, see book.toml)");
            ExitCode::from(2)
        }
    }
}

fn process() -> anyhow::Result<()> {
    let (ctx, book) = mdbook_preprocessor::parse_input(std::io::stdin().lock())?;
    if ctx.mdbook_version != mdbook_preprocessor::MDBOOK_VERSION {
        eprintln!(
            "book-mermaid: warning: built for mdbook {}, called by mdbook {}",
            mdbook_preprocessor::MDBOOK_VERSION,
            ctx.mdbook_version
        );
    }
    let book = Mermaid.run(&ctx, book)?;
    serde_json::to_writer(std::io::stdout().lock(), &book)?;
    Ok(())
}
