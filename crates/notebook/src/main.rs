//! `mdbook-notebook`: the notebook preprocessor for `mdbook build`, speaking
//! mdBook 0.5's preprocessor protocol: `mdbook-notebook supports RENDERER`
//! answers by exit status; with no arguments, the book comes as JSON on stdin
//! and goes back, processed, as JSON on stdout.

use mdbook_preprocessor::Preprocessor;
use notebook::Notebook;
use std::process::ExitCode;

fn main() -> ExitCode {
    let notebook = Notebook::new();
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [supports, renderer] if supports == "supports" => {
            match notebook.supports_renderer(renderer) {
                Ok(true) => ExitCode::SUCCESS,
                _ => ExitCode::FAILURE,
            }
        }
        [] => match process(&notebook) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("mdbook-notebook: error: {e:#}");
                ExitCode::FAILURE
            }
        },
        _ => {
            eprintln!(
                "usage: mdbook-notebook [supports RENDERER]   (run by mdbook, see book.toml)"
            );
            ExitCode::from(2)
        }
    }
}

fn process(notebook: &Notebook) -> anyhow::Result<()> {
    let (ctx, book) = mdbook_preprocessor::parse_input(std::io::stdin().lock())?;
    if ctx.mdbook_version != mdbook_preprocessor::MDBOOK_VERSION {
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
