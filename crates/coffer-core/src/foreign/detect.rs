//! Recognising a file's format from its content (never from its name): `--from` forces one.
//!
//! - A ZIP archive (`PK\3\4`): a 1Password 1PUX export.
//! - KeePass's signature (`03 D9 A2 9A`): a KeePass database.
//! - A JSON object whose `format` is Coffer's: a Coffer export.
//! - A JSON object with `_postman_variable_scope`, or `values` beside `name` or `id`, or an
//!   `info.schema` naming Postman: a Postman export.
//! - A JSON object with `items` beside `folders` or `encrypted`, or `encrypted: true` with
//!   `passwordProtected` or `data`: a Bitwarden export.
//! - CSV whose header has `Group`, `Title`, `Username`, `Password`, `URL` and `Notes`: a
//!   KeePassXC CSV export; `Title`, `Url`, `Password` and `OTPAuth` without `Group`: a 1Password
//!   CSV export.
//! - Text whose first line that is not blank or a comment is `KEY=…` or `export KEY=…`: dotenv.
//! - Anything else: not recognised (the caller reads it as a Coffer export, whose errors say
//!   what a file should look like, and hints at `--from`).

use super::Format;
use crate::export::FORMAT;
use serde::Deserialize;
use serde::de::IgnoredAny;

#[derive(Deserialize)]
struct Probe {
    format: Option<serde_json::Value>,
    #[serde(rename = "_postman_variable_scope")]
    postman_scope: Option<IgnoredAny>,
    values: Option<IgnoredAny>,
    name: Option<IgnoredAny>,
    id: Option<IgnoredAny>,
    info: Option<Info>,
    items: Option<IgnoredAny>,
    folders: Option<IgnoredAny>,
    encrypted: Option<serde_json::Value>,
    #[serde(rename = "passwordProtected")]
    password_protected: Option<IgnoredAny>,
    data: Option<IgnoredAny>,
}

#[derive(Deserialize)]
struct Info {
    schema: Option<serde_json::Value>,
}

/// The format of `bytes`, if recognised.
pub fn detect(bytes: &[u8]) -> Option<Format> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.starts_with(b"PK\x03\x04") {
        return Some(Format::OnePux);
    }
    if bytes.starts_with(&[0x03, 0xd9, 0xa2, 0x9a]) {
        return Some(Format::Kdbx);
    }
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace())?;
    if *first == b'{' {
        return detect_json(bytes);
    }
    if let Some(h) = super::table::header(bytes) {
        if super::keepass::is_csv_header(&h) {
            return Some(Format::KeepassCsv);
        }
        if super::onepassword::is_csv_header(&h) {
            return Some(Format::OnePasswordCsv);
        }
    }
    looks_like_dotenv(bytes).then_some(Format::Dotenv)
}

fn detect_json(bytes: &[u8]) -> Option<Format> {
    let p: Probe = serde_json::from_slice(bytes).ok()?;
    if p.format.as_ref().and_then(|f| f.as_str()) == Some(FORMAT) {
        return Some(Format::Coffer);
    }
    let postman_schema = p
        .info
        .as_ref()
        .and_then(|i| i.schema.as_ref())
        .and_then(|s| s.as_str())
        .is_some_and(|s| s.contains("getpostman.com") || s.contains("schema.postman.com"));
    if p.postman_scope.is_some()
        || (p.values.is_some() && (p.name.is_some() || p.id.is_some()))
        || postman_schema
    {
        return Some(Format::Postman);
    }
    let encrypted = p.encrypted.as_ref().and_then(|e| e.as_bool());
    if (p.items.is_some() && (p.folders.is_some() || encrypted.is_some()))
        || (encrypted == Some(true) && (p.password_protected.is_some() || p.data.is_some()))
    {
        return Some(Format::Bitwarden);
    }
    None
}

fn looks_like_dotenv(bytes: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return false;
    };
    let Some(line) = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
    else {
        return false;
    };
    let line = match line.strip_prefix("export") {
        Some(rest) if rest.starts_with([' ', '\t']) => rest.trim_start(),
        _ => line,
    };
    let key_len = line
        .char_indices()
        .find(|(i, c)| {
            !(c.is_ascii_alphanumeric() || *c == '_' || (*c == '.' && *i > 0))
                || (*i == 0 && c.is_ascii_digit())
        })
        .map_or(line.len(), |(i, _)| i);
    key_len > 0 && line[key_len..].trim_start().starts_with('=')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_told_apart_by_content() {
        let cases: &[(&str, Option<Format>)] = &[
            (
                r#"{"format":"coffer-vault-export","version":2,"encrypted":false}"#,
                Some(Format::Coffer),
            ),
            (
                r#"{"id":"x","name":"Prod","values":[],"_postman_variable_scope":"environment"}"#,
                Some(Format::Postman),
            ),
            (r#"{"name":"Prod","values":[]}"#, Some(Format::Postman)),
            (
                r#"{"info":{"schema":"https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},"item":[]}"#,
                Some(Format::Postman),
            ),
            (
                r#"{"encrypted":false,"folders":[],"items":[]}"#,
                Some(Format::Bitwarden),
            ),
            (r#"{"folders":[],"items":[]}"#, Some(Format::Bitwarden)),
            (
                r#"{"encrypted":true,"passwordProtected":true,"salt":"x","data":"2.x"}"#,
                Some(Format::Bitwarden),
            ),
            (
                "\u{feff}# comment\n\nexport API_KEY=1\n",
                Some(Format::Dotenv),
            ),
            ("A.B = 'x'", Some(Format::Dotenv)),
            (
                "\"Group\",\"Title\",\"Username\",\"Password\",\"URL\",\"Notes\"\n",
                Some(Format::KeepassCsv),
            ),
            (
                "Title,Url,Username,Password,OTPAuth,Favorite,Archived,Tags,Notes\n",
                Some(Format::OnePasswordCsv),
            ),
            (r#"{"values":[]}"#, None),
            ("hello world\n", None),
            ("1A=2", None),
            ("", None),
            ("[1,2]", None),
            // Another tool's password CSV is not guessed to be 1Password's.
            (
                "username,username2,username3,title,password,note,url,category,otpUrl\n",
                None,
            ),
            (
                "\u{feff}{\"name\":\"Prod\",\"values\":[],\"_postman_variable_scope\":\"environment\"}",
                Some(Format::Postman),
            ),
        ];
        for (text, want) in cases {
            assert_eq!(detect(text.as_bytes()), *want, "{text}");
        }
    }
}
