//! Where the vault is and where its key comes from, from flags and environment.

use crate::failure::{Failure, code};
use coffer_vault::{KeySource, VaultLocation};
use secrecy::SecretString;
use std::path::PathBuf;

/// The vault this invocation works on.
pub struct Context {
    pub location: VaultLocation,
    pub key: KeySource,
    /// The key file used when the key is not in the environment.
    pub key_file: PathBuf,
}

impl Context {
    pub fn resolve(vault: Option<PathBuf>, key_file: Option<PathBuf>) -> Result<Self, Failure> {
        let location = VaultLocation::resolve(vault.as_deref(), |k| std::env::var(k).ok())
            .map_err(|e| {
                Failure::new(
                    code::NOT_INITIALIZED,
                    e.to_string(),
                    "set COFFER_HOME or pass --vault DIR",
                )
            })?;
        let key_file = key_file.unwrap_or_else(|| location.key_path.clone());
        let key = match std::env::var("COFFER_VAULT_KEY") {
            Ok(v) if !v.is_empty() => KeySource::Env(SecretString::from(v)),
            _ => KeySource::File(key_file.clone()),
        };
        Ok(Self {
            location,
            key,
            key_file,
        })
    }

    pub fn open(&self) -> Result<coffer_vault::Vault, Failure> {
        Ok(coffer_vault::Vault::open(&self.location, &self.key)?)
    }
}
