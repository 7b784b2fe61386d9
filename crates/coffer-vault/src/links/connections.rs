//! `connections`: what each provider's connection is, without its credential.

use super::{Settings, cache, load};
use crate::store::{StoreError, Vault};
use coffer_core::Timestamp;
use coffer_core::link::Provider;

/// One connection, for display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionStatus {
    /// The provider.
    pub provider: Provider,
    /// Where it is.
    pub address: String,
    /// How it logged in (`token`, `approle`, `jwt`).
    pub auth: &'static str,
    /// Namespace, where the provider has them.
    pub namespace: Option<String>,
    /// When it was made.
    pub connected_at: Timestamp,
    /// When its credential ends (`None`: no end set by the provider).
    pub expires_at: Option<Timestamp>,
    /// Whether the credential has ended.
    pub expired: bool,
    /// Whether a credential is stored (`--no-store` keeps none).
    pub credential_stored: bool,
    /// Where a `--no-store` connection takes its credential from at each use.
    pub variables: &'static str,
    /// Cache time in seconds.
    pub cache_ttl_secs: u64,
    /// Values cached now.
    pub cached_values: usize,
}

impl ConnectionStatus {
    /// The JSON every front end shows (`coffer connections --json`, the web page).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "provider": self.provider.id(),
            "address": self.address,
            "namespace": self.namespace,
            "auth": self.auth,
            "connectedAt": self.connected_at.to_string(),
            "expiresAt": self.expires_at.map(|t| t.to_string()),
            "expired": self.expired,
            "credentialStored": self.credential_stored,
            "cacheTtlSeconds": self.cache_ttl_secs,
            "cachedValues": self.cached_values,
            "connect": super::connect_command(self.provider),
        })
    }
}

/// Every stored connection, in provider order.
pub fn connections(vault: &mut Vault, now: Timestamp) -> Result<Vec<ConnectionStatus>, StoreError> {
    let mut out = Vec::new();
    for provider in Provider::ALL {
        let Some(c) = load(vault, provider)? else {
            continue;
        };
        let (auth, namespace) = match &c.settings {
            Settings::HashicorpVault(s) => (
                match s.auth {
                    super::hashicorp::AuthMethod::Token => "token",
                    super::hashicorp::AuthMethod::Approle => "approle",
                    super::hashicorp::AuthMethod::Jwt => "jwt",
                },
                s.namespace.clone(),
            ),
            Settings::AwsSecretsManager(_) => ("access keys (temporary)", None),
            Settings::OnePassword(s) if s.op_cli => ("service account token (op CLI)", None),
            Settings::OnePassword(_) => ("Connect token", None),
            Settings::AzureKeyVault(s) if s.device_code => ("device code", None),
            Settings::AzureKeyVault(_) => ("client secret", None),
        };
        out.push(ConnectionStatus {
            provider,
            address: c.settings.address().to_string(),
            auth,
            namespace,
            connected_at: c.connected_at,
            expires_at: c.expires_at,
            expired: c.expired(now),
            credential_stored: c.credential.is_some(),
            variables: super::memory::variables(&c.settings),
            cache_ttl_secs: c.cache_ttl_secs,
            cached_values: cache::count(vault, provider)?,
        });
    }
    Ok(out)
}
