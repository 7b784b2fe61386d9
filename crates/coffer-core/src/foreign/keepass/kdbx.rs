//! KeePass databases (KDBX 3.1 and 4, as KeePassXC and KeePass 2 write them), opened with the
//! `keepass` crate from bytes, with a password and/or a key file.
//!
//! Before the database is handed to the crate, Coffer reads its outer header itself and bounds
//! the key derivation it asks for (the file's author chooses it; Argon2 allocates its memory up
//! front): see [`MAX_AES_ROUNDS`], [`MAX_ARGON2_MEMORY`], [`MAX_ARGON2_ITERATIONS`],
//! [`MAX_ARGON2_LANES`], [`MAX_ARGON2_WORK`]. After that, any failure (a wrong password or key file, a changed or
//! damaged file) is the one [`ForeignError::Decrypt`], as KeePassXC's "wrong key or database
//! file is corrupt".
//!
//! What becomes a secret: each entry's password (named after its title, allowed for its URL's
//! host) and each protected custom attribute (`TITLE.ATTRIBUTE`). Listed and not imported:
//! entries in the recycle bin (and in groups deleted into it), entries without a password, TOTP
//! seeds (KeePassXC's `otp`, `TOTP Seed`/`TOTP Settings`; KeePass 2's `TimeOtp-…`,
//! `HmacOtp-…`) and passkeys.

use crate::foreign::{Collector, Domains, ForeignError, Format, Naming, Read, clip};
use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

/// The most AES-KDF rounds accepted (about a minute on a current CPU; KeePassXC's one-second
/// default is a few million).
pub const MAX_AES_ROUNDS: u64 = 1_000_000_000;
/// The most Argon2 memory accepted, in bytes (1 GiB; KeePassXC's default is 64 MiB).
pub const MAX_ARGON2_MEMORY: u64 = 1024 * 1024 * 1024;
/// The most Argon2 passes accepted.
pub const MAX_ARGON2_ITERATIONS: u64 = 1_000;
/// The most Argon2 work accepted: memory (bytes) times passes, 64 GiB (64 MiB × 1,000 passes,
/// or 1 GiB × 64 passes: about a minute on one core).
pub const MAX_ARGON2_WORK: u128 = 64 * 1024 * 1024 * 1024;
/// The most Argon2 lanes accepted.
pub const MAX_ARGON2_LANES: u64 = 64;

const SIG1: u32 = 0x9AA2_D903;
const SIG2_KDBX: u32 = 0xB54B_FB67;
const SIG2_KDB: u32 = 0xB54B_FB65;

const AES_KDF: [u8; 16] = [
    0xc9, 0xd9, 0xf3, 0x9a, 0x62, 0x8a, 0x44, 0x60, 0xbf, 0x74, 0x0d, 0x08, 0xc1, 0x8a, 0x4f, 0xea,
];
const ARGON2D: [u8; 16] = [
    0xef, 0x63, 0x6d, 0xdf, 0x8c, 0x29, 0x44, 0x4b, 0x91, 0xf7, 0xa9, 0xa4, 0x03, 0xe3, 0x0a, 0x0c,
];
const ARGON2ID: [u8; 16] = [
    0x9e, 0x29, 0x8b, 0x19, 0x56, 0xdb, 0x47, 0x73, 0xb2, 0x3d, 0xfc, 0x3e, 0xc6, 0xf0, 0xa1, 0xe6,
];

/// The key derivation a database asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kdf {
    /// AES-KDF.
    Aes {
        /// Rounds.
        rounds: u64,
    },
    /// Argon2d or Argon2id.
    Argon2 {
        /// Argon2id (else Argon2d).
        id: bool,
        /// Passes.
        iterations: u64,
        /// Memory in bytes.
        memory: u64,
        /// Lanes.
        lanes: u64,
    },
}

/// A database whose header passed the checks, not opened yet.
#[derive(Debug)]
pub struct Locked<'a> {
    bytes: &'a [u8],
    /// KDBX major version (3 or 4).
    pub major: u16,
    /// The key derivation it asks for (within bounds).
    pub kdf: Kdf,
}

fn malformed(why: &str) -> ForeignError {
    ForeignError::Malformed(format!("the KeePass database {why}"))
}

