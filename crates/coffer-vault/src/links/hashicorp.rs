//! HashiCorp Vault and OpenBao: token, AppRole and JWT login; KV version 2 reads, KV version 1
//! where the mount is version 1 (`docs/links.md`).

use super::{LinkError, http};
use coffer_core::SecretValue;
use coffer_core::link::Provider;
use reqwest::Url;
use reqwest::blocking::{Client, RequestBuilder};
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use serde_json::Value;

const P: Provider = Provider::HashicorpVault;

/// Where the server is and how this connection logged in (no secrets).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HashicorpSettings {
    /// Base URL, e.g. `https://vault.example.com:8200`.
    pub address: String,
    /// Enterprise / OpenBao namespace, sent as `X-Vault-Namespace`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// The only CA trusted for this server (PEM), from `--cacert`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_pem: Option<String>,
    /// How the token was obtained.
    pub auth: AuthMethod,
    /// Where the auth method is mounted (AppRole: `approle`, JWT: `jwt` unless given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_path: Option<String>,
    /// AppRole role id, or JWT role name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
}

/// How a token is obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthMethod {
    /// A token given by the user.
    Token,
    /// AppRole: role id and secret id.
    Approle,
    /// JWT / OIDC: a signed JWT exchanged at a role.
    Jwt,
}

/// What the user gives to log in.
pub enum Login {
    /// An existing token.
    Token(SecretString),
    /// AppRole's secret id (the role id is in the settings).
    Approle(SecretString),
    /// A JWT (the role is in the settings).
    Jwt(SecretString),
}

/// A token and how long it lives.
pub struct Session {
    /// The Vault token.
    pub token: SecretString,
    /// Seconds it lives from now (`None`: no end, such as a root token).
    pub ttl_secs: Option<u64>,
}

/// A client for one server.
pub struct Server {
    base: Url,
    http: Client,
    namespace: Option<String>,
}

impl Server {
    /// A client for the server in `settings`.
    pub fn new(settings: &HashicorpSettings) -> Result<Self, LinkError> {
        let base = http::base_url(&settings.address)?;
        if let Some(ns) = &settings.namespace
            && reqwest::header::HeaderValue::from_str(ns).is_err()
        {
            return Err(LinkError::BadSettings(
                "the namespace holds characters a header cannot (use a path like team/app)".into(),
            ));
        }
        let http = http::client(P, &base, settings.ca_pem.as_deref())?;
        Ok(Self {
            base,
            http,
            namespace: settings.namespace.clone(),
        })
    }

    fn request(
        &self,
        method: Method,
        segments: &[&str],
        token: Option<&SecretString>,
    ) -> RequestBuilder {
        let mut url = self.base.clone();
        if let Ok(mut p) = url.path_segments_mut() {
            p.pop_if_empty().push("v1");
            for s in segments {
                p.extend(s.split('/'));
            }
        }
        let mut r = self.http.request(method, url);
        // A token that cannot be a header value is not sent (the server then answers 403).
        if let Some(Ok(mut v)) =
            token.map(|t| reqwest::header::HeaderValue::from_str(t.expose_secret()))
        {
            v.set_sensitive(true);
            r = r.header("x-vault-token", v);
        }
        if let Some(ns) = &self.namespace {
            r = r.header("x-vault-namespace", ns);
        }
        r
    }

    fn send(&self, r: RequestBuilder) -> Result<(StatusCode, Value), LinkError> {
        let resp = r.send().map_err(|e| http::unreachable(P, e))?;
        let status = resp.status();
        // Error bodies are small JSON (`{"errors":[...]}`); anything else is reported by status.
        let body = http::json(P, resp).unwrap_or(Value::Null);
        Ok((status, body))
    }

