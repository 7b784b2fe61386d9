//! Reading exports: detect, validate the header (bounds first, before any work), decrypt.

use super::encode::{CipherJson, EncryptedJson, KdfJson, header_aad};
use super::kdf::{ARGON2_VERSION, KdfBoundsError, KdfParams, SALT_LEN};
use super::{CIPHER, ExportDoc, FORMAT, KDF, MAX_EXPORT_BYTES, VERSION};
use crate::Timestamp;
use crate::crypto::NONCE_LEN;
use crate::obj::Obj;
use crate::wire::SecretJson;
use base64::{Engine, engine::general_purpose::STANDARD as B64};
use secrecy::SecretString;
use serde::Deserialize;
use zeroize::Zeroizing;

/// A parsed export, before any password is needed.
#[derive(Debug)]
pub enum Parsed {
    /// A plaintext export, fully read.
    Plaintext(ExportDoc),
    /// An encrypted export whose header passed every check.
    Encrypted(Box<EncryptedExport>),
}

/// An encrypted export ready to be decrypted.
pub struct EncryptedExport {
    header: EncryptedJson,
    /// The ciphertext with its tag, decoded from base64 when the file was parsed (so the file
    /// itself can be freed before decrypting); `None` if it was not valid base64, which is
    /// reported like any other tampering, by [`EncryptedExport::decrypt`]. Zeroizing: once
    /// [`EncryptedExport::decrypt_in_place`] succeeds it holds the plaintext.
    ciphertext: Option<Zeroizing<Vec<u8>>>,
    salt: [u8; SALT_LEN],
    nonce: [u8; NONCE_LEN],
    params: KdfParams,
}

impl std::fmt::Debug for EncryptedExport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EncryptedExport")
            .field("secret_count", &self.header.secret_count)
            .field("params", &self.params)
            .finish_non_exhaustive()
    }
}

/// Why an export could not be read. Messages never quote file content that could be secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// Over [`MAX_EXPORT_BYTES`].
    #[error("the input is {size} bytes; exports larger than {max} bytes are refused")]
    TooLarge {
        /// Its size.
        size: u64,
        /// The limit.
        max: u64,
    },
    /// Not JSON at all, or cut short.
    #[error("{}", if *truncated { format!("the input ends too early (line {line}, column {column}): the file is truncated") } else { format!("the input is not valid JSON (line {line}, column {column})") })]
    NotJson {
        /// Where parsing stopped.
        line: usize,
        /// Where parsing stopped.
        column: usize,
        /// It ended mid-document.
        truncated: bool,
    },
    /// JSON, but not a Coffer export.
    #[error(
        "this is not a Coffer vault export: expected a JSON object with \"format\": \"coffer-vault-export\""
    )]
    NotAnExport,
    /// A format version this build does not read.
    #[error("export format version {version} is not supported: this Coffer reads versions 1 to {VERSION}{}", tool.as_ref().map(|t| format!("; the file was written by {t}, so use that version of Coffer or newer")).unwrap_or_default())]
    UnsupportedVersion {
        /// The file's version (sanitised).
        version: String,
        /// The tool that wrote it (sanitised).
        tool: Option<String>,
    },
    /// An algorithm this build does not read.
    #[error("unsupported {what} in the export header")]
    Unsupported {
        /// What.
        what: String,
    },
    /// Valid JSON with an invalid field.
    #[error("invalid export: {what}")]
    Malformed {
        /// What (field names and positions, never values).
        what: String,
    },
    /// Hostile or absurd KDF parameters, refused before any work.
    #[error(transparent)]
    KdfBounds(#[from] KdfBoundsError),
    /// `secretCount` disagrees with the secrets present.
    #[error(
        "the export says it holds {declared} secrets but contains {found}: it was cut or edited"
    )]
    CountMismatch {
        /// The header's count.
        declared: u64,
        /// Secrets found.
        found: u64,
    },
    /// Authentication failed.
    #[error("cannot decrypt the export: wrong password, or the file was altered")]
    Decrypt,
}

