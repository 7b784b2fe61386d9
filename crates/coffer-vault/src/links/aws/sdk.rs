//! The AWS SDK calls (cargo feature `aws`).

use super::{AwsSettings, GIVEN_TEMPORARY_SECS, Keys, P, Read, SESSION_SECS, Session};
use crate::links::{LinkError, http};
use aws_config::{BehaviorVersion, Region};
use aws_sdk_secretsmanager::error::ProvideErrorMetadata;
use aws_sdk_sts::config::Credentials;
use aws_sdk_sts::config::http::HttpResponse;
use coffer_core::SecretValue;
use secrecy::{ExposeSecret, SecretString};

fn credentials_of(keys: &Keys) -> Credentials {
    Credentials::new(
        keys.access_key_id.clone(),
        keys.secret_access_key.expose_secret().to_string(),
        keys.session_token
            .as_ref()
            .map(|t| t.expose_secret().to_string()),
        None,
        "coffer",
    )
}

/// The keys of a profile in the shared files (`~/.aws/credentials`, `~/.aws/config`), and the
/// profile's region if it has one.
pub fn profile_keys(profile: &str) -> Result<(Keys, Option<String>), LinkError> {
    use aws_config::meta::region::ProvideRegion;
    use aws_credential_types::provider::ProvideCredentials;
    runtime()?.block_on(async {
        let creds = aws_config::profile::ProfileFileCredentialsProvider::builder()
            .profile_name(profile)
            .build()
            .provide_credentials()
            .await
            .map_err(|e| {
                LinkError::BadSettings(format!("no usable keys in AWS profile {profile:?}: {e}"))
            })?;
        let region = aws_config::profile::ProfileFileRegionProvider::builder()
            .profile_name(profile)
            .build()
            .region()
            .await
            .map(|r| r.to_string());
        Ok((
            Keys {
                access_key_id: creds.access_key_id().to_string(),
                secret_access_key: SecretString::from(creds.secret_access_key()),
                session_token: creds.session_token().map(SecretString::from),
            },
            region,
        ))
    })
}

fn runtime() -> Result<tokio::runtime::Runtime, LinkError> {
    crate::links::http::runtime(P)
}

/// The endpoint kept with the connection, checked: HTTPS, or HTTP to loopback only. Only this
/// one is used: the service configurations below are built without reading the environment or
/// `~/.aws/config` again, so a later process's settings cannot send the stored credentials
/// elsewhere.
fn endpoint(settings: &AwsSettings) -> Result<Option<&str>, LinkError> {
    if let Some(u) = &settings.endpoint_url {
        http::base_url(u)?;
    }
    Ok(settings.endpoint_url.as_deref())
}

macro_rules! client {
    ($krate:ident, $settings:expr, $keys:expr) => {{
        use $krate::config::retry::RetryConfig;
        use $krate::config::timeout::TimeoutConfig;
        let mut b = $krate::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new($settings.region.clone()))
            .credentials_provider(credentials_of($keys))
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(http::CONNECT_TIMEOUT)
                    .operation_timeout(http::TIMEOUT)
                    .build(),
            )
            // One attempt: a failing provider is not hammered.
            .retry_config(RetryConfig::disabled());
        if let Some(url) = endpoint($settings)? {
            b = b.endpoint_url(url);
        }
        $krate::Client::from_conf(b.build())
    }};
}

fn sts_client(settings: &AwsSettings, keys: &Keys) -> Result<aws_sdk_sts::Client, LinkError> {
    Ok(client!(aws_sdk_sts, settings, keys))
}

fn sm_client(
    settings: &AwsSettings,
    keys: &Keys,
) -> Result<aws_sdk_secretsmanager::Client, LinkError> {
    Ok(client!(aws_sdk_secretsmanager, settings, keys))
}