    /// Logs in and returns the token with its lifetime.
    pub fn login(&self, settings: &HashicorpSettings, login: &Login) -> Result<Session, LinkError> {
        let given = match login {
            Login::Token(s) | Login::Approle(s) | Login::Jwt(s) => s.expose_secret(),
        };
        if given.is_empty() || !given.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(LinkError::BadSettings(
                "the token, secret id or JWT is empty or holds spaces or non-ASCII characters"
                    .into(),
            ));
        }
        match login {
            Login::Token(token) => {
                let (status, body) =
                    self.send(self.request(Method::GET, &["auth/token/lookup-self"], Some(token)))?;
                match status {
                    StatusCode::OK => {
                        let ttl = body["data"]["ttl"]
                            .as_u64()
                            .ok_or_else(|| bad("lookup-self has no data.ttl"))?;
                        Ok(Session {
                            token: token.clone(),
                            ttl_secs: (ttl > 0).then_some(ttl),
                        })
                    }
                    StatusCode::FORBIDDEN | StatusCode::UNAUTHORIZED => {
                        Err(LinkError::LoginRefused {
                            provider: P,
                            reason: "the token is not valid (expired, revoked or mistyped)".into(),
                        })
                    }
                    s => Err(status_error(s, &body)),
                }
            }
            Login::Approle(secret_id) => {
                let role_id = settings.role.as_deref().ok_or_else(|| {
                    LinkError::BadSettings("AppRole login needs the role id (--role-id)".into())
                })?;
                let path = settings.auth_path.as_deref().unwrap_or("approle");
                let body =
                    serde_json::json!({"role_id": role_id, "secret_id": secret_id.expose_secret()});
                self.token_login(path, body)
            }
            Login::Jwt(jwt) => {
                let role = settings.role.as_deref().ok_or_else(|| {
                    LinkError::BadSettings("JWT login needs the role (--role)".into())
                })?;
                let path = settings.auth_path.as_deref().unwrap_or("jwt");
                let body = serde_json::json!({"role": role, "jwt": jwt.expose_secret()});
                self.token_login(path, body)
            }
        }
    }

    fn token_login(&self, auth_path: &str, body: Value) -> Result<Session, LinkError> {
        let body = zeroize::Zeroizing::new(serde_json::to_vec(&body).unwrap_or_default());
        let (status, answer) = self.send(
            self.request(Method::POST, &["auth", auth_path, "login"], None)
                .header("content-type", "application/json")
                .body(body.to_vec()),
        )?;
        match status {
            StatusCode::OK => {
                let token = answer["auth"]["client_token"]
                    .as_str()
                    .ok_or_else(|| bad("the login answer has no auth.client_token"))?;
                let ttl = answer["auth"]["lease_duration"].as_u64().unwrap_or(0);
                Ok(Session {
                    token: SecretString::from(token),
                    ttl_secs: (ttl > 0).then_some(ttl),
                })
            }
            StatusCode::BAD_REQUEST | StatusCode::FORBIDDEN | StatusCode::UNAUTHORIZED => {
                Err(LinkError::LoginRefused {
                    provider: P,
                    reason: first_error(&answer).unwrap_or_else(|| format!("HTTP {status}")),
                })
            }
            StatusCode::NOT_FOUND => Err(LinkError::LoginRefused {
                provider: P,
                reason: format!("no auth method is mounted at auth/{auth_path}"),
            }),
            s => Err(status_error(s, &answer)),
        }
    }

    /// The value of `key` in the secret at `mount`/`path`.
    pub fn read(
        &self,
        token: &SecretString,
        mount: &str,
        path: &str,
        key: &str,
    ) -> Result<SecretValue, LinkError> {
        let what = format!("{mount}/{path}");
        let (status, body) =
            self.send(self.request(Method::GET, &[mount, "data", path], Some(token)))?;
        let data = match status {
            StatusCode::OK => body["data"]["data"].clone(),
            StatusCode::NOT_FOUND if self.kv_version(token, mount)? == Some(1) => {
                let (status, body) =
                    self.send(self.request(Method::GET, &[mount, path], Some(token)))?;
                match status {
                    StatusCode::OK => body["data"].clone(),
                    s => return Err(self.read_error(token, s, &body, &what)),
                }
            }
            s => return Err(self.read_error(token, s, &body, &what)),
        };
        let v = match data.get(key) {
            Some(Value::String(s)) => zeroize::Zeroizing::new(s.clone()),
            // A number, boolean, list or object: its JSON text, as `vault kv get -field` prints.
            Some(other) => zeroize::Zeroizing::new(other.to_string()),
            None if data.is_object() => {
                return Err(LinkError::NotFound {
                    provider: P,
                    what: format!("key {key:?} in secret {what}"),
                });
            }
            // KV v2 answers `data: null` for a deleted or destroyed version.
            None => {
                return Err(LinkError::NotFound {
                    provider: P,
                    what: format!("secret {what} (deleted)"),
                });
            }
        };
        SecretValue::new(v.to_string()).map_err(|e| LinkError::BadResponse {
            provider: P,
            reason: format!("the value of {what} cannot be a Coffer value: {e}"),
        })
    }

    /// The KV version of `mount`, where the token may see it.
    fn kv_version(&self, token: &SecretString, mount: &str) -> Result<Option<u8>, LinkError> {
        let (status, body) =
            self.send(self.request(Method::GET, &["sys/internal/ui/mounts", mount], Some(token)))?;
        if status != StatusCode::OK {
            return Ok(None);
        }
        let version = &body["data"]["options"]["version"];
        Ok(match version.as_str() {
            Some("2") => Some(2),
            Some("1") | None if body["data"]["type"] == "kv" => Some(1),
            _ => None,
        })
    }

    /// Why a read failed. A 403 is either a dead token or a policy denial: the token's own
    /// lookup tells which.
    fn read_error(
        &self,
        token: &SecretString,
        status: StatusCode,
        body: &Value,
        what: &str,
    ) -> LinkError {
        match status {
            StatusCode::NOT_FOUND => LinkError::NotFound {
                provider: P,
                what: format!("secret {what}"),
            },
            StatusCode::FORBIDDEN | StatusCode::UNAUTHORIZED => {
                match self.send(self.request(Method::GET, &["auth/token/lookup-self"], Some(token)))
                {
                    Ok((StatusCode::OK, _)) => LinkError::AccessDenied {
                        provider: P,
                        what: format!("secret {what}"),
                    },
                    Ok(_) => LinkError::CredentialsExpired { provider: P },
                    Err(e) => e,
                }
            }
            s => status_error(s, body),
        }
    }
}

fn bad(reason: &str) -> LinkError {
    LinkError::BadResponse {
        provider: P,
        reason: reason.into(),
    }
}

/// The server's first error message, fit to show.
fn first_error(body: &Value) -> Option<String> {
    http::clean(body["errors"].as_array()?.first()?.as_str()?)
}

fn status_error(status: StatusCode, body: &Value) -> LinkError {
    http::status_error(P, status, "", first_error(body))
}