struct Cursor<'a> {
    b: &'a [u8],
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], ForeignError> {
        if self.b.len() < n {
            return Err(malformed("header ends early"));
        }
        let (head, rest) = self.b.split_at(n);
        self.b = rest;
        Ok(head)
    }
    fn u8(&mut self) -> Result<u8, ForeignError> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, ForeignError> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Result<u32, ForeignError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
}

fn le_u64(b: &[u8]) -> Option<u64> {
    Some(match b.len() {
        4 => u64::from(u32::from_le_bytes(b.try_into().ok()?)),
        8 => u64::from_le_bytes(b.try_into().ok()?),
        _ => return None,
    })
}

/// A key and its value's bytes.
type DictEntry<'a> = (&'a [u8], &'a [u8]);

/// The entries of a KDBX 4 VariantDictionary, each value's length checked against its type
/// (the `keepass` crate reads numbers without checking; a short one would panic it).
fn dictionary(dict: &[u8]) -> Result<Vec<DictEntry<'_>>, ForeignError> {
    let mut c = Cursor { b: dict };
    let version = c.u16()?;
    if version >> 8 != 1 {
        return Err(malformed("has a header dictionary of an unknown version"));
    }
    let mut out = Vec::new();
    loop {
        let kind = c.u8()?;
        if kind == 0 {
            return Ok(out);
        }
        let klen = c.u32()? as usize;
        let key = c.take(klen)?;
        let vlen = c.u32()? as usize;
        let value = c.take(vlen)?;
        let want = match kind {
            0x04 | 0x0C => Some(4),
            0x05 | 0x0D => Some(8),
            0x08 => Some(1),
            0x18 | 0x42 => None,
            _ => {
                return Err(malformed(
                    "has a header dictionary value of an unknown type",
                ));
            }
        };
        if want.is_some_and(|w| w != vlen) {
            return Err(malformed("has a header dictionary value of the wrong size"));
        }
        out.push((key, value));
    }
}

/// The KDF parameters of a KDBX 4 header (a VariantDictionary).
fn kdf4(dict: &[u8]) -> Result<Kdf, ForeignError> {
    let (mut uuid, mut rounds, mut iterations, mut memory, mut lanes) =
        (None, None, None, None, None);
    for (key, value) in dictionary(dict)? {
        match key {
            b"$UUID" => uuid = Some(value),
            b"R" => rounds = le_u64(value),
            b"I" => iterations = le_u64(value),
            b"M" => memory = le_u64(value),
            b"P" => lanes = le_u64(value),
            _ => {}
        }
    }
    let missing = || malformed("has incomplete KDF parameters");
    match uuid {
        Some(u) if u == AES_KDF => Ok(Kdf::Aes {
            rounds: rounds.ok_or_else(missing)?,
        }),
        Some(u) if u == ARGON2D || u == ARGON2ID => Ok(Kdf::Argon2 {
            id: u == ARGON2ID,
            iterations: iterations.ok_or_else(missing)?,
            memory: memory.ok_or_else(missing)?,
            lanes: lanes.ok_or_else(missing)?,
        }),
        Some(_) => Err(ForeignError::Unsupported(
            "the KeePass database uses a key derivation Coffer does not know".into(),
        )),
        None => Err(missing()),
    }
}

fn check(kdf: Kdf) -> Result<Kdf, ForeignError> {
    let over = |what: &str, v: u64, max: u64| {
        Err(ForeignError::KdfBounds(format!("{what} {v} is over {max}")))
    };
    match kdf {
        Kdf::Aes { rounds } if rounds > MAX_AES_ROUNDS => {
            over("AES-KDF rounds", rounds, MAX_AES_ROUNDS)
        }
        Kdf::Argon2 { memory, .. } if memory > MAX_ARGON2_MEMORY => {
            over("Argon2 memory (bytes)", memory, MAX_ARGON2_MEMORY)
        }
        Kdf::Argon2 { iterations, .. } if iterations > MAX_ARGON2_ITERATIONS => {
            over("Argon2 iterations", iterations, MAX_ARGON2_ITERATIONS)
        }
        Kdf::Argon2 { lanes, .. } if lanes > MAX_ARGON2_LANES || lanes == 0 => {
            over("Argon2 lanes", lanes, MAX_ARGON2_LANES)
        }
        Kdf::Argon2 {
            memory, iterations, ..
        } if u128::from(memory) * u128::from(iterations) > MAX_ARGON2_WORK => {
            Err(ForeignError::KdfBounds(format!(
                "Argon2 memory × passes ({} MiB × {iterations}) is over {} GiB",
                memory / (1024 * 1024),
                MAX_ARGON2_WORK / (1024 * 1024 * 1024)
            )))
        }
        k => Ok(k),
    }
}

