//! Bitwarden JSON exports: plain (`encrypted: false`) and password-protected
//! (`encrypted: true, passwordProtected: true`). An account-restricted export (`encrypted: true`
//! alone) is encrypted with the account's key and refused.
//!
//! What becomes a secret (`docs/import-formats.md`):
//! - a login's password, named after the item, allowed for the hosts of the login's URIs;
//! - every hidden custom field, named `ITEM.FIELD`, with the item's hosts;
//! - a secure note's text, named after the item, when notes are included.
//!
//! Listed and not imported: items in the trash, logins without a password, TOTP seeds, secure
//! notes (unless included), cards, identities and SSH keys.

use super::crypto::{EncString, Kdf, Keys};
use crate::foreign::text::{Text, is_true, json_error, strip_bom};
use crate::foreign::{Collector, Domains, ForeignError, Format, Naming, Options, Read, clip};
use secrecy::SecretString;
use serde::Deserialize;

#[derive(Deserialize)]
struct Probe {
    encrypted: Option<serde_json::Value>,
    #[serde(rename = "passwordProtected")]
    password_protected: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct Plain {
    items: Option<Vec<Item>>,
}

#[derive(Deserialize)]
struct Item {
    #[serde(rename = "type")]
    kind: Option<serde_json::Value>,
    name: Option<Text>,
    notes: Option<Text>,
    login: Option<Login>,
    fields: Option<Vec<Field>>,
    #[serde(rename = "deletedDate")]
    deleted: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct Login {
    password: Option<Text>,
    uris: Option<Vec<Uri>>,
    totp: Option<Text>,
}

#[derive(Deserialize)]
struct Uri {
    uri: Option<Text>,
}

#[derive(Deserialize)]
struct Field {
    name: Option<Text>,
    value: Option<Text>,
    #[serde(rename = "type")]
    kind: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct Protected {
    salt: Option<Text>,
    #[serde(rename = "kdfType")]
    kdf_type: Option<serde_json::Value>,
    #[serde(rename = "kdfIterations")]
    kdf_iterations: Option<serde_json::Value>,
    #[serde(rename = "kdfMemory")]
    kdf_memory: Option<serde_json::Value>,
    #[serde(rename = "kdfParallelism")]
    kdf_parallelism: Option<serde_json::Value>,
    #[serde(rename = "encKeyValidation_DO_NOT_EDIT")]
    validation: Option<Text>,
    data: Option<Text>,
}

/// A Bitwarden export, read as far as possible without a password.
pub enum Opened {
    /// Unencrypted: read.
    Plain(Read),
    /// Password-protected: its KDF checked, nothing derived yet.
    Locked(Locked),
}

/// A password-protected export whose header passed the checks.
pub struct Locked {
    kdf: Kdf,
    salt: String,
    validation: EncString,
    data: EncString,
}

impl std::fmt::Debug for Locked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Locked")
            .field("kdf", &self.kdf)
            .finish_non_exhaustive()
    }
}

/// Reads a Bitwarden export's header; a plain export is read whole.
pub fn open(bytes: &[u8], options: &Options) -> Result<Opened, ForeignError> {
    let bytes = strip_bom(bytes);
    let probe: Probe =
        serde_json::from_slice(bytes).map_err(|e| json_error("Bitwarden export", &e))?;
    if !is_true(&probe.encrypted) {
        return read_plain(bytes, options, "unencrypted").map(Opened::Plain);
    }
    if !is_true(&probe.password_protected) {
        return Err(ForeignError::AccountRestricted);
    }
    let p: Protected =
        serde_json::from_slice(bytes).map_err(|e| json_error("Bitwarden export", &e))?;
    let number = |v: &Option<serde_json::Value>| v.as_ref().and_then(serde_json::Value::as_u64);
    let kdf = Kdf::new(
        number(&p.kdf_type),
        number(&p.kdf_iterations),
        number(&p.kdf_memory),
        number(&p.kdf_parallelism),
    )?;
    let text = |what: &str, t: Option<Text>| {
        t.map(|t| t.0.to_string())
            .filter(|s| !s.is_empty())
            .ok_or_else(|| ForeignError::Malformed(format!("the export's {what} is missing")))
    };
    // Both encrypted strings are parsed whole here, before any key is derived: after this,
    // every failure is the one decrypt error, whatever the password.
    let validation = text("encKeyValidation_DO_NOT_EDIT", p.validation)?;
    let data = text("data", p.data)?;
    Ok(Opened::Locked(Locked {
        kdf,
        salt: text("salt", p.salt)?,
        validation: EncString::parse("encKeyValidation_DO_NOT_EDIT", &validation)?,
        data: EncString::parse("data", &data)?,
    }))
}

impl Locked {
    /// The key derivation it names (within bounds).
    pub fn kdf(&self) -> Kdf {
        self.kdf
    }

