//! References: `{{vault:NAME}}` in a request, an environment variable or a template.
//!
//! Rules (`docs/references.md`):
//! - A reference is exactly `{{vault:NAME}}`: lowercase `vault:`, no spaces, `NAME` under the
//!   secret-name rules. Templates are bytes: text around references passes through unchanged,
//!   whatever its encoding or line endings.
//! - Anything that starts like a reference but is not one (`{{ vault:x }}`, `{{VAULT:x}}`,
//!   `{{vault:a b}}`, `{{vault:{{env}}_key}}`, no closing `}}`) is an error, never passed on as
//!   text: a typo must not send a template unresolved.
//! - Escape: backslashes directly before `{{vault:` pair up. `\{{vault:x}}` is the text
//!   `{{vault:x}}`; `\\{{vault:x}}` is one backslash and the value. Backslashes anywhere else are
//!   plain text.
//! - Every other `{{…}}` is plain text.

use crate::SecretName;
use std::collections::BTreeSet;
use zeroize::Zeroizing;

const OPEN: &[u8] = b"{{";
const PREFIX: &[u8] = b"vault:";
const CLOSE: &[u8] = b"}}";

/// One reference found in a template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reference {
    /// The secret it names.
    pub name: SecretName,
    /// Line (1-based).
    pub line: usize,
    /// Column in bytes (1-based).
    pub column: usize,
}

/// Something that starts like a reference but is not a valid one.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {text:?} is not a valid reference: {reason}")]
pub struct Malformed {
    /// Line (1-based).
    pub line: usize,
    /// Column in bytes (1-based).
    pub column: usize,
    /// The text from `{{` up to the next `}}` (at most 40 bytes; template text, not a value).
    pub text: String,
    /// What is wrong.
    pub reason: &'static str,
}

#[derive(Clone, Debug)]
enum Piece {
    Text(Vec<u8>),
    Ref(usize),
}

/// A parsed template: text and references, ready to render.
#[derive(Clone, Debug, Default)]
pub struct Template {
    pieces: Vec<Piece>,
    refs: Vec<Reference>,
}

impl Template {
    /// Parses `input`. Every malformed reference is reported, not only the first.
    pub fn parse(input: &[u8]) -> Result<Self, Vec<Malformed>> {
        let mut t = Template::default();
        let mut bad = Vec::new();
        let mut text = Vec::new();
        let mut seg = 0; // start of input not yet copied into `text`
        let mut i = 0;
        let mut lines = Lines::default();
        while let Some(off) = find(&input[i..], OPEN) {
            let at = i + off;
            if !looks_like_reference(&input[at + OPEN.len()..]) {
                i = at + 1;
                continue;
            }
            let slashes = input[seg..at]
                .iter()
                .rev()
                .take_while(|b| **b == b'\\')
                .count();
            text.extend_from_slice(&input[seg..at - slashes]);
            text.resize(text.len() + slashes / 2, b'\\');
            if slashes % 2 == 1 {
                // Escaped: the reference is text.
                text.extend_from_slice(OPEN);
                i = at + OPEN.len();
                seg = i;
                continue;
            }
            let (line, column) = lines.at(input, at);
            match read_reference(&input[at..]) {
                Ok((name, len)) => {
                    if !text.is_empty() {
                        t.pieces.push(Piece::Text(std::mem::take(&mut text)));
                    }
                    t.pieces.push(Piece::Ref(t.refs.len()));
                    t.refs.push(Reference { name, line, column });
                    i = at + len;
                    seg = i;
                }
                Err(reason) => {
                    bad.push(Malformed {
                        line,
                        column,
                        text: snippet(&input[at..]),
                        reason,
                    });
                    i = at + OPEN.len();
                    seg = at;
                }
            }
        }
        if !bad.is_empty() {
            return Err(bad);
        }
        text.extend_from_slice(&input[seg..]);
        if !text.is_empty() {
            t.pieces.push(Piece::Text(text));
        }
        Ok(t)
    }

    /// The references, in the order they appear (a name may appear more than once).
    pub fn references(&self) -> &[Reference] {
        &self.refs
    }

    /// The distinct secret names referenced.
    pub fn names(&self) -> BTreeSet<&SecretName> {
        self.refs.iter().map(|r| &r.name).collect()
    }

