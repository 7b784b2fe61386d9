//! Where a vault's data and key live.
//!
//! - With a vault directory (`COFFER_HOME` or `--vault DIR`): `DIR/vault.db` and `DIR/vault.key`.
//! - Otherwise the XDG base directories: data in `$XDG_DATA_HOME/coffer/vault.db`
//!   (default `~/.local/share`), key in `$XDG_CONFIG_HOME/coffer/vault.key` (default `~/.config`),
//!   so a backup of the data directory alone does not carry the key.

use std::path::{Path, PathBuf};

/// Paths of one vault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VaultLocation {
    /// The SQLite database.
    pub db_path: PathBuf,
    /// The default key file.
    pub key_path: PathBuf,
}

/// No vault directory was given and `HOME` is not set.
#[derive(Debug, thiserror::Error)]
#[error("cannot find a place for the vault: HOME is not set")]
pub struct NoHome;

impl VaultLocation {
    /// A self-contained vault directory.
    pub fn in_dir(dir: &Path) -> Self {
        Self {
            db_path: dir.join("vault.db"),
            key_path: dir.join("vault.key"),
        }
    }

    /// The location from a vault directory if given, else from the XDG variables read with `var`.
    pub fn resolve(
        dir: Option<&Path>,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, NoHome> {
        if let Some(d) = dir {
            return Ok(Self::in_dir(d));
        }
        let base = |xdg: &str, fallback: &str| -> Result<PathBuf, NoHome> {
            match var(xdg).filter(|v| Path::new(v).is_absolute()) {
                Some(v) => Ok(PathBuf::from(v)),
                None => var("HOME")
                    .filter(|h| !h.is_empty())
                    .map(|h| Path::new(&h).join(fallback))
                    .ok_or(NoHome),
            }
        };
        Ok(Self {
            db_path: base("XDG_DATA_HOME", ".local/share")?.join("coffer/vault.db"),
            key_path: base("XDG_CONFIG_HOME", ".config")?.join("coffer/vault.key"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolution_order() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        let l = VaultLocation::resolve(Some(Path::new("/v")), env(&[])).unwrap();
        assert_eq!(l.db_path, Path::new("/v/vault.db"));
        let l = VaultLocation::resolve(None, env(&[("HOME", "/h")])).unwrap();
        assert_eq!(l.db_path, Path::new("/h/.local/share/coffer/vault.db"));
        assert_eq!(l.key_path, Path::new("/h/.config/coffer/vault.key"));
        let l = VaultLocation::resolve(
            None,
            env(&[
                ("HOME", "/h"),
                ("XDG_DATA_HOME", "/d"),
                ("XDG_CONFIG_HOME", "rel"),
            ]),
        )
        .unwrap();
        assert_eq!(l.db_path, Path::new("/d/coffer/vault.db"));
        assert_eq!(
            l.key_path,
            Path::new("/h/.config/coffer/vault.key"),
            "relative XDG ignored"
        );
        assert!(VaultLocation::resolve(None, env(&[])).is_err());
    }
}
