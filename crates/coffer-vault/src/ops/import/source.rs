//! Where exports come from, and loading their bytes (size-limited, into zeroing memory).

use super::{git, url};
use crate::{Classify, ErrorKind};
use coffer_core::export::MAX_EXPORT_BYTES;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// One import source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A file, or a folder (every `.json` file directly inside it, in name order).
    Path(PathBuf),
    /// Standard input: pasted or piped text.
    Stdin,
    /// An `https://` link (`http://` only to loopback).
    Url(String),
    /// A remote git repository: shallow clone with the system `git`.
    Git {
        /// Repository URL (no `ext::` or other remote-helper forms).
        url: String,
        /// Branch, tag or full commit id; default branch if absent.
        reference: Option<String>,
        /// File or folder inside the repository; its root if absent.
        path: Option<String>,
    },
}

impl Source {
    /// Classifies a command-line argument: `-`, a link, or a path.
    pub fn from_arg(arg: &str) -> Self {
        if arg == "-" {
            Source::Stdin
        } else if arg.starts_with("https://") || arg.starts_with("http://") {
            Source::Url(arg.to_string())
        } else {
            Source::Path(PathBuf::from(arg))
        }
    }
}

/// One loaded export file.
pub struct Loaded {
    /// Where it came from, for messages (no credentials or query strings).
    pub label: String,
    /// Its bytes.
    pub bytes: Zeroizing<Vec<u8>>,
}

/// A source could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// Reading failed.
    #[error("cannot read {label}: {source}")]
    Io {
        /// The source.
        label: String,
        /// Why.
        source: io::Error,
    },
    /// Over the size limit.
    #[error("{label} is larger than {MAX_EXPORT_BYTES} bytes; exports that large are refused")]
    TooLarge {
        /// The source.
        label: String,
    },
    /// A folder without export files.
    #[error("{label} contains no .json files")]
    EmptyFolder {
        /// The folder.
        label: String,
    },
    /// Symbolic links are not followed inside folders and repositories.
    #[error("{label} is a symbolic link; it is not followed")]
    Symlink {
        /// The link.
        label: String,
    },
    /// A link failed.
    #[error(transparent)]
    Url(#[from] url::UrlError),
    /// A git source failed.
    #[error(transparent)]
    Git(#[from] git::GitError),
}

impl Classify for SourceError {
    fn kind(&self) -> ErrorKind {
        match self {
            SourceError::Io { .. } => ErrorKind::Io,
            SourceError::TooLarge { .. }
            | SourceError::EmptyFolder { .. }
            | SourceError::Symlink { .. } => ErrorKind::InvalidInput,
            SourceError::Url(e) => e.kind(),
            SourceError::Git(e) => e.kind(),
        }
    }
}

/// Reads at most the export size limit from `r` (`hint`: the expected size, if known).
pub(crate) fn read_limited(
    r: impl Read,
    label: &str,
    hint: Option<u64>,
) -> Result<Zeroizing<Vec<u8>>, SourceError> {
    let buf = coffer_core::buf::read_limited(r, MAX_EXPORT_BYTES, hint).map_err(|source| {
        SourceError::Io {
            label: label.to_string(),
            source,
        }
    })?;
    if buf.len() as u64 > MAX_EXPORT_BYTES {
        return Err(SourceError::TooLarge {
            label: label.to_string(),
        });
    }
    Ok(buf)
}

/// Loads a file, or every `.json` file of a folder. With `follow_symlinks` false (inside
/// repositories), symbolic links are refused.
pub(crate) fn load_path(path: &Path, follow_symlinks: bool) -> Result<Vec<Loaded>, SourceError> {
    let label = path.display().to_string();
    let io = |source| SourceError::Io {
        label: label.clone(),
        source,
    };
    let meta = std::fs::symlink_metadata(path).map_err(io)?;
    if meta.file_type().is_symlink() && !follow_symlinks {
        return Err(SourceError::Symlink { label });
    }
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(io)?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                p.extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("json"))
            })
            .collect();
        files.sort();
        if files.is_empty() {
            return Err(SourceError::EmptyFolder { label });
        }
        let mut out = Vec::new();
        for f in files {
            if std::fs::symlink_metadata(&f).is_ok_and(|m| m.file_type().is_symlink())
                && !follow_symlinks
            {
                return Err(SourceError::Symlink {
                    label: f.display().to_string(),
                });
            }
            if std::fs::metadata(&f).is_ok_and(|m| m.is_file()) {
                out.push(load_file(&f)?);
            }
        }
        return Ok(out);
    }
    Ok(vec![load_file(path)?])
}

fn load_file(path: &Path) -> Result<Loaded, SourceError> {
    let label = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|source| SourceError::Io {
        label: label.clone(),
        source,
    })?;
    // Refuse before reading when the size is known (a sparse or huge file costs nothing).
    let size = file.metadata().ok().map(|m| m.len());
    if size.is_some_and(|n| n > MAX_EXPORT_BYTES) {
        return Err(SourceError::TooLarge { label });
    }
    let bytes = read_limited(file, &label, size)?;
    Ok(Loaded { label, bytes })
}

/// Loads every export a source holds. `stdin` is read for [`Source::Stdin`].
pub fn load(source: &Source, stdin: impl Read) -> Result<Vec<Loaded>, SourceError> {
    match source {
        Source::Path(p) => load_path(p, true),
        Source::Stdin => Ok(vec![Loaded {
            label: "standard input".into(),
            bytes: read_limited(stdin, "standard input", None)?,
        }]),
        Source::Url(u) => Ok(vec![url::fetch(u)?]),
        Source::Git {
            url,
            reference,
            path,
        } => Ok(git::load(url, reference.as_deref(), path.as_deref())?),
    }
}