    /// The template with each reference replaced by `value(name)`. `None` if any name has no
    /// value: nothing is rendered half.
    pub fn render<'v>(
        &self,
        value: impl Fn(&SecretName) -> Option<&'v [u8]>,
    ) -> Option<Zeroizing<Vec<u8>>> {
        let mut out = Zeroizing::new(Vec::new());
        for p in &self.pieces {
            match p {
                Piece::Text(t) => out.extend_from_slice(t),
                Piece::Ref(i) => out.extend_from_slice(value(&self.refs[*i].name)?),
            }
        }
        Some(out)
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// After `{{`: optional whitespace, `vault` in any case, then `:` (after optional whitespace),
/// `.` (Insomnia's `{{ vault.name }}`) or `-`. `{{vaults}}` and `{{vault_x}}` are other text.
fn looks_like_reference(rest: &[u8]) -> bool {
    let skip_ws = |s: &[u8]| {
        s.iter()
            .position(|b| !b.is_ascii_whitespace())
            .unwrap_or(s.len())
    };
    let rest = &rest[skip_ws(rest)..];
    let Some(word) = rest.get(..5) else {
        return false;
    };
    if !word.eq_ignore_ascii_case(b"vault") {
        return false;
    }
    let after = &rest[5..];
    matches!(after.first(), Some(b'.' | b'-')) || after.get(skip_ws(after)) == Some(&b':')
}

/// Reads `{{vault:NAME}}` at the start of `s`: the name and the reference's length in bytes.
fn read_reference(s: &[u8]) -> Result<(SecretName, usize), &'static str> {
    let body = &s[OPEN.len()..];
    if !body.starts_with(PREFIX) {
        let word = body.get(..5).unwrap_or_default();
        return Err(
            if body.first().is_some_and(u8::is_ascii_whitespace)
                || body.get(5).is_some_and(u8::is_ascii_whitespace)
            {
                "spaces are not allowed inside a reference"
            } else if matches!(body.get(5), Some(b'.' | b'-')) {
                "a reference is written {{vault:NAME}}, with a colon"
            } else if word != b"vault" {
                "write `vault:` in lowercase"
            } else {
                "a reference is written {{vault:NAME}}"
            },
        );
    }
    let after = &body[PREFIX.len()..];
    let len = after
        .iter()
        .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')))
        .unwrap_or(after.len());
    let rest = &after[len..];
    if !rest.starts_with(CLOSE) {
        return Err(match rest.first() {
            None => "it is not closed with `}}`",
            Some(b) if b.is_ascii_whitespace() => "spaces are not allowed inside a reference",
            Some(b'{') => {
                "references do not nest; for a value per environment, use --env (docs/references.md)"
            }
            Some(b'}') => "it is not closed with `}}`",
            Some(_) => "a name holds only letters, digits, '_', '-' and '.'",
        });
    }
    // The characters are all ASCII name characters; the length and first character remain.
    let name = std::str::from_utf8(&after[..len])
        .ok()
        .and_then(|n| SecretName::parse(n).ok())
        .ok_or(if len == 0 {
            "the name is empty"
        } else if len > crate::name::MAX_NAME_LEN {
            "the name is longer than 128 characters"
        } else {
            "a name starts with a letter or a digit"
        })?;
    Ok((name, OPEN.len() + PREFIX.len() + len + CLOSE.len()))
}

/// Line and column of increasing offsets, counting each byte once (linear in the input).
#[derive(Default)]
struct Lines {
    scanned: usize,
    line: usize,
    line_start: usize,
}

impl Lines {
    fn at(&mut self, input: &[u8], at: usize) -> (usize, usize) {
        for (i, b) in input[self.scanned..at].iter().enumerate() {
            if *b == b'\n' {
                self.line += 1;
                self.line_start = self.scanned + i + 1;
            }
        }
        self.scanned = at;
        (self.line + 1, at - self.line_start + 1)
    }
}

