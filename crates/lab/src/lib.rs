//! The experiments behind the book's charts, and the records they print.
//!
//! Examples teach; the lab measures. Each experiment runs a workload several
//! times, keeps every sample and prints one JSON [`Record`] on stdout, which the
//! notebook stores in `outputs/` and draws.

pub mod contention;
pub mod experiments;
pub mod fork;
pub mod probes;
pub mod python;
pub mod record;
pub mod sample;
pub mod speedup;
pub mod ways;

pub use record::{Lane, Plot, Point, Record, Series, SeriesKind, Summary, bars};

/// The cores this process may run on.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
