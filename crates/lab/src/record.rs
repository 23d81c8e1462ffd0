//! The record an experiment prints is the notebook's ([`notebook_record`]);
//! this module adds the book's series kinds, which fix each series' colour
//! and legend name across every chart of the book, and builds series and bar
//! plots from them.

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

    /// A series of this kind: its colour comes from the kind.
    pub fn series(self, name: impl Into<String>, points: Vec<Point>) -> Series {
        Series {
            name: name.into(),
            color: self.color(),
            points,
        }
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

/// A bar chart: one bar per `(category, kind, samples)`, in that order, each
/// its own series of one point so that it takes its kind's colour.
pub fn bars(
    y_label: &str,
    log_y: bool,
    bars: impl IntoIterator<Item = (String, SeriesKind, Vec<f64>)>,
) -> Plot {
    let (categories, series) = bars
        .into_iter()
        .enumerate()
        .map(|(i, (category, kind, samples))| {
            let point = Point {
                x: i as f64,
                samples,
            };
            let series = kind.series(category.clone(), vec![point]);
            (category, series)
        })
        .unzip();
    Plot::Bars {
        y_label: y_label.into(),
        log_y,
        categories,
        series,
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
    fn bars_are_one_coloured_series_per_category() {
        let plot = bars(
            "s",
            true,
            [
                ("a".into(), SeriesKind::Threads, vec![1.0]),
                ("b".into(), SeriesKind::Spawn, vec![2.0, 3.0]),
            ],
        );
        let Plot::Bars {
            categories, series, ..
        } = plot
        else {
            panic!("not a bar chart: {plot:?}");
        };
        assert_eq!(categories, ["a", "b"]);
        assert_eq!(series[1].name, "b");
        assert_eq!(series[1].color, SeriesKind::Spawn.color());
        assert_eq!(series[1].points[0].x, 1.0);
        assert_eq!(series[1].points[0].samples, [2.0, 3.0]);
    }

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
