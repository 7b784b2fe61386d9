//! Reading one loaded export: detect plaintext or encrypted, decrypt with a password.

use super::source::Loaded;
use crate::{Classify, ErrorKind};
use coffer_core::export::{DecodeError, ExportDoc, Parsed, parse};
use secrecy::SecretString;

/// An export could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The content is not a readable export, or did not decrypt.
    #[error("{label}: {source}")]
    Decode {
        /// Where it came from.
        label: String,
        /// Why.
        source: DecodeError,
    },
    /// Encrypted, and no password was given.
    #[error("{label} is encrypted and no password was given")]
    NoPassword {
        /// Where it came from.
        label: String,
    },
}

impl Classify for ReadError {
    fn kind(&self) -> ErrorKind {
        match self {
            ReadError::Decode { source, .. } => match source {
                DecodeError::Decrypt => ErrorKind::Integrity,
                DecodeError::UnsupportedVersion { .. } | DecodeError::Unsupported { .. } => {
                    ErrorKind::Unsupported
                }
                _ => ErrorKind::InvalidInput,
            },
            ReadError::NoPassword { .. } => ErrorKind::InvalidInput,
        }
    }
}

impl ReadError {
    /// What to do about it (more precise than the kind's hint).
    pub fn hint(&self) -> &'static str {
        match self {
            ReadError::NoPassword { .. } => {
                "set COFFER_IMPORT_PASSWORD, pass --password-file FILE, or run on a terminal"
            }
            ReadError::Decode {
                source: DecodeError::Decrypt,
                ..
            } => "check the password; a file changed after export cannot be opened at all",
            ReadError::Decode {
                source: DecodeError::UnsupportedVersion { .. } | DecodeError::Unsupported { .. },
                ..
            } => "upgrade Coffer to read this export; nothing was imported",
            ReadError::Decode { .. } => {
                "give a file written by `coffer export`; nothing was imported"
            }
        }
    }
}

/// Reads `loaded`. For an encrypted export, `password(label, attempt)` is asked for a password
/// (attempt 1, 2, …) until one decrypts or it returns `None`.
pub fn read_export(
    loaded: &Loaded,
    password: &mut dyn FnMut(&str, u32) -> Option<SecretString>,
) -> Result<ExportDoc, ReadError> {
    let decode = |source| ReadError::Decode {
        label: loaded.label.clone(),
        source,
    };
    match parse(&loaded.bytes).map_err(decode)? {
        Parsed::Plaintext(doc) => Ok(doc),
        Parsed::Encrypted(enc) => {
            let mut last = None;
            for attempt in 1.. {
                let Some(pw) = password(&loaded.label, attempt) else {
                    break;
                };
                match enc.decrypt(&pw) {
                    Ok(doc) => return Ok(doc),
                    Err(e) => last = Some(e),
                }
            }
            Err(match last {
                Some(e) => decode(e),
                None => ReadError::NoPassword {
                    label: loaded.label.clone(),
                },
            })
        }
    }
}
