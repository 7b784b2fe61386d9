//! Where the vault key comes from: an environment variable's value, or a key file.

use crate::fs;
use coffer_core::crypto::{KeyParseError, VaultKey};
use secrecy::{ExposeSecret, SecretString};
use std::io;
use std::path::{Path, PathBuf};

/// How to get the vault key.
#[derive(Debug)]
pub enum KeySource {
    /// The key text itself (from `COFFER_VAULT_KEY`).
    Env(SecretString),
    /// A key file.
    File(PathBuf),
}

/// The key could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadKeyError {
    /// No key file.
    #[error("no vault key: {} does not exist", path.display())]
    Missing {
        /// The key file looked for.
        path: PathBuf,
    },
    /// The key file could not be read.
    #[error("cannot read the vault key file {}: {source}", path.display())]
    Unreadable {
        /// The key file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The key file points into the OS keychain, which could not give the key.
    #[error("key file {}: {source}", path.display())]
    Keychain {
        /// The pointer file.
        path: PathBuf,
        /// Why.
        source: crate::keychain::KeychainError,
    },
    /// The text is not a vault key.
    #[error("{what}: {source}")]
    Malformed {
        /// Where the text came from.
        what: String,
        /// What is wrong.
        source: KeyParseError,
    },
}

impl KeySource {
    /// Loads and parses the key.
    pub fn load(&self) -> Result<VaultKey, LoadKeyError> {
        match self {
            KeySource::Env(text) => {
                VaultKey::parse(text.expose_secret()).map_err(|source| LoadKeyError::Malformed {
                    what: "COFFER_VAULT_KEY".into(),
                    source,
                })
            }
            KeySource::File(path) => {
                let text = match std::fs::read_to_string(path) {
                    Ok(t) => SecretString::from(t),
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {
                        return Err(LoadKeyError::Missing { path: path.clone() });
                    }
                    Err(source) => {
                        return Err(LoadKeyError::Unreadable {
                            path: path.clone(),
                            source,
                        });
                    }
                };
                let text = match crate::keychain::parse_pointer(text.expose_secret()) {
                    None => text,
                    Some(account) => {
                        account
                            .and_then(|a| crate::keychain::load(&a))
                            .map_err(|source| LoadKeyError::Keychain {
                                path: path.clone(),
                                source,
                            })?
                    }
                };
                VaultKey::parse(text.expose_secret()).map_err(|source| LoadKeyError::Malformed {
                    what: format!("key file {}", path.display()),
                    source,
                })
            }
        }
    }
}

/// Writes `key` to a new `0600` file (atomically). Refuses to replace an existing file unless
/// `overwrite`.
pub fn save_key_file(path: &Path, key: &VaultKey, overwrite: bool) -> io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_private_dir(dir)?;
    }
    let mut text = key.encode().expose_secret().to_owned();
    text.push('\n');
    let text = zeroize::Zeroizing::new(text);
    fs::write_private_atomic(path, text.as_bytes(), overwrite)
}
