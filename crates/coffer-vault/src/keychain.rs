//! The OS keychain as a home for the vault key (cargo feature `keyring`).
//!
//! The key file then holds a pointer instead of the key:
//! `coffer-keyring-1 service=coffer account=vault-<16 hex>`. Without the feature, or on a machine
//! without a keychain (headless Linux has no Secret Service), every call fails with a clear reason.

use coffer_core::crypto::VaultKey;
use secrecy::{ExposeSecret, SecretString};

/// Service name of Coffer's keychain entries.
pub const SERVICE: &str = "coffer";
/// First word of a key file that points into the keychain.
pub const POINTER_PREFIX: &str = "coffer-keyring-1 ";

/// The keychain could not be used.
#[derive(Debug, thiserror::Error)]
pub enum KeychainError {
    /// This build has no keychain support.
    #[error("this Coffer was built without OS keychain support (cargo feature `keyring`)")]
    NotBuilt,
    /// The keychain refused or is absent.
    #[error("the OS keychain is not available: {0}")]
    Unavailable(String),
    /// No entry for this vault.
    #[error("the OS keychain has no key for this vault (account {0})")]
    NoEntry(String),
    /// The pointer file is malformed.
    #[error("malformed keychain pointer in the key file")]
    BadPointer,
}

/// The pointer text stored in the key file for `account`.
pub fn pointer(account: &str) -> String {
    format!("{POINTER_PREFIX}service={SERVICE} account={account}\n")
}

/// The account named by a pointer text, if `text` is one.
pub fn parse_pointer(text: &str) -> Option<Result<String, KeychainError>> {
    let rest = text.trim().strip_prefix(POINTER_PREFIX.trim_end())?;
    let mut service = None;
    let mut account = None;
    for part in rest.split_whitespace() {
        match part.split_once('=') {
            Some(("service", v)) => service = Some(v),
            Some(("account", v)) => account = Some(v),
            _ => return Some(Err(KeychainError::BadPointer)),
        }
    }
    Some(match (service, account) {
        (Some(SERVICE), Some(a)) if !a.is_empty() => Ok(a.to_string()),
        _ => Err(KeychainError::BadPointer),
    })
}

/// Stores `key` under `account`.
pub fn store(account: &str, key: &VaultKey) -> Result<(), KeychainError> {
    imp::store(account, &key.encode())
}

/// Loads the key text stored under `account`.
pub fn load(account: &str) -> Result<SecretString, KeychainError> {
    imp::load(account)
}

#[cfg(feature = "keyring")]
mod imp {
    use super::*;

    fn entry(account: &str) -> Result<keyring::Entry, KeychainError> {
        if let Err(e) = keyring::Entry::store_status() {
            return Err(KeychainError::Unavailable(e.to_string()));
        }
        keyring::Entry::new(SERVICE, account).map_err(|e| KeychainError::Unavailable(e.to_string()))
    }

    pub fn store(account: &str, text: &SecretString) -> Result<(), KeychainError> {
        entry(account)?
            .set_password(text.expose_secret())
            .map_err(|e| KeychainError::Unavailable(e.to_string()))
    }

    pub fn load(account: &str) -> Result<SecretString, KeychainError> {
        match entry(account)?.get_password() {
            Ok(p) => Ok(SecretString::from(p)),
            Err(keyring::Error::NoEntry) => Err(KeychainError::NoEntry(account.to_string())),
            Err(e) => Err(KeychainError::Unavailable(e.to_string())),
        }
    }
}

#[cfg(not(feature = "keyring"))]
mod imp {
    use super::*;

    pub fn store(_account: &str, text: &SecretString) -> Result<(), KeychainError> {
        let _ = text.expose_secret();
        Err(KeychainError::NotBuilt)
    }

    pub fn load(_account: &str) -> Result<SecretString, KeychainError> {
        Err(KeychainError::NotBuilt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointer_roundtrip_and_rejects() {
        assert_eq!(
            parse_pointer(&pointer("vault-01")).unwrap().unwrap(),
            "vault-01"
        );
        assert!(parse_pointer("coffer-key-1-00").is_none());
        assert!(
            parse_pointer("coffer-keyring-1 service=other account=a")
                .unwrap()
                .is_err()
        );
        assert!(
            parse_pointer("coffer-keyring-1 service=coffer")
                .unwrap()
                .is_err()
        );
        assert!(parse_pointer("coffer-keyring-1 junk").unwrap().is_err());
    }
}
