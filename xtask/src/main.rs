//! `cargo xtask …`: the project's own commands (alias in .cargo/config.toml).
//!
//! - `book [--frozen | --force | --rerun CHAPTER]`: builds the book into
//!   `book/` with mdBook as a library, mermaid and the notebook in-process, so a
//!   fresh machine with Rust needs nothing installed by hand.
//! - `bench-book [--samples N]`: how much the notebook costs a warm build,
//!   against plain mdBook on the same markdown, and how long executing every
//!   cell and chart from cold takes (the sum of the stored durations).
//! - `browser-test`: opens the built book in headless Chromium and checks what a
//!   reader sees (xtask/src/browser.rs).
//! - `measure`: runs the lab on this machine and shows each chart of the book
//!   next to the same chart from this machine's numbers (xtask/src/measure.rs).

mod browser;
mod measure;

use anyhow::{Context, Result, anyhow, bail};
use mdbook_driver::MDBook;
use mdbook_driver::book::Book;
use mdbook_mermaid::Mermaid;
use mdbook_preprocessor::{Preprocessor, PreprocessorContext};
use notebook::directive::Directive;
use notebook::record::Summary;
use notebook::{BookLock, Mode, Notebook, scan};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Instant;

const USAGE: &str = "usage:
  cargo xtask book [--frozen | --force | --rerun CHAPTER]
      build the book into book/ (mode: book.toml, then NOTEBOOK_MODE, then these flags)
  cargo xtask bench-book [--samples N]
      time a warm book build against plain mdBook, and report cold execution time
  cargo xtask browser-test
      check the built book/ in headless Chromium (needs chromium and chromedriver)
  cargo xtask measure
      run the lab here; write target/measure/index.html with the book's charts and yours";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("book") => book_command(&args[1..]),
        Some("bench-book") => bench_command(&args[1..]),
        Some("browser-test") if args.len() == 1 => browser::run(&root()),
        Some("measure") if args.len() == 1 => measure::run(&root()),
        Some("-h" | "--help") => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => Err(anyhow!("{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root, which is also the book's root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives inside the workspace")
        .to_path_buf()
}

fn book_command(args: &[String]) -> Result<()> {
    let mode = match args {
        [] => None,
        [flag] if flag == "--frozen" => Some(Mode::Frozen),
        [flag] if flag == "--force" => Some(Mode::Force),
        [flag, chapter] if flag == "--rerun" => Some(Mode::Rerun(chapter.clone())),
        _ => bail!("{USAGE}"),
    };
    let mut notebook = Notebook::new();
    if let Some(mode) = mode {
        notebook = notebook.with_mode(mode);
    }
    let root = root();
    // One build of the book at a time, rendering included: a second waits.
    let _lock = BookLock::acquire(&root.join("outputs"))?;
    let started = Instant::now();
    let out = build(&root, notebook, None)?;
    eprintln!(
        "book built in {:.1} s: {}",
        started.elapsed().as_secs_f64(),
        out.join("index.html").display()
    );
    Ok(())
}

/// Builds the book at `root` with `notebook` (replacing book.toml's
/// `[preprocessor.notebook]` command) and mermaid, into `build_dir` or the
/// book's own. Returns the HTML output folder.
fn build(
    root: &Path,
    notebook: impl Preprocessor + 'static,
    build_dir: Option<&Path>,
) -> Result<PathBuf> {
    let mut book = MDBook::load(root)
        .with_context(|| format!("cannot load the book at {}", root.display()))?;
    if let Some(dir) = build_dir {
        book.config.build.build_dir = dir.to_path_buf();
    }
    book.with_preprocessor(Mermaid);
    book.with_preprocessor(notebook);
    book.build().context("the book build failed")?;
    Ok(book.build_dir_for("html"))
}

