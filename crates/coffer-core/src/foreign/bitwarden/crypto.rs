//! Opening a password-protected Bitwarden export, from Bitwarden's published design:
//!
//! 1. The KDF salt is the UTF-8 bytes of the `salt` text as written (not its base64 decoding).
//! 2. `kdfType` 0: PBKDF2-HMAC-SHA256 with `kdfIterations`; 1: Argon2id (version 0x13) with
//!    `kdfIterations` passes, `kdfMemory` MiB, `kdfParallelism` lanes and SHA-256 of the salt
//!    as its salt. Both give a 32-byte key. The parameters are checked against Bitwarden's own
//!    import bounds **before** any work: they are the attacker's to choose.
//! 3. HKDF-Expand-SHA256 of that key (no extract) with info `enc` and `mac` gives the AES and
//!    HMAC keys.
//! 4. An EncString `2.IV|CT|MAC` (base64 parts) is opened by checking `HMAC-SHA256(mac, IV‖CT)`
//!    in constant time first, then AES-256-CBC decrypting with PKCS#7.
//! 5. `encKeyValidation_DO_NOT_EDIT` is opened first (a wrong password stops there), then `data`.
//!
//! A wrong password, a changed MAC, IV, ciphertext or KDF parameter all give the one
//! [`ForeignError::Decrypt`].

use crate::foreign::ForeignError;
use aes::cipher::{BlockModeDecrypt, KeyIvInit, block_padding::Pkcs7};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{KeyInit, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// PBKDF2 iterations Bitwarden accepts on import.
pub const PBKDF2_ITERATIONS: std::ops::RangeInclusive<u32> = 5_000..=2_000_000;
/// Argon2id passes Bitwarden accepts on import.
pub const ARGON2_ITERATIONS: std::ops::RangeInclusive<u32> = 2..=10;
/// Argon2id memory in MiB Bitwarden accepts on import.
pub const ARGON2_MEMORY_MIB: std::ops::RangeInclusive<u32> = 16..=1024;
/// Argon2id lanes Bitwarden accepts on import.
pub const ARGON2_PARALLELISM: std::ops::RangeInclusive<u32> = 1..=16;

/// The key derivation a file names, checked against the bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kdf {
    /// PBKDF2-HMAC-SHA256.
    Pbkdf2 {
        /// Iterations.
        iterations: u32,
    },
    /// Argon2id.
    Argon2id {
        /// Passes.
        iterations: u32,
        /// Memory in MiB.
        memory_mib: u32,
        /// Lanes.
        parallelism: u32,
    },
}

fn within(
    what: &str,
    v: Option<u64>,
    range: std::ops::RangeInclusive<u32>,
) -> Result<u32, ForeignError> {
    let Some(v) = v else {
        return Err(ForeignError::Malformed(format!(
            "the export's {what} is missing or not a whole number"
        )));
    };
    match u32::try_from(v) {
        Ok(v) if range.contains(&v) => Ok(v),
        _ => Err(ForeignError::KdfBounds(format!(
            "{what} {v} is outside {}..={}",
            range.start(),
            range.end()
        ))),
    }
}

impl Kdf {
    /// The KDF for `kdfType` and its parameters, if within bounds.
    pub fn new(
        kind: Option<u64>,
        iterations: Option<u64>,
        memory: Option<u64>,
        parallelism: Option<u64>,
    ) -> Result<Kdf, ForeignError> {
        match kind {
            Some(0) => Ok(Kdf::Pbkdf2 {
                iterations: within("kdfIterations", iterations, PBKDF2_ITERATIONS)?,
            }),
            Some(1) => Ok(Kdf::Argon2id {
                iterations: within("kdfIterations", iterations, ARGON2_ITERATIONS)?,
                memory_mib: within("kdfMemory", memory, ARGON2_MEMORY_MIB)?,
                parallelism: within("kdfParallelism", parallelism, ARGON2_PARALLELISM)?,
            }),
            Some(k) => Err(ForeignError::Unsupported(format!(
                "the export's kdfType {k} is unknown (0 is PBKDF2, 1 is Argon2id)"
            ))),
            None => Err(ForeignError::Malformed(
                "the export's kdfType is missing or not a whole number".into(),
            )),
        }
    }

    fn master_key(&self, password: &SecretString, salt: &str) -> Zeroizing<[u8; 32]> {
        let mut out = Zeroizing::new([0u8; 32]);
        let pw = password.expose_secret().as_bytes();
        match *self {
            Kdf::Pbkdf2 { iterations } => {
                pbkdf2::pbkdf2_hmac::<Sha256>(pw, salt.as_bytes(), iterations, out.as_mut());
            }
            Kdf::Argon2id {
                iterations,
                memory_mib,
                parallelism,
            } => {
                let salt = Sha256::digest(salt.as_bytes());
                // The bounds above are within Argon2's own, so this cannot fail; should it, the
                // key stays all zeros and nothing opens (the one decrypt error).
                if let Ok(params) =
                    argon2::Params::new(memory_mib * 1024, iterations, parallelism, Some(32))
                {
                    let _ = argon2::Argon2::new(
                        argon2::Algorithm::Argon2id,
                        argon2::Version::V0x13,
                        params,
                    )
                    .hash_password_into(pw, &salt, out.as_mut());
                }
            }
        }
        out
    }
}

/// The AES and HMAC keys of one file.
pub struct Keys {
    enc: Zeroizing<[u8; 32]>,
    mac: Zeroizing<[u8; 32]>,
}

