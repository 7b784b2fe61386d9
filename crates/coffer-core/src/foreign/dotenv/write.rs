//! Writing secrets as a dotenv file (`coffer export --format dotenv`), in a form that `dotenvy`
//! and Coffer's own reader both read back to the same values.
//!
//! - One `KEY='value'` line per secret, sorted by name. A value holding `'` or ending with a
//!   backslash is double-quoted with `\\`, `\"`, `\$` and `\n` escaped instead.
//! - A name that is not a dotenv key has `-` written as `_`, and `_` put before a leading digit;
//!   two names that would become one key stop the export (nothing is written).
//! - Linked and disabled secrets are left out and listed: a dotenv file holds values only.

use crate::Secret;
use std::collections::BTreeMap;
use zeroize::Zeroizing;

/// A dotenv file and what it holds.
pub struct Written {
    /// The file (zeroed when dropped).
    pub bytes: Zeroizing<Vec<u8>>,
    /// Secrets written.
    pub count: usize,
    /// Names written under another key: (name, key).
    pub renamed: Vec<(String, String)>,
    /// Secrets left out, and why.
    pub left_out: Vec<(String, String)>,
}

/// The export cannot be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WriteError {
    /// Two names become one dotenv key.
    #[error("the secrets {first} and {second} would both be written as {key}")]
    SameKey {
        /// One name.
        first: String,
        /// The other.
        second: String,
        /// The key they share.
        key: String,
    },
}

/// Whether `key` is a dotenv key: an ASCII letter or `_`, then letters, digits, `_` or `.`.
pub fn is_key(key: &str) -> bool {
    let mut chars = key.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
}

fn key_for(name: &str) -> String {
    let key = name.replace('-', "_");
    if key.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{key}")
    } else {
        key
    }
}

fn quote(value: &str, out: &mut Zeroizing<Vec<u8>>) {
    // Single quotes keep everything literal, except that dotenvy's line joining takes a
    // backslash before the closing quote as escaping it.
    if !value.contains('\'') && !value.ends_with('\\') {
        out.push(b'\'');
        out.extend_from_slice(value.as_bytes());
        out.push(b'\'');
        return;
    }
    out.push(b'"');
    for c in value.chars() {
        match c {
            '\\' => out.extend_from_slice(b"\\\\"),
            '"' => out.extend_from_slice(b"\\\""),
            '$' => out.extend_from_slice(b"\\$"),
            '\n' => out.extend_from_slice(b"\\n"),
            c => {
                let mut b = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
            }
        }
    }
    out.push(b'"');
}

