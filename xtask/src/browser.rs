//! `cargo xtask browser-test`: opens the built book in headless Chromium and checks what a
//! reader sees — diagrams rendered, charts visible and legible in every theme, every cell
//! with its output, the sidebar complete, a quiet console, a printable print.html and a
//! search index of bounded size.
//!
//! It reads the book in `book/` (built by `cargo xtask book`) and writes screenshots to
//! `target/browser-test/`. Every wait is bounded; failures are collected and listed at the end.

mod color;
mod expect;
mod serve;
mod summary;
mod webdriver;

use anyhow::{Context, Result, bail};
use color::{Rgba, composite, contrast_ratio};
use expect::Expected;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};
use summary::Chapter;
use webdriver::Browser;

/// mdBook's themes, as the `mdbook-theme` localStorage value and the `<html>` class.
const THEMES: [&str; 5] = ["light", "rust", "coal", "navy", "ayu"];
/// Chart text must stand out from what is behind it at least this much (WCAG's minimum for
/// large text and graphics).
const MIN_CONTRAST: f64 = 3.0;
/// A diagram or chart wider than the text column is scaled down to fit; with its smallest
/// font drawn below this many pixels (body text is 16) its labels cannot be read.
const MIN_TEXT_PX: f64 = 9.0;
/// mdBook's search index files together may not exceed this.
const SEARCH_INDEX_BUDGET: u64 = 2 * 1024 * 1024;
/// How long a page may take to render its diagrams after `load`.
const RENDER_TIMEOUT: Duration = Duration::from_secs(15);
/// print.html renders every diagram of the book at once.
const PRINT_RENDER_TIMEOUT: Duration = Duration::from_secs(40);

/// True once the page has loaded and mermaid has replaced every `<pre class="mermaid">`
/// with its picture (or its error picture), and the sidebar script has filled the sidebar.
const RENDERED_JS: &str = "return document.readyState === 'complete'
    && document.querySelector('mdbook-sidebar-scrollbox a') !== null
    && [...document.querySelectorAll('pre.mermaid')]
        .every(pre => pre.getAttribute('data-processed') === 'true' || pre.querySelector('svg'));";

/// What the page shows: each diagram, chart and cell output with its size, and the sidebar.
/// A cell is a code block followed by a `div.nb-output` (crates/notebook/src/render.rs).
const PROBE_JS: &str = r#"
const box = el => {
    const r = el.getBoundingClientRect(), s = getComputedStyle(el);
    return { w: r.width, h: r.height,
             shown: s.display !== 'none' && s.visibility !== 'hidden' && parseFloat(s.opacity) > 0 };
};
// The smallest font as drawn: a picture wider than the column is scaled down to fit.
const smallestFont = svg => {
    const view = svg.viewBox.baseVal;
    const scale = view && view.width > 0 ? svg.getBoundingClientRect().width / view.width : 1;
    const sizes = [...svg.querySelectorAll('text, tspan, span, p')]
        .filter(el => el.textContent.trim() && el.getBoundingClientRect().height > 0)
        .map(el => parseFloat(getComputedStyle(el).fontSize) * scale);
    return sizes.length ? Math.min(...sizes) : null;
};
const diagrams = [...document.querySelectorAll('pre.mermaid')].map(pre => {
    const svg = pre.querySelector('svg');
    return { svg: !!svg,
             error: !!svg && (/syntax error/i.test(svg.textContent)
                              || svg.getAttribute('aria-roledescription') === 'error'),
             box: svg ? box(svg) : null,
             text_px: svg ? smallestFont(svg) : null };
});
// mermaid draws some failures outside the block, as a stray element at the end of <body>.
const stray = [...document.body.children]
    .filter(el => !el.closest('#mdbook-body-container, .page-wrapper, #mdbook-sidebar'))
    .filter(el => /syntax error/i.test(el.textContent)).length;
