//! Where the vault is and where its key comes from, from flags and environment.

use crate::failure::{Failure, code};
use crate::term::shown;
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
        let key = match std::env::var_os("COFFER_VAULT_KEY") {
            Some(v) if v.is_empty() => {
                return Err(Failure::new(
                    code::NOT_INITIALIZED,
                    "COFFER_VAULT_KEY is set but empty",
                    "unset it to use the key file, or set it to the vault key",
                ));
            }
            Some(v) => match v.into_string() {
                Ok(v) => KeySource::Env(SecretString::from(v)),
                Err(_) => {
                    return Err(Failure::new(
                        code::WRONG_KEY,
                        "COFFER_VAULT_KEY is not text",
                        "a vault key is 64 hexadecimal digits, as `coffer key show` prints it",
                    ));
                }
            },
            None => KeySource::File(key_file.clone()),
        };
        Ok(Self {
            location,
            key,
            key_file,
        })
    }

    pub fn open(&self) -> Result<coffer_vault::Vault, Failure> {
        let vault = coffer_vault::Vault::open(&self.location, &self.key)?;
        self.warn_if_key_file_is_open();
        Ok(vault)
    }

    /// Like ssh with a private key: a key file others can read is worth a warning (it is used,
    /// since refusing would lock the owner out of their own vault).
    fn warn_if_key_file_is_open(&self) {
        use std::os::unix::fs::PermissionsExt;
        let KeySource::File(path) = &self.key else {
            return;
        };
        if let Ok(meta) = std::fs::metadata(path)
            && meta.permissions().mode() & 0o077 != 0
        {
            eprintln!(
                "warning: the key file {} can be read by other users (mode {:o}); run `chmod 600 {}`",
                shown(path),
                meta.permissions().mode() & 0o777,
                shown(path)
            );
        }
    }
}
