//! The JSON shape of one secret, shared by stored records and export files.
//!
//! ```json
//! {"name":"stripe","value":"sk_live_…","allowedDomains":["api.stripe.com"],
//!  "createdAt":"2026-11-28T10:00:00Z","updatedAt":"2026-11-28T10:00:00Z"}
//! ```
//! A linked secret has `"link": {"provider": …}` instead of `"value"`; exactly one of the two is
//! present. Since version 2 of both formats a secret may also carry `"disabled": true` and
//! `"environments": {"prod": {"value": …, "allowedDomains": […]}}`; both are left out when unused,
//! and a version 1 document must not have them. Unknown fields are refused.

use crate::env::{EnvName, EnvValue, Environments};
use crate::{
    AllowedDomains, ExternalLink, Secret, SecretContent, SecretName, SecretValue, Timestamp,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One secret as JSON.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SecretJson {
    name: SecretName,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    value: Option<SecretValue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    link: Option<ExternalLink>,
    #[serde(default)]
    allowed_domains: AllowedDomains,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    disabled: Option<bool>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    environments: Option<UniqueMap>,
    created_at: Timestamp,
    updated_at: Timestamp,
}

/// One environment's value as JSON.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EnvJson {
    value: SecretValue,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    allowed_domains: Option<AllowedDomains>,
}

/// An optional field that, when present, must hold a value: `null` is refused (one spelling:
/// leave the field out).
fn present<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// The environments object: a map whose keys may not repeat (JSON parsers disagree on which of
/// two equal keys wins; a reviewer must see what is imported).
#[derive(Serialize)]
#[serde(transparent)]
struct UniqueMap(BTreeMap<EnvName, crate::obj::Obj<EnvJson>>);

impl<'de> Deserialize<'de> for UniqueMap {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = UniqueMap;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object of environments")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut m: A,
            ) -> Result<UniqueMap, A::Error> {
                let mut out = BTreeMap::new();
                while let Some((k, v)) = m.next_entry::<EnvName, crate::obj::Obj<EnvJson>>()? {
                    if out.contains_key(&k) {
                        return Err(serde::de::Error::custom(format!(
                            "environment {k:?} appears twice"
                        )));
                    }
                    out.insert(k, v);
                }
                Ok(UniqueMap(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// A secret JSON object broke a rule that serde's types cannot express.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContentError {
    /// Both or neither of `value` and `link`.
    #[error("secret {name:?} must have exactly one of \"value\" and \"link\"")]
    ValueOrLink {
        /// The secret's name.
        name: String,
    },
    /// A version 1 document used a field added in version 2.
    #[error("secret {name:?} has \"{field}\", which version 1 does not have")]
    NotInVersion1 {
        /// The secret's name.
        name: String,
        /// The field.
        field: &'static str,
    },
    /// `"disabled": false` or `"environments": {}`: the canonical form leaves them out.
    #[error("secret {name:?} has \"{field}\" with its default value; leave the field out")]
    NotCanonical {
        /// The secret's name.
        name: String,
        /// The field.
        field: &'static str,
    },
}

impl From<&Secret> for SecretJson {
    fn from(s: &Secret) -> Self {
        let (value, link) = match &s.content {
            SecretContent::Value(v) => (Some(v.clone()), None),
            SecretContent::Link(l) => (None, Some(l.clone())),
        };
        Self {
            name: s.name.clone(),
            value,
            link,
            allowed_domains: s.allowed_domains.clone(),
            disabled: s.disabled.then_some(true),
            environments: (!s.environments.is_empty()).then(|| {
                UniqueMap(
                    s.environments
                        .iter()
                        .map(|(n, e)| {
                            (
                                n.clone(),
                                crate::obj::Obj(EnvJson {
                                    value: e.value.clone(),
                                    allowed_domains: e.allowed_domains.clone(),
                                }),
                            )
                        })
                        .collect(),
                )
            }),
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

impl SecretJson {
    /// Converts to a secret under the rules of format `version` (1 or 2).
    pub fn into_secret(self, version: u32) -> Result<Secret, ContentError> {
        // The name is copied for an error only (never on the way of a valid secret).
        let name = || self.name.to_string();
        if version < 2 {
            for (present, field) in [
                (self.disabled.is_some(), "disabled"),
                (self.environments.is_some(), "environments"),
            ] {
                if present {
                    return Err(ContentError::NotInVersion1 {
                        name: name(),
                        field,
                    });
                }
            }
        }
        if self.disabled == Some(false) {
            return Err(ContentError::NotCanonical {
                name: name(),
                field: "disabled",
            });
        }
        if self.environments.as_ref().is_some_and(|e| e.0.is_empty()) {
            return Err(ContentError::NotCanonical {
                name: name(),
                field: "environments",
            });
        }
        let content = match (self.value, self.link) {
            (Some(v), None) => SecretContent::Value(v),
            (None, Some(l)) => SecretContent::Link(l),
            _ => {
                return Err(ContentError::ValueOrLink {
                    name: self.name.to_string(),
                });
            }
        };
        let environments: Environments = self
            .environments
            .map(|e| e.0)
            .unwrap_or_default()
            .into_iter()
            .map(|(n, e)| {
                (
                    n,
                    EnvValue {
                        value: e.0.value,
                        allowed_domains: e.0.allowed_domains,
                    },
                )
            })
            .collect();
        Ok(Secret {
            name: self.name,
            content,
            allowed_domains: self.allowed_domains,
            disabled: self.disabled.unwrap_or(false),
            environments,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// A secret serialised exactly as [`SecretJson`] (same fields, order and omissions) straight from
/// the [`Secret`], without copying it: exports and records of many secrets serialise each value
/// once, into the one buffer that will be sealed.
pub struct SecretOut<'a>(pub &'a Secret);

impl Serialize for SecretOut<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let x = self.0;
        let fields = 5 + usize::from(x.disabled) + usize::from(!x.environments.is_empty());
        let mut st = s.serialize_struct("SecretJson", fields)?;
        st.serialize_field("name", &x.name)?;
        match &x.content {
            SecretContent::Value(v) => st.serialize_field("value", v)?,
            SecretContent::Link(l) => st.serialize_field("link", l)?,
        }
        st.serialize_field("allowedDomains", &x.allowed_domains)?;
        if x.disabled {
            st.serialize_field("disabled", &true)?;
        }
        if !x.environments.is_empty() {
            st.serialize_field("environments", &EnvsOut(&x.environments))?;
        }
        st.serialize_field("createdAt", &x.created_at)?;
        st.serialize_field("updatedAt", &x.updated_at)?;
        st.end()
    }
}

struct EnvsOut<'a>(&'a Environments);

impl Serialize for EnvsOut<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(n, e)| (n, EnvOut(e))))
    }
}

struct EnvOut<'a>(&'a EnvValue);

