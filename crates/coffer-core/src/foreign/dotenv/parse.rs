//! dotenv files, read as the `dotenvy` crate (0.15) reads them (`docs/import-formats.md`), with
//! deliberate differences only where it matters for an import:
//!
//! - `$VAR` and `${VAR}` are filled only from variables defined earlier in the same file, never
//!   from the environment of the process reading it (an import must not pull a developer's own
//!   variables into secrets). A reference to a variable the file does not define makes that
//!   entry unreadable, reported with its line, instead of silently empty.
//! - Where dotenvy refuses a line only because of one of its quirks, Coffer reads it as a shell
//!   would: a substitution that runs into the closing quote of a double-quoted value (`"x$A"`);
//!   trailing spaces on the last line of a file without a final newline. Such a value is
//!   imported but never fills a later reference (dotenvy would not have it).
//! - A UTF-8 byte order mark at the start is ignored.
//!
//! Everything dotenvy reads, Coffer reads to the same value: a differential property test checks
//! this against the crate itself. As in dotenvy, physical lines are first joined into logical
//! lines while a quote is open, then each logical line is parsed. Every entry is returned,
//! duplicates included, in file order: the import plan decides. No reason ever holds text from a
//! value.

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

/// Where the joining of physical lines stands (dotenvy's line-level quote tracking).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Join {
    Complete,
    Escape,
    Strong,
    StrongEscape,
    Weak,
    WeakEscape,
    WhiteSpace,
}

/// Runs the joining state over one physical line; `Err(pos)` where a comment starts (the
/// logical line ends there).
fn join_state(mut state: Join, text: &str) -> Result<Join, usize> {
    for (pos, c) in text.char_indices() {
        state = match state {
            Join::WhiteSpace => match c {
                '#' => return Err(pos),
                '\\' => Join::Escape,
                '"' => Join::Weak,
                '\'' => Join::Strong,
                _ => Join::Complete,
            },
            Join::Escape => Join::Complete,
            Join::Complete => match c {
                c if c.is_whitespace() && c != '\n' && c != '\r' => Join::WhiteSpace,
                '\\' => Join::Escape,
                '"' => Join::Weak,
                '\'' => Join::Strong,
                _ => Join::Complete,
            },
            Join::Weak => match c {
                '\\' => Join::WeakEscape,
                '"' => Join::Complete,
                _ => Join::Weak,
            },
            Join::WeakEscape => Join::Weak,
            Join::Strong => match c {
                '\\' => Join::StrongEscape,
                '\'' => Join::Complete,
                _ => Join::Strong,
            },
            Join::StrongEscape => Join::Strong,
        };
    }
    Ok(state)
}

/// A logical line: the number of its first physical line, and its text (`None`: a quote is
/// never closed before the end of the file).
type Logical<'a> = (usize, Option<&'a str>);

/// The logical lines of `text`. A physical line starting with `#` (after spaces) is skipped
/// before any joining, as dotenvy does.
fn logical_lines(text: &str) -> Vec<Logical<'_>> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut out = Vec::new();
    let (mut i, mut offset) = (0, 0);
    while i < lines.len() {
        let (start, number) = (offset, i + 1);
        if lines[i].trim_start().starts_with('#') {
            offset += lines[i].len();
            i += 1;
            continue;
        }
        let mut state = Join::Complete;
        let line = loop {
            let piece_start = offset;
            offset += lines[i].len();
            let piece = lines[i];
            i += 1;
            let last = i >= lines.len();
            let whole = |end: usize| {
                let line = &text[start..end];
                let line = line.strip_suffix('\n').unwrap_or(line);
                line.strip_suffix('\r').unwrap_or(line)
            };
            match join_state(state, piece) {
                Err(comment) => break Some(&text[start..piece_start + comment]),
                Ok(Join::Complete) => break Some(whole(offset)),
                // Spaces at the very end of a file without a final newline: dotenvy refuses the
                // line, a shell does not. (A backslash there is refused, as dotenvy does: a shell
                // would keep it, and dropping it would change a value.)
                Ok(Join::WhiteSpace) if last => break Some(whole(offset)),
                Ok(open) if !last => state = open,
                Ok(_) => break None,
            }
        };
        out.push((number, line));
    }
    out
}