const charts = [...document.querySelectorAll('figure.chart')].map(fig => {
    const svg = fig.querySelector('svg');
    return { svg: !!svg, texts: svg ? svg.querySelectorAll('text').length : 0,
             box: svg ? box(svg) : null, text_px: svg ? smallestFont(svg) : null };
});
const outputs = [...document.querySelectorAll('.nb-output')].map(out => {
    const code = out.previousElementSibling;
    return { command: !!out.querySelector('.nb-command'),
             streams: out.querySelectorAll('.nb-stream').length,
             after_code: !!code && code.tagName === 'PRE' && !!code.querySelector('code'),
             box: box(out) };
});
const sidebar = [...document.querySelectorAll('mdbook-sidebar-scrollbox a[href]')]
    .map(a => new URL(a.href).pathname);
return { diagrams, stray, charts, outputs, sidebar };
"#;

pub fn run(root: &Path) -> Result<()> {
    let book = root.join("book");
    if !book.join("index.html").is_file() {
        bail!(
            "{} has no index.html: build the book first with `cargo xtask book`",
            book.display()
        );
    }
    let out = root.join("target/browser-test");
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    let summary_path = root.join("src/SUMMARY.md");
    let summary = std::fs::read_to_string(&summary_path)
        .with_context(|| format!("reading {}", summary_path.display()))?;
    let chapters = summary::chapters(&summary)
        .map_err(|e| anyhow::anyhow!("{}: {e}", summary_path.display()))?;
    if chapters.is_empty() {
        bail!("{} lists no chapters", summary_path.display());
    }

    let started = Instant::now();
    let mut report = Report::default();
    let server = serve::Server::start(&book).context("starting the book's HTTP server")?;
    let base = server.base_url();
    let browser = Browser::launch(&out.join("chromedriver.log"))?;
    println!(
        "browser-test: {} chapters from {}, served at {base}",
        chapters.len(),
        summary_path.display()
    );
    check_search_index(&book, &mut report)?;
    let seen = check_chapters(&browser, &base, root, &chapters, &mut report)?;
    check_print(&browser, &base, seen.total, &mut report)?;
    // The chapter that shows the most at once: a diagram, a chart and a cell output.
    if let Some(page) = seen.showcase.as_ref().or(seen.with_chart.as_ref()) {
        browser.goto(&format!("{base}{page}"))?;
        wait_rendered(&browser, RENDER_TIMEOUT)?;
        let shot = out.join("chapter.png");
        full_page_screenshot(&browser, &shot)?;
        println!("screenshot {page} -> {}", shot.display());
    }
    match &seen.with_chart {
        Some(page) => check_themes(&browser, &format!("{base}{page}"), page, &out, &mut report)?,
        None => report.fail("no chapter has a chart: themes not checked".to_string()),
    }
    drop(browser);
    drop(server);
    println!("browser-test took {:.1} s", started.elapsed().as_secs_f64());
    report.finish()
}

/// Failures collected over the whole run, each one line a person can act on.
#[derive(Default)]
struct Report {
    failures: Vec<String>,
}

impl Report {
    fn fail(&mut self, failure: String) {
        println!("  FAIL {failure}");
        self.failures.push(failure);
    }

    fn finish(self) -> Result<()> {
        if self.failures.is_empty() {
            println!("browser-test: all checks passed");
            return Ok(());
        }
        let list: Vec<String> = self.failures.iter().map(|f| format!("  - {f}")).collect();
        bail!(
            "browser-test: {} failure(s):\n{}",
            self.failures.len(),
            list.join("\n")
        )
    }
}

/// What the chapter pass found that later checks use.
struct Seen {
    /// Expected diagrams, charts and cells summed over all chapters (print.html shows all).
    total: Expected,
    /// The chapter with the most charts (for the theme check).
    with_chart: Option<String>,
    most_charts: usize,
    /// The first chapter with a diagram, a chart and a cell output (for chapter.png).
    showcase: Option<String>,
}

