//! dotenv files, in the syntax the `dotenvy` crate reads (`docs/import-formats.md`), with one
//! deliberate difference: `$VAR` and `${VAR}` are filled only from variables defined earlier in
//! the same file, never from the environment of the process reading it (an import must not pull
//! a developer's own variables into secrets). A reference to a variable the file does not define
//! makes that entry unreadable, reported with its line, instead of silently empty.
//!
//! - Blank lines and lines starting with `#` (after spaces) are skipped; CRLF is accepted; a UTF-8
//!   byte order mark at the start is ignored.
//! - `KEY=VALUE`, optionally `export KEY=VALUE`; keys start with an ASCII letter or `_`, then
//!   letters, digits, `_` or `.`; spaces around `=` are allowed.
//! - Unquoted values end at whitespace, after which only a `# comment` may follow; `\c` is `c`.
//! - `'single'` values are literal and may span lines.
//! - `"double"` values take the escapes `\\ \' \" \$ \<space> \n` (any other escape is an error)
//!   and `$` substitution, and may span lines.
//! - Every entry is returned, duplicates included, in file order: the import plan decides.

use std::collections::HashMap;
use zeroize::Zeroizing;

/// One variable read from the file.
pub struct Entry {
    /// The line it starts on (1-based).
    pub line: usize,
    /// Its key, as written.
    pub key: String,
    /// Its value.
    pub value: Zeroizing<String>,
}

impl std::fmt::Debug for Entry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Entry")
            .field("line", &self.line)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

/// An entry that could not be read: its line and why (never its value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    /// The line it starts on (1-based).
    pub line: usize,
    /// Why.
    pub reason: String,
}

/// What a file held.
#[derive(Debug, Default)]
pub struct Parsed {
    /// The readable entries, in file order.
    pub entries: Vec<Entry>,
    /// The entries that could not be read.
    pub unreadable: Vec<Unreadable>,
}

/// The file is not text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a dotenv file must be UTF-8 text")]
pub struct NotText;

struct Cursor<'a> {
    chars: std::iter::Peekable<std::str::CharIndices<'a>>,
    line: usize,
    /// The character last taken.
    last: Option<char>,
    /// How many characters were taken.
    taken: usize,
}

impl Cursor<'_> {
    fn next(&mut self) -> Option<char> {
        let (_, c) = self.chars.next()?;
        if c == '\n' {
            self.line += 1;
        }
        self.last = Some(c);
        self.taken += 1;
        Some(c)
    }

    fn peek(&mut self) -> Option<char> {
        self.chars.peek().map(|(_, c)| *c)
    }

    /// Skips to the start of the next line.
    fn skip_line(&mut self) {
        while let Some(c) = self.next() {
            if c == '\n' {
                break;
            }
        }
    }

    fn skip_blanks(&mut self) {
        while matches!(self.peek(), Some(' ' | '\t' | '\r')) {
            self.next();
        }
    }
}

fn is_key_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '.'
}

/// Parses a dotenv file.
pub fn parse(bytes: &[u8]) -> Result<Parsed, NotText> {
    let text = std::str::from_utf8(bytes).map_err(|_| NotText)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut cur = Cursor {
        chars: text.char_indices().peekable(),
        line: 1,
        last: None,
        taken: 0,
    };
    let mut out = Parsed::default();
    let mut known: HashMap<String, Zeroizing<String>> = HashMap::new();
    loop {
        cur.skip_blanks();
        let Some(c) = cur.peek() else { break };
        let line = cur.line;
        if c == '\n' {
            cur.next();
            continue;
        }
        if c == '#' {
            cur.skip_line();
            continue;
        }
        let start = cur.taken;
        match entry(&mut cur, &known) {
            Ok((key, value)) => {
                known.insert(key.clone(), value.clone());
                out.entries.push(Entry { line, key, value });
            }
            Err(reason) => {
                // Resume at the start of the line after the error (unless the error was met
                // just as a line ended).
                if cur.taken == start || cur.last != Some('\n') {
                    cur.skip_line();
                }
                out.unreadable.push(Unreadable { line, reason });
            }
        }
    }
    Ok(out)
}

fn key(cur: &mut Cursor<'_>) -> Result<String, String> {
    let mut k = String::new();
    match cur.peek() {
        Some(c) if is_key_start(c) => {}
        Some(c) => {
            return Err(format!("a key starts with a letter or '_', not {c:?}"));
        }
        None => return Err("a key was expected".into()),
    }
    while let Some(c) = cur.peek().filter(|c| is_key_char(*c)) {
        k.push(c);
        cur.next();
    }
    Ok(k)
}

