//! Azure Key Vault through the official Azure SDK for Rust (`docs/links.md`): client
//! credentials (tenant, client id, client secret) from `azure_identity`, secrets from
//! `azure_security_keyvault_secrets`, over Coffer's own HTTP client (HTTPS only, an optional pinned
//! CA, bounded time, no retries).

#[cfg(feature = "azure")]
mod device_code;
#[cfg(feature = "azure")]
mod sdk;

use serde::{Deserialize, Serialize};

#[cfg(feature = "azure")]
pub use device_code::login as device_code_login;
#[cfg(feature = "azure")]
pub use sdk::{login, read};

/// How long a connection lasts before `coffer connect` is needed again (the model product's day).
pub const CONNECTION_SECS: u64 = 86_400;

/// The Microsoft Entra ID (Azure AD) login host unless `--authority-host` says otherwise.
pub const DEFAULT_AUTHORITY: &str = "https://login.microsoftonline.com";

/// Who logs in and where (no secrets).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AzureSettings {
    /// Directory (tenant) id.
    pub tenant_id: String,
    /// Application (client) id.
    pub client_id: String,
    /// Login host for sovereign clouds (default [`DEFAULT_AUTHORITY`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authority_host: Option<String>,
    /// The only CA trusted (PEM), from `--cacert`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_pem: Option<String>,
    /// Signed in with a device code: the credential is a refresh token, not a client secret.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub device_code: bool,
}

#[cfg(not(feature = "azure"))]
fn not_built() -> super::LinkError {
    super::LinkError::Unsupported {
        provider: coffer_core::link::Provider::AzureKeyVault,
    }
}

/// Checks the client secret by asking for a token (this build has no Azure client).
#[cfg(not(feature = "azure"))]
pub fn login(_: &AzureSettings, _: &secrecy::SecretString) -> Result<(), super::LinkError> {
    Err(not_built())
}

/// Device code sign-in (this build has no Azure client).
#[cfg(not(feature = "azure"))]
pub fn device_code_login(
    _: &AzureSettings,
    _: &dyn Fn(&str),
) -> Result<secrecy::SecretString, super::LinkError> {
    Err(not_built())
}

/// The value of the secret `secret_id` names (this build has no Azure client).
#[cfg(not(feature = "azure"))]
pub fn read(
    _: &AzureSettings,
    _: &secrecy::SecretString,
    _: &str,
    _: coffer_core::Timestamp,
) -> Result<coffer_core::SecretValue, super::LinkError> {
    Err(not_built())
}