fn check_chapters(
    browser: &Browser,
    base: &str,
    root: &Path,
    chapters: &[Chapter],
    report: &mut Report,
) -> Result<Seen> {
    let mut seen = Seen {
        total: Expected::default(),
        with_chart: None,
        most_charts: 0,
        showcase: None,
    };
    let sidebar_expected: BTreeSet<String> =
        chapters.iter().map(|c| format!("/{}", c.page)).collect();
    for chapter in chapters {
        let source = root.join("src").join(&chapter.source);
        let markdown = std::fs::read_to_string(&source)
            .with_context(|| format!("reading {}", source.display()))?;
        let expected = match expect::expected(&markdown) {
            Ok(expected) => expected,
            Err(error) => {
                report.fail(format!("{}: {error}", chapter.source));
                continue;
            }
        };
        seen.total += expected;
        if !root.join("book").join(&chapter.page).is_file() {
            report.fail(format!(
                "{}: book/{} was not built",
                chapter.source, chapter.page
            ));
            continue;
        }
        let failures_before = report.failures.len();
        if let Err(error) = browser.goto(&format!("{base}{}", chapter.page)) {
            report.fail(format!("{}: did not load: {error:#}", chapter.page));
            continue;
        }
        let rendered = wait_rendered(browser, RENDER_TIMEOUT)?;
        let probe = browser.execute(PROBE_JS, json!([]))?;
        let console = browser.console_log()?;
        let page = &chapter.page;
        if !rendered {
            report.fail(format!(
                "{page}: diagrams or sidebar still not rendered after {RENDER_TIMEOUT:?}"
            ));
        }
        check_diagrams(page, &probe, expected.diagrams, report);
        check_charts(page, &probe, expected.charts, report);
        check_outputs(page, &probe, expected.cells, report);
        let listed: BTreeSet<String> = strings(&probe["sidebar"]).into_iter().collect();
        let missing: Vec<&String> = sidebar_expected.difference(&listed).collect();
        if !missing.is_empty() {
            report.fail(format!("{page}: sidebar lacks {missing:?}"));
        }
        let errors = console_errors(&console);
        for error in &errors {
            report.fail(format!("{page}: console error: {error}"));
        }
        let status = if report.failures.len() == failures_before {
            "ok  "
        } else {
            "FAIL"
        };
        println!(
            "{status} {page}: {} diagram(s), {} chart(s), {} cell output(s), sidebar {}/{}, {} console error(s)",
            expected.diagrams,
            expected.charts,
            expected.cells,
            sidebar_expected.len() - missing.len(),
            sidebar_expected.len(),
            errors.len()
        );
        if expected.charts > seen.most_charts {
            seen.with_chart = Some(page.clone());
            seen.most_charts = expected.charts;
        }
        if expected.charts > 0
            && expected.diagrams > 0
            && expected.cells > 0
            && seen.showcase.is_none()
        {
            seen.showcase = Some(page.clone());
        }
    }
    Ok(seen)
}

fn wait_rendered(browser: &Browser, timeout: Duration) -> Result<bool> {
    browser.wait_for(RENDERED_JS, timeout)
}

/// Console entries that fail the test: every SEVERE entry. Nothing is excluded; if something
/// ever must be, name it here with the reason.
fn console_errors(console: &[webdriver::LogEntry]) -> Vec<String> {
    console
        .iter()
        .filter(|entry| entry.level == "SEVERE")
        .map(|entry| entry.message.clone())
        .collect()
}

