//! Argon2id password-to-key derivation for encrypted exports, with hard bounds on its cost.

use crate::crypto::AeadKey;
use argon2::{Algorithm, Argon2, Params, Version};
use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

/// Argon2 version 1.3 (0x13), the only one written or read.
pub const ARGON2_VERSION: u32 = 0x13;
/// Salt length in bytes.
pub const SALT_LEN: usize = 16;

/// Smallest memory cost written or read, KiB (8 MiB).
pub const MIN_MEMORY_KIB: u32 = 8 * 1024;
/// Largest memory cost read, KiB (1 GiB): a hostile file cannot make Coffer allocate more.
pub const MAX_MEMORY_KIB: u32 = 1024 * 1024;
/// Largest number of passes read.
pub const MAX_PASSES: u32 = 10;
/// Largest number of lanes read.
pub const MAX_LANES: u32 = 16;

/// Argon2id cost parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KdfParams {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Passes over memory (time cost).
    pub passes: u32,
    /// Lanes (parallelism).
    pub lanes: u32,
}

impl KdfParams {
    /// RFC 9106's second recommended option: 64 MiB, 3 passes, 4 lanes.
    pub const DEFAULT: KdfParams = KdfParams {
        memory_kib: 64 * 1024,
        passes: 3,
        lanes: 4,
    };

    /// Reads `m=KIB,t=PASSES,p=LANES` (any subset, any order; the rest stays at the default),
    /// as `COFFER_EXPORT_KDF` holds it. `None` if it is not of that form; bounds are [`check`]ed
    /// separately.
    ///
    /// [`check`]: KdfParams::check
    pub fn from_spec(spec: &str) -> Option<KdfParams> {
        let mut p = KdfParams::DEFAULT;
        for part in spec.split(',') {
            let (k, v) = part.trim().split_once('=')?;
            let v: u32 = v.parse().ok()?;
            match k {
                "m" => p.memory_kib = v,
                "t" => p.passes = v,
                "p" => p.lanes = v,
                _ => return None,
            }
        }
        Some(p)
    }

    /// Checks the parameters against the bounds before any work is done.
    pub fn check(&self) -> Result<(), KdfBoundsError> {
        let err = |what: String| Err(KdfBoundsError { what });
        if !(MIN_MEMORY_KIB..=MAX_MEMORY_KIB).contains(&self.memory_kib) {
            return err(format!(
                "memory {} KiB is outside {MIN_MEMORY_KIB}..={MAX_MEMORY_KIB} KiB",
                self.memory_kib
            ));
        }
        if !(1..=MAX_PASSES).contains(&self.passes) {
            return err(format!(
                "passes {} is outside 1..={MAX_PASSES}",
                self.passes
            ));
        }
        if !(1..=MAX_LANES).contains(&self.lanes) {
            return err(format!("lanes {} is outside 1..={MAX_LANES}", self.lanes));
        }
        Ok(())
    }

    /// Derives the 256-bit file key from `password` and `salt`.
    pub fn derive(&self, password: &SecretString, salt: &[u8]) -> Result<AeadKey, KdfBoundsError> {
        self.check()?;
        let params =
            Params::new(self.memory_kib, self.passes, self.lanes, Some(32)).map_err(|e| {
                KdfBoundsError {
                    what: e.to_string(),
                }
            })?;
        let mut out = Zeroizing::new([0u8; 32]);
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password_into(password.expose_secret().as_bytes(), salt, out.as_mut())
            .map_err(|e| KdfBoundsError {
                what: e.to_string(),
            })?;
        Ok(AeadKey::from_bytes(*out))
    }
}

/// KDF parameters outside the accepted bounds.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("key derivation parameters refused: {what}")]
pub struct KdfBoundsError {
    /// Which bound.
    pub what: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds() {
        assert!(KdfParams::DEFAULT.check().is_ok());
        let p = |m, t, l| KdfParams {
            memory_kib: m,
            passes: t,
            lanes: l,
        };
        assert!(p(MAX_MEMORY_KIB + 1, 3, 4).check().is_err());
        assert!(p(u32::MAX, 3, 4).check().is_err());
        assert!(p(MIN_MEMORY_KIB - 1, 3, 4).check().is_err());
        assert!(p(MIN_MEMORY_KIB, 0, 1).check().is_err());
        assert!(p(MIN_MEMORY_KIB, 11, 1).check().is_err());
        assert!(p(MIN_MEMORY_KIB, 1, 17).check().is_err());
    }

    #[test]
    fn derivation_depends_on_everything() {
        let pw = SecretString::from("correct horse battery");
        let base = KdfParams {
            memory_kib: MIN_MEMORY_KIB,
            passes: 1,
            lanes: 1,
        };
        let k1 = base.derive(&pw, &[1; 16]).unwrap();
        let (n, ct) = k1.seal(b"", b"x");
        let other = [
            base.derive(&pw, &[2; 16]).unwrap(),
            base.derive(&SecretString::from("correct horse batterz"), &[1; 16])
                .unwrap(),
            KdfParams { passes: 2, ..base }
                .derive(&pw, &[1; 16])
                .unwrap(),
        ];
        assert!(
            base.derive(&pw, &[1; 16])
                .unwrap()
                .open(&n, b"", &ct)
                .is_ok()
        );
        for k in other {
            assert!(k.open(&n, b"", &ct).is_err());
        }
    }
}