impl Keys {
    /// Derives the keys from `password` (the slow step).
    pub fn derive(kdf: &Kdf, password: &SecretString, salt: &str) -> Keys {
        let mk = kdf.master_key(password, salt);
        let hk = hkdf::Hkdf::<Sha256>::from_prk(mk.as_ref())
            .expect("a 32-byte key is a valid HKDF-SHA256 PRK");
        let mut enc = Zeroizing::new([0u8; 32]);
        let mut mac = Zeroizing::new([0u8; 32]);
        hk.expand(b"enc", enc.as_mut())
            .expect("32 bytes is a valid HKDF-SHA256 length");
        hk.expand(b"mac", mac.as_mut())
            .expect("32 bytes is a valid HKDF-SHA256 length");
        Keys { enc, mac }
    }

    /// Opens an encrypted string (parsed before any key was derived): the MAC is checked in
    /// constant time first; any failure is [`ForeignError::Decrypt`].
    pub fn open(&self, e: &EncString) -> Result<Zeroizing<Vec<u8>>, ForeignError> {
        let mut m = <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(self.mac.as_ref())
            .expect("HMAC takes any key length");
        m.update(&e.iv);
        m.update(&e.ct);
        m.verify_slice(&e.mac).map_err(|_| ForeignError::Decrypt)?;
        let mut buf = Zeroizing::new(e.ct.clone());
        let len = cbc::Decryptor::<aes::Aes256>::new(&(*self.enc).into(), &e.iv.into())
            .decrypt_padded::<Pkcs7>(&mut buf)
            .map_err(|_| ForeignError::Decrypt)?
            .len();
        buf.truncate(len);
        Ok(buf)
    }
}

/// A Bitwarden encrypted string of type 2 (`2.IV|CT|MAC`, base64 parts), checked whole before
/// any key is derived: its shape is the same whatever the password, so a file whose shape is
/// wrong is refused the same way for every password.
#[derive(Debug, Clone)]
pub struct EncString {
    iv: [u8; 16],
    ct: Vec<u8>,
    mac: [u8; 32],
}

impl EncString {
    /// Parses the encrypted string in field `what`.
    pub fn parse(what: &str, text: &str) -> Result<EncString, ForeignError> {
        let malformed = || {
            ForeignError::Malformed(format!(
                "the export's {what} is not a Bitwarden encrypted string"
            ))
        };
        let (kind, rest) = text.split_once('.').ok_or_else(malformed)?;
        if kind != "2" {
            return Err(ForeignError::Unsupported(format!(
                "the export's {what} uses encryption type {}, not 2 (AES-256-CBC with HMAC-SHA256)",
                crate::foreign::clip(kind)
            )));
        }
        let mut parts = rest.split('|');
        let (Some(iv), Some(ct), Some(mac), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(malformed());
        };
        let decode = |s: &str| STANDARD.decode(s).map_err(|_| malformed());
        let (iv, ct, mac) = (decode(iv)?, decode(ct)?, decode(mac)?);
        let iv: [u8; 16] = iv.as_slice().try_into().map_err(|_| malformed())?;
        let mac: [u8; 32] = mac.as_slice().try_into().map_err(|_| malformed())?;
        if ct.is_empty() || ct.len() % 16 != 0 {
            return Err(malformed());
        }
        Ok(EncString { iv, ct, mac })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kdf_parameters_are_bounded_before_any_work() {
        let ok = Kdf::new(Some(0), Some(600_000), None, None).unwrap();
        assert_eq!(
            ok,
            Kdf::Pbkdf2 {
                iterations: 600_000
            }
        );
        for (kind, it, mem, par) in [
            (0, 4_999, 0, 0),
            (0, 2_000_001, 0, 0),
            (0, u64::MAX, 0, 0),
            (1, 1, 64, 4),
            (1, 11, 64, 4),
            (1, 3, 15, 4),
            (1, 3, 1025, 4),
            (1, 3, 64, 0),
            (1, 3, 64, 17),
        ] {
            let e = Kdf::new(Some(kind), Some(it), Some(mem), Some(par)).unwrap_err();
            assert!(
                matches!(e, ForeignError::KdfBounds(_)),
                "{kind} {it} {mem} {par}: {e:?}"
            );
        }
        assert!(matches!(
            Kdf::new(Some(7), Some(3), None, None),
            Err(ForeignError::Unsupported(_))
        ));
        assert!(matches!(
            Kdf::new(None, Some(3), None, None),
            Err(ForeignError::Malformed(_))
        ));
        assert!(matches!(
            Kdf::new(Some(1), Some(3), None, Some(4)),
            Err(ForeignError::Malformed(_))
        ));
    }

    #[test]
    fn enc_strings_are_checked_whole_before_any_key() {
        let b = |n: usize| STANDARD.encode(vec![0u8; n]);
        let parse = |t: &str| EncString::parse("data", t);
        assert!(matches!(parse("nope"), Err(ForeignError::Malformed(_))));
        assert!(matches!(
            parse(&format!("0.{}|{}", b(16), b(16))),
            Err(ForeignError::Unsupported(_))
        ));
        for bad in [
            format!("2.{}|{}|{}|x", b(16), b(16), b(32)),
            format!("2.{}|{}|{}", b(15), b(16), b(32)),
            format!("2.{}|{}|{}", b(16), b(15), b(32)),
            format!("2.{}|{}|{}", b(16), b(16), b(31)),
            format!("2.{}|!!|{}", b(16), b(32)),
        ] {
            assert!(
                matches!(parse(&bad), Err(ForeignError::Malformed(_))),
                "{bad}"
            );
        }
        // Well formed, wrong MAC: only now does the key matter.
        let keys = Keys {
            enc: Zeroizing::new([1; 32]),
            mac: Zeroizing::new([2; 32]),
        };
        let e = parse(&format!("2.{}|{}|{}", b(16), b(16), b(32))).unwrap();
        assert_eq!(keys.open(&e).unwrap_err(), ForeignError::Decrypt);
    }
}