/// Reads and checks a database's outer header; nothing is derived or decrypted.
pub fn open(bytes: &[u8]) -> Result<Locked<'_>, ForeignError> {
    let mut c = Cursor { b: bytes };
    let (sig1, sig2) = (c.u32()?, c.u32()?);
    if sig1 != SIG1 {
        return Err(ForeignError::NotThisFormat("KeePass database"));
    }
    if sig2 == SIG2_KDB {
        return Err(ForeignError::Unsupported(
            "this is a KeePass 1 (.kdb) database: open it in KeePassXC and save it as KDBX 4"
                .into(),
        ));
    }
    if sig2 != SIG2_KDBX {
        return Err(ForeignError::NotThisFormat("KeePass database"));
    }
    let _minor = c.u16()?;
    let major = c.u16()?;
    let mut kdf = None;
    // Fields the `keepass` crate reads as fixed-size numbers or ids must have that size: it does
    // not check, and a short one would panic it (found by fuzzing).
    let size = |id: u8, len: usize, want: usize| {
        if len == want {
            Ok(())
        } else {
            Err(malformed(&format!(
                "has a header field {id} of the wrong size"
            )))
        }
    };
    match major {
        3 => loop {
            let id = c.u8()?;
            let len = c.u16()? as usize;
            let data = c.take(len)?;
            match id {
                0 => break,
                2 => size(id, len, 16)?,
                3 | 10 => size(id, len, 4)?,
                6 => {
                    size(id, len, 8)?;
                    kdf = Some(Kdf::Aes {
                        rounds: le_u64(data)
                            .ok_or_else(|| malformed("has bad transform rounds"))?,
                    })
                }
                _ => {}
            }
        },
        4 => loop {
            let id = c.u8()?;
            let len = c.u32()? as usize;
            let data = c.take(len)?;
            match id {
                0 => break,
                2 => size(id, len, 16)?,
                3 => size(id, len, 4)?,
                11 => kdf = Some(kdf4(data)?),
                12 => {
                    dictionary(data)?;
                }
                _ => {}
            }
        },
        v => {
            return Err(ForeignError::Unsupported(format!(
                "KDBX {v} databases are not read (3.1 and 4 are)"
            )));
        }
    }
    let kdf = check(kdf.ok_or_else(|| malformed("names no key derivation"))?)?;
    Ok(Locked { bytes, major, kdf })
}

impl Locked<'_> {
    /// Opens the database with `password` and/or a key file's bytes, and reads its entries.
    pub fn unlock(
        &self,
        password: Option<&SecretString>,
        key_file: Option<&[u8]>,
    ) -> Result<Read, ForeignError> {
        let mut key = keepass::DatabaseKey::new();
        if let Some(pw) = password.filter(|p| !p.expose_secret().is_empty()) {
            key = key.with_password(pw.expose_secret());
        }
        if let Some(kf) = key_file {
            key = key
                .with_keyfile(&mut std::io::Cursor::new(kf))
                .map_err(|_| ForeignError::Decrypt)?;
        }
        if key.is_empty() {
            return Err(ForeignError::Decrypt);
        }
        let db = parse(self.bytes, key)?;
        let mut c = Collector::new(Format::Kdbx);
        c.detail(match self.kdf {
            Kdf::Aes { rounds } => format!("KDBX {}, AES-KDF {rounds} rounds", self.major),
            Kdf::Argon2 {
                id,
                iterations,
                memory,
                lanes,
            } => format!(
                "KDBX {}, Argon2{} {} MiB, {iterations} passes, {lanes} lanes",
                self.major,
                if id { "id" } else { "d" },
                memory / (1024 * 1024)
            ),
        });
        let bin = db.recycle_bin().map(|g| g.id());
        walk(&mut c, db.root(), String::new(), bin, false);
        Ok(c.finish())
    }
}