fn check_diagrams(page: &str, probe: &Value, expected: usize, report: &mut Report) {
    let diagrams = list(&probe["diagrams"]);
    if diagrams.len() != expected {
        report.fail(format!(
            "{page}: {} mermaid block(s) in the page, {expected} ```mermaid fence(s) in the source",
            diagrams.len()
        ));
    }
    for (i, diagram) in diagrams.iter().enumerate() {
        let n = i + 1;
        if diagram["svg"] != json!(true) {
            report.fail(format!("{page}: diagram {n} was not rendered (no <svg>)"));
        } else if diagram["error"] == json!(true) {
            report.fail(format!("{page}: diagram {n} has a mermaid syntax error"));
        } else if !has_area(&diagram["box"]) {
            report.fail(format!(
                "{page}: diagram {n} is invisible (empty or hidden box)"
            ));
        } else if let Some(problem) = too_small(&diagram["text_px"]) {
            report.fail(format!(
                "{page}: diagram {n} {problem}; draw it top-down or shorten its labels"
            ));
        }
    }
    if probe["stray"].as_u64().unwrap_or(0) > 0 {
        report.fail(format!(
            "{page}: mermaid drew a syntax error outside the diagrams"
        ));
    }
}

/// Why a picture whose smallest font is drawn at `text_px` cannot be read, if it cannot.
fn too_small(text_px: &Value) -> Option<String> {
    let px = text_px.as_f64()?;
    (px < MIN_TEXT_PX).then(|| {
        format!(
            "is scaled down until its smallest text is drawn at {px:.1} px \
             (< {MIN_TEXT_PX} px, {} px window): too small to read",
            webdriver::WINDOW.0
        )
    })
}

fn check_charts(page: &str, probe: &Value, expected: usize, report: &mut Report) {
    let charts = list(&probe["charts"]);
    if charts.len() != expected {
        report.fail(format!(
            "{page}: {} chart(s) in the page, {expected} {{{{#chart}}}} in the source",
            charts.len()
        ));
    }
    for (i, chart) in charts.iter().enumerate() {
        let n = i + 1;
        if chart["svg"] != json!(true) {
            report.fail(format!("{page}: chart {n} has no <svg>"));
        } else if !has_area(&chart["box"]) {
            report.fail(format!(
                "{page}: chart {n} is invisible (empty or hidden box)"
            ));
        } else if let Some(problem) = too_small(&chart["text_px"]) {
            report.fail(format!("{page}: chart {n} {problem}"));
        } else if chart["texts"].as_u64().unwrap_or(0) == 0 {
            report.fail(format!("{page}: chart {n} has no text (title, axes)"));
        }
    }
}

fn check_outputs(page: &str, probe: &Value, expected: usize, report: &mut Report) {
    let outputs = list(&probe["outputs"]);
    if outputs.len() != expected {
        report.fail(format!(
            "{page}: {} cell output block(s) in the page, {expected} {{{{#cell}}}} in the source",
            outputs.len()
        ));
    }
    for (i, output) in outputs.iter().enumerate() {
        let n = i + 1;
        if output["after_code"] != json!(true) {
            report.fail(format!(
                "{page}: cell output {n} does not follow its code block"
            ));
        }
        if output["command"] != json!(true) || output["streams"].as_u64().unwrap_or(0) == 0 {
            report.fail(format!(
                "{page}: cell output {n} lacks its command line or output stream"
            ));
        }
        if !has_area(&output["box"]) {
            report.fail(format!(
                "{page}: cell output {n} is invisible (empty or hidden box)"
            ));
        }
    }
}