/// Writes `secrets` as a dotenv file with a first comment line saying what it is (`header`).
pub fn write(secrets: &[Secret], header: &str) -> Result<Written, WriteError> {
    let mut keys: BTreeMap<String, &Secret> = BTreeMap::new();
    let mut renamed = Vec::new();
    let mut left_out = Vec::new();
    for s in secrets {
        let name = s.name.as_str();
        match &s.content {
            crate::SecretContent::Link(l) => {
                left_out.push((
                    name.to_string(),
                    format!(
                        "linked to {}: a dotenv file holds values only",
                        l.provider()
                    ),
                ));
                continue;
            }
            crate::SecretContent::Value(_) => {}
        }
        if s.disabled {
            left_out.push((name.to_string(), "disabled".to_string()));
            continue;
        }
        let key = key_for(name);
        if key != name {
            renamed.push((name.to_string(), key.clone()));
        }
        if let Some(other) = keys.insert(key.clone(), s) {
            let (a, b) = (other.name.to_string(), name.to_string());
            let (first, second) = if a <= b { (a, b) } else { (b, a) };
            return Err(WriteError::SameKey { first, second, key });
        }
    }
    // Sized up front: no reallocation leaves a copy of a value behind.
    let size: usize = header.len()
        + 4
        + keys
            .iter()
            .map(|(k, s)| match &s.content {
                crate::SecretContent::Value(v) => k.len() + 4 + 2 * v.expose().len(),
                crate::SecretContent::Link(_) => 0,
            })
            .sum::<usize>();
    let mut out = Zeroizing::new(Vec::with_capacity(size));
    out.extend_from_slice(b"# ");
    out.extend_from_slice(header.replace(['\n', '\r'], " ").as_bytes());
    out.push(b'\n');
    for (key, s) in &keys {
        if let crate::SecretContent::Value(v) = &s.content {
            out.extend_from_slice(key.as_bytes());
            out.push(b'=');
            quote(v.expose(), &mut out);
            out.push(b'\n');
        }
    }
    Ok(Written {
        bytes: out,
        count: keys.len(),
        renamed,
        left_out,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::foreign::testing::secret as s;

    /// What Coffer's reader and the dotenvy crate both read from `bytes` (they must agree).
    fn read_back(bytes: &[u8]) -> Vec<(String, String)> {
        let p = super::super::parse(bytes).unwrap();
        assert!(p.unreadable.is_empty(), "{:?}", p.unreadable);
        let ours: Vec<(String, String)> = p
            .entries
            .into_iter()
            .map(|e| (e.key, e.value.to_string()))
            .collect();
        let theirs: Vec<(String, String)> = dotenvy::from_read_iter(bytes)
            .collect::<Result<_, _>>()
            .expect("dotenvy reads what Coffer writes");
        assert_eq!(ours, theirs, "Coffer and dotenvy read the export alike");
        ours
    }

    #[test]
    fn names_become_keys_and_values_are_quoted() {
        let w = write(
            &[
                s("b-key", "it's \"x\" $HOME \\n\nnext"),
                s("c", "ends with a backslash\\"),
                s("A", "plain $X"),
                s("9lives", "v"),
            ],
            "made by a test",
        )
        .unwrap();
        let text = std::str::from_utf8(&w.bytes).unwrap();
        assert_eq!(
            text,
            "# made by a test\nA='plain $X'\n_9lives='v'\nb_key=\"it's \\\"x\\\" \\$HOME \\\\n\\nnext\"\nc=\"ends with a backslash\\\\\"\n"
        );
        assert_eq!(
            w.renamed,
            [
                ("b-key".to_string(), "b_key".to_string()),
                ("9lives".to_string(), "_9lives".to_string())
            ]
        );
        assert_eq!(
            read_back(&w.bytes),
            [
                ("A".to_string(), "plain $X".to_string()),
                ("_9lives".to_string(), "v".to_string()),
                (
                    "b_key".to_string(),
                    "it's \"x\" $HOME \\n\nnext".to_string()
                ),
                ("c".to_string(), "ends with a backslash\\".to_string()),
            ]
        );
    }

    #[test]
    fn two_names_for_one_key_stop_the_export() {
        let err = write(&[s("a-b", "1"), s("a_b", "2")], "h").err().unwrap();
        assert_eq!(
            err,
            WriteError::SameKey {
                first: "a-b".into(),
                second: "a_b".into(),
                key: "a_b".into()
            }
        );
    }

    #[test]
    fn disabled_secrets_are_left_out_and_listed() {
        let mut d = s("off", "v");
        d.disabled = true;
        let w = write(&[d, s("on", "v")], "h").unwrap();
        assert_eq!(w.count, 1);
        assert_eq!(w.left_out, [("off".to_string(), "disabled".to_string())]);
    }

    proptest::proptest! {
        #[test]
        fn every_value_reads_back_the_same(
            names in proptest::collection::btree_set("[A-Za-z][A-Za-z0-9_.]{0,10}", 1..6),
            values in proptest::collection::vec("[^\u{0}]{1,40}", 6),
        ) {
            let secrets: Vec<Secret> = names.iter().zip(&values).map(|(n, v)| s(n, v)).collect();
            let w = write(&secrets, "h").unwrap();
            let got = read_back(&w.bytes);
            let want: Vec<(String, String)> =
                names.iter().zip(&values).map(|(n, v)| (n.clone(), v.clone())).collect();
            proptest::prop_assert_eq!(got, want);
        }
    }
}