/// The `keepass` crate's parse. Past the outer header (checked above), what it reads is
/// encrypted and authenticated under the database key, so only someone who knows the password
/// can craft it; should such a file still panic the crate, the import fails with the one error
/// instead of the process aborting. Fuzzing builds let the panic through, to be found.
fn parse(bytes: &[u8], key: keepass::DatabaseKey) -> Result<keepass::Database, ForeignError> {
    #[cfg(not(fuzzing))]
    {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            keepass::Database::parse(bytes, key)
        }))
        .map_err(|_| ForeignError::Decrypt)?
        .map_err(|_| ForeignError::Decrypt)
    }
    #[cfg(fuzzing)]
    {
        keepass::Database::parse(bytes, key).map_err(|_| ForeignError::Decrypt)
    }
}

const STANDARD: [&str; 5] = ["Title", "UserName", "Password", "URL", "Notes"];

fn walk(
    c: &mut Collector,
    group: keepass::db::GroupRef<'_>,
    parent: String,
    bin: Option<keepass::db::GroupId>,
    inside_bin: bool,
) {
    let path = if parent.is_empty() {
        group.name.clone()
    } else {
        format!("{parent}/{}", group.name)
    };
    // A group deleted in KeePassXC moves into the recycle bin with everything in it.
    let in_bin = inside_bin || bin == Some(group.id());
    for entry in group.entries() {
        let title = entry.get_title().unwrap_or_default().to_string();
        let origin = format!("entry \"{}/{}\"", clip(&path), clip(&title));
        if in_bin {
            c.skip(origin, "it is in the recycle bin");
            continue;
        }
        let domains = || Domains::from_urls(entry.get_url());
        match entry.get_password().filter(|p| !p.is_empty()) {
            Some(pw) => {
                c.add(
                    &title,
                    Naming::Distinct,
                    format!("{origin}, password"),
                    Zeroizing::new(pw.to_string()),
                    domains(),
                    false,
                );
            }
            None => c.skip(origin.clone(), "an entry without a password"),
        }
        let mut keys: Vec<&String> = entry
            .fields
            .keys()
            .filter(|k| !STANDARD.contains(&k.as_str()))
            .collect();
        keys.sort();
        let mut passkey = false;
        for k in keys {
            let forigin = format!("{origin}, attribute \"{}\"", clip(k));
            // KeePassXC's `otp` and `TOTP Seed`/`TOTP Settings`; KeePass 2's `TimeOtp-…` and
            // `HmacOtp-…` attributes.
            if k == "otp"
                || k.starts_with("TOTP ")
                || k.starts_with("TimeOtp-")
                || k.starts_with("HmacOtp-")
            {
                c.skip_totp(forigin);
                continue;
            }
            if k.starts_with("KPEX_PASSKEY") {
                if !passkey {
                    c.skip(format!("{origin}, passkey"), "passkeys are not imported");
                    passkey = true;
                }
                continue;
            }
            let Some(v) = entry.fields.get(k.as_str()) else {
                continue;
            };
            if !v.is_protected() || v.get().is_empty() {
                continue;
            }
            c.add(
                &format!("{title}.{k}"),
                Naming::Distinct,
                forigin,
                Zeroizing::new(v.get().to_string()),
                domains(),
                false,
            );
        }
    }
    for sub in group.groups() {
        walk(c, sub, path.clone(), bin, in_bin);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header4(kdf: &[(&[u8], u8, Vec<u8>)]) -> Vec<u8> {
        let mut dict = vec![0x00, 0x01];
        for (k, t, v) in kdf {
            dict.push(*t);
            dict.extend((k.len() as u32).to_le_bytes());
            dict.extend(*k);
            dict.extend((v.len() as u32).to_le_bytes());
            dict.extend(v);
        }
        dict.push(0);
        let mut b = Vec::new();
        b.extend(SIG1.to_le_bytes());
        b.extend(SIG2_KDBX.to_le_bytes());
        b.extend(1u16.to_le_bytes());
        b.extend(4u16.to_le_bytes());
        b.push(11);
        b.extend((dict.len() as u32).to_le_bytes());
        b.extend(dict);
        b.push(0);
        b.extend(0u32.to_le_bytes());
        b
    }

    /// A KDBX 4 database written by the `keepass` crate with its default Argon2d (1 MiB, 50
    /// passes, 4 lanes), or the same as Argon2id, holding one entry.
    fn argon2_database(id: bool) -> Vec<u8> {
        use keepass::config::{DatabaseConfig, KdfConfig};
        let mut config = DatabaseConfig::default();
        if let (
            true,
            KdfConfig::Argon2 {
                iterations,
                memory,
                parallelism,
                version,
            },
        ) = (id, config.kdf_config.clone())
        {
            config.kdf_config = KdfConfig::Argon2id {
                iterations,
                memory,
                parallelism,
                version,
            };
        }
        let mut db = keepass::Database::with_config(config);
        db.root_mut().add_entry().edit(|e| {
            e.set_unprotected("Title", "API key");
            e.set_protected("Password", "argon-secret");
            e.set_unprotected("URL", "https://api.example.com");
        });
        let mut out = Vec::new();
        db.save(&mut out, keepass::DatabaseKey::new().with_password("pw"))
            .unwrap();
        out
    }

    #[test]
    fn argon2_databases_open_with_their_kdf_read_from_the_header() {
        for id in [false, true] {
            let bytes = argon2_database(id);
            let locked = open(&bytes).unwrap();
            assert_eq!(locked.major, 4);
            assert_eq!(
                locked.kdf,
                Kdf::Argon2 {
                    id,
                    iterations: 50,
                    memory: 1 << 20,
                    lanes: 4
                }
            );
            let r = locked
                .unlock(Some(&SecretString::from("pw")), None)
                .unwrap();
            assert_eq!(
                crate::foreign::testing::items(&r),
                crate::foreign::testing::want(&[("API-key", "argon-secret", "api.example.com")])
            );
            assert_eq!(
                locked
                    .unlock(Some(&SecretString::from("wrong")), None)
                    .unwrap_err(),
                ForeignError::Decrypt
            );
        }
    }

    #[test]
    fn hostile_kdf_parameters_are_refused_from_the_header() {
        let argon = |m: u64, i: u64, p: u32| {
            header4(&[
                (b"$UUID", 0x42, ARGON2ID.to_vec()),
                (b"I", 0x05, i.to_le_bytes().to_vec()),
                (b"M", 0x05, m.to_le_bytes().to_vec()),
                (b"P", 0x04, p.to_le_bytes().to_vec()),
            ])
        };
        let ok = argon(64 << 20, 10, 2);
        assert_eq!(
            open(&ok).unwrap().kdf,
            Kdf::Argon2 {
                id: true,
                iterations: 10,
                memory: 64 << 20,
                lanes: 2
            }
        );
        for bad in [
            argon(1 << 40, 10, 2),
            argon(64 << 20, 1_000_000, 2),
            argon(64 << 20, 10, 1000),
        ] {
            assert!(matches!(open(&bad), Err(ForeignError::KdfBounds(_))));
        }
        let aes = header4(&[
            (b"$UUID", 0x42, AES_KDF.to_vec()),
            (b"R", 0x05, u64::MAX.to_le_bytes().to_vec()),
        ]);
        assert!(matches!(open(&aes), Err(ForeignError::KdfBounds(_))));
        let unknown = header4(&[(b"$UUID", 0x42, vec![7; 16])]);
        assert!(matches!(open(&unknown), Err(ForeignError::Unsupported(_))));
        assert!(matches!(open(&ok[..20]), Err(ForeignError::Malformed(_))));
        assert!(matches!(open(b"nope"), Err(ForeignError::Malformed(_))));
        assert!(matches!(
            open(&[0u8; 16]),
            Err(ForeignError::NotThisFormat(_))
        ));
        // A number of the wrong size (found by fuzzing: it panicked the `keepass` crate).
        let short = header4(&[
            (b"$UUID", 0x42, AES_KDF.to_vec()),
            (b"R", 0x05, 7u32.to_le_bytes().to_vec()),
        ]);
        assert!(matches!(open(&short), Err(ForeignError::Malformed(_))));
        let crash: &[u8] = &[
            3, 217, 162, 154, 103, 251, 75, 181, 255, 0, 3, 0, 6, 4, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0,
            0, 32,
        ];
        assert!(matches!(open(crash), Err(ForeignError::Malformed(_))));
    }
}