fn snippet(s: &[u8]) -> String {
    let end = find(&s[OPEN.len()..], CLOSE).map_or(s.len(), |p| p + OPEN.len() + CLOSE.len());
    String::from_utf8_lossy(&s[..end.min(40)]).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn render(input: &str) -> Result<String, Vec<&'static str>> {
        let t = Template::parse(input.as_bytes())
            .map_err(|v| v.into_iter().map(|m| m.reason).collect::<Vec<_>>())?;
        let out = t
            .render(|n| match n.as_str() {
                "a" => Some(b"AAA".as_slice()),
                "b.c-d_e" => Some(b"<b>".as_slice()),
                _ => None,
            })
            .expect("known names");
        Ok(String::from_utf8(out.to_vec()).unwrap())
    }

    #[test]
    fn renders_references_and_leaves_other_text() {
        let ok = |i: &str, o: &str| assert_eq!(render(i).as_deref(), Ok(o), "{i:?}");
        ok("", "");
        ok("plain", "plain");
        ok("{{vault:a}}", "AAA");
        ok("x{{vault:a}}y{{vault:b.c-d_e}}z", "xAAAy<b>z");
        ok("{{vault:a}}{{vault:a}}", "AAAAAA");
        ok(
            "{{other}} {{ env }} {{vaults}} {vault:a} {{vaultx:a}} {{vault_a}}",
            "{{other}} {{ env }} {{vaults}} {vault:a} {{vaultx:a}} {{vault_a}}",
        );
        ok("{{{vault:a}}}", "{AAA}");
        ok("line1\r\n{{vault:a}}\r\n", "line1\r\nAAA\r\n");
    }

    #[test]
    fn escapes() {
        let ok = |i: &str, o: &str| assert_eq!(render(i).as_deref(), Ok(o), "{i:?}");
        ok(r"\{{vault:a}}", "{{vault:a}}");
        ok(r"\\{{vault:a}}", r"\AAA");
        ok(r"\\\{{vault:a}}", r"\{{vault:a}}");
        ok(r"\\\\{{vault:a}}", r"\\AAA");
        ok(r"\{{vault: not checked}}", "{{vault: not checked}}");
        ok(r"C:\dir\file {{vault:a}}", r"C:\dir\file AAA");
        ok(r"a\\b", r"a\\b");
        ok(r"{{vault:a}}\{{vault:a}}", "AAA{{vault:a}}");
    }

    #[test]
    fn malformed_references_are_errors() {
        let bad = |i: &str, why: &str| {
            let e = render(i).expect_err(i);
            assert!(e.iter().any(|r| r.contains(why)), "{i:?}: {e:?}");
        };
        bad("{{ vault:a}}", "spaces");
        bad("{{vault: a}}", "spaces");
        bad("{{vault:a }}", "spaces");
        bad("{{VAULT:a}}", "lowercase");
        bad("{{Vault:a}}", "lowercase");
        bad("{{vault:}}", "empty");
        bad("{{vault:-a}}", "starts with");
        bad("{{vault:a", "not closed");
        bad("{{vault:a}", "not closed");
        bad("{{vault:a/b}}", "only letters");
        bad("{{vault:{{environment}}_api_key}}", "do not nest");
        bad("{{vault :a}}", "spaces");
        bad("{{ vault : a }}", "spaces");
        bad("{{vault.a}}", "with a colon");
        bad("{{ vault.a }}", "spaces");
        bad("{{vault-a}}", "with a colon");
        bad("{{VAULT.a}}", "with a colon");
        bad(&format!("{{{{vault:{}}}}}", "x".repeat(129)), "128");
        // Every error is reported, with its place.
        let all = Template::parse(b"ok {{vault:a}}\n  {{ vault:b}} {{VAULT:c}}").unwrap_err();
        assert_eq!(all.len(), 2);
        assert_eq!((all[0].line, all[0].column), (2, 3));
        assert_eq!(all[0].text, "{{ vault:b}}");
        assert_eq!((all[1].line, all[1].column), (2, 16));
    }

    #[test]
    fn references_have_places_and_names() {
        let t = Template::parse(b"a\nbb {{vault:a}} {{vault:x}}\n{{vault:a}}").unwrap();
        let places: Vec<_> = t
            .references()
            .iter()
            .map(|r| (r.name.as_str(), r.line, r.column))
            .collect();
        assert_eq!(places, [("a", 2, 4), ("x", 2, 16), ("a", 3, 1)]);
        assert_eq!(t.names().len(), 2);
        // A missing value renders nothing.
        assert!(
            t.render(|n| (n.as_str() == "a").then_some(b"1".as_slice()))
                .is_none()
        );
    }

    #[test]
    fn binary_text_passes_through() {
        let input = b"\x00\xff\xfe{{vault:a}}\x80\r\n\x00";
        let t = Template::parse(input).unwrap();
        let out = t.render(|_| Some(b"V".as_slice())).unwrap();
        assert_eq!(out.as_slice(), b"\x00\xff\xfeV\x80\r\n\x00");
    }

    proptest! {
        #[test]
        fn text_without_braces_is_unchanged(input in proptest::collection::vec(any::<u8>(), 0..300)) {
            let input: Vec<u8> = input.into_iter().filter(|b| *b != b'{').collect();
            let t = Template::parse(&input).unwrap();
            prop_assert!(t.references().is_empty());
            prop_assert_eq!(t.render(|_| None).unwrap().to_vec(), input);
        }

        #[test]
        fn parsing_never_panics(input in "[{}a\\ :vault]{0,60}") {
            if let Ok(t) = Template::parse(input.as_bytes()) {
                let out = t.render(|_| Some(b"V".as_slice())).unwrap();
                prop_assert!(out.len() <= input.len() + t.references().len());
            }
        }

        #[test]
        fn rendering_is_splicing(parts in proptest::collection::vec("[a-z {}\\\\]{0,8}", 1..6)) {
            // Text with no `{{`, no backslash before a brace: joined by references to `a`.
            let clean: Vec<String> = parts
                .iter()
                .map(|p| p.replace('{', "(").replace('\\', "/"))
                .collect();
            let input = clean.join("{{vault:a}}");
            let t = Template::parse(input.as_bytes()).unwrap();
            prop_assert_eq!(t.references().len(), clean.len() - 1);
            let out = t.render(|_| Some(b"V".as_slice())).unwrap();
            prop_assert_eq!(String::from_utf8(out.to_vec()).unwrap(), clean.join("V"));
        }
    }
}
