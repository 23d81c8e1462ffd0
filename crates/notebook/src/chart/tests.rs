//! Every plot kind renders to embeddable, theme-aware SVG; bad records fail
//! with a message instead of a panic.

use super::*;
use notebook_record::Lane;
use std::collections::BTreeMap;

const BLUE: &str = "#0072B2";
const GREEN: &str = "#009E73";
const GREY: &str = "#999999";
const VERMILLION: &str = "#D55E00";
const SKY: &str = "#56B4E9";

fn machine() -> Machine {
    Machine {
        cpu: "Test CPU".into(),
        cores: 2,
        os: "Linux 6.1".into(),
        date: "2026-11-25".into(),
    }
}

fn record(title: &str, plot: Plot) -> Record {
    Record {
        notes: vec!["A note.".into()],
        ..Record::new(title, plot)
    }
}

fn series(name: &str, color: &str, points: &[(f64, &[f64])]) -> Series {
    Series {
        name: name.into(),
        color: Some(color.into()),
        points: points
            .iter()
            .map(|(x, samples)| Point {
                x: *x,
                samples: samples.to_vec(),
            })
            .collect(),
    }
}

pub(crate) fn bars_record() -> Record {
    record(
        "Two threads and two processes each finish two tasks in about half the time",
        Plot::Bars {
            y_label: "wall time for two tasks (s)".into(),
            log_y: false,
            categories: vec![
                "sequential".into(),
                "2 threads".into(),
                "2 processes".into(),
            ],
            series: vec![
                series("sequential", GREY, &[(0.0, &[2.01, 2.03, 1.99, 2.2, 2.0])]),
                series("2 threads", BLUE, &[(1.0, &[1.02, 1.01, 1.05, 1.0, 1.1])]),
                series(
                    "2 processes",
                    GREEN,
                    &[(2.0, &[1.03, 1.0, 1.02, 1.04, 1.2])],
                ),
            ],
        },
    )
}

pub(crate) fn lines_record() -> Record {
    record(
        "Threads scale with cores; model-GIL threads do not",
        Plot::Lines {
            x_label: "workers".into(),
            y_label: "wall time (s)".into(),
            log_x: true,
            log_y: false,
            series: vec![
                series(
                    "threads",
                    BLUE,
                    &[
                        (1.0, &[1.0, 1.1, 0.9]),
                        (2.0, &[0.52, 0.5, 0.55]),
                        (4.0, &[0.51, 0.5, 0.6]),
                    ],
                ),
                series(
                    "model-GIL threads",
                    VERMILLION,
                    &[
                        (1.0, &[1.0, 1.05, 0.98]),
                        (2.0, &[1.01, 1.1, 1.0]),
                        (4.0, &[1.02, 1.1, 1.0]),
                    ],
                ),
            ],
        },
    )
}

pub(crate) fn timeline_record() -> Record {
    let lane = |name: &str, color: &str, spans: Vec<(f64, f64)>| Lane {
        name: name.into(),
        group: Some(
            if color == GREEN {
                "processes"
            } else {
                "model-GIL threads"
            }
            .into(),
        ),
        color: Some(color.into()),
        spans,
    };
    record(
        "Under the GIL, only one thread runs at a time",
        Plot::Timeline {
            x_label: "time (ms)".into(),
            lanes: vec![
                lane(
                    "thread 1",
                    VERMILLION,
                    vec![(0.0, 5.0), (10.0, 15.0), (20.0, 25.0)],
                ),
                lane("thread 2", VERMILLION, vec![(5.0, 10.0), (15.0, 20.0)]),
                lane("process", GREEN, vec![(0.0, 25.0)]),
            ],
        },
    )
}

/// Renders with no book colours, on the test machine.
fn draw(record: &Record) -> Result<Rendered, String> {
    render(record, &BTreeMap::new(), &machine())
}