/// The mode of a `$` substitution being read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Sub {
    None,
    Name,
    Braced,
}

/// Reads one value (everything after `=` and the spaces after it). `lenient`: a double quote
/// that ends a substitution closes the value (where dotenvy keeps reading and then fails).
fn value(
    input: &str,
    known: &HashMap<String, Zeroizing<String>>,
    lenient: bool,
) -> Result<Zeroizing<String>, &'static str> {
    let (mut strong, mut weak, mut escaped, mut ending) = (false, false, false, false);
    let mut out = Zeroizing::new(String::new());
    let mut mode = Sub::None;
    let mut name = Zeroizing::new(String::new());
    let substitute = |name: &mut Zeroizing<String>, out: &mut Zeroizing<String>| {
        // `$` followed by no name stands for nothing, as in dotenvy.
        if !name.is_empty() {
            match known.get(name.as_str()) {
                Some(v) => out.push_str(v),
                None => {
                    return Err(
                        "it refers to a variable that the file does not define above it (Coffer never fills one from its own environment)",
                    );
                }
            }
        }
        name.clear();
        Ok(())
    };
    for c in input.chars() {
        if ending {
            match c {
                ' ' | '\t' => continue,
                '#' => break,
                _ => return Err("text follows an unquoted value after a space (quote the value)"),
            }
        } else if escaped {
            match c {
                '\\' | '\'' | '"' | '$' | ' ' => out.push(c),
                'n' => out.push('\n'),
                _ => {
                    return Err(
                        "it has a backslash escape dotenv does not know (only \\\\ \\' \\\" \\$ \\n and a backslash before a space are)",
                    );
                }
            }
            escaped = false;
        } else if strong {
            if c == '\'' {
                strong = false;
            } else {
                out.push(c);
            }
        } else if mode != Sub::None {
            if c.is_alphanumeric() {
                name.push(c);
            } else if mode == Sub::Braced {
                if c == '}' {
                    mode = Sub::None;
                    substitute(&mut name, &mut out)?;
                } else {
                    name.push(c);
                }
            } else if c == '{' && name.is_empty() {
                mode = Sub::Braced;
            } else {
                substitute(&mut name, &mut out)?;
                if c == '$' {
                    mode = Sub::Name;
                } else {
                    mode = Sub::None;
                    if lenient && weak && c == '"' {
                        weak = false;
                    } else {
                        out.push(c);
                    }
                }
            }
        } else if c == '$' {
            mode = Sub::Name;
        } else if weak {
            match c {
                '"' => weak = false,
                '\\' => escaped = true,
                c => out.push(c),
            }
        } else {
            match c {
                '\'' => strong = true,
                '"' => weak = true,
                '\\' => escaped = true,
                ' ' | '\t' => ending = true,
                c => out.push(c),
            }
        }
    }
    if mode == Sub::Braced {
        return Err("a ${ is never closed");
    }
    if strong || weak {
        return Err(UNCLOSED_QUOTE);
    }
    substitute(&mut name, &mut out)?;
    Ok(out)
}

fn key(rest: &mut &str) -> Result<String, String> {
    if !rest.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        return Err(
            "a line must start with a key: a letter or '_', then letters, digits, '_' or '.'"
                .into(),
        );
    }
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
        .unwrap_or(rest.len());
    let k = rest[..end].to_string();
    *rest = &rest[end..];
    Ok(k)
}

/// One logical line: `None` if blank or a comment.
fn line(
    text: &str,
    known: &HashMap<String, Zeroizing<String>>,
) -> Result<Option<(String, Zeroizing<String>, Reading)>, String> {
    let mut rest = text.trim_end().trim_start();
    if rest.is_empty() || rest.starts_with('#') {
        return Ok(None);
    }
    let mut k = key(&mut rest)?;
    rest = rest.trim_start();
    if k == "export" && !rest.starts_with('=') {
        k = key(&mut rest)?;
        rest = rest.trim_start();
    }
    // Without `=` this was no key but text, maybe a line of a secret: it is not repeated.
    rest = rest
        .strip_prefix('=')
        .ok_or_else(|| "'=' was expected after the key".to_string())?
        .trim_start();
    if rest.is_empty() || rest.starts_with('#') {
        return Ok(Some((k, Zeroizing::new(String::new()), Reading::AsDotenvy)));
    }
    match value(rest, known, false) {
        Ok(v) => Ok(Some((k, v, Reading::AsDotenvy))),
        // Only a quote left open (dotenvy's reading of `"x$A"`) is read again, leniently.
        Err(UNCLOSED_QUOTE) => match value(rest, known, true) {
            Ok(v) => Ok(Some((k, v, Reading::Lenient))),
            Err(e) => Err(format!("{k}: {e}")),
        },
        Err(e) => Err(format!("{k}: {e}")),
    }
}