fn bench_command(args: &[String]) -> Result<()> {
    let samples = match args {
        [] => 5,
        [flag, n] if flag == "--samples" => n.parse().context("--samples takes a number")?,
        _ => bail!("{USAGE}"),
    };
    let root = root();
    let scratch = tempfile::tempdir()?;
    let out = scratch.path().join("book");

    // One build first, so that nothing is left to run or compile and the
    // samples measure the notebook's own work on a current store.
    let warmup = Notebook::new().with_mode(Mode::Auto);
    let started = Instant::now();
    build(&root, warmup, Some(&out))?;
    eprintln!("warm-up build: {:.2} s", started.elapsed().as_secs_f64());

    let time = |make: &dyn Fn() -> Box<dyn Preprocessor>| -> Result<Vec<f64>> {
        let mut times = Vec::new();
        for _ in 0..samples {
            let preprocessor = make();
            let started = Instant::now();
            let mut book = MDBook::load(&root)?;
            book.config.build.build_dir = out.clone();
            book.with_preprocessor(Mermaid);
            book.with_preprocessor(Boxed(preprocessor));
            book.build()?;
            times.push(started.elapsed().as_secs_f64());
        }
        Ok(times)
    };
    // The pages the notebook makes, captured once for the replay baseline.
    let captured = Arc::new(Mutex::new(None));
    let capture = Capture(Notebook::new().with_mode(Mode::Frozen), captured.clone());
    build(&root, capture, Some(&out))?;
    let expanded = captured
        .lock()
        .unwrap()
        .take()
        .context("the notebook made no book")?;

    let summarize = |times: Vec<f64>| Summary::of(&times).context("--samples must be at least 1");
    let notebook = summarize(time(&|| Box::new(Notebook::new().with_mode(Mode::Frozen)))?)?;
    let replay = summarize(time(&|| Box::new(Replay(expanded.clone())))?)?;
    let plain = summarize(time(&|| Box::new(DropDirectives))?)?;
    let warm = notebook.median;
    let show = |what: &str, times: &Summary| {
        println!(
            "{what:<44} median {:.3} s of {samples} (min {:.3}, max {:.3})",
            times.median, times.min, times.max
        )
    };
    show("warm book build (nothing to run):", &notebook);
    show("plain mdBook of the notebook's output pages:", &replay);
    show("plain mdBook, directives dropped:", &plain);
    let ratio = warm / replay.median;
    println!(
        "notebook's own cost: ratio {ratio:.2}x to the same pages without it (goal ≤ 1.2x: {}); \
         {:.2}x to the book without any output; warm build {warm:.2} s (goal ≤ 2 s: {})",
        verdict(ratio <= 1.2),
        warm / plain.median,
        verdict(warm <= 2.0)
    );

    let stored = notebook::store::all(&root.join("outputs"));
    let mut totals = [0.0f64; 2];
    for path in &stored {
        let text = std::fs::read_to_string(path)?;
        let result: notebook::store::Stored = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a stored result", path.display()))?;
        let secs: f64 = result.runs.iter().map(|r| r.duration_secs).sum();
        totals[usize::from(result.kind == notebook::store::Kind::Chart)] += secs;
    }
    println!(
        "cold execution of every stored cell and chart: {:.1} s (sum of {} stored results: cells {:.1} s, charts {:.1} s; compiling not included)",
        totals[0] + totals[1],
        stored.len(),
        totals[0],
        totals[1]
    );
    Ok(())
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "NOT met" }
}

/// A boxed preprocessor, registered under its own name.
struct Boxed(Box<dyn Preprocessor>);

impl Preprocessor for Boxed {
    fn name(&self) -> &str {
        self.0.name()
    }
    fn run(&self, ctx: &PreprocessorContext, book: Book) -> mdbook_driver::errors::Result<Book> {
        self.0.run(ctx, book)
    }
    fn supports_renderer(&self, renderer: &str) -> mdbook_driver::errors::Result<bool> {
        self.0.supports_renderer(renderer)
    }
}

/// Runs the notebook and keeps a copy of the book it returns.
struct Capture(Notebook, Arc<Mutex<Option<Book>>>);

impl Preprocessor for Capture {
    fn name(&self) -> &str {
        self.0.name()
    }
    fn run(&self, ctx: &PreprocessorContext, book: Book) -> mdbook_driver::errors::Result<Book> {
        let book = self.0.run(ctx, book)?;
        *self.1.lock().unwrap() = Some(book.clone());
        Ok(book)
    }
    fn supports_renderer(&self, renderer: &str) -> mdbook_driver::errors::Result<bool> {
        self.0.supports_renderer(renderer)
    }
}

/// A baseline: the notebook's own output pages, handed to mdBook unchanged, so
/// the difference from a real build is the notebook's work alone.
struct Replay(Book);

impl Preprocessor for Replay {
    fn name(&self) -> &str {
        "notebook"
    }
    fn run(&self, _: &PreprocessorContext, _: Book) -> mdbook_driver::errors::Result<Book> {
        Ok(self.0.clone())
    }
    fn supports_renderer(&self, renderer: &str) -> mdbook_driver::errors::Result<bool> {
        Ok(renderer == "html")
    }
}

/// A baseline: the same markdown with every cell and chart line removed and
/// every value replaced by a dash, so mdBook renders the book with no notebook.
struct DropDirectives;

impl Preprocessor for DropDirectives {
    fn name(&self) -> &str {
        "notebook"
    }

    fn run(&self, _: &PreprocessorContext, mut book: Book) -> mdbook_driver::errors::Result<Book> {
        book.for_each_chapter_mut(|chapter| {
            let mut out = String::new();
            let mut last = 0;
            for written in scan::directives(&chapter.content) {
                out.push_str(&chapter.content[last..written.span.start]);
                out.push_str(match written.directive {
                    Ok(Directive::Value(_)) => "–",
                    _ => "",
                });
                last = written.span.end;
            }
            out.push_str(&chapter.content[last..]);
            chapter.content = out;
        });
        Ok(book)
    }

    fn supports_renderer(&self, renderer: &str) -> mdbook_driver::errors::Result<bool> {
        Ok(renderer == "html")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_baseline_drops_directives_and_keeps_prose() {
        let mut book = Book::new();
        book.push_item(mdbook_driver::book::BookItem::Chapter(
            mdbook_driver::book::Chapter::new(
                "c",
                "# T\n\n{{#cell x}}\n\nIt took {{#value s k}}.\n".into(),
                "c.md",
                vec![],
            ),
        ));
        let ctx = PreprocessorContext::new(".".into(), Default::default(), "html".into());
        let book = DropDirectives.run(&ctx, book).unwrap();
        let content = &book.chapters().next().unwrap().content;
        assert_eq!(content, "# T\n\n\n\nIt took –.\n");
    }
}