/// What every rendered chart must be.
fn assert_embeddable(rendered: &Rendered, record: &Record) {
    let svg = &rendered.svg;
    assert!(svg.starts_with("<svg "), "{}", &svg[..40]);
    assert!(svg.ends_with("</svg>"));
    assert!(!svg.contains("<?xml"));
    assert!(!svg.contains("\n\n"), "blank line in the SVG");
    assert!(svg.contains("viewBox=\"0 0 "));
    assert!(svg.contains("max-width:100%"));
    assert!(svg.contains(&format!("<title>{}</title>", record.title)));
    assert!(svg.contains("var(--fg"), "text and axes follow the theme");
    for sentinel in ["#010203", "#FDFEFC"] {
        assert!(
            !svg.contains(sentinel),
            "sentinel {sentinel} left in the SVG"
        );
    }
    // Every opened tag closes (a rough well-formedness check).
    let opened = svg.matches("<text").count();
    assert_eq!(opened, svg.matches("</text>").count());
    assert_eq!(svg.matches("<svg").count(), svg.matches("</svg>").count());
    // No element carries the same attribute twice.
    for line in svg.lines() {
        assert!(line.matches(" style=\"").count() <= 1, "{line}");
    }
    assert!(
        rendered
            .caption
            .starts_with("Measured on Test CPU, 2 cores, Linux 6.1, 2026-11-25;")
    );
    // Notes are shown by the page, under the caption, not inside it.
    assert!(!rendered.caption.contains("A note."));
}

/// The title may be wrapped over several `<text>` lines: every word shows.
fn assert_words_shown(svg: &str, text: &str) {
    for word in text.split_whitespace() {
        assert!(svg.contains(word), "{word:?} missing from the SVG");
    }
}

fn text_elements(svg: &str) -> Vec<&str> {
    svg.split("<text")
        .skip(1)
        .filter_map(|rest| rest.split_once('>'))
        .map(|(_, rest)| rest.split("</text>").next().unwrap_or("").trim())
        .collect()
}

#[test]
fn bars_show_categories_axis_label_and_series_colours() {
    let record = bars_record();
    let rendered = draw(&record).unwrap();
    assert_embeddable(&rendered, &record);
    let texts = text_elements(&rendered.svg);
    for label in [
        "sequential",
        "2 threads",
        "2 processes",
        "wall time for two tasks (s)",
    ] {
        assert!(texts.contains(&label), "{label:?} not among {texts:?}");
    }
    assert_words_shown(&rendered.svg, &record.title);
    assert!(
        texts.contains(&"2.01 s"),
        "median label of the sequential bar"
    );
    for kind in [GREY, BLUE, GREEN] {
        let fill = format!("fill=\"{}\"", theme::hex(theme::parse_color(kind).unwrap()));
        assert!(
            rendered.svg.contains(&fill),
            "{kind:?} bar not drawn in {fill}"
        );
    }
    // Every sample is a dot: 15 samples, drawn as hollow circles.
    assert_eq!(rendered.svg.matches("<circle").count(), 15);
    assert!(
        rendered
            .caption
            .contains("; 5 samples per bar, bars at the median, whiskers min–max.")
    );
}

#[test]
fn grouped_bars_get_a_legend_instead_of_value_labels() {
    let record = record(
        "Grouped",
        Plot::Bars {
            y_label: "time (ms)".into(),
            log_y: false,
            categories: vec!["small".into(), "large".into()],
            series: vec![
                series("fork", GREEN, &[(0.0, &[1.0]), (1.0, &[9.0])]),
                series("spawn", SKY, &[(0.0, &[2.0]), (1.0, &[2.5])]),
            ],
        },
    );
    let rendered = draw(&record).unwrap();
    assert_embeddable(&rendered, &record);
    let texts = text_elements(&rendered.svg);
    for label in ["small", "large", "fork", "spawn"] {
        assert!(texts.contains(&label), "{label:?} not among {texts:?}");
    }
    assert!(!texts.iter().any(|t| t.ends_with(" ms")), "{texts:?}");
    assert!(rendered.caption.contains("1 sample per bar"));
}

/// Start-up times from 50 µs to 50 ms, on a log axis.
fn log_bars_record() -> Record {
    record(
        "A thread starts a thousand times faster than a new program",
        Plot::Bars {
            y_label: "start + wait for exit, log scale (ms)".into(),
            log_y: true,
            categories: vec!["thread".into(), "fork".into(), "spawn".into()],
            series: vec![
                series("thread", BLUE, &[(0.0, &[0.05, 0.04, 0.09])]),
                series("fork", GREEN, &[(1.0, &[0.3, 0.25, 0.4])]),
                series("spawn", SKY, &[(2.0, &[50.0, 45.0, 61.0])]),
            ],
        },
    )
}

