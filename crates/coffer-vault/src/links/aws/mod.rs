//! AWS Secrets Manager through the official AWS SDK for Rust (`docs/links.md`).
//!
//! Connecting turns long-lived access keys into temporary credentials (STS `GetSessionToken`,
//! 2 hours, as the model product does) and stores only those; temporary credentials given by the
//! user are checked (`GetCallerIdentity`) and kept for an hour. A link's `roleArn` is assumed
//! (`AssumeRole`, session `coffer`) before each read. The SDK's standard settings apply
//! (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_SECRETS_MANAGER`, ...), checked by Coffer's HTTPS rule.

#[cfg(feature = "aws")]
mod sdk;

#[cfg(not(feature = "aws"))]
use super::LinkError;
use coffer_core::link::Provider;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

#[cfg(feature = "aws")]
pub use sdk::{login, profile_keys, read};

const P: Provider = Provider::AwsSecretsManager;

/// How long temporary credentials made from long-lived keys live (the model product's 2 hours).
pub const SESSION_SECS: i32 = 7200;
/// How long credentials given as temporary are trusted without their own expiry.
pub const GIVEN_TEMPORARY_SECS: u64 = 3600;

/// Where and how (no secrets).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AwsSettings {
    /// Region, e.g. `eu-west-1`.
    pub region: String,
    /// An endpoint given with `--endpoint-url` (else the SDK's settings or AWS's own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint_url: Option<String>,
    /// The profile the keys came from, for display.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// The access key id (not secret; shown by `coffer connections`).
    pub access_key_id: String,
}

/// Access keys, as given or as stored.
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Keys {
    /// Access key id.
    pub access_key_id: String,
    /// Secret access key.
    #[serde(with = "crate::secret_serde::secret")]
    pub secret_access_key: SecretString,
    /// Session token (temporary credentials).
    #[serde(
        default,
        with = "crate::secret_serde::opt_secret",
        skip_serializing_if = "Option::is_none"
    )]
    pub session_token: Option<SecretString>,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keys")
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

/// Stored keys and how long they live.
pub struct Session {
    /// The keys to store.
    pub keys: Keys,
    /// Seconds they live from now.
    pub ttl_secs: u64,
}

/// What a link asks for.
pub struct Read<'a> {
    /// The secret's ARN.
    pub secret_arn: &'a str,
    /// A role to assume first.
    pub role_arn: Option<&'a str>,
    /// A pinned version.
    pub version_id: Option<&'a str>,
    /// For a JSON secret, the key to take.
    pub json_key: Option<&'a str>,
}

#[cfg(not(feature = "aws"))]
fn not_built() -> LinkError {
    LinkError::Unsupported { provider: P }
}

/// Checks `keys` and makes the credentials to store (this build has no AWS client).
#[cfg(not(feature = "aws"))]
pub fn login(_: &AwsSettings, _: &Keys) -> Result<Session, LinkError> {
    Err(not_built())
}

/// The value of the secret `r` names (this build has no AWS client).
#[cfg(not(feature = "aws"))]
pub fn read(
    _: &AwsSettings,
    _: &Keys,
    _: &Read<'_>,
) -> Result<coffer_core::SecretValue, LinkError> {
    Err(not_built())
}

/// The keys of a profile (this build has no AWS client).
#[cfg(not(feature = "aws"))]
pub fn profile_keys(_: &str) -> Result<(Keys, Option<String>), LinkError> {
    Err(not_built())
}
