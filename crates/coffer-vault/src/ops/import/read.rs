//! Reading one loaded file: recognise its format (or take the one forced), decrypt with a
//! password where the format is encrypted, and turn what it holds into incoming secrets and
//! skipped items (`docs/import-formats.md`).

use super::plan::{Incoming, Skipped};
use super::source::Loaded;
use crate::{Classify, ErrorKind};
use coffer_core::export::{DecodeError, ExportDoc, Parsed, parse};
use coffer_core::foreign::{self, ForeignError, Format, Options};
use secrecy::SecretString;
use zeroize::Zeroizing;

/// How to read the sources.
#[derive(Clone, Default)]
pub struct ReadOptions {
    /// The format every source is read as (`--from`); recognised from each file's content if
    /// absent.
    pub from: Option<Format>,
    /// Which items become secrets, where a format leaves a choice.
    pub foreign: Options,
    /// A KeePass key file's bytes, for databases locked with one.
    pub key_file: Option<Zeroizing<Vec<u8>>>,
}

impl std::fmt::Debug for ReadOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadOptions")
            .field("from", &self.from)
            .field("foreign", &self.foreign)
            .field("key_file", &self.key_file.as_ref().map(|_| "[REDACTED]"))
            .finish()
    }
}

/// What one file gave.
#[derive(Debug)]
pub struct SourceRead {
    /// What it was read as.
    pub format: Format,
    /// A detail for people (`password-protected, …`, `environment "Prod"`).
    pub detail: Option<String>,
    /// The secrets it holds, in file order.
    pub incoming: Vec<Incoming>,
    /// The items that do not become secrets, and why.
    pub skipped: Vec<Skipped>,
}

/// An export could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The content is not a readable Coffer export, or did not decrypt.
    #[error("{label}: {source}")]
    Decode {
        /// Where it came from.
        label: String,
        /// Why.
        source: DecodeError,
    },
    /// Another tool's file could not be read.
    #[error("{label} ({}): {source}", format.title())]
    Foreign {
        /// Where it came from.
        label: String,
        /// What it was read as.
        format: Format,
        /// Why.
        source: ForeignError,
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
            ReadError::Foreign { source, .. } => match source {
                ForeignError::Decrypt => ErrorKind::Integrity,
                ForeignError::Unsupported(_) | ForeignError::AccountRestricted => {
                    ErrorKind::Unsupported
                }
                ForeignError::NotThisFormat(_)
                | ForeignError::Malformed(_)
                | ForeignError::KdfBounds(_) => ErrorKind::InvalidInput,
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
            }
            | ReadError::Foreign {
                source: ForeignError::Decrypt,
                ..
            } => {
                "check the password (and for a KeePass database the key file); a file changed after export cannot be opened at all"
            }
            ReadError::Decode {
                source: DecodeError::UnsupportedVersion { .. } | DecodeError::Unsupported { .. },
                ..
            } => "upgrade Coffer to read this export; nothing was imported",
            ReadError::Decode {
                source: DecodeError::NotAnExport,
                ..
            } => {
                "give a file written by `coffer export`, or name the tool that wrote it with --from (see `coffer import --help`); nothing was imported"
            }
            ReadError::Decode { .. } => {
                "give a file written by `coffer export`; nothing was imported"
            }
            ReadError::Foreign {
                source: ForeignError::AccountRestricted,
                ..
            } => {
                "in Bitwarden, export again as .json (Encrypted) with the \"Password protected\" type, or as plain .json; nothing was imported"
            }
            ReadError::Foreign {
                source: ForeignError::KdfBounds(_),
                ..
            } => {
                "Bitwarden itself refuses these parameters; the file was not made by Bitwarden as it is; nothing was imported"
            }
            ReadError::Foreign { .. } => {
                "check which tool wrote the file, or choose the reader with --from; nothing was imported"
            }
        }
    }
}

/// Reads a Coffer export. For an encrypted export, `password(label, attempt)` is asked for a
/// password (attempt 1, 2, …) until one decrypts or it returns `None`. The file's bytes are
/// released (zeroed) as soon as they are parsed, before decrypting: an import holds the file
/// or its content, not both.
pub fn read_export(
    loaded: &mut Loaded,
    password: &mut dyn FnMut(&str, u32) -> Option<SecretString>,
) -> Result<ExportDoc, ReadError> {
    let decode = |source| ReadError::Decode {
        label: loaded.label.clone(),
        source,
    };
    let file = std::mem::take(&mut loaded.bytes);
    // A byte order mark an editor added is not part of the export.
    let bytes = file.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&file);
    let parsed = parse(bytes).map_err(decode)?;
    drop(file);
    match parsed {
        Parsed::Plaintext(doc) => Ok(doc),
        Parsed::Encrypted(mut enc) => with_passwords(&loaded.label, password, |pw| {
            enc.decrypt_in_place(pw)
        })
        .map_err(|e| match e {
            Some(e) => decode(e),
            None => ReadError::NoPassword {
                label: loaded.label.clone(),
            },
        }),
    }
}