/// Checks `keys` and makes the credentials to store: temporary ones from long-lived keys.
pub fn login(settings: &AwsSettings, keys: &Keys) -> Result<Session, LinkError> {
    if settings.region.is_empty()
        || !settings
            .region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(LinkError::BadSettings(
            "the region must look like eu-west-1".into(),
        ));
    }
    runtime()?.block_on(async {
        let sts = sts_client(settings, keys)?;
        if keys.session_token.is_some() {
            // Already temporary: GetSessionToken refuses them; check them instead.
            sts.get_caller_identity()
                .send()
                .await
                .map_err(|e| login_error(&e))?;
            return Ok(Session {
                keys: keys.clone(),
                ttl_secs: GIVEN_TEMPORARY_SECS,
            });
        }
        let out = sts
            .get_session_token()
            .duration_seconds(SESSION_SECS)
            .send()
            .await
            .map_err(|e| login_error(&e))?;
        let c = out
            .credentials()
            .ok_or_else(|| bad("GetSessionToken returned no credentials"))?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let ends = u64::try_from(c.expiration().secs()).unwrap_or(0);
        Ok(Session {
            keys: Keys {
                access_key_id: c.access_key_id().to_string(),
                secret_access_key: SecretString::from(c.secret_access_key()),
                session_token: Some(SecretString::from(c.session_token())),
            },
            ttl_secs: ends
                .saturating_sub(now)
                .clamp(1, u64::try_from(SESSION_SECS).unwrap_or(7200)),
        })
    })
}

/// The value of the secret `r` names.
pub fn read(settings: &AwsSettings, keys: &Keys, r: &Read<'_>) -> Result<SecretValue, LinkError> {
    runtime()?.block_on(async {
        let mut reader = keys.clone();
        if let Some(role) = r.role_arn {
            let out = sts_client(settings, keys)?
                .assume_role()
                .role_arn(role)
                .role_session_name("coffer")
                .duration_seconds(900)
                .send()
                .await
                .map_err(|e| service_error(&e, &format!("role {role}")))?;
            let c = out
                .credentials()
                .ok_or_else(|| bad("AssumeRole returned no credentials"))?;
            reader = Keys {
                access_key_id: c.access_key_id().to_string(),
                secret_access_key: SecretString::from(c.secret_access_key()),
                session_token: Some(SecretString::from(c.session_token())),
            };
        }
        let out = sm_client(settings, &reader)?
            .get_secret_value()
            .secret_id(r.secret_arn)
            .set_version_id(r.version_id.map(str::to_string))
            .send()
            .await
            .map_err(|e| service_error(&e, &format!("secret {}", r.secret_arn)))?;
        let text = out.secret_string().ok_or_else(|| {
            bad("the secret holds binary data (SecretBinary); Coffer values are text")
        })?;
        let value = match r.json_key {
            None => zeroize::Zeroizing::new(text.to_string()),
            Some(k) => {
                // serde_json's values cannot be zeroed; the parsed copy lives only here.
                let doc: serde_json::Value =
                    serde_json::from_str(text).map_err(|_| LinkError::NotFound {
                        provider: P,
                        what: format!("key {k:?}: secret {} is not JSON", r.secret_arn),
                    })?;
                match doc.get(k) {
                    Some(serde_json::Value::String(s)) => zeroize::Zeroizing::new(s.clone()),
                    Some(other) => zeroize::Zeroizing::new(other.to_string()),
                    None => {
                        return Err(LinkError::NotFound {
                            provider: P,
                            what: format!("key {k:?} in secret {}", r.secret_arn),
                        });
                    }
                }
            }
        };
        SecretValue::new(value.to_string()).map_err(|e| LinkError::BadResponse {
            provider: P,
            reason: format!("the value cannot be a Coffer value: {e}"),
        })
    })
}

fn bad(reason: &str) -> LinkError {
    LinkError::BadResponse {
        provider: P,
        reason: reason.into(),
    }
}

