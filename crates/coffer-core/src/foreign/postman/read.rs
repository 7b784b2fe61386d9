//! Postman environment and globals exports (`values[]`) and a collection's `variable[]`.
//!
//! - By default only variables of type `secret` become secrets ([`Options::only_secret_type`]);
//!   the others are listed as skipped.
//! - A value that holds a `{{vault:NAME}}` reference is a reference, not a secret: listed, not
//!   imported.
//! - An empty value is listed: Postman exports a variable's initial value, and a secret set only
//!   as a current value is not in the file.
//! - A disabled variable (`enabled: false`, or `disabled: true` in a collection) becomes a
//!   disabled secret.

use crate::foreign::text::{Text, is_true, json_error, strip_bom};
use crate::foreign::{Collector, Domains, ForeignError, Format, Naming, Options, Read, clip};
use serde::Deserialize;

#[derive(Deserialize)]
struct File {
    name: Option<Text>,
    values: Option<Vec<Variable>>,
    #[serde(rename = "_postman_variable_scope")]
    scope: Option<Text>,
    info: Option<Info>,
    variable: Option<Vec<Variable>>,
}

#[derive(Deserialize)]
struct Info {
    name: Option<Text>,
}

#[derive(Deserialize)]
struct Variable {
    key: Option<Text>,
    value: Option<Text>,
    #[serde(rename = "type")]
    kind: Option<Text>,
    enabled: Option<serde_json::Value>,
    disabled: Option<serde_json::Value>,
}

/// Whether a value holds a `{{vault:…}}` reference, and the secret's name when the reference is
/// closed and the name is a valid secret name (otherwise the text after `{{vault:` may be the
/// value itself, and is never shown).
fn vault_reference(value: &str) -> Option<Option<&str>> {
    let start = value.find("{{vault:")? + "{{vault:".len();
    let rest = &value[start..];
    Some(
        rest.find("}}")
            .map(|end| &rest[..end])
            .filter(|name| crate::SecretName::parse(name).is_ok()),
    )
}

