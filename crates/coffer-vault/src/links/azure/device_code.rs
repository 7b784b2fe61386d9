//! Device code login to Microsoft Entra ID (OAuth 2.0 device authorization grant, RFC 8628),
//! written here because `azure_identity` 1.0 has no device code credential: the user opens a page
//! on any device and types a code; Coffer keeps the refresh token it gets (sealed, for the
//! connection's day) and trades it for an access token at each use.

use super::{AzureSettings, DEFAULT_AUTHORITY};
use crate::links::{LinkError, http};
use coffer_core::link::Provider;
use reqwest::StatusCode;
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use std::time::{Duration, Instant};

const P: Provider = Provider::AzureKeyVault;
const SCOPE: &str = "https://vault.azure.net/.default offline_access";
/// Longest the user is given to sign in, whatever the server says.
const MAX_WAIT: Duration = Duration::from_secs(15 * 60);

/// An access token and when it ends (Unix seconds).
pub struct Access {
    /// The bearer token.
    pub token: SecretString,
    /// When it ends.
    pub expires_at: i64,
}

struct Endpoint {
    base: reqwest::Url,
    http: reqwest::blocking::Client,
}

fn endpoint(settings: &AzureSettings) -> Result<Endpoint, LinkError> {
    let host = settings
        .authority_host
        .as_deref()
        .unwrap_or(DEFAULT_AUTHORITY);
    let base = http::base_url(host)?;
    if base.scheme() != "https" {
        return Err(LinkError::BadSettings(
            "the authority host must be https".into(),
        ));
    }
    let http = http::client(P, &base, settings.ca_pem.as_deref())?;
    Ok(Endpoint { base, http })
}

impl Endpoint {
    fn post(
        &self,
        tenant: &str,
        what: &str,
        form: &[(&str, &str)],
    ) -> Result<(StatusCode, Value), LinkError> {
        let mut url = self.base.clone();
        if let Ok(mut p) = url.path_segments_mut() {
            p.pop_if_empty().extend([tenant, "oauth2", "v2.0", what]);
        }
        let body = zeroize::Zeroizing::new(
            url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(form)
                .finish(),
        );
        let resp = self
            .http
            .post(url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.as_bytes().to_vec())
            .send()
            .map_err(|e| http::unreachable(P, e))?;
        let status = resp.status();
        Ok((status, http::json(P, resp).unwrap_or(Value::Null)))
    }
}

fn oauth_error(body: &Value) -> String {
    let code = body["error"].as_str().unwrap_or("error");
    let first_line = body["error_description"]
        .as_str()
        .unwrap_or_default()
        .lines()
        .next()
        .unwrap_or_default();
    match http::clean(first_line) {
        Some(text) => format!("{code}: {text}"),
        None => code.to_string(),
    }
}

/// Runs the device code flow: `show` gets the sign-in instructions for the user; returns the
/// refresh token once the user has signed in.
pub fn login(settings: &AzureSettings, show: &dyn Fn(&str)) -> Result<SecretString, LinkError> {
    let ep = endpoint(settings)?;
    let tenant = settings.tenant_id.as_str();
    let (status, start) = ep.post(
        tenant,
        "devicecode",
        &[("client_id", &settings.client_id), ("scope", SCOPE)],
    )?;
    if status != StatusCode::OK {
        return Err(LinkError::LoginRefused {
            provider: P,
            reason: oauth_error(&start),
        });
    }
    let device_code = start["device_code"]
        .as_str()
        .ok_or_else(|| bad("the device code answer has no device_code"))?;
    let message = start["message"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| {
            format!(
                "To sign in, open {} and enter the code {}.",
                start["verification_uri"]
                    .as_str()
                    .unwrap_or("the sign-in page"),
                start["user_code"].as_str().unwrap_or("shown there")
            )
        });
    show(
        &message
            .chars()
            .filter(|c| !c.is_control())
            .collect::<String>(),
    );
    let mut interval = Duration::from_secs(start["interval"].as_u64().unwrap_or(5).clamp(1, 60));
    let deadline = Instant::now()
        + Duration::from_secs(start["expires_in"].as_u64().unwrap_or(900)).min(MAX_WAIT);
    loop {
        let (status, answer) = ep.post(
            tenant,
            "token",
            &[
                ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                ("client_id", &settings.client_id),
                ("device_code", device_code),
            ],
        )?;
        if status == StatusCode::OK {
            let refresh = answer["refresh_token"].as_str().ok_or_else(|| {
                bad("the sign-in gave no refresh token (is offline_access allowed for the app?)")
            })?;
            return Ok(SecretString::from(refresh));
        }
        match answer["error"].as_str() {
            Some("authorization_pending") => {}
            Some("slow_down") => interval += Duration::from_secs(5),
            _ => {
                return Err(LinkError::LoginRefused {
                    provider: P,
                    reason: oauth_error(&answer),
                });
            }
        }
        if Instant::now() + interval > deadline {
            return Err(LinkError::LoginRefused {
                provider: P,
                reason: "the code expired before the sign-in finished".into(),
            });
        }
        // The polling interval the server asked for (RFC 8628 §3.5).
        std::thread::sleep(interval);
    }
}

/// Trades the stored refresh token for a Key Vault access token.
pub fn access(settings: &AzureSettings, refresh: &SecretString) -> Result<Access, LinkError> {
    let ep = endpoint(settings)?;
    let (status, answer) = ep.post(
        &settings.tenant_id,
        "token",
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &settings.client_id),
            ("refresh_token", refresh.expose_secret()),
            ("scope", SCOPE),
        ],
    )?;
    match status {
        StatusCode::OK => {
            let token = answer["access_token"]
                .as_str()
                .ok_or_else(|| bad("the token answer has no access_token"))?;
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
            let ttl = answer["expires_in"].as_i64().unwrap_or(300);
            Ok(Access {
                token: SecretString::from(token),
                expires_at: now.saturating_add(ttl),
            })
        }
        // invalid_grant: the refresh token was revoked or expired.
        StatusCode::BAD_REQUEST | StatusCode::UNAUTHORIZED => {
            Err(LinkError::CredentialsExpired { provider: P })
        }
        s if s.is_server_error() => Err(LinkError::Unreachable {
            provider: P,
            reason: format!("HTTP {s} from the login host"),
        }),
        _ => Err(bad(&oauth_error(&answer))),
    }
}

fn bad(reason: &str) -> LinkError {
    LinkError::BadResponse {
        provider: P,
        reason: reason.into(),
    }
}