#[derive(Deserialize)]
struct Probe {
    format: Option<serde_json::Value>,
    version: Option<serde_json::Value>,
    encrypted: Option<serde_json::Value>,
    tool: Option<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct EncryptedIn<'a> {
    format: String,
    version: u32,
    encrypted: bool,
    tool: String,
    exported_at: String,
    secret_count: u64,
    kdf: Obj<KdfJson>,
    cipher: Obj<CipherJson>,
    /// Borrowed from the file: base64 has nothing to unescape.
    #[serde(borrow)]
    ciphertext: std::borrow::Cow<'a, str>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PlainIn {
    #[allow(dead_code)]
    format: String,
    version: u32,
    #[allow(dead_code)]
    encrypted: bool,
    tool: String,
    exported_at: Timestamp,
    secret_count: u64,
    secrets: Vec<Obj<SecretJson>>,
}

/// Keeps text from a file safe to print: printable ASCII, at most 64 characters.
fn sanitize(s: &str) -> String {
    let clean: String = s
        .chars()
        .filter(|c| c.is_ascii_graphic() || *c == ' ')
        .take(64)
        .collect();
    if clean.is_empty() { "?".into() } else { clean }
}

fn json_error(e: &serde_json::Error) -> DecodeError {
    json_error_at(e, "")
}

/// A JSON error, with the path of the field it is about (`secrets[2].link`) for data errors.
/// serde's own messages for a wrong type quote the offending input, which may be a secret
/// value in the wrong place: those are replaced by a plain description.
fn json_error_at(e: &serde_json::Error, path: &str) -> DecodeError {
    use serde_json::error::Category;
    match e.classify() {
        Category::Data => {
            let full = e.to_string();
            let msg = match full.rfind(" at line ") {
                Some(i) => &full[..i],
                None => full.as_str(),
            };
            // A field's name is file content too (a value pasted as a key): unknown and
            // repeated fields are named by where they are, not by their names.
            let (msg, path) = if msg.starts_with("unknown field") {
                (
                    "has a field that does not belong there".to_string(),
                    parent(path),
                )
            } else if msg.starts_with("duplicate field") {
                ("has a field more than once".to_string(), parent(path))
            } else if msg.starts_with("invalid type") || msg.starts_with("invalid value") {
                ("has the wrong type or value".to_string(), path)
            } else {
                (sanitize_long(msg), path)
            };
            let field = if path.is_empty() || path == "." {
                String::new()
            } else {
                format!("\"{}\": ", sanitize(path))
            };
            DecodeError::Malformed {
                what: format!("{field}{msg} (line {}, column {})", e.line(), e.column()),
            }
        }
        cat => DecodeError::NotJson {
            line: e.line(),
            column: e.column(),
            truncated: cat == Category::Eof,
        },
    }
}

/// The path without its last field (`secrets[0].x` → `secrets[0]`, `x` → ``).
fn parent(path: &str) -> &str {
    match path.rfind('.') {
        Some(i) => &path[..i],
        None if path.ends_with(']') => path,
        None => "",
    }
}

/// Like [`sanitize`], for messages: printable ASCII, at most 200 characters.
fn sanitize_long(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_graphic() || *c == ' ')
        .take(200)
        .collect()
}

/// Deserializes a whole document, naming the field a data error is about. Valid documents are
/// read once at full speed; only a failed one is read again, tracking field paths, to say
/// where it failed.
fn from_json<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, DecodeError> {
    if let Ok(value) = serde_json::from_slice(bytes) {
        return Ok(value);
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut de)
        .map_err(|e| json_error_at(e.inner(), &e.path().to_string()))?;
    de.end().map_err(|e| json_error(&e))?;
    Ok(value)
}

fn malformed(what: impl Into<String>) -> DecodeError {
    DecodeError::Malformed { what: what.into() }
}

/// Refuses an input of `size` bytes if it is over [`MAX_EXPORT_BYTES`] (readers check the size
/// they are told before reading; [`parse`] checks what it is given).
pub fn check_size(size: u64) -> Result<(), DecodeError> {
    if size > MAX_EXPORT_BYTES {
        return Err(DecodeError::TooLarge {
            size,
            max: MAX_EXPORT_BYTES,
        });
    }
    Ok(())
}

