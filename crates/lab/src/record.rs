//! The record an experiment prints is the notebook's ([`notebook_record`]);
//! this module adds the book's series kinds, which fix each series' colour
//! and legend name across every chart of the book.

pub use notebook_record::{Lane, Plot, Point, Record, Series, Summary};

/// What a series measures; it fixes the series' colour across the book.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SeriesKind {
    Sequential,
    Threads,
    Processes,
    Rayon,
    GilThreads,
    CPythonThreads,
    CPythonProcesses,
    Spawn,
    /// Data moved between processes without copying it (`vmsplice`/`splice`).
    ZeroCopy,
    Other,
}

impl SeriesKind {
    /// The kind's colour, the same in every chart of the book. From the
    /// Okabe–Ito palette (distinguishable with the common colour-vision
    /// deficiencies), chosen to show on white and on mdBook's dark
    /// backgrounds. Its black cannot show on both and its yellow is too light
    /// on white, so grey, brown, violet and a darker yellow stand in.
    pub fn color(self) -> Option<String> {
        let hex = match self {
            SeriesKind::Sequential => "#999999",       // grey
            SeriesKind::Threads => "#0072B2",          // blue
            SeriesKind::Processes => "#009E73",        // bluish green
            SeriesKind::Rayon => "#E69F00",            // orange
            SeriesKind::GilThreads => "#D55E00",       // vermillion
            SeriesKind::CPythonThreads => "#CC79A7",   // reddish purple
            SeriesKind::CPythonProcesses => "#A6761D", // brown
            SeriesKind::Spawn => "#56B4E9",            // sky blue
            SeriesKind::ZeroCopy => "#8A63D2",         // violet
            SeriesKind::Other => "#C8B400",            // dark yellow
        };
        Some(hex.to_string())
    }

    /// The kind's name in a legend.
    pub fn legend(self) -> &'static str {
        match self {
            SeriesKind::Sequential => "sequential",
            SeriesKind::Threads => "threads",
            SeriesKind::Processes => "processes",
            SeriesKind::Rayon => "rayon",
            SeriesKind::GilThreads => "model-GIL threads",
            SeriesKind::CPythonThreads => "CPython threads",
            SeriesKind::CPythonProcesses => "CPython processes",
            SeriesKind::Spawn => "spawned processes",
            SeriesKind::ZeroCopy => "zero-copy transfer",
            SeriesKind::Other => "other",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [SeriesKind; 10] = [
        SeriesKind::Sequential,
        SeriesKind::Threads,
        SeriesKind::Processes,
        SeriesKind::Rayon,
        SeriesKind::GilThreads,
        SeriesKind::CPythonThreads,
        SeriesKind::CPythonProcesses,
        SeriesKind::Spawn,
        SeriesKind::ZeroCopy,
        SeriesKind::Other,
    ];

    #[test]
    fn every_kind_has_its_own_colour_and_name() {
        for (i, kind) in ALL.iter().enumerate() {
            for other in &ALL[..i] {
                assert_ne!(kind.color(), other.color(), "{kind:?} and {other:?}");
                assert_ne!(kind.legend(), other.legend());
            }
        }
    }
}
