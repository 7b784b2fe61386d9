//! Linked secrets that resolve (`docs/links.md`): connections to external vaults, fetching a
//! link's value from its provider, and the cache of fetched values.
//!
//! A connection (address, how it authenticated, the credential it holds and until when) is kept
//! in the vault database as sealed state `connection:PROVIDER`, sealed with a subkey of the vault
//! key like the team link; fetched values are kept as sealed state `link-cache:PROVIDER:MAC`
//! until their cache time runs out. Neither is ever part of an export.

pub mod aws;
pub mod azure;
pub mod cache;
pub mod connect;
pub mod connections;
pub mod disconnect;
pub mod fetch;
pub mod hashicorp;
mod http;
pub mod memory;
pub mod onepassword;
pub mod op_cli;

use crate::store::{StoreError, Vault};
use crate::{Classify, ErrorKind};
use coffer_core::Timestamp;
use coffer_core::link::Provider;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

/// How long fetched values are kept unless the connection says otherwise (the model product's
/// hour).
pub const DEFAULT_CACHE_TTL_SECS: u64 = 3600;

/// Longest cache time accepted (a day): a value revoked at its provider must stop resolving.
pub const MAX_CACHE_TTL_SECS: u64 = 86_400;

/// The version of the sealed connection record written by this build.
const CONNECTION_VERSION: u32 = 1;

fn state_name(p: Provider) -> String {
    format!("connection:{}", p.id())
}

/// A connection to one provider, as stored (sealed) in the vault.
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Connection {
    /// Record version (1).
    pub version: u32,
    /// Where and how.
    #[serde(flatten)]
    pub settings: Settings,
    /// The credential the provider gave (or was given); `None` when it is not stored
    /// (`--no-store`: the credential comes from the environment at each use).
    #[serde(with = "crate::secret_serde::opt_secret", default)]
    pub credential: Option<SecretString>,
    /// When the connection was made.
    pub connected_at: Timestamp,
    /// When the credential stops working (`None`: the provider set no end).
    pub expires_at: Option<Timestamp>,
    /// How long fetched values are cached, in seconds (0: not cached).
    pub cache_ttl_secs: u64,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("settings", &self.settings)
            .field(
                "credential",
                &self.credential.as_ref().map(|_| "[REDACTED]"),
            )
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// Provider-specific settings of a connection (no secrets).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "provider", rename_all = "kebab-case")]
pub enum Settings {
    /// HashiCorp Vault or OpenBao.
    HashicorpVault(hashicorp::HashicorpSettings),
    /// AWS Secrets Manager.
    AwsSecretsManager(aws::AwsSettings),
    /// 1Password through a Connect server.
    OnePassword(onepassword::OnePasswordSettings),
    /// Azure Key Vault.
    AzureKeyVault(azure::AzureSettings),
}

impl Settings {
    /// The provider these settings are for.
    pub fn provider(&self) -> Provider {
        match self {
            Settings::HashicorpVault(_) => Provider::HashicorpVault,
            Settings::AwsSecretsManager(_) => Provider::AwsSecretsManager,
            Settings::OnePassword(_) => Provider::OnePassword,
            Settings::AzureKeyVault(_) => Provider::AzureKeyVault,
        }
    }

    /// Where the provider is, for display.
    pub fn address(&self) -> &str {
        match self {
            Settings::HashicorpVault(s) => &s.address,
            Settings::AwsSecretsManager(s) => s.endpoint_url.as_deref().unwrap_or(&s.region),
            Settings::OnePassword(s) => &s.address,
            Settings::AzureKeyVault(s) => s
                .authority_host
                .as_deref()
                .unwrap_or(azure::DEFAULT_AUTHORITY),
        }
    }
}

impl Connection {
    /// Whether the credential has run out at `now`.
    pub fn expired(&self, now: Timestamp) -> bool {
        self.expires_at.is_some_and(|e| e <= now)
    }
}

/// The stored connection to `provider`, if any.
pub fn load(vault: &mut Vault, provider: Provider) -> Result<Option<Connection>, StoreError> {
    let Some(bytes) = vault.sealed_state(&state_name(provider))? else {
        return Ok(None);
    };
    // Sealed state that authenticates but does not parse: damaged in a way only a key holder
    // could cause, or written by a newer Coffer; either way it cannot be used.
    let c: Connection = serde_json::from_slice(&bytes).map_err(|_| StoreError::Integrity)?;
    if c.version != CONNECTION_VERSION || c.settings.provider() != provider {
        return Err(StoreError::Integrity);
    }
    Ok(Some(c))
}

/// What the command to (re)connect a provider looks like, for hints.
pub fn connect_command(p: Provider) -> &'static str {
    match p {
        Provider::HashicorpVault => "coffer connect hashicorp-vault --address URL",
        Provider::AwsSecretsManager => "coffer connect aws-secrets-manager --region REGION",
        Provider::AzureKeyVault => "coffer connect azure-key-vault --tenant TENANT --client-id ID",
        Provider::OnePassword => "coffer connect one-password --address URL",
    }
}