/// Error codes that mean the credentials are not (or no longer) good.
const CREDENTIAL_CODES: &[&str] = &[
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "IncompleteSignature",
];

fn transport<E, R>(e: &aws_sdk_sts::error::SdkError<E, R>) -> Option<LinkError>
where
    E: std::error::Error + 'static,
    R: std::fmt::Debug,
{
    use aws_sdk_sts::error::SdkError;
    match e {
        SdkError::TimeoutError(_) => Some(LinkError::Unreachable {
            provider: P,
            reason: format!("no answer within {} s", http::TIMEOUT.as_secs()),
        }),
        SdkError::DispatchFailure(_) => {
            let mut reason = String::from("cannot connect");
            let mut src = std::error::Error::source(e);
            while let Some(inner) = src {
                reason = format!("cannot connect: {inner}");
                src = inner.source();
            }
            Some(LinkError::Unreachable {
                provider: P,
                reason,
            })
        }
        SdkError::ResponseError(_) => Some(bad("the answer could not be read")),
        _ => None,
    }
}

fn login_error<E>(e: &aws_sdk_sts::error::SdkError<E, HttpResponse>) -> LinkError
where
    E: std::error::Error + ProvideErrorMetadata + 'static,
{
    if let Some(t) = transport(e) {
        return t;
    }
    let code = e.code().unwrap_or("unknown error");
    let status = e.raw_response().map(|r| r.status().as_u16());
    if status.is_some_and(|s| s >= 500) || THROTTLING_CODES.contains(&code) {
        return LinkError::Unreachable {
            provider: P,
            reason: format!("{code} (HTTP {})", status.unwrap_or_default()),
        };
    }
    LinkError::LoginRefused {
        provider: P,
        reason: if CREDENTIAL_CODES.contains(&code) {
            format!("{code}: the access key or secret key is wrong, or the keys were deleted")
        } else {
            code.to_string()
        },
    }
}

/// Error codes that mean "not now": the service is busy.
const THROTTLING_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "RequestLimitExceeded",
    "TooManyRequestsException",
    "ServiceUnavailable",
    "InternalServiceError",
];

fn service_error<E>(e: &aws_sdk_sts::error::SdkError<E, HttpResponse>, what: &str) -> LinkError
where
    E: std::error::Error + ProvideErrorMetadata + 'static,
{
    if let Some(t) = transport(e) {
        return t;
    }
    // An answer whose error code cannot be read (an emulator's or proxy's XML to a JSON API):
    // the status still says which state it is.
    let status = e.raw_response().map(|r| r.status().as_u16());
    let code = match (e.code(), status) {
        (Some(c), _) => c,
        (None, Some(401)) => "UnrecognizedClientException",
        (None, Some(403)) => "AccessDeniedException",
        (None, Some(404)) => "ResourceNotFoundException",
        (None, _) => "",
    };
    match code {
        "ResourceNotFoundException" => LinkError::NotFound {
            provider: P,
            what: what.to_string(),
        },
        "AccessDeniedException" | "AccessDenied" | "DecryptionFailure" => LinkError::AccessDenied {
            provider: P,
            what: what.to_string(),
        },
        c if CREDENTIAL_CODES.contains(&c) => LinkError::CredentialsExpired { provider: P },
        // Secrets Manager's answer for a secret scheduled for deletion, among others.
        "InvalidRequestException" => LinkError::Unusable {
            provider: P,
            what: what.to_string(),
            reason: "cannot be read now (scheduled for deletion, or its version is not current)"
                .into(),
        },
        c if THROTTLING_CODES.contains(&c) || status.is_some_and(|s| s >= 500) => {
            LinkError::Unreachable {
                provider: P,
                reason: format!("{c} for {what}"),
            }
        }
        c => LinkError::BadResponse {
            provider: P,
            reason: match status {
                Some(st) if c.is_empty() => format!("HTTP {st} for {what}"),
                _ => format!("{c} for {what}"),
            },
        },
    }
}
