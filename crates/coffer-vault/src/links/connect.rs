//! `connect`: logs in to a provider and keeps the connection, sealed, in the vault. Connecting
//! again re-authenticates (and empties the provider's cached values).

use super::{
    CONNECTION_VERSION, Connection, LinkError, MAX_CACHE_TTL_SECS, Settings, aws, cache, hashicorp,
    state_name,
};
use crate::store::Vault;
use coffer_core::Timestamp;
use coffer_core::link::Provider;
use secrecy::SecretString;

/// What to connect with.
pub struct ConnectRequest {
    /// Where and how.
    pub settings: Settings,
    /// The secret part of the login.
    pub login: Login,
    /// How long fetched values are cached (0: not at all).
    pub cache_ttl_secs: u64,
}

/// The secret part of a login, per provider.
pub enum Login {
    /// HashiCorp Vault / OpenBao.
    Hashicorp(hashicorp::Login),
    /// AWS access keys.
    Aws(aws::Keys),
}

/// The connection made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connected {
    /// The provider.
    pub provider: Provider,
    /// When the credential ends (`None`: no end).
    pub expires_at: Option<Timestamp>,
    /// Cached values of the earlier connection, deleted.
    pub cache_cleared: usize,
}

/// Logs in with `req` at `now` and stores the connection (replacing an earlier one).
pub fn connect(
    vault: &mut Vault,
    req: ConnectRequest,
    now: Timestamp,
) -> Result<Connected, LinkError> {
    if req.cache_ttl_secs > MAX_CACHE_TTL_SECS {
        return Err(LinkError::BadSettings(format!(
            "the cache time is at most {} hours",
            MAX_CACHE_TTL_SECS / 3600
        )));
    }
    let provider = req.settings.provider();
    let (credential, ttl_secs) = match (&req.settings, &req.login) {
        (Settings::HashicorpVault(s), Login::Hashicorp(login)) => {
            let session = hashicorp::Server::new(s)?.login(s, login)?;
            (session.token, session.ttl_secs)
        }
        (Settings::AwsSecretsManager(s), Login::Aws(keys)) => {
            let session = aws::login(s, keys)?;
            let json = serde_json::to_string(&session.keys)
                .map_err(|_| LinkError::Store(crate::StoreError::Integrity))?;
            (SecretString::from(json), Some(session.ttl_secs))
        }
        _ => {
            return Err(LinkError::BadSettings(
                "the login does not fit the provider".into(),
            ));
        }
    };
    let expires_at = ttl_secs.map(|t| {
        Timestamp::from_unix(
            now.unix()
                .saturating_add(i64::try_from(t).unwrap_or(i64::MAX)),
        )
        .unwrap_or(now)
    });
    let conn = Connection {
        version: CONNECTION_VERSION,
        settings: req.settings,
        credential: Some(credential),
        connected_at: now,
        expires_at,
        cache_ttl_secs: req.cache_ttl_secs,
    };
    let json = zeroize::Zeroizing::new(
        serde_json::to_vec(&conn).map_err(|_| LinkError::Store(crate::StoreError::Integrity))?,
    );
    vault.update_sealed_state(&state_name(provider), |_| Some(json))?;
    let cache_cleared = cache::clear(vault, Some(provider))?;
    Ok(Connected {
        provider,
        expires_at,
        cache_cleared,
    })
}