    /// Opens it with `password`: [`ForeignError::Decrypt`] for a wrong password or a changed
    /// file, whichever it is.
    pub fn unlock(&self, password: &SecretString, options: &Options) -> Result<Read, ForeignError> {
        let keys = Keys::derive(&self.kdf, password, &self.salt);
        keys.open(&self.validation)?;
        let data = keys.open(&self.data)?;
        let detail = match self.kdf {
            Kdf::Pbkdf2 { iterations } => {
                format!("password-protected, PBKDF2-SHA256 {iterations} iterations")
            }
            Kdf::Argon2id {
                iterations,
                memory_mib,
                parallelism,
            } => format!(
                "password-protected, Argon2id {memory_mib} MiB, {iterations} passes, {parallelism} lanes"
            ),
        };
        // Past the MAC the content is the exporter's own; still, its errors say nothing a wrong
        // password could be told apart by, since a wrong password never gets here.
        let probe: Probe = serde_json::from_slice(&data)
            .map_err(|e| json_error("decrypted Bitwarden export", &e))?;
        if is_true(&probe.encrypted) {
            return Err(ForeignError::Malformed(
                "the decrypted Bitwarden export is itself encrypted".into(),
            ));
        }
        read_plain(&data, options, &detail)
    }
}

fn read_plain(bytes: &[u8], options: &Options, detail: &str) -> Result<Read, ForeignError> {
    let plain: Plain =
        serde_json::from_slice(bytes).map_err(|e| json_error("Bitwarden export", &e))?;
    let items = plain.items.ok_or_else(|| {
        ForeignError::Malformed("the Bitwarden export has no `items` list".into())
    })?;
    let mut c = Collector::new(Format::Bitwarden);
    c.detail(detail.to_string());
    for (i, item) in items.into_iter().enumerate() {
        let name = item
            .name
            .as_ref()
            .map(Text::as_str)
            .unwrap_or_default()
            .to_string();
        let origin = format!("item {} (\"{}\")", i + 1, clip(&name));
        if item.deleted.as_ref().is_some_and(|d| !d.is_null()) {
            c.skip(origin, "it is in the trash");
            continue;
        }
        let kind = item.kind.as_ref().and_then(serde_json::Value::as_u64);
        let urls: Vec<Text> = item
            .login
            .as_ref()
            .and_then(|l| l.uris.as_ref())
            .map(|u| {
                u.iter()
                    .filter_map(|u| u.uri.as_ref())
                    .map(|t| Text(t.0.clone()))
                    .collect()
            })
            .unwrap_or_default();
        let domains = || Domains::from_urls(urls.iter().map(Text::as_str));
        match kind {
            Some(1) => {
                let login = item.login.as_ref();
                match login
                    .and_then(|l| l.password.as_ref())
                    .filter(|p| !p.as_str().is_empty())
                {
                    Some(pw) => {
                        c.add(
                            &name,
                            Naming::Distinct,
                            format!("{origin}, password"),
                            pw.0.clone(),
                            domains(),
                            false,
                        );
                    }
                    None => c.skip(origin.clone(), "a login without a password"),
                }
                if login
                    .and_then(|l| l.totp.as_ref())
                    .is_some_and(|t| !t.as_str().is_empty())
                {
                    c.skip_totp(format!("{origin}, TOTP"));
                }
            }
            Some(2) => match item.notes.as_ref().filter(|n| !n.as_str().is_empty()) {
                Some(notes) if options.include_notes => {
                    c.add(
                        &name,
                        Naming::Distinct,
                        format!("{origin}, note"),
                        notes.0.clone(),
                        Domains::any(),
                        false,
                    );
                }
                Some(_) => c.skip(origin.clone(), "a secure note (include-notes is off)"),
                None => c.skip(origin.clone(), "an empty secure note"),
            },
            Some(3) => c.skip(origin.clone(), "a card: cards are not imported"),
            Some(4) => c.skip(origin.clone(), "an identity: identities are not imported"),
            Some(5) => c.skip(origin.clone(), "an SSH key: SSH keys are not imported"),
            _ => c.skip(
                origin.clone(),
                "an item of a type this reader does not know",
            ),
        }
        for field in item.fields.iter().flatten() {
            if field.kind.as_ref().and_then(serde_json::Value::as_u64) != Some(1) {
                continue;
            }
            let fname = field.name.as_ref().map(Text::as_str).unwrap_or_default();
            let forigin = format!("{origin}, hidden field \"{}\"", clip(fname));
            match field.value.as_ref().filter(|v| !v.as_str().is_empty()) {
                Some(v) => {
                    c.add(
                        &format!("{name}.{fname}"),
                        Naming::Distinct,
                        forigin,
                        v.0.clone(),
                        domains(),
                        false,
                    );
                }
                None => c.skip(forigin, "its value is empty"),
            }
        }
    }
    Ok(c.finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::foreign::testing::{items, want};

    const PLAIN: &str = r#"{
      "encrypted": false,
      "folders": [{"id": "f1", "name": "Work"}],
      "items": [
        {"id": "1", "type": 1, "name": "GitHub", "notes": null, "folderId": "f1",
         "login": {"uris": [{"match": null, "uri": "https://github.com/login"}, {"uri": "androidapp://com.github.android"}],
                   "username": "alice", "password": "gh-pass", "totp": "otpauth://totp/x?secret=ABC"},
         "fields": [{"name": "api token", "value": "ghp_1", "type": 1, "linkedId": null},
                    {"name": "plain", "value": "visible", "type": 0}]},
        {"id": "2", "type": 1, "name": "GitHub", "login": {"username": "bob", "password": "second"}},
        {"id": "3", "type": 1, "name": "No password", "login": {"username": "x"}},
        {"id": "4", "type": 2, "name": "Recovery codes", "notes": "a b c", "secureNote": {"type": 0}},
        {"id": "5", "type": 3, "name": "Visa", "card": {"number": "4111"}},
        {"id": "6", "type": 1, "name": "Old", "login": {"password": "p"}, "deletedDate": "2026-01-01T00:00:00Z"}
      ]
    }"#;

    fn read(bytes: &[u8], options: &Options) -> Read {
        match open(bytes, options).unwrap() {
            Opened::Plain(r) => r,
            Opened::Locked(_) => panic!("plain expected"),
        }
    }

    #[test]
    fn passwords_hidden_fields_and_hosts_become_secrets() {
        let r = read(PLAIN.as_bytes(), &Options::default());
        let got = items(&r);
        assert_eq!(
            got,
            want(&[
                ("GitHub", "gh-pass", "github.com"),
                ("GitHub.api-token", "ghp_1", "github.com"),
                ("GitHub-2", "second", ""),
            ])
        );
        assert_eq!(r.items[1].renamed_from.as_deref(), Some("GitHub.api token"));
        assert!(r.items[0].notes[0].contains("androidapp://"));
        let skipped: Vec<(&str, &str)> = r
            .skipped
            .iter()
            .map(|s| (s.origin.as_str(), s.reason.as_str()))
            .collect();
        assert_eq!(
            skipped,
            [
                (
                    "item 1 (\"GitHub\"), TOTP",
                    "one-time password seeds are not imported"
                ),
                ("item 3 (\"No password\")", "a login without a password"),
                (
                    "item 4 (\"Recovery codes\")",
                    "a secure note (include-notes is off)"
                ),
                ("item 5 (\"Visa\")", "a card: cards are not imported"),
                ("item 6 (\"Old\")", "it is in the trash"),
            ]
        );
    }

    #[test]
    fn notes_when_asked() {
        let o = Options {
            include_notes: true,
            ..Options::default()
        };
        let r = read(PLAIN.as_bytes(), &o);
        assert!(
            r.items
                .iter()
                .any(|i| i.name.as_str() == "Recovery-codes" && i.value.expose() == "a b c")
        );
    }

    #[test]
    fn account_restricted_exports_are_refused() {
        let f = r#"{"encrypted": true, "encKeyValidation_DO_NOT_EDIT": "2.a|b|c", "folders": [], "items": []}"#;
        assert_eq!(
            open(f.as_bytes(), &Options::default()).err().unwrap(),
            ForeignError::AccountRestricted
        );
    }

    #[test]
    fn missing_protected_fields_are_named() {
        for (field, json) in [
            (
                "salt",
                r#""kdfType":0,"kdfIterations":5000,"encKeyValidation_DO_NOT_EDIT":"2.a|b|c","data":"2.a|b|c""#,
            ),
            (
                "encKeyValidation",
                r#""salt":"s","kdfType":0,"kdfIterations":5000,"data":"2.a|b|c""#,
            ),
            (
                "data",
                r#""salt":"s","kdfType":0,"kdfIterations":5000,"encKeyValidation_DO_NOT_EDIT":"2.a|b|c","data":null"#,
            ),
            (
                "kdfIterations",
                r#""salt":"s","kdfType":0,"kdfIterations":"many","encKeyValidation_DO_NOT_EDIT":"2.a|b|c","data":"2.a|b|c""#,
            ),
        ] {
            let f = format!(r#"{{"encrypted":true,"passwordProtected":true,{json}}}"#);
            let e = open(f.as_bytes(), &Options::default()).err().unwrap();
            assert!(
                matches!(&e, ForeignError::Malformed(m) if m.contains(field)),
                "{field}: {e:?}"
            );
        }
    }
}
