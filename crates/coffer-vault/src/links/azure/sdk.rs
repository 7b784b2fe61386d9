//! The Azure SDK calls (cargo feature `azure`).

use super::{AzureSettings, DEFAULT_AUTHORITY};
use crate::links::{LinkError, http};
use azure_core::cloud::{CloudConfiguration, CustomConfiguration};
use azure_core::credentials::{Secret, TokenCredential};
use azure_core::error::ErrorKind;
use azure_core::http::{ClientOptions, HttpClient, RetryOptions, StatusCode, Transport};
use azure_identity::{ClientSecretCredential, ClientSecretCredentialOptions};
use azure_security_keyvault_secrets::models::SecretClientGetSecretOptions;
use azure_security_keyvault_secrets::{SecretClient, SecretClientOptions};
use coffer_core::link::Provider;
use coffer_core::{SecretValue, Timestamp};
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;

const P: Provider = Provider::AzureKeyVault;
const SCOPE: &str = "https://vault.azure.net/.default";

fn runtime() -> Result<tokio::runtime::Runtime, LinkError> {
    crate::links::http::runtime(P)
}

/// Coffer's HTTP client for the SDK: bounded time, no redirects, the pinned CA if any.
fn transport(settings: &AzureSettings) -> Result<Transport, LinkError> {
    let mut b = reqwest::Client::builder()
        .timeout(http::TIMEOUT)
        .connect_timeout(http::CONNECT_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(coffer_core::export::tool_name());
    if let Some(pem) = &settings.ca_pem {
        let certs = reqwest::Certificate::from_pem_bundle(pem.as_bytes())
            .ok()
            .filter(|c| !c.is_empty())
            .ok_or_else(|| LinkError::BadSettings("the CA file holds no PEM certificate".into()))?;
        b = b.tls_certs_only(certs);
    }
    for (host, addr) in http::test_resolve() {
        b = b.resolve(&host, addr);
    }
    let client = b.build().map_err(|e| LinkError::Unreachable {
        provider: P,
        reason: e.without_url().to_string(),
    })?;
    Ok(Transport::new(Arc::new(client) as Arc<dyn HttpClient>))
}

fn options(t: &Transport) -> ClientOptions {
    ClientOptions {
        transport: Some(t.clone()),
        // One attempt: a failing provider is not hammered.
        retry: RetryOptions::none(),
        ..Default::default()
    }
}

fn credential(
    settings: &AzureSettings,
    secret: &SecretString,
    t: &Transport,
) -> Result<Arc<ClientSecretCredential>, LinkError> {
    let host = settings
        .authority_host
        .as_deref()
        .unwrap_or(DEFAULT_AUTHORITY);
    let url = http::base_url(host)?;
    if url.scheme() != "https" {
        return Err(LinkError::BadSettings(
            "the authority host must be https".into(),
        ));
    }
    let mut cloud = CustomConfiguration::default();
    cloud.authority_host = url.as_str().trim_end_matches('/').to_string();
    ClientSecretCredential::new(
        &settings.tenant_id,
        settings.client_id.clone(),
        Secret::new(secret.expose_secret().to_string()),
        Some(ClientSecretCredentialOptions {
            client_options: ClientOptions {
                cloud: Some(Arc::new(CloudConfiguration::from(cloud))),
                ..options(t)
            },
        }),
    )
    .map_err(|e| LinkError::BadSettings(format!("cannot use these Azure settings: {e}")))
}

/// Checks the client secret: Microsoft Entra ID must give a Key Vault token for it.
pub fn login(settings: &AzureSettings, secret: &SecretString) -> Result<(), LinkError> {
    let t = transport(settings)?;
    let cred = credential(settings, secret, &t)?;
    runtime()?.block_on(async {
        cred.get_token(&[SCOPE], None)
            .await
            .map(|_| ())
            .map_err(|e| match error(&e, "a token") {
                LinkError::CredentialsExpired { .. } | LinkError::AccessDenied { .. } => {
                    LinkError::LoginRefused {
                        provider: P,
                        reason: "the tenant, client id or client secret was not accepted".into(),
                    }
                }
                other => other,
            })
    })
}

/// The value of the secret `secret_id` (`https://NAME.vault.azure.net/secrets/SECRET[/VERSION]`,
/// already validated as a link) names, refused when disabled, expired or not yet valid at `now`.
pub fn read(
    settings: &AzureSettings,
    secret: &SecretString,
    secret_id: &str,
    now: Timestamp,
) -> Result<SecretValue, LinkError> {
    let rest = secret_id.strip_prefix("https://").unwrap_or_default();
    let (host, path) = rest.split_once('/').unwrap_or_default();
    let parts: Vec<&str> = path.split('/').collect();
    let (name, version) = match parts.as_slice() {
        ["secrets", n] => (*n, None),
        ["secrets", n, v] => (*n, Some((*v).to_string())),
        _ => {
            return Err(LinkError::BadSettings(format!(
                "not a Key Vault secret id: {secret_id}"
            )));
        }
    };
    let t = transport(settings)?;
    let cred: Arc<dyn TokenCredential> = if settings.device_code {
        // `secret` is the refresh token from the device code sign-in.
        let access = super::device_code::access(settings, secret)?;
        Arc::new(Fixed {
            token: access.token,
            expires_at: access.expires_at,
        })
    } else {
        credential(settings, secret, &t)?
    };
    let client = SecretClient::new(
        &format!("https://{host}/"),
        cred,
        Some(SecretClientOptions {
            client_options: options(&t),
            ..Default::default()
        }),
    )
    .map_err(|e| LinkError::BadSettings(format!("cannot use the vault {host}: {e}")))?;
    let what = format!("secret {name} in {host}");
    let s = runtime()?.block_on(async {
        client
            .get_secret(
                name,
                Some(SecretClientGetSecretOptions {
                    secret_version: version,
                    ..Default::default()
                }),
            )
            .await
            .map_err(|e| error(&e, &what))?
            .into_model()
            .map_err(|_| LinkError::BadResponse {
                provider: P,
                reason: format!("the answer for {what} is not a secret"),
            })
    })?;
    if let Some(a) = &s.attributes {
        let unix = |t: azure_core::time::OffsetDateTime| t.unix_timestamp();
        if a.enabled == Some(false) {
            return Err(unusable(&what, "is disabled".into()));
        }
        if let Some(exp) = a.expires.map(unix)
            && exp <= now.unix()
        {
            return Err(unusable(&what, format!("expired at {}", at(exp))));
        }
        if let Some(nbf) = a.not_before.map(unix)
            && nbf > now.unix()
        {
            return Err(unusable(&what, format!("is not valid before {}", at(nbf))));
        }
    }
    let value = zeroize::Zeroizing::new(s.value.ok_or_else(|| LinkError::NotFound {
        provider: P,
        what: format!("value of {what}"),
    })?);
    SecretValue::new(value.to_string()).map_err(|e| LinkError::BadResponse {
        provider: P,
        reason: format!("the value of {what} cannot be a Coffer value: {e}"),
    })
}

/// An access token obtained elsewhere (the device code sign-in's refresh), as a credential.
struct Fixed {
    token: SecretString,
    expires_at: i64,
}

impl std::fmt::Debug for Fixed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Fixed([REDACTED])")
    }
}