/// Fetching a linked value, or connecting to a provider, failed: the model product's states.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    /// No connection to the link's provider.
    #[error("not connected to {provider}")]
    NotConnected {
        /// The provider.
        provider: Provider,
    },
    /// The connection's credential ran out or was revoked.
    #[error("the {provider} credentials have expired or were revoked")]
    CredentialsExpired {
        /// The provider.
        provider: Provider,
    },
    /// The provider has no such secret (or key, or version).
    #[error("{provider} has no {what}")]
    NotFound {
        /// The provider.
        provider: Provider,
        /// What was looked for.
        what: String,
    },
    /// The credential may not read it.
    #[error("{provider} denied access to {what}")]
    AccessDenied {
        /// The provider.
        provider: Provider,
        /// What was asked for.
        what: String,
    },
    /// The provider could not be reached or answered with a server error.
    #[error("{provider} is unreachable: {reason}")]
    Unreachable {
        /// The provider.
        provider: Provider,
        /// Why (no secret in it).
        reason: String,
    },
    /// The provider refused the login.
    #[error("{provider} refused the login: {reason}")]
    LoginRefused {
        /// The provider.
        provider: Provider,
        /// What it said (no secret in it).
        reason: String,
    },
    /// The provider answered something this Coffer does not understand.
    #[error("{provider} answered unexpectedly: {reason}")]
    BadResponse {
        /// The provider.
        provider: Provider,
        /// What was wrong.
        reason: String,
    },
    /// The settings given to connect are not usable.
    #[error("{0}")]
    BadSettings(String),
    /// This build cannot reach the provider yet.
    #[error("this Coffer cannot connect to {provider} yet")]
    Unsupported {
        /// The provider.
        provider: Provider,
    },
    /// The provider holds the secret but will not give it (disabled, expired, not yet valid).
    #[error("{provider}: {what} {reason}")]
    Unusable {
        /// The provider.
        provider: Provider,
        /// What was asked for.
        what: String,
        /// Why it cannot be used.
        reason: String,
    },
    /// A `--no-store` connection and no credential in the environment.
    #[error(
        "the {provider} connection keeps no credential (--no-store) and {variables} is not set"
    )]
    NoCredential {
        /// The provider.
        provider: Provider,
        /// Where the credential is taken from.
        variables: &'static str,
    },
    /// Database failure or damaged sealed state.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl LinkError {
    /// What to do about it: each state names the command that fixes it.
    pub fn hint(&self) -> String {
        match self {
            LinkError::NotConnected { provider } => {
                format!("connect first: `{}`", connect_command(*provider))
            }
            LinkError::CredentialsExpired { provider } => format!(
                "re-authenticate: `{}` (`coffer connections` shows when each connection expires)",
                connect_command(*provider)
            ),
            LinkError::NotFound { .. } => {
                "check the link with `coffer list`; change it with `coffer link NAME ...`".into()
            }
            LinkError::AccessDenied { provider, .. } => format!(
                "the credentials lack read permission there; ask the {provider} admin, or reconnect with other credentials"
            ),
            LinkError::Unreachable { .. } => {
                "check the address and the network (`coffer connections` shows the address)".into()
            }
            LinkError::LoginRefused { .. } => {
                "check the credentials and the auth method's path and role".into()
            }
            LinkError::BadResponse { .. } => {
                "check that the address is the provider's API, not a proxy or a web page".into()
            }
            LinkError::BadSettings(_) => "see `coffer connect --help`".into(),
            LinkError::Unsupported { .. } => {
                "see docs/links.md for the providers this version resolves".into()
            }
            LinkError::Unusable { provider, .. } => format!(
                "enable it or change its dates in {provider}, or pin another version in the link (`coffer link NAME ...`)"
            ),
            LinkError::NoCredential {
                provider,
                variables,
            } => format!(
                "set {variables} for this command, or connect without --no-store: `{}`",
                connect_command(*provider)
            ),
            LinkError::Store(_) => String::new(),
        }
    }
}

impl Classify for LinkError {
    fn kind(&self) -> ErrorKind {
        match self {
            LinkError::NotConnected { .. }
            | LinkError::CredentialsExpired { .. }
            | LinkError::LoginRefused { .. }
            | LinkError::NoCredential { .. } => ErrorKind::Unauthorized,
            LinkError::NotFound { .. } => ErrorKind::NotFound,
            LinkError::AccessDenied { .. } | LinkError::Unusable { .. } => ErrorKind::Denied,
            LinkError::Unreachable { .. } | LinkError::BadResponse { .. } => ErrorKind::Io,
            LinkError::BadSettings(_) => ErrorKind::InvalidInput,
            LinkError::Unsupported { .. } => ErrorKind::Unsupported,
            LinkError::Store(e) => e.kind(),
        }
    }
}
