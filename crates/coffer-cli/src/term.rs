//! The one place untrusted text is made safe for a terminal: names of files from folders and
//! repositories, links, server answers, names inside imported files' errors. Control characters
//! (C0, DEL, C1: ESC, CR, LF, BEL…) and bidirectional overrides are shown as escapes, so no such
//! text can move the cursor, rewrite a line, retitle the terminal or reorder what is shown.

use std::borrow::Cow;
use std::fmt::Write;
use std::path::Path;

/// Whether `c` must not reach a terminal as is.
fn unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

/// `s` with every unsafe character written as an escape (`\e`, `\r`, `\n`, `\t`, `\u{202e}`).
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.chars().any(unsafe_char) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\x1b' => out.push_str("\\e"),
            '\r' => out.push_str("\\r"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if unsafe_char(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// A path, escaped for the terminal.
pub fn shown(p: &Path) -> String {
    escape(&p.to_string_lossy()).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_overrides_are_escaped() {
        assert_eq!(escape("plain name.json"), "plain name.json");
        assert!(matches!(escape("plain"), Cow::Borrowed(_)));
        assert_eq!(
            escape("a\x1b]0;title\x07\rb\nc\td"),
            "a\\e]0;title\\u{7}\\rb\\nc\\td"
        );
        assert_eq!(escape("x\u{202e}nosj.exe"), "x\\u{202e}nosj.exe");
        assert_eq!(escape("\u{9b}31m"), "\\u{9b}31m");
        assert_eq!(
            escape("é ü 名前"),
            "é ü 名前",
            "ordinary text is left alone"
        );
    }
}