/// Asks for passwords until `open` succeeds: the last error, or `None` if none was given.
fn with_passwords<T, E>(
    label: &str,
    password: &mut dyn FnMut(&str, u32) -> Option<SecretString>,
    mut open: impl FnMut(&SecretString) -> Result<T, E>,
) -> Result<T, Option<E>> {
    let mut last = None;
    for attempt in 1.. {
        let Some(pw) = password(label, attempt) else {
            break;
        };
        match open(&pw) {
            Ok(v) => return Ok(v),
            Err(e) => last = Some(e),
        }
    }
    Err(last)
}

/// Reads one file in its format (recognised from its content unless `options.from` forces
/// one), asking `password(label, attempt)` for encrypted files. A Coffer export's bytes are
/// released once parsed ([`read_export`]).
pub fn read_source(
    loaded: &mut Loaded,
    options: &ReadOptions,
    password: &mut dyn FnMut(&str, u32) -> Option<SecretString>,
) -> Result<SourceRead, ReadError> {
    let format = options
        .from
        .or_else(|| foreign::detect(&loaded.bytes))
        .unwrap_or(Format::Coffer);
    let label = loaded.label.clone();
    let fail = |source| ReadError::Foreign {
        label: label.clone(),
        format,
        source,
    };
    let read = match format {
        Format::Coffer => {
            let doc = read_export(loaded, password)?;
            return Ok(SourceRead {
                format,
                detail: None,
                incoming: doc
                    .secrets
                    .into_iter()
                    .map(|secret| Incoming::new(secret, label.clone()))
                    .collect(),
                skipped: Vec::new(),
            });
        }
        Format::Dotenv => foreign::dotenv::read(&loaded.bytes).map_err(fail)?,
        Format::Postman => foreign::postman::read(&loaded.bytes, &options.foreign).map_err(fail)?,
        Format::OnePasswordCsv => foreign::onepassword::read_csv(&loaded.bytes).map_err(fail)?,
        Format::OnePux => {
            foreign::onepassword::read_pux(&loaded.bytes, &options.foreign).map_err(fail)?
        }
        Format::KeepassCsv => foreign::keepass::read_csv(&loaded.bytes).map_err(fail)?,
        Format::Kdbx => {
            let locked = foreign::keepass::kdbx::open(&loaded.bytes).map_err(fail)?;
            let key_file = options.key_file.as_deref().map(Vec::as_slice);
            match with_passwords(&label, password, |pw| locked.unlock(Some(pw), key_file)) {
                Ok(read) => read,
                // A database locked by a key file alone: no password is given.
                Err(None) if key_file.is_some() => locked.unlock(None, key_file).map_err(fail)?,
                Err(Some(e)) => return Err(fail(e)),
                Err(None) => {
                    return Err(ReadError::NoPassword {
                        label: label.clone(),
                    });
                }
            }
        }
        Format::Bitwarden => {
            match foreign::bitwarden::open(&loaded.bytes, &options.foreign).map_err(fail)? {
                foreign::bitwarden::Opened::Plain(read) => read,
                foreign::bitwarden::Opened::Locked(locked) => {
                    with_passwords(&label, password, |pw| locked.unlock(pw, &options.foreign))
                        .map_err(|e| match e {
                            Some(e) => fail(e),
                            None => ReadError::NoPassword {
                                label: label.clone(),
                            },
                        })?
                }
            }
        }
    };
    let now = crate::clock::now();
    Ok(SourceRead {
        format: read.format,
        detail: read.detail,
        incoming: read
            .items
            .into_iter()
            .map(|item| Incoming {
                renamed_from: item.renamed_from.clone(),
                origin: Some(item.origin.clone()),
                notes: item.notes.clone(),
                source: label.clone(),
                secret: item.into_secret(now),
            })
            .collect(),
        skipped: read
            .skipped
            .into_iter()
            .map(|s| Skipped {
                source: label.clone(),
                origin: s.origin,
                reason: s.reason,
            })
            .collect(),
    })
}