/// Detects and validates an export. Plaintext exports are fully read; encrypted ones have their
/// header checked (format, version, algorithms, KDF bounds) so that no work is done on a hostile
/// file before [`EncryptedExport::decrypt`].
pub fn parse(bytes: &[u8]) -> Result<Parsed, DecodeError> {
    parse_versioned(bytes).map(|(p, _)| p)
}

/// [`parse`], also giving the file's format version.
fn parse_versioned(bytes: &[u8]) -> Result<(Parsed, u32), DecodeError> {
    let (version, encrypted) = probe(bytes)?;
    let parsed = match encrypted {
        Some(false) => parse_plain(bytes).map(Parsed::Plaintext),
        Some(true) => parse_encrypted(bytes).map(|e| Parsed::Encrypted(Box::new(e))),
        None => Err(malformed("\"encrypted\" must be true or false")),
    }?;
    Ok((parsed, version))
}

/// The size, format marker and version checks every document passes first; the version and the
/// `encrypted` flag (if a boolean).
fn probe(bytes: &[u8]) -> Result<(u32, Option<bool>), DecodeError> {
    check_size(bytes.len() as u64)?;
    let probe: Probe = match serde_json::from_slice::<Obj<Probe>>(bytes) {
        Ok(p) => p.0,
        Err(e) if e.classify() == serde_json::error::Category::Data => {
            return Err(DecodeError::NotAnExport);
        }
        Err(e) => return Err(json_error(&e)),
    };
    if probe.format.as_ref().and_then(|f| f.as_str()) != Some(FORMAT) {
        return Err(DecodeError::NotAnExport);
    }
    let tool = probe.tool.as_ref().and_then(|t| t.as_str()).map(sanitize);
    let version = match probe.version.as_ref().and_then(serde_json::Value::as_u64) {
        Some(v) if (1..=u64::from(VERSION)).contains(&v) => v as u32,
        Some(0) => {
            return Err(malformed(
                "\"version\" 0 does not exist: versions start at 1",
            ));
        }
        Some(v) => {
            return Err(DecodeError::UnsupportedVersion {
                version: v.to_string(),
                // Naming ourselves as the tool to upgrade to would be no help.
                tool: tool.filter(|t| *t != super::tool_name()),
            });
        }
        None => return Err(malformed("\"version\" must be a whole number")),
    };
    Ok((
        version,
        probe
            .encrypted
            .as_ref()
            .and_then(serde_json::Value::as_bool),
    ))
}

fn parse_plain(bytes: &[u8]) -> Result<ExportDoc, DecodeError> {
    finish_plain(from_json::<Obj<PlainIn>>(bytes)?.0)
}