/// How a value was read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reading {
    /// As dotenvy reads it.
    AsDotenvy,
    /// A line dotenvy refuses, read as a shell would: imported, but not used to fill later
    /// references (dotenvy would not have it either).
    Lenient,
}

const UNCLOSED_QUOTE: &str = "a quote is never closed";

/// Parses a dotenv file.
pub fn parse(bytes: &[u8]) -> Result<Parsed, NotText> {
    let text = std::str::from_utf8(bytes).map_err(|_| NotText)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Parsed::default();
    let mut known: HashMap<String, Zeroizing<String>> = HashMap::new();
    for (number, logical) in logical_lines(text) {
        let Some(logical) = logical else {
            out.unreadable.push(Unreadable {
                line: number,
                reason: "a quote is never closed before the end of the file".into(),
            });
            continue;
        };
        match line(logical, &known) {
            Ok(None) => {}
            Ok(Some((key, value, reading))) => {
                if reading == Reading::AsDotenvy {
                    known.insert(key.clone(), value.clone());
                }
                out.entries.push(Entry {
                    line: number,
                    key,
                    value,
                });
            }
            Err(reason) => out.unreadable.push(Unreadable {
                line: number,
                reason,
            }),
        }
    }
    Ok(out)
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
        assert_eq!(lines, [2, 3, 4, 5, 8]);
        assert!(p.unreadable[3].reason.contains("does not define above"));
        let keys: Vec<&str> = p.entries.iter().map(|e| e.key.as_str()).collect();
        // A trailing backslash is dropped, as dotenvy drops it.
        assert_eq!(keys, ["A", "K", "M"]);
    }

    #[test]
    fn no_reason_ever_holds_text_from_a_value() {
        for (text, secret) in [
            ("S=secret value\n", "secret"),
            // A `$` inside a password: the rest is not a variable name to print.
            ("DB_PASSWORD=hunter$2supersecret\n", "supersecret"),
            ("P=\"pa$$w0rdXYZ\"\n", "w0rdXYZ"),
            ("Q=\"a\\qSECRETQ\"\n", "\\q"),
            ("R=\"${OPENSECRET\n", "OPENSECRET"),
            ("T='unclosed TOPSECRET\n", "TOPSECRET"),
            // A line without `=`: maybe the body of a key pasted unquoted.
            ("A=1\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n", "MIIEvQ"),
            ("export hunter2supersecret\n", "supersecret"),
        ] {
            let p = parse(text.as_bytes()).unwrap();
            assert_eq!(p.unreadable.len(), 1, "{text}");
            assert!(
                !p.unreadable[0].reason.contains(secret),
                "{text}: {}",
                p.unreadable[0].reason
            );
        }
    }

    #[test]
    fn lines_dotenvy_refuses_by_accident_are_read_as_a_shell_reads_them() {
        assert_eq!(
            values("A=1\nB=\"x$A\"\nC=\"$A\"\nD=v "),
            kv(&[("A", "1"), ("B", "x1"), ("C", "1"), ("D", "v")])
        );
        // Such a value fills no later reference (dotenvy never had it).
        let p = parse(b"A=1\nB=\"x$A\"\nC=$B\n").unwrap();
        assert_eq!(p.entries.len(), 2);
        assert_eq!(p.unreadable[0].line, 3);
        // An undefined reference is never hidden by the lenient reading.
        let p = parse(b"A=1\nB=\"$A\"'$Y'\"$A\"\n").unwrap();
        assert_eq!(p.entries.len(), 1);
        assert!(p.unreadable[0].reason.contains("does not define above"));
        // A backslash ending the file is refused, not dropped.
        let p = parse(b"A=x\\").unwrap();
        assert!(p.entries.is_empty());
        assert_eq!(p.unreadable.len(), 1);
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