/// print.html holds the whole book: everything of every chapter, and CSS that keeps code,
/// charts and outputs whole across printed pages.
fn check_print(browser: &Browser, base: &str, total: Expected, report: &mut Report) -> Result<()> {
    browser.goto(&format!("{base}print.html"))?;
    let rendered = wait_rendered(browser, PRINT_RENDER_TIMEOUT)?;
    let probe = browser.execute(PROBE_JS, json!([]))?;
    let failures_before = report.failures.len();
    if !rendered {
        report.fail(format!(
            "print.html: diagrams still not rendered after {PRINT_RENDER_TIMEOUT:?}"
        ));
    }
    check_diagrams("print.html", &probe, total.diagrams, report);
    check_charts("print.html", &probe, total.charts, report);
    check_outputs("print.html", &probe, total.cells, report);
    for error in console_errors(&browser.console_log()?) {
        report.fail(format!("print.html: console error: {error}"));
    }
    // Computed styles under print media say what the printer gets, whichever stylesheet
    // (mdBook's print.css or the book's own) provides it.
    browser.devtools("Emulation.setEmulatedMedia", json!({ "media": "print" }))?;
    let breaks = browser.execute(
        r#"const first = sel => document.querySelector(sel);
           return [['code block (pre)', first('pre:has(> code)')],
                   ['chart (figure.chart)', first('figure.chart')],
                   ['cell output (.nb-output)', first('.nb-output')]]
               .filter(([, el]) => el)
               .map(([what, el]) => [what, getComputedStyle(el).breakInside]);"#,
        json!([]),
    )?;
    browser.devtools("Emulation.setEmulatedMedia", json!({ "media": "" }))?;
    let mut kept_whole = Vec::new();
    for pair in list(&breaks) {
        let (what, value) = (
            pair[0].as_str().unwrap_or("?"),
            pair[1].as_str().unwrap_or("?"),
        );
        if value == "avoid" {
            kept_whole.push(what.to_string());
        } else {
            report.fail(format!(
                "print.html: a {what} may split across printed pages (break-inside: {value}); \
                 theme/notebook.css needs `@media print {{ pre, figure.chart, .nb-output {{ break-inside: avoid; }} }}`"
            ));
        }
    }
    let status = if report.failures.len() == failures_before {
        "ok  "
    } else {
        "FAIL"
    };
    println!(
        "{status} print.html: {} diagram(s), {} chart(s), {} cell output(s) expected; kept whole when printed: {}",
        total.diagrams,
        total.charts,
        total.cells,
        if kept_whole.is_empty() {
            "none".to_string()
        } else {
            kept_whole.join(", ")
        }
    );
    Ok(())
}

/// mdBook writes its search index as `searchindex[-HASH].js` (and `.json` in some versions);
/// every reader downloads it on the first search, so its size is a budget.
fn check_search_index(book: &Path, report: &mut Report) -> Result<()> {
    let mut total = 0;
    let mut names = Vec::new();
    for entry in std::fs::read_dir(book).with_context(|| format!("listing {}", book.display()))? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with("searchindex") && (name.ends_with(".js") || name.ends_with(".json")) {
            total += entry.metadata()?.len();
            names.push(name);
        }
    }
    let size = format!("{:.2} MiB", total as f64 / (1024.0 * 1024.0));
    if names.is_empty() {
        report.fail(
            "search index: book/ has no searchindex file (mdbook-driver needs its `search` feature)".to_string(),
        );
    } else if total > SEARCH_INDEX_BUDGET {
        report.fail(format!(
            "search index: {} is {size} ({total} bytes), over the 2 MiB budget",
            names.join(" + ")
        ));
    } else {
        println!(
            "ok   search index: {} is {size}, within 2 MiB",
            names.join(" + ")
        );
    }
    Ok(())
}

