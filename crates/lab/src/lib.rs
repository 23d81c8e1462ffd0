//! The experiments behind the book's charts, and the records they print.
//!
//! Examples teach; the lab measures. Each experiment runs a workload several
//! times, keeps every sample and prints one JSON record on stdout, which the
//! notebook stores and `charts` draws.

pub mod machine;

pub use machine::Machine;
