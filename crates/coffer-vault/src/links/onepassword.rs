//! 1Password through a 1Password Connect server's REST API (`docs/links.md`): a reference
//! `op://VAULT/ITEM[/SECTION]/FIELD` names the vault and item by name or id, the field by label or
//! id, and optionally its section by label or id.

use super::{LinkError, http};
use coffer_core::SecretValue;
use coffer_core::link::Provider;
use reqwest::StatusCode;
use reqwest::Url;
use reqwest::blocking::Client;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use serde_json::Value;

const P: Provider = Provider::OnePassword;

/// Where the Connect server is (no secrets).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OnePasswordSettings {
    /// The Connect server's base URL (`op` for the CLI path).
    pub address: String,
    /// Read through the `op` CLI with a service account token instead of a Connect server.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub op_cli: bool,
    /// The only CA trusted for the server (PEM), from `--cacert`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_pem: Option<String>,
}

/// A client for one Connect server.
pub struct Connect {
    base: Url,
    http: Client,
}

/// The parts of a reference.
struct Reference<'a> {
    vault: &'a str,
    item: &'a str,
    section: Option<&'a str>,
    field: &'a str,
}

fn parse(reference: &str) -> Option<Reference<'_>> {
    let parts: Vec<&str> = reference.strip_prefix("op://")?.split('/').collect();
    match parts.as_slice() {
        [vault, item, field] => Some(Reference {
            vault,
            item,
            section: None,
            field,
        }),
        [vault, item, section, field] => Some(Reference {
            vault,
            item,
            section: Some(section),
            field,
        }),
        _ => None,
    }
}

impl Connect {
    /// A client for the server in `settings`.
    pub fn new(settings: &OnePasswordSettings) -> Result<Self, LinkError> {
        let base = http::base_url(&settings.address)?;
        let http = http::client(P, &base, settings.ca_pem.as_deref())?;
        Ok(Self { base, http })
    }

    fn get(
        &self,
        token: &SecretString,
        segments: &[&str],
        filter: Option<String>,
    ) -> Result<(StatusCode, Value), LinkError> {
        let mut url = self.base.clone();
        if let Ok(mut p) = url.path_segments_mut() {
            p.pop_if_empty().extend(segments);
        }
        if let Some(f) = filter {
            url.query_pairs_mut().append_pair("filter", &f);
        }
        let mut auth =
            reqwest::header::HeaderValue::from_str(&format!("Bearer {}", token.expose_secret()))
                .map_err(|_| {
                    LinkError::BadSettings("the token holds characters a header cannot".into())
                })?;
        auth.set_sensitive(true);
        let resp = self
            .http
            .get(url)
            .header(reqwest::header::AUTHORIZATION, auth)
            .send()
            .map_err(|e| http::unreachable(P, e))?;
        let status = resp.status();
        let body = http::json(P, resp).unwrap_or(Value::Null);
        Ok((status, body))
    }

    /// Checks the token: it must list vaults.
    pub fn login(&self, token: &SecretString) -> Result<(), LinkError> {
        if token.expose_secret().is_empty()
            || !token.expose_secret().bytes().all(|b| b.is_ascii_graphic())
        {
            return Err(LinkError::BadSettings(
                "the token is empty or holds spaces or non-ASCII characters".into(),
            ));
        }
        match self.get(token, &["v1", "vaults"], None)? {
            (StatusCode::OK, _) => Ok(()),
            (StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN, body) => {
                Err(LinkError::LoginRefused {
                    provider: P,
                    reason: message(&body).unwrap_or_else(|| "the token was not accepted".into()),
                })
            }
            (s, body) => Err(status_error(s, &body, "the vault list")),
        }
    }