/// For each theme: reload the chart's page in it, screenshot the chart, and measure the
/// contrast of every chart text against what is behind the chart.
fn check_themes(
    browser: &Browser,
    url: &str,
    page: &str,
    out: &Path,
    report: &mut Report,
) -> Result<()> {
    for theme in THEMES {
        browser.execute(
            "localStorage.setItem('mdbook-theme', arguments[0]);",
            json!([theme]),
        )?;
        browser.goto(url)?;
        if !wait_rendered(browser, RENDER_TIMEOUT)? {
            report.fail(format!("theme {theme}: {page} did not finish rendering"));
        }
        let seen = browser.execute(THEME_JS, json!([theme]))?;
        let shot = out.join(format!("{theme}.png"));
        browser.screenshot(&shot)?;
        let failures_before = report.failures.len();
        if seen["applied"] != json!(true) {
            report.fail(format!("theme {theme}: the page did not switch to it"));
        }
        let mut worst: Option<Contrast> = None;
        for (i, chart) in list(&seen["charts"]).iter().enumerate() {
            let n = i + 1;
            let contrast = match chart_contrast(chart) {
                Ok(contrast) => contrast,
                Err(problem) => {
                    report.fail(format!("theme {theme}: {page}: chart {n}: {problem}"));
                    continue;
                }
            };
            if contrast.ratio < MIN_CONTRAST {
                report.fail(format!(
                    "theme {theme}: {page}: chart {n} text {:?} is {} on {}, contrast {:.2} < {MIN_CONTRAST}",
                    contrast.text, contrast.fill, contrast.background, contrast.ratio
                ));
            }
            if worst.as_ref().is_none_or(|w| contrast.ratio < w.ratio) {
                worst = Some(contrast);
            }
        }
        for error in console_errors(&browser.console_log()?) {
            report.fail(format!("theme {theme}: console error: {error}"));
        }
        let status = if report.failures.len() == failures_before {
            "ok  "
        } else {
            "FAIL"
        };
        let lowest = match &worst {
            Some(w) => format!("{:.2} ({} on {})", w.ratio, w.fill, w.background),
            None => "not measured".to_string(),
        };
        println!(
            "{status} theme {theme:<5}: {} chart(s) on {page}, lowest text contrast {lowest}, screenshot {}",
            list(&seen["charts"]).len(),
            shot.display()
        );
    }
    browser.execute("localStorage.removeItem('mdbook-theme');", json!([]))?;
    Ok(())
}

/// Whether `<html>` has the theme's class, and for each chart the colour of every text and
/// the layers behind the chart from the inside out: its full-size background rectangle if
/// it has one, then the background of each element up to `<html>`. Scrolls the first chart
/// into the middle of the window for the screenshot.
const THEME_JS: &str = r#"
const theme = arguments[0];
const svgs = [...document.querySelectorAll('figure.chart svg')];
if (svgs.length) svgs[0].scrollIntoView({ block: 'center' });
const alpha = s => parseFloat(s.opacity) * parseFloat(s.fillOpacity);
const charts = svgs.map(svg => {
    const texts = [...svg.querySelectorAll('text')].filter(t => t.textContent.trim()).map(t => {
        const s = getComputedStyle(t);
        return { text: t.textContent.trim().slice(0, 40), fill: s.fill, alpha: alpha(s) };
    });
    const area = svg.getBoundingClientRect();
    const layers = [];
    const plate = [...svg.querySelectorAll('rect')].find(r => {
        const b = r.getBoundingClientRect();
        return b.width >= 0.95 * area.width && b.height >= 0.95 * area.height;
    });
    if (plate) { const s = getComputedStyle(plate); layers.push({ color: s.fill, alpha: alpha(s) }); }
    for (let el = svg; el; el = el.parentElement) {
        layers.push({ color: getComputedStyle(el).backgroundColor, alpha: 1 });
    }
    return { texts, layers };
});
return { applied: document.documentElement.classList.contains(theme), charts };
"#;

/// The least legible chart text of a theme.
#[derive(Debug)]
struct Contrast {
    text: String,
    fill: Rgba,
    background: Rgba,
    ratio: f64,
}