#[async_trait::async_trait]
impl TokenCredential for Fixed {
    async fn get_token(
        &self,
        _scopes: &[&str],
        _options: Option<azure_core::credentials::TokenRequestOptions<'_>>,
    ) -> azure_core::Result<azure_core::credentials::AccessToken> {
        let ends = azure_core::time::OffsetDateTime::from_unix_timestamp(self.expires_at)
            .unwrap_or(azure_core::time::OffsetDateTime::UNIX_EPOCH);
        Ok(azure_core::credentials::AccessToken::new(
            self.token.expose_secret().to_string(),
            ends,
        ))
    }
}

fn at(unix: i64) -> String {
    Timestamp::from_unix(unix).map_or_else(|| unix.to_string(), |t| t.to_string())
}

fn unusable(what: &str, reason: String) -> LinkError {
    LinkError::Unusable {
        provider: P,
        what: what.to_string(),
        reason,
    }
}

/// The state an SDK error is. A token request refused (a deleted or wrong client secret) wraps
/// the token endpoint's 400/401 as a credential error.
fn error(e: &azure_core::Error, what: &str) -> LinkError {
    match e.kind() {
        ErrorKind::HttpResponse {
            status,
            error_code,
            raw_response,
        } => {
            let inner = raw_response
                .as_ref()
                .and_then(|r| r.body().json::<azure_core::error::ErrorResponse>().ok())
                .and_then(|r| r.error)
                .and_then(|d| d.inner_error)
                .and_then(|i| i.code);
            match *status {
                StatusCode::Unauthorized => LinkError::CredentialsExpired { provider: P },
                StatusCode::Forbidden if inner.as_deref() == Some("SecretDisabled") => {
                    unusable(what, "is disabled".into())
                }
                StatusCode::Forbidden => LinkError::AccessDenied {
                    provider: P,
                    what: what.to_string(),
                },
                StatusCode::NotFound => LinkError::NotFound {
                    provider: P,
                    what: what.to_string(),
                },
                s if u16::from(s) >= 500 || u16::from(s) == 429 => LinkError::Unreachable {
                    provider: P,
                    reason: format!("HTTP {} for {what}", u16::from(s)),
                },
                s => LinkError::BadResponse {
                    provider: P,
                    reason: format!(
                        "HTTP {} ({}) for {what}",
                        u16::from(s),
                        error_code.as_deref().unwrap_or("no code")
                    ),
                },
            }
        }
        ErrorKind::Credential => match e
            .get_ref()
            .and_then(|x| x.downcast_ref::<azure_core::Error>())
        {
            // The token endpoint refused the client (400 invalid_client, 401): the secret is
            // wrong or gone. A 429 or 5xx there stays "unreachable".
            Some(inner) if matches!(inner.kind(), ErrorKind::HttpResponse { .. }) => {
                match inner.http_status().map(u16::from) {
                    Some(400 | 401 | 403 | 404) => LinkError::CredentialsExpired { provider: P },
                    Some(s) => LinkError::Unreachable {
                        provider: P,
                        reason: format!("HTTP {s} from the login host"),
                    },
                    None => LinkError::CredentialsExpired { provider: P },
                }
            }
            Some(inner) => error(inner, what),
            None => LinkError::CredentialsExpired { provider: P },
        },
        ErrorKind::Io => LinkError::Unreachable {
            provider: P,
            reason: format!("cannot connect: {e}"),
        },
        _ => LinkError::Unreachable {
            provider: P,
            reason: e.to_string(),
        },
    }
}
