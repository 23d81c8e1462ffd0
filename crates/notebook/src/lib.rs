//! `mdbook-notebook`: an mdBook preprocessor that makes the book executed.
//!
//! `{{#cell NAME}}` becomes the example's source and the real output of running
//! it; `{{#chart NAME}}` becomes an SVG chart of a lab experiment's record;
//! `{{#value NAME KEY}}` becomes one of that record's headline numbers. Results
//! are frozen in `outputs/` under a key of everything they depend on, so a
//! build re-runs only what changed, and a `frozen` build (CI) runs nothing and
//! fails if any result is missing or stale.
//!
//! Modules, in the order a build uses them: [`config`] (book.toml and mode),
//! [`directive`] (finding directives in a chapter), [`key`] (what a result
//! depends on), [`store`] (the JSON files), [`exec`] (running one program),
//! [`render`] (the HTML a reader sees), [`preprocessor`] (the build itself).

pub mod config;
pub mod directive;
pub mod exec;
pub mod key;
pub mod preprocessor;
pub mod render;
pub mod store;

pub use config::Mode;
pub use preprocessor::Notebook;