fn chart_contrast(seen: &Value) -> Result<Contrast, String> {
    let layers = list(&seen["layers"])
        .iter()
        .map(|layer| {
            let text = layer["color"].as_str().unwrap_or("");
            let colour = Rgba::parse(text)
                .ok_or_else(|| format!("unreadable background colour {text:?}"))?;
            let alpha = layer["alpha"].as_f64().unwrap_or(1.0);
            Ok(Rgba {
                a: colour.a * alpha,
                ..colour
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let background = composite(&layers);
    let mut worst: Option<Contrast> = None;
    for text in list(&seen["texts"]) {
        let label = text["text"].as_str().unwrap_or("").to_string();
        let fill_text = text["fill"].as_str().unwrap_or("");
        let fill = Rgba::parse(fill_text)
            .ok_or_else(|| format!("chart text {label:?} has fill {fill_text:?}"))?;
        let alpha = text["alpha"].as_f64().unwrap_or(1.0);
        let seen_fill = Rgba {
            a: fill.a * alpha,
            ..fill
        }
        .over(background);
        let ratio = contrast_ratio(seen_fill, background);
        if worst.as_ref().is_none_or(|w| ratio < w.ratio) {
            worst = Some(Contrast {
                text: label,
                fill: seen_fill,
                background,
                ratio,
            });
        }
    }
    worst.ok_or_else(|| "the chart has no text to measure".to_string())
}

/// A PNG of the whole page, not only the window (the chapter's diagram, chart and output
/// are rarely on one screen).
fn full_page_screenshot(browser: &Browser, path: &Path) -> Result<()> {
    let size = browser.execute(
        "return [document.documentElement.scrollWidth, document.documentElement.scrollHeight];",
        json!([]),
    )?;
    let (width, height) = (
        size[0].as_f64().unwrap_or(1280.0),
        size[1].as_f64().unwrap_or(1000.0),
    );
    let shot = browser.devtools(
        "Page.captureScreenshot",
        json!({ "format": "png", "captureBeyondViewport": true,
                "clip": { "x": 0, "y": 0, "width": width, "height": height.min(16_000.0), "scale": 1 } }),
    )?;
    webdriver::save_png(shot["data"].as_str().unwrap_or(""), path)
}

fn list(value: &Value) -> &[Value] {
    value.as_array().map(Vec::as_slice).unwrap_or(&[])
}

fn strings(value: &Value) -> Vec<String> {
    list(value)
        .iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect()
}

fn has_area(bounds: &Value) -> bool {
    bounds["shown"] == json!(true)
        && bounds["w"].as_f64().unwrap_or(0.0) > 0.0
        && bounds["h"].as_f64().unwrap_or(0.0) > 0.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn theme_probe(fill: &str, layers: &[&str]) -> Value {
        json!({
            "applied": true,
            "texts": [{ "text": "Title", "fill": fill, "alpha": 1.0 }],
            "layers": layers.iter().map(|c| json!({ "color": c, "alpha": 1.0 })).collect::<Vec<_>>(),
        })
    }

    #[test]
    fn chart_contrast_sees_through_transparent_layers() {
        // Light text, transparent figure, coal page: legible.
        let legible = theme_probe(
            "rgb(190, 190, 190)",
            &["rgba(0, 0, 0, 0)", "rgb(20, 22, 23)"],
        );
        assert!(chart_contrast(&legible).unwrap().ratio > 7.0);
        // Black text on the same page: the bug this check exists for.
        let hidden = theme_probe("rgb(0, 0, 0)", &["rgba(0, 0, 0, 0)", "rgb(20, 22, 23)"]);
        let worst = chart_contrast(&hidden).unwrap();
        assert!(worst.ratio < MIN_CONTRAST, "{worst:?}");
        assert_eq!(worst.background.to_string(), "#141617");
    }

    #[test]
    fn chart_contrast_reports_what_it_cannot_read() {
        assert!(chart_contrast(&theme_probe("none", &["rgb(0, 0, 0)"])).is_err());
        assert!(
            chart_contrast(&theme_probe("rgb(0, 0, 0)", &["color(display-p3 1 1 1)"])).is_err()
        );
        assert!(chart_contrast(&json!({ "texts": [], "layers": [] })).is_err());
    }

    #[test]
    fn only_severe_console_entries_fail() {
        let entry = |level: &str, message: &str| webdriver::LogEntry {
            level: level.into(),
            message: message.into(),
        };
        let console = [
            entry("WARNING", "slow"),
            entry("SEVERE", "x.js 404"),
            entry("INFO", "hi"),
        ];
        assert_eq!(console_errors(&console), ["x.js 404"]);
    }
}