impl Serialize for EnvOut<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let e = self.0;
        let mut st = s.serialize_struct("EnvJson", 1 + usize::from(e.allowed_domains.is_some()))?;
        st.serialize_field("value", &e.value)?;
        if let Some(d) = &e.allowed_domains {
            st.serialize_field("allowedDomains", d)?;
        }
        st.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(extra: &str) -> Result<Secret, String> {
        let json = format!(
            r#"{{"name":"a","value":"x","createdAt":"2026-01-01T00:00:00Z","updatedAt":"2026-01-01T00:00:00Z"{extra}}}"#
        );
        serde_json::from_str::<crate::obj::Obj<SecretJson>>(&json)
            .map_err(|e| e.to_string())
            .and_then(|j| j.0.into_secret(2).map_err(|e| e.to_string()))
    }

    #[test]
    fn borrowed_serialisation_is_the_same_json() {
        for extra in [
            "",
            r#","disabled":true"#,
            r#","allowedDomains":["api.example.com","*.b.example:8443"]"#,
            r#","environments":{"prod":{"value":"p","allowedDomains":["a.com"]},"dev":{"value":"d\n\"q\""},"qa":{"value":"x","allowedDomains":[]}}"#,
            r#","disabled":true,"environments":{"e":{"value":"v"}},"allowedDomains":["http://x.io"]"#,
        ] {
            let s = secret(extra).unwrap();
            assert_eq!(
                serde_json::to_string(&SecretOut(&s)).unwrap(),
                serde_json::to_string(&SecretJson::from(&s)).unwrap(),
                "{extra}"
            );
            assert_eq!(
                serde_json::to_string_pretty(&SecretOut(&s)).unwrap(),
                serde_json::to_string_pretty(&SecretJson::from(&s)).unwrap(),
            );
        }
        let linked = serde_json::from_str::<crate::obj::Obj<SecretJson>>(
            r#"{"name":"l","link":{"provider":"aws-secrets-manager","secretArn":"arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf","jsonKey":"password"},"createdAt":"2026-01-01T00:00:00Z","updatedAt":"2026-01-01T00:00:00Z"}"#,
        )
        .unwrap()
        .0
        .into_secret(2)
        .unwrap();
        assert_eq!(
            serde_json::to_string(&SecretOut(&linked)).unwrap(),
            serde_json::to_string(&SecretJson::from(&linked)).unwrap(),
        );
    }

    #[test]
    fn version_2_fields_have_one_spelling() {
        let s = secret(r#","disabled":true,"environments":{"prod":{"value":"p","allowedDomains":["a.com"]},"dev":{"value":"d"}}"#).unwrap();
        assert!(s.disabled);
        assert_eq!(s.environments.len(), 2);
        for bad in [
            r#","disabled":null"#,
            r#","disabled":false"#,
            r#","environments":null"#,
            r#","environments":{}"#,
            r#","environments":{"prod":{"value":"p","allowedDomains":null}}"#,
            r#","environments":{"prod":{"value":"p"},"prod":{"value":"q","allowedDomains":[]}}"#,
            r#","environments":{"prod":{"value":"p","note":1}}"#,
            r#","environments":{"pr od":{"value":"p"}}"#,
        ] {
            let e = secret(bad).expect_err(bad);
            assert!(!e.contains("\"q\""), "{e}");
        }
        let e =
            secret(r#","environments":{"prod":{"value":"p"},"prod":{"value":"q"}}"#).unwrap_err();
        assert!(e.contains("appears twice"), "{e}");
    }
}
