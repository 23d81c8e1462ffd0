//! Text a program printed, made safe to show: control bytes become visible
//! symbols (never raw escape sequences in a page or a terminal), and a
//! command line is quoted so a reader can paste it into a shell.

use std::borrow::Cow;

/// `text` with every control character but newline and tab made visible:
/// C0 controls and DEL as their Unicode control pictures (ESC is `␛`, so an
/// ANSI colour shows as `␛[31m`), C1 controls and the bidirectional overrides
/// that can reorder what a reader sees as `<U+XXXX>`.
pub fn visible(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_picture) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            c if !needs_picture(c) => out.push(c),
            '\u{0}'..='\u{1f}' => out.push(char::from_u32(0x2400 + c as u32).unwrap_or('?')),
            '\u{7f}' => out.push('\u{2421}'),
            c => out.push_str(&format!("<U+{:04X}>", c as u32)),
        }
    }
    Cow::Owned(out)
}

fn needs_picture(c: char) -> bool {
    match c {
        '\n' | '\t' => false,
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' => true,
        // Bidirectional embeddings, overrides and isolates.
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => true,
        _ => false,
    }
}

/// `program` and `args` as one POSIX shell command line, each word quoted
/// only where the shell would otherwise split or expand it.
pub fn command_line<'a>(words: impl IntoIterator<Item = &'a str>) -> String {
    words
        .into_iter()
        .map(|word| {
            // try_quote fails only on a NUL byte, which no argument can hold.
            shlex::try_quote(word).unwrap_or_else(|_| Cow::Owned(visible(word).into_owned()))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_bytes_become_visible_and_text_stays() {
        assert!(matches!(visible("plain\ttext\n"), Cow::Borrowed(_)));
        assert_eq!(visible("\x1b[31mred\x1b[0m"), "␛[31mred␛[0m");
        assert_eq!(visible("bell\x07 cr\r\n"), "bell␇ cr␍\n");
        assert_eq!(visible("\x1b]0;title\x07"), "␛]0;title␇");
        assert_eq!(visible("\u{0}\u{7f}\u{85}"), "␀␡<U+0085>");
        assert_eq!(visible("abc\u{202e}def"), "abc<U+202E>def");
        assert_eq!(visible("é µs —"), "é µs —");
    }

    #[test]
    fn commands_quote_only_what_a_shell_would_change() {
        assert_eq!(
            command_line(["cargo", "run", "--example", "x"]),
            "cargo run --example x"
        );
        assert_eq!(
            command_line(["prog", "two words", "$HOME", "it's", ""]),
            r#"prog 'two words' '$HOME' "it's" ''"#
        );
    }
}
