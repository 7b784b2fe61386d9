//! `fetch`: the value behind a link, from the cache while it is fresh, else from its provider
//! through the stored connection (then cached for the connection's cache time).

use super::{LinkError, Settings, aws, azure, cache, hashicorp, load, memory, onepassword, op_cli};
use crate::store::Vault;
use coffer_core::link::LinkRepr;
use coffer_core::{ExternalLink, SecretValue, Timestamp};
use secrecy::ExposeSecret;

/// Whether a value came from the cache or from the provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Fetched earlier and still fresh.
    Cache,
    /// Fetched now.
    Provider,
}

/// The value `link` points at, as of `now`.
pub fn fetch(
    vault: &mut Vault,
    link: &ExternalLink,
    now: Timestamp,
) -> Result<(SecretValue, Source), LinkError> {
    let provider = link.provider_kind();
    // The connection first: no connection, or an expired one, resolves nothing, cached or not.
    let conn = load(vault, provider)?.ok_or(LinkError::NotConnected { provider })?;
    if conn.expired(now) {
        return Err(LinkError::CredentialsExpired { provider });
    }
    // A cached value counts only for the connection that fetched it (a fetch that finished
    // after a reconnect wrote an entry for the old one, which is ignored).
    if let Some(v) = cache::get(vault, link, conn.connected_at, now)? {
        return Ok((v, Source::Cache));
    }
    // A `--no-store` connection: the credential comes from this process's environment.
    let from_env;
    let credential = match &conn.credential {
        Some(c) => c,
        None => {
            from_env = memory::credential(&conn.settings).ok_or(LinkError::NoCredential {
                provider,
                variables: memory::variables(&conn.settings),
            })?;
            &from_env
        }
    };
    let value = match (link.repr(), &conn.settings) {
        (LinkRepr::HashicorpVault { mount, path, key }, Settings::HashicorpVault(s)) => {
            hashicorp::Server::new(s)?.read(credential, mount, path, key)?
        }
        (
            LinkRepr::AwsSecretsManager {
                secret_arn,
                role_arn,
                version_id,
                json_key,
            },
            Settings::AwsSecretsManager(s),
        ) => {
            let keys: aws::Keys = serde_json::from_str(credential.expose_secret())
                .map_err(|_| LinkError::Store(crate::StoreError::Integrity))?;
            aws::read(
                s,
                &keys,
                &aws::Read {
                    secret_arn,
                    role_arn: role_arn.as_deref(),
                    version_id: version_id.as_deref(),
                    json_key: json_key.as_deref(),
                },
            )?
        }
        (LinkRepr::AzureKeyVault { secret_id }, Settings::AzureKeyVault(s)) => {
            azure::read(s, credential, secret_id, now)?
        }
        (LinkRepr::OnePassword { reference }, Settings::OnePassword(s)) if s.op_cli => {
            op_cli::read(credential, reference)?
        }
        (LinkRepr::OnePassword { reference }, Settings::OnePassword(s)) => {
            onepassword::Connect::new(s)?.read(credential, reference)?
        }
        _ => return Err(LinkError::Unsupported { provider }),
    };
    if conn.cache_ttl_secs > 0 {
        let ttl = i64::try_from(conn.cache_ttl_secs).unwrap_or(i64::MAX);
        // Never cached past the credential's end: an expired connection resolves nothing.
        let mut until = Timestamp::from_unix(now.unix().saturating_add(ttl)).unwrap_or(now);
        if let Some(end) = conn.expires_at {
            until = until.min(end);
        }
        cache::put(vault, link, &value, conn.connected_at, until, now)?;
    }
    Ok((value, Source::Provider))
}
