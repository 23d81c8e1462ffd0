//! The experiments behind the book's charts, and the records they print.
//!
//! Examples teach; the lab measures. Each experiment runs a workload several
//! times, keeps every sample and prints one JSON [`Record`] on stdout, which the
//! notebook stores in `outputs/` and `charts` draws.

pub mod contention;
pub mod experiments;
pub mod fork;
pub mod machine;
pub mod python;
pub mod record;
pub mod sample;

pub use machine::Machine;
pub use record::{Lane, Plot, Point, Record, Series, SeriesKind, Summary};
