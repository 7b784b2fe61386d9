//! Writing secrets as a Postman environment (`coffer export --format postman-env`): one
//! variable of type `secret` per secret, holding its value as the initial value; a disabled
//! secret is a disabled variable. Linked secrets are left out and listed; allowed domains and
//! per-environment values have no place in the format (the command says so).

use crate::{Secret, SecretContent, Timestamp};
use serde::Serialize;
use zeroize::Zeroizing;

/// A Postman environment and what it holds.
pub struct Written {
    /// The file (zeroed when dropped).
    pub bytes: Zeroizing<Vec<u8>>,
    /// Secrets written.
    pub count: usize,
    /// Secrets left out, and why.
    pub left_out: Vec<(String, String)>,
}

#[derive(Serialize)]
struct Env<'a> {
    id: String,
    name: &'a str,
    values: Vec<Variable<'a>>,
    #[serde(rename = "_postman_variable_scope")]
    scope: &'static str,
    #[serde(rename = "_postman_exported_at")]
    exported_at: String,
    #[serde(rename = "_postman_exported_using")]
    exported_using: &'a str,
}

#[derive(Serialize)]
struct Variable<'a> {
    key: &'a str,
    value: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    enabled: bool,
}

/// A random (version 4) UUID, as Postman gives every environment.
fn uuid_v4() -> String {
    let mut b: [u8; 16] = crate::crypto::random::bytes();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = crate::hex::encode(&b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// Writes `secrets` as a Postman environment called `name`, exported at `now` by `tool`.
pub fn write(secrets: &[Secret], name: &str, now: Timestamp, tool: &str) -> Written {
    let mut left_out = Vec::new();
    let mut values = Vec::new();
    for s in secrets {
        match &s.content {
            SecretContent::Value(v) => values.push(Variable {
                key: s.name.as_str(),
                value: v.expose(),
                kind: "secret",
                enabled: !s.disabled,
            }),
            SecretContent::Link(l) => left_out.push((
                s.name.to_string(),
                format!(
                    "linked to {}: a Postman environment holds values only",
                    l.provider()
                ),
            )),
        }
    }
    let env = Env {
        id: uuid_v4(),
        name,
        scope: "environment",
        exported_at: now.to_string(),
        exported_using: tool,
        values,
    };
    let count = env.values.len();
    let mut bytes = crate::buf::json(&env, true, 1);
    bytes.push(b'\n');
    Written {
        bytes,
        count,
        left_out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::foreign::{Options, postman, testing::secret};

    fn s(name: &str, v: &str, disabled: bool) -> Secret {
        Secret {
            disabled,
            ..secret(name, v)
        }
    }

    #[test]
    fn an_environment_reads_back_to_the_same_secrets() {
        let secrets = [s("api-key", "sk \"1\"\n", false), s("old", "x", true)];
        let now = Timestamp::from_unix(1_800_000_000).unwrap();
        let w = write(&secrets, "Coffer", now, "Coffer/test");
        assert_eq!(w.count, 2);
        let v: serde_json::Value = serde_json::from_slice(&w.bytes).unwrap();
        assert_eq!(v["_postman_variable_scope"], "environment");
        assert_eq!(v["values"][0]["type"], "secret");
        assert_eq!(v["id"].as_str().unwrap().len(), 36);
        let r = postman::read(&w.bytes, &Options::default()).unwrap();
        assert!(r.skipped.is_empty());
        let got: Vec<(&str, &str, bool)> = r
            .items
            .iter()
            .map(|i| (i.name.as_str(), i.value.expose(), i.disabled))
            .collect();
        assert_eq!(got, [("api-key", "sk \"1\"\n", false), ("old", "x", true)]);
    }
}