/// One `[export ]KEY=VALUE` entry, ending at (and consuming) the end of its line.
fn entry(
    cur: &mut Cursor<'_>,
    known: &HashMap<String, Zeroizing<String>>,
) -> Result<(String, Zeroizing<String>), String> {
    let mut k = key(cur)?;
    if k == "export" && matches!(cur.peek(), Some(' ' | '\t')) {
        cur.skip_blanks();
        k = key(cur)?;
    }
    cur.skip_blanks();
    if cur.next() != Some('=') {
        return Err(format!("{k}: '=' was expected after the key"));
    }
    cur.skip_blanks();
    let value = match cur.peek() {
        Some('\'') => {
            cur.next();
            let mut v = Zeroizing::new(String::new());
            loop {
                match cur.next() {
                    Some('\'') => break,
                    Some(c) => v.push(c),
                    None => return Err(format!("{k}: the single quote is never closed")),
                }
            }
            v
        }
        Some('"') => {
            cur.next();
            let mut v = Zeroizing::new(String::new());
            loop {
                match cur.next() {
                    Some('"') => break,
                    Some('\\') => match cur.next() {
                        Some(c @ ('\\' | '\'' | '"' | '$' | ' ')) => v.push(c),
                        Some('n') => v.push('\n'),
                        Some(c) => {
                            return Err(format!("{k}: \\{c} is not an escape dotenv knows"));
                        }
                        None => return Err(format!("{k}: the double quote is never closed")),
                    },
                    Some('$') => substitute(cur, known, &k, &mut v)?,
                    Some(c) => v.push(c),
                    None => return Err(format!("{k}: the double quote is never closed")),
                }
            }
            v
        }
        _ => {
            let mut v = Zeroizing::new(String::new());
            while let Some(c) = cur.peek() {
                if c.is_whitespace() {
                    break;
                }
                cur.next();
                match c {
                    '\\' => match cur.next() {
                        Some('\n') | None => {
                            return Err(format!("{k}: a backslash ends the value"));
                        }
                        Some(e) => v.push(e),
                    },
                    '$' => substitute(cur, known, &k, &mut v)?,
                    c => v.push(c),
                }
            }
            v
        }
    };
    // After the value: spaces, then a comment or the end of the line.
    cur.skip_blanks();
    match cur.next() {
        None | Some('\n') => Ok((k, value)),
        Some('#') => {
            cur.skip_line();
            Ok((k, value))
        }
        Some(_) => Err(format!(
            "{k}: only a # comment may follow the value (quote a value with spaces)"
        )),
    }
}

/// After a `$`: `${NAME}` or `$NAME` (letters and digits only, as dotenvy), from the keys
/// defined above in the same file.
fn substitute(
    cur: &mut Cursor<'_>,
    known: &HashMap<String, Zeroizing<String>>,
    k: &str,
    v: &mut String,
) -> Result<(), String> {
    let mut name = String::new();
    if cur.peek() == Some('{') {
        cur.next();
        loop {
            match cur.next() {
                Some('}') => break,
                Some(c) if c != '\n' => name.push(c),
                _ => return Err(format!("{k}: ${{ is never closed")),
            }
        }
    } else {
        while let Some(c) = cur.peek().filter(char::is_ascii_alphanumeric) {
            name.push(c);
            cur.next();
        }
        if name.is_empty() {
            v.push('$');
            return Ok(());
        }
    }
    match known.get(&name) {
        Some(val) => {
            v.push_str(val);
            Ok(())
        }
        None => Err(format!(
            "{k}: refers to ${name}, which the file does not define above (Coffer does not read its own environment into imports)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(text: &str) -> Vec<(String, String)> {
        let p = parse(text.as_bytes()).unwrap();
        assert!(p.unreadable.is_empty(), "{:?}", p.unreadable);
        p.entries
            .into_iter()
            .map(|e| (e.key, e.value.to_string()))
            .collect()
    }

    fn kv(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_dotenvy_syntax() {
        let text = "\u{feff}# comment\n\nA=1\r\nexport B = two\nexport=x\nC=v#x\nD=v # note\nE='lit $A \\n'\nF=\"a\\nb \\\"q\\\" \\$A $A ${B}\"\nG=\"multi\nline\"\nH='multi\nline'\nI=$A_x\nJ=\nK=a\\ b\nL.dot=1\n";
        assert_eq!(
            values(text),
            kv(&[
                ("A", "1"),
                ("B", "two"),
                ("export", "x"),
                ("C", "v#x"),
                ("D", "v"),
                ("E", "lit $A \\n"),
                ("F", "a\nb \"q\" $A 1 two"),
                ("G", "multi\nline"),
                ("H", "multi\nline"),
                ("I", "1_x"),
                ("J", ""),
                ("K", "a b"),
                ("L.dot", "1"),
            ])
        );
    }

    #[test]
    fn bad_lines_are_reported_with_their_line_and_the_rest_is_read() {
        let text = "A=1\nB=v w\nC=\"\\t\"\n1X=2\nD=$NOPE\nK=a\\\nM=ok\nE=\"open\nF=3\n";
        let p = parse(text.as_bytes()).unwrap();
        let lines: Vec<usize> = p.unreadable.iter().map(|u| u.line).collect();
        assert_eq!(lines, [2, 3, 4, 5, 6, 8]);
        assert!(p.unreadable[3].reason.contains("refers to $NOPE"));
        let keys: Vec<&str> = p.entries.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, ["A", "M"]);
        // No reason ever holds a value.
        let p = parse(b"S=secret value\n").unwrap();
        assert!(!p.unreadable[0].reason.contains("secret"));
    }

    #[test]
    fn a_line_that_cannot_start_an_entry_is_skipped_whole() {
        let p = parse(b"=x\n\"q\"\nA=1\n").unwrap();
        assert_eq!(p.unreadable.len(), 2);
        assert_eq!(p.entries.len(), 1);
    }

    #[test]
    fn duplicates_are_all_returned_in_order() {
        assert_eq!(values("A=1\nA=2\n"), kv(&[("A", "1"), ("A", "2")]));
    }

    #[test]
    fn not_text_is_refused() {
        assert_eq!(parse(&[0xff, 0xfe, b'A']).unwrap_err(), NotText);
    }

    proptest::proptest! {
        #[test]
        fn never_panics_and_lines_are_in_range(s in "[A-Za-z_=\\$\\{\\}'\"\\\\# \n\r.0-9]{0,200}") {
            let p = parse(s.as_bytes()).unwrap();
            let lines = s.matches('\n').count() + 1;
            for e in &p.entries {
                proptest::prop_assert!(e.line >= 1 && e.line <= lines);
            }
            for u in &p.unreadable {
                proptest::prop_assert!(u.line >= 1 && u.line <= lines);
            }
        }
    }
}
