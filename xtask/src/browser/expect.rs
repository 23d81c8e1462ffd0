//! What a chapter's markdown promises the reader, counted from the source: the page must
//! show exactly this many rendered diagrams, charts and cell outputs. Counting from the
//! source (not from the HTML) is what catches a block that was silently not converted.

use notebook::directive::Directive;
use notebook::{markdown, scan};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Expected {
    pub diagrams: usize,
    pub charts: usize,
    pub cells: usize,
}

impl std::ops::AddAssign for Expected {
    fn add_assign(&mut self, other: Expected) {
        self.diagrams += other.diagrams;
        self.charts += other.charts;
        self.cells += other.cells;
    }
}

/// Counts with the notebook's own scanner (so a directive shown inside a code block is not
/// counted); a chapter whose directives do not parse is an error.
pub fn expected(markdown: &str) -> Result<Expected, String> {
    let mut expected = Expected {
        diagrams: mermaid_blocks(markdown),
        ..Expected::default()
    };
    for written in scan::directives(markdown) {
        match written.directive {
            Ok(Directive::Cell(_)) => expected.cells += 1,
            Ok(Directive::Chart(_)) => expected.charts += 1,
            Ok(Directive::Value(_)) => {}
            Err(why) => {
                return Err(format!(
                    "line {}: `{}` does not parse: {why}",
                    written.line, written.text
                ));
            }
        }
    }
    Ok(expected)
}

/// Fenced blocks whose info string starts with the word `mermaid` (any case): what the
/// author meant as a diagram. mdbook-mermaid converts only the exact info `mermaid`, so a
/// `Mermaid` fence shows up as a missing diagram rather than going unnoticed.
pub fn mermaid_blocks(text: &str) -> usize {
    markdown::fenced_code(text)
        .iter()
        .filter(|(info, _)| {
            let word = info.split([' ', ',', '{']).next().unwrap_or("");
            word.eq_ignore_ascii_case("mermaid")
        })
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_diagrams_but_not_ones_shown_as_code() {
        let markdown = "```mermaid\ngraph TD\n```\n\n````markdown\n```mermaid\nx\n```\n````\n\n\
                        ~~~Mermaid\nsequenceDiagram\n~~~\n\n```rust\nlet a = 1;\n```\n";
        assert_eq!(mermaid_blocks(markdown), 2);
    }

    #[test]
    fn counts_cells_and_charts_outside_code() {
        let markdown = "# T\n\n{{#cell fork_pipe}}\n\n{{#cell threads_cpu -- --workers 4}}\n\n\
                        {{#chart scaling}}\n\n```text\n{{#cell shown_not_run}}\n```\n\n```mermaid\ngraph TD\n```\n";
        assert_eq!(
            expected(markdown),
            Ok(Expected {
                diagrams: 1,
                charts: 1,
                cells: 2
            })
        );
    }

    #[test]
    fn sums_add_up() {
        let mut total = Expected::default();
        total += Expected {
            diagrams: 1,
            charts: 2,
            cells: 3,
        };
        total += Expected {
            diagrams: 1,
            charts: 0,
            cells: 1,
        };
        assert_eq!(
            total,
            Expected {
                diagrams: 2,
                charts: 2,
                cells: 4
            }
        );
    }
}
