//! `connect`: logs in to a provider and keeps the connection, sealed, in the vault. Connecting
//! again re-authenticates (and empties the provider's cached values).

use super::{
    CONNECTION_VERSION, Connection, LinkError, MAX_CACHE_TTL_SECS, Settings, aws, azure, cache,
    hashicorp, onepassword, op_cli, state_name,
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
    /// Keep the credential (sealed). `false` (`--no-store`): keep neither it nor fetched values;
    /// each use takes the credential from the environment (`super::memory`).
    pub store: bool,
}

/// The secret part of a login, per provider.
pub enum Login {
    /// HashiCorp Vault / OpenBao.
    Hashicorp(hashicorp::Login),
    /// AWS access keys.
    Aws(aws::Keys),
    /// A 1Password Connect token.
    OnePassword(SecretString),
    /// An Azure client secret.
    Azure(SecretString),
    /// An Azure device code sign-in; `show` gives the user the sign-in instructions.
    AzureDeviceCode {
        /// Shows the page to open and the code to type.
        show: Box<dyn Fn(&str)>,
    },
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
    /// Whether the credential was kept.
    pub stored: bool,
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
        (Settings::OnePassword(s), Login::OnePassword(token)) => {
            if s.op_cli {
                op_cli::login(token)?;
            } else {
                onepassword::Connect::new(s)?.login(token)?;
            }
            // Connect tokens do not expire by themselves (the model product: "valid forever").
            (token.clone(), None)
        }
        (Settings::AzureKeyVault(s), Login::AzureDeviceCode { show }) if s.device_code => {
            let refresh = azure::device_code_login(s, show.as_ref())?;
            (refresh, Some(azure::CONNECTION_SECS))
        }
        (Settings::AzureKeyVault(s), Login::Azure(secret)) if !s.device_code => {
            azure::login(s, secret)?;
            // The model product's day: then `coffer connect` again.
            (secret.clone(), Some(azure::CONNECTION_SECS))
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
        credential: req.store.then_some(credential),
        connected_at: now,
        // Without a kept credential, each use brings its own: no expiry to keep.
        expires_at: expires_at.filter(|_| req.store),
        cache_ttl_secs: if req.store { req.cache_ttl_secs } else { 0 },
    };
    let json = zeroize::Zeroizing::new(
        serde_json::to_vec(&conn).map_err(|_| LinkError::Store(crate::StoreError::Integrity))?,
    );
    let conn_expiry = conn.expires_at;
    vault.update_sealed_state(&state_name(provider), |_| Some(json))?;
    let cache_cleared = cache::clear(vault, Some(provider))?;
    Ok(Connected {
        provider,
        expires_at: conn_expiry,
        cache_cleared,
        stored: req.store,
    })
}