/// Reads a Postman export for an import.
pub fn read(bytes: &[u8], options: &Options) -> Result<Read, ForeignError> {
    let file: File =
        serde_json::from_slice(strip_bom(bytes)).map_err(|e| json_error("Postman export", &e))?;
    let mut c = Collector::new(Format::Postman);
    let (variables, detail) = match (file.values, file.variable) {
        (Some(values), _) => {
            let scope = file
                .scope
                .as_ref()
                .map(Text::as_str)
                .filter(|s| *s == "globals")
                .unwrap_or("environment");
            let name = file.name.as_ref().map(Text::as_str).unwrap_or_default();
            (values, format!("{scope} \"{}\"", clip(name)))
        }
        (None, Some(variables)) => {
            let name = file
                .info
                .as_ref()
                .and_then(|i| i.name.as_ref())
                .map(Text::as_str)
                .unwrap_or_default();
            (variables, format!("collection \"{}\"", clip(name)))
        }
        (None, None) => {
            return Err(ForeignError::Malformed(
                "the Postman export has neither `values` (an environment) nor `variable` (a collection)"
                    .into(),
            ));
        }
    };
    c.detail(detail);
    for (i, v) in variables.into_iter().enumerate() {
        let key = v.key.as_ref().map(Text::as_str).unwrap_or_default();
        let origin = format!("variable {} ({})", i + 1, clip(key));
        if key.is_empty() {
            c.skip(origin, "it has no key");
            continue;
        }
        let kind = v.kind.as_ref().map(Text::as_str).unwrap_or("default");
        if options.only_secret_type && kind != "secret" {
            c.skip(
                origin,
                format!(
                    "its type is \"{}\", not \"secret\" (only-secret-type is on)",
                    clip(kind)
                ),
            );
            continue;
        }
        let value = v.value.map(|t| t.0).unwrap_or_default();
        if let Some(name) = vault_reference(&value) {
            c.skip(
                origin,
                match name {
                    Some(name) => format!(
                        "its value is a reference to the vault secret \"{name}\", not a value"
                    ),
                    None => "its value holds a {{vault:…}} reference, not a value".to_string(),
                },
            );
            continue;
        }
        if value.is_empty() {
            c.skip(
                origin,
                "its value is empty (Postman exports initial values; a current value is not in the file)",
            );
            continue;
        }
        let disabled = v.enabled.as_ref().and_then(serde_json::Value::as_bool) == Some(false)
            || is_true(&v.disabled);
        c.add(
            key,
            Naming::Variable,
            origin,
            value,
            Domains::any(),
            disabled,
        );
    }
    Ok(c.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(r: &Read) -> Vec<&str> {
        r.items.iter().map(|i| i.name.as_str()).collect()
    }

    const ENV: &str = r#"{
      "id": "5e4b1c1a-0000-4000-8000-000000000000", "name": "Production",
      "values": [
        {"key": "baseUrl", "value": "https://api.example.com", "type": "default", "enabled": true},
        {"key": "api key", "value": "sk_live_1", "type": "secret", "enabled": true},
        {"key": "old", "value": "x", "type": "secret", "enabled": false},
        {"key": "ref", "value": "Bearer {{vault:stripe}}", "type": "secret", "enabled": true},
        {"key": "empty", "value": "", "type": "secret", "enabled": true},
        {"key": "port", "value": 8443, "type": "secret"},
        {"value": "nokey", "type": "secret"}
      ],
      "_postman_variable_scope": "environment",
      "_postman_exported_at": "2026-11-29T00:00:00.000Z",
      "_postman_exported_using": "Postman/11.20.0"
    }"#;

    #[test]
    fn only_secret_variables_by_default_and_every_other_one_is_listed() {
        let r = read(ENV.as_bytes(), &Options::default()).unwrap();
        assert_eq!(r.detail.as_deref(), Some("environment \"Production\""));
        assert_eq!(names(&r), ["api-key", "old", "port"]);
        assert_eq!(r.items[0].renamed_from.as_deref(), Some("api key"));
        assert_eq!(r.items[0].value.expose(), "sk_live_1");
        assert!(r.items[1].disabled && !r.items[0].disabled);
        assert_eq!(r.items[2].value.expose(), "8443");
        let skipped: Vec<&str> = r.skipped.iter().map(|s| s.origin.as_str()).collect();
        assert_eq!(
            skipped,
            [
                "variable 1 (baseUrl)",
                "variable 4 (ref)",
                "variable 5 (empty)",
                "variable 7 ()"
            ]
        );
        assert!(r.skipped[1].reason.contains("\"stripe\""));
        for s in &r.skipped {
            assert!(!s.reason.contains("sk_live") && !s.reason.contains("nokey"));
        }
    }

    #[test]
    fn every_type_when_asked() {
        let all = Options {
            only_secret_type: false,
            ..Options::default()
        };
        let r = read(ENV.as_bytes(), &all).unwrap();
        assert_eq!(names(&r), ["baseUrl", "api-key", "old", "port"]);
    }

    #[test]
    fn collection_variables_and_globals() {
        let col = r#"{"info": {"name": "API", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
          "item": [], "variable": [{"key": "token", "value": "t", "type": "secret", "disabled": true}]}"#;
        let r = read(col.as_bytes(), &Options::default()).unwrap();
        assert_eq!(r.detail.as_deref(), Some("collection \"API\""));
        assert_eq!(names(&r), ["token"]);
        assert!(r.items[0].disabled);
        let globals = r#"{"name": "Globals", "values": [], "_postman_variable_scope": "globals"}"#;
        let r = read(globals.as_bytes(), &Options::default()).unwrap();
        assert_eq!(r.detail.as_deref(), Some("globals \"Globals\""));
    }

    #[test]
    fn errors_never_quote_the_file() {
        // serde's own message would quote the string where a list is expected.
        let bad = r#"{"name": "x", "values": "sk_live_secret"}"#;
        let e = read(bad.as_bytes(), &Options::default()).unwrap_err();
        assert!(!e.to_string().contains("sk_live"), "{e}");
        assert!(e.to_string().contains("line 1, column"), "{e}");
        assert!(read(b"{}", &Options::default()).is_err());
    }

    #[test]
    fn a_reference_that_is_not_closed_is_never_shown() {
        let env = r#"{"name": "x", "values": [
            {"key": "a", "value": "{{vault:x sk_live_TOPSECRET", "type": "secret"},
            {"key": "b", "value": "{{vault:has space}} x", "type": "secret"}]}"#;
        let r = read(env.as_bytes(), &Options::default()).unwrap();
        assert!(r.items.is_empty());
        for s in &r.skipped {
            assert_eq!(
                s.reason,
                "its value holds a {{vault:…}} reference, not a value"
            );
        }
    }
}