    /// The field `reference` names.
    pub fn read(&self, token: &SecretString, reference: &str) -> Result<SecretValue, LinkError> {
        let r = parse(reference).ok_or_else(|| {
            LinkError::BadSettings(format!("not a 1Password reference: {reference}"))
        })?;
        let vault_id = self.find(token, &["v1", "vaults"], "name", r.vault, "vault")?;
        let item_id = self.find(
            token,
            &["v1", "vaults", &vault_id, "items"],
            "title",
            r.item,
            "item",
        )?;
        let (status, item) =
            self.get(token, &["v1", "vaults", &vault_id, "items", &item_id], None)?;
        if status != StatusCode::OK {
            return Err(self.error(status, &item, &format!("item {}", r.item)));
        }
        let sections = item["sections"].as_array().cloned().unwrap_or_default();
        let section_id = match r.section {
            None => None,
            Some(s) => Some(
                sections
                    .iter()
                    .find(|x| x["id"] == s || x["label"] == s)
                    .and_then(|x| x["id"].as_str())
                    .ok_or_else(|| LinkError::NotFound {
                        provider: P,
                        what: format!("section {s:?} in item {}", r.item),
                    })?
                    .to_string(),
            ),
        };
        let fields = item["fields"].as_array().cloned().unwrap_or_default();
        let matching: Vec<&Value> = fields
            .iter()
            .filter(|f| f["id"] == r.field || f["label"] == r.field)
            .filter(|f| match &section_id {
                Some(id) => f["section"]["id"] == id.as_str(),
                None => true,
            })
            .collect();
        let field = match matching.as_slice() {
            [one] => *one,
            [] => {
                return Err(LinkError::NotFound {
                    provider: P,
                    what: format!("field {:?} in item {}", r.field, r.item),
                });
            }
            _ => {
                return Err(LinkError::BadSettings(format!(
                    "more than one field is called {:?} in item {}; name its section: op://VAULT/ITEM/SECTION/FIELD",
                    r.field, r.item
                )));
            }
        };
        let value = field["value"].as_str().ok_or_else(|| LinkError::NotFound {
            provider: P,
            what: format!("value in field {:?} of item {}", r.field, r.item),
        })?;
        SecretValue::new(value.to_string()).map_err(|e| LinkError::BadResponse {
            provider: P,
            reason: format!("the field cannot be a Coffer value: {e}"),
        })
    }

    /// The id of the one vault or item whose `key` (name, title) or id is `wanted`.
    fn find(
        &self,
        token: &SecretString,
        segments: &[&str],
        key: &str,
        wanted: &str,
        kind: &str,
    ) -> Result<String, LinkError> {
        // The server filters by name (SCIM syntax); ids are matched in the answer as well.
        let filter = format!(
            "{key} eq \"{}\"",
            wanted.replace('\\', "\\\\").replace('"', "\\\"")
        );
        let (status, list) = self.get(token, segments, Some(filter))?;
        if status != StatusCode::OK {
            return Err(self.error(status, &list, &format!("{kind} {wanted}")));
        }
        let mut hits = list
            .as_array()
            .into_iter()
            .flatten()
            .filter(|x| x[key] == wanted || x["id"] == wanted);
        let first = hits.next();
        if hits.next().is_some() {
            return Err(LinkError::BadSettings(format!(
                "more than one {kind} is called {wanted:?}; use its id in the reference"
            )));
        }
        let found = match first {
            Some(x) => x["id"].as_str().map(str::to_string),
            None => {
                // Not matched by name: it may be an id, which the filter does not cover.
                let (status, all) = self.get(token, segments, None)?;
                if status != StatusCode::OK {
                    return Err(self.error(status, &all, &format!("{kind} {wanted}")));
                }
                all.as_array()
                    .into_iter()
                    .flatten()
                    .find(|x| x["id"] == wanted)
                    .and_then(|x| x["id"].as_str())
                    .map(str::to_string)
            }
        };
        found.ok_or_else(|| LinkError::NotFound {
            provider: P,
            what: format!("{kind} {wanted:?}"),
        })
    }

    fn error(&self, status: StatusCode, body: &Value, what: &str) -> LinkError {
        match status {
            StatusCode::UNAUTHORIZED => LinkError::CredentialsExpired { provider: P },
            StatusCode::FORBIDDEN => LinkError::AccessDenied {
                provider: P,
                what: what.to_string(),
            },
            StatusCode::NOT_FOUND => LinkError::NotFound {
                provider: P,
                what: what.to_string(),
            },
            s => status_error(s, body, what),
        }
    }
}

/// The server's message, fit to show.
fn message(body: &Value) -> Option<String> {
    http::clean(body["message"].as_str()?)
}

fn status_error(status: StatusCode, body: &Value, what: &str) -> LinkError {
    http::status_error(P, status, &format!(" for {what}"), message(body))
}
