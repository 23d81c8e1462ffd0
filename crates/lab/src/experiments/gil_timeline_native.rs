//! The native-thread twin of [`super::gil_timeline`] (chapter 10b): the same
//! four countdowns as plain Rust threads, each lane filled from the thread's
//! start to its end. It has its own name (and file) so that the book can
//! chart it with `{{#chart gil_timeline_native}}`; the code lives beside the
//! model-GIL version it is compared with.

pub use super::gil_timeline::run_native as run;