/// The height of the first `<rect>` filled with `kind`'s colour.
fn bar_height(svg: &str, kind: &str) -> f64 {
    let fill = format!("fill=\"{}\"", theme::hex(theme::parse_color(kind).unwrap()));
    let rect = svg
        .lines()
        .find(|line| line.starts_with("<rect") && line.contains(&fill))
        .unwrap_or_else(|| panic!("no {kind:?} bar"));
    let (_, rest) = rect.split_once(" height=\"").expect("a rect has a height");
    rest.split('"').next().unwrap().parse().unwrap()
}

#[test]
fn log_bars_show_small_and_large_values_on_decade_ticks() {
    let record = log_bars_record();
    let rendered = draw(&record).unwrap();
    assert_embeddable(&rendered, &record);
    let texts = text_elements(&rendered.svg);
    for label in ["0.01", "0.1", "1", "10", "0.0500 ms", "50.0 ms"] {
        assert!(texts.contains(&label), "{label:?} not among {texts:?}");
    }
    // Decades only: no 1-2-5 steps when the values span three of them.
    assert!(!texts.contains(&"2") && !texts.contains(&"5"), "{texts:?}");
    // A thousandth of the tallest bar would be a sliver on a linear axis;
    // on a log one the smallest bar keeps a good share of its height.
    let thread = bar_height(&rendered.svg, BLUE);
    let spawn = bar_height(&rendered.svg, SKY);
    assert!(thread > spawn / 10.0, "thread {thread}, spawn {spawn}");
    assert!(thread < spawn, "thread {thread}, spawn {spawn}");
    assert_eq!(rendered.svg.matches("<circle").count(), 9);
}

#[test]
fn narrow_log_bars_get_1_2_5_ticks() {
    let mut record = log_bars_record();
    if let Plot::Bars { series, .. } = &mut record.plot {
        series[0].points[0].samples = vec![2.0];
        series[1].points[0].samples = vec![4.0];
        series[2].points[0].samples = vec![8.0];
    }
    let rendered = draw(&record).unwrap();
    let texts = text_elements(&rendered.svg);
    for label in ["1", "2", "5", "10"] {
        assert!(texts.contains(&label), "{label:?} not among {texts:?}");
    }
}

#[test]
fn lines_show_axes_legend_and_log_ticks() {
    let record = lines_record();
    let rendered = draw(&record).unwrap();
    assert_embeddable(&rendered, &record);
    let texts = text_elements(&rendered.svg);
    for label in [
        "workers",
        "wall time (s)",
        "threads",
        "model-GIL threads",
        "1",
        "2",
        "4",
    ] {
        assert!(texts.contains(&label), "{label:?} not among {texts:?}");
    }
    for kind in [BLUE, VERMILLION] {
        let stroke = format!(
            "stroke=\"{}\"",
            theme::hex(theme::parse_color(kind).unwrap())
        );
        assert!(
            rendered.svg.contains(&stroke),
            "{kind:?} line not drawn in {stroke}"
        );
    }
    assert!(rendered.caption.contains("3 samples per point"));
}

#[test]
fn timeline_shows_lanes_and_kinds() {
    let record = timeline_record();
    let rendered = draw(&record).unwrap();
    assert_embeddable(&rendered, &record);
    let texts = text_elements(&rendered.svg);
    for label in [
        "thread 1",
        "thread 2",
        "process",
        "time (ms)",
        "model-GIL threads",
        "processes",
    ] {
        assert!(texts.contains(&label), "{label:?} not among {texts:?}");
    }
    let red = format!(
        "fill=\"{}\"",
        theme::hex(theme::parse_color(VERMILLION).unwrap())
    );
    // Five spans and one legend swatch.
    assert_eq!(rendered.svg.matches(&red).count(), 6);
    assert!(rendered.caption.contains("; one run."));
}

#[test]
fn differing_sample_counts_are_a_range() {
    let mut record = lines_record();
    if let Plot::Lines { series, .. } = &mut record.plot {
        series[0].points[0].samples.extend([1.0, 1.0]);
    }
    assert!(
        draw(&record)
            .unwrap()
            .caption
            .contains("3–5 samples per point")
    );
}

fn error_of(record: &Record) -> String {
    match draw(record) {
        Ok(_) => panic!("{:?} should not render", record.plot),
        Err(message) => message,
    }
}

