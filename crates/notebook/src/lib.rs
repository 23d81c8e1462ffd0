//! `mdbook-notebook`: an mdBook preprocessor that makes a book executed, like
//! a Jupyter notebook: every listing is a real program, run when the book is
//! built, with its real output under it.
//!
//! ```text
//! {{#cell hello}}                 examples/hello.rs: its source, then what it printed
//! {{#cell race.py runs=3}}        python/race.py, run three times, side by side
//! {{#cell hello:main -- a "b c"}} one `ANCHOR: main` region, run with two arguments
//! {{#chart scaling}}              a program that prints a chart record, drawn as SVG
//! {{#value scaling speedup}}      one headline value of that record, in the prose
//! ```
//!
//! Results are stored in `outputs/` under a key of exactly what produced
//! them ([`key`]), so a build runs only what changed, and a `frozen` build
//! (CI) runs nothing and fails if any result is missing or stale; `verify`
//! runs everything again and compares. Programs run contained ([`exec`]): a
//! clean environment, a fresh directory, a time limit, and nothing they
//! start outlives them.
//!
//! The build, phase by phase: [`config`] (book.toml, the mode) →
//! [`scan`] (directives, found by [`markdown`], parsed by [`directive`]) →
//! [`plan`] (the programs: [`program`], [`cargo`]) → [`decide`] (use, run or
//! refuse each stored result; [`store`], [`key`]) → [`execute`] ([`exec`]) →
//! [`page`] ([`render`], [`chart`]). [`Notebook`] runs them in order.

pub mod cargo;
pub mod chart;
pub mod config;
pub mod decide;
pub mod directive;
pub mod exec;
pub mod execute;
pub mod key;
pub mod lock;
pub mod machine;
pub mod markdown;
pub mod notebook;
pub mod page;
pub mod plan;
pub mod program;
pub mod render;
pub mod scan;
pub mod store;
pub mod text;
pub mod verify;

pub use config::Mode;
pub use lock::BookLock;
pub use notebook::Notebook;
pub use notebook_record as record;