/// The secrets of a parsed plaintext document, checked (the text it was read from is no longer
/// needed: every string was copied out of it).
fn finish_plain(doc: PlainIn) -> Result<ExportDoc, DecodeError> {
    let found = doc.secrets.len() as u64;
    if found != doc.secret_count {
        return Err(DecodeError::CountMismatch {
            declared: doc.secret_count,
            found,
        });
    }
    let secrets = doc
        .secrets
        .into_iter()
        .enumerate()
        .map(|(i, s)| {
            s.0.into_secret(doc.version)
                .map_err(|e| malformed(format!("secret #{}: {e}", i + 1)))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ExportDoc {
        tool: doc.tool,
        exported_at: doc.exported_at,
        secrets,
    })
}

fn parse_encrypted(bytes: &[u8]) -> Result<EncryptedExport, DecodeError> {
    let h = from_json::<Obj<EncryptedIn>>(bytes)?.0;
    let header = EncryptedJson {
        format: h.format,
        version: h.version,
        encrypted: h.encrypted,
        tool: h.tool,
        exported_at: h.exported_at,
        secret_count: h.secret_count,
        kdf: h.kdf.0,
        cipher: h.cipher.0,
    };
    if header.kdf.algorithm != KDF || header.kdf.version != ARGON2_VERSION {
        return Err(DecodeError::Unsupported {
            what: format!(
                "key derivation {} version {}",
                sanitize(&header.kdf.algorithm),
                header.kdf.version
            ),
        });
    }
    if header.cipher.algorithm != CIPHER {
        return Err(DecodeError::Unsupported {
            what: format!("cipher {}", sanitize(&header.cipher.algorithm)),
        });
    }
    let params = KdfParams {
        memory_kib: header.kdf.memory_kib,
        passes: header.kdf.passes,
        lanes: header.kdf.lanes,
    };
    params.check()?;
    let salt = B64
        .decode(&header.kdf.salt)
        .ok()
        .and_then(|s| <[u8; SALT_LEN]>::try_from(s).ok())
        .ok_or_else(|| malformed("\"kdf.salt\" must be 16 bytes in base64"))?;
    let nonce = B64
        .decode(&header.cipher.nonce)
        .ok()
        .and_then(|s| <[u8; NONCE_LEN]>::try_from(s).ok())
        .ok_or_else(|| malformed("\"cipher.nonce\" must be 24 bytes in base64"))?;
    // Canonical form only: the inner document's time must print back to exactly this string.
    if Timestamp::parse(&header.exported_at).map(|t| t.to_string())
        != Some(header.exported_at.clone())
    {
        return Err(malformed(
            "\"exportedAt\" must be a UTC time like 2026-11-28T10:00:00Z",
        ));
    }
    let ciphertext = B64
        .decode(h.ciphertext.as_bytes())
        .ok()
        .map(zeroize::Zeroizing::new);
    Ok(EncryptedExport {
        header,
        ciphertext,
        salt,
        nonce,
        params,
    })
}

impl EncryptedExport {
    /// The KDF cost this file asks for (already within bounds).
    pub fn params(&self) -> KdfParams {
        self.params
    }

    /// How many secrets the header declares.
    pub fn secret_count(&self) -> u64 {
        self.header.secret_count
    }

    /// Derives the key from `password` and opens the content. A wrong password and any change
    /// to the header or ciphertext give the same [`DecodeError::Decrypt`].
    pub fn decrypt(&self, password: &SecretString) -> Result<ExportDoc, DecodeError> {
        let key = self.params.derive(password, &self.salt)?;
        let ct = self.ciphertext.as_ref().ok_or(DecodeError::Decrypt)?;
        // One copy, decrypted in place (the ciphertext stays for another password).
        let mut plain = Zeroizing::new(ct.to_vec());
        key.open_in_place(
            &self.nonce,
            &header_aad(&self.header, &self.salt),
            &mut plain,
        )
        .map_err(|_| DecodeError::Decrypt)?;
        self.read_inner(plain)
    }

    /// [`Self::decrypt`] without a copy: the ciphertext is decrypted where it is. A wrong
    /// password leaves it untouched (the tag is checked before anything is decrypted), so
    /// another password can be tried; after a success the export is spent (any further call
    /// fails with [`DecodeError::Decrypt`]). An import of a large file holds the file's content
    /// once, not twice.
    pub fn decrypt_in_place(&mut self, password: &SecretString) -> Result<ExportDoc, DecodeError> {
        let key = self.params.derive(password, &self.salt)?;
        let ct = self.ciphertext.as_mut().ok_or(DecodeError::Decrypt)?;
        key.open_in_place(&self.nonce, &header_aad(&self.header, &self.salt), ct)
            .map_err(|_| DecodeError::Decrypt)?;
        let plain = self.ciphertext.take().ok_or(DecodeError::Decrypt)?;
        self.read_inner(plain)
    }

    /// The plaintext document inside, checked against the header.
    /// The plaintext is released as soon as it is parsed, before the secrets are checked and
    /// converted (a large import never holds both in full).
    fn read_inner(&self, plain: Zeroizing<Vec<u8>>) -> Result<ExportDoc, DecodeError> {
        let not_plain = || malformed("the encrypted content is not a plaintext export");
        let doc = match probe(&plain) {
            Ok((v, Some(false))) if v == self.header.version => {
                from_json::<Obj<PlainIn>>(&plain)
                    .map_err(|_| not_plain())?
                    .0
            }
            _ => return Err(not_plain()),
        };
        drop(plain);
        let inner = finish_plain(doc).map_err(|_| not_plain())?;
        if inner.secrets.len() as u64 != self.header.secret_count
            || inner.tool != self.header.tool
            || inner.exported_at.to_string() != self.header.exported_at
        {
            return Err(malformed("the encrypted content disagrees with the header"));
        }
        Ok(inner)
    }
}