#[test]
fn empty_or_broken_data_is_an_error() {
    let mut empty = bars_record();
    if let Plot::Bars { series, .. } = &mut empty.plot {
        series.clear();
    }
    assert!(error_of(&empty).contains("no series"));

    let mut no_samples = bars_record();
    if let Plot::Bars { series, .. } = &mut no_samples.plot {
        series[1].points[0].samples.clear();
    }
    assert!(error_of(&no_samples).contains("\"2 threads\""));

    let mut nan = lines_record();
    if let Plot::Lines { series, .. } = &mut nan.plot {
        series[0].points[1].samples[0] = f64::NAN;
    }
    assert!(error_of(&nan).contains("not a finite number"));

    let mut not_on_log = lines_record();
    if let Plot::Lines { series, .. } = &mut not_on_log.plot {
        series[0].points[0].x = 0.0;
    }
    assert!(error_of(&not_on_log).contains("log axis"));

    for bad in [0.0, -1.0] {
        let mut not_on_log = log_bars_record();
        if let Plot::Bars { series, .. } = &mut not_on_log.plot {
            series[1].points[0].samples[2] = bad;
        }
        let message = error_of(&not_on_log);
        assert!(
            message.contains("\"fork\"") && message.contains("log axis"),
            "{message}"
        );
    }

    let mut bad_category = bars_record();
    if let Plot::Bars { series, .. } = &mut bad_category.plot {
        series[0].points[0].x = 7.0;
    }
    assert!(error_of(&bad_category).contains("categories"));

    let mut no_lanes = timeline_record();
    if let Plot::Timeline { lanes, .. } = &mut no_lanes.plot {
        lanes.clear();
    }
    assert!(error_of(&no_lanes).contains("lane"));

    let mut backwards = timeline_record();
    if let Plot::Timeline { lanes, .. } = &mut backwards.plot {
        lanes[0].spans[0] = (5.0, 1.0);
    }
    assert!(error_of(&backwards).contains("\"thread 1\""));
}

#[test]
fn colours_come_from_the_record_then_the_book_then_the_palette() {
    let mut record = lines_record();
    if let Plot::Lines { series, .. } = &mut record.plot {
        series[0].color = None;
        series[1].color = None;
    }
    let fill_of = |svg: &str, colour: &str| svg.contains(&format!("stroke=\"{colour}\""));
    let plain = draw(&record).unwrap().svg;
    assert!(fill_of(&plain, theme::PALETTE[0]) && fill_of(&plain, theme::PALETTE[1]));
    let book = BTreeMap::from([("threads".to_string(), "#123456".to_string())]);
    let named = render(&record, &book, &machine()).unwrap().svg;
    assert!(fill_of(&named, "#123456") && fill_of(&named, theme::PALETTE[0]));
    assert!(!fill_of(&named, theme::PALETTE[1]));

    let bad = BTreeMap::from([("threads".to_string(), "red".to_string())]);
    let err = render(&record, &bad, &machine()).err().unwrap();
    assert!(
        err.contains("\"threads\"") && err.contains("`red`"),
        "{err}"
    );
}

#[test]
fn a_record_of_its_own_machine_names_it() {
    let mut record = bars_record();
    record.machine = Some(Machine {
        cpu: "Elsewhere".into(),
        ..machine()
    });
    assert!(
        draw(&record)
            .unwrap()
            .caption
            .starts_with("Measured on Elsewhere,")
    );
}

/// Writes one chart of each kind to $CHARTS_PREVIEW_DIR (when set), to look
/// at, and draws every `NAME.json` record found there as `NAME.svg`.
#[test]
fn preview() {
    let Some(dir) = std::env::var_os("CHARTS_PREVIEW_DIR") else {
        return;
    };
    let dir = std::path::Path::new(&dir);
    let write = |name: &str, record: &Record| {
        let svg = draw(record).unwrap_or_else(|e| panic!("{name}: {e}")).svg;
        std::fs::write(dir.join(format!("{name}.svg")), svg).unwrap();
    };
    write("bars", &bars_record());
    write("log_bars", &log_bars_record());
    write("lines", &lines_record());
    write("timeline", &timeline_record());
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let json = std::fs::read_to_string(&path).unwrap();
            let record: Record = serde_json::from_str(&json).unwrap();
            write(&path.file_stem().unwrap().to_string_lossy(), &record);
        }
    }
}
