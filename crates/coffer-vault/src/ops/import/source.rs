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
    /// A file, or a folder (every file directly inside it that [`importable`] names, in name
    /// order).
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
        } else if has_scheme(arg, "https://") || has_scheme(arg, "http://") {
            Source::Url(arg.to_string())
        } else {
            Source::Path(PathBuf::from(arg))
        }
    }
}

/// Whether `arg` starts with `scheme` in any case (`HTTPS://` is a link too).
fn has_scheme(arg: &str, scheme: &str) -> bool {
    arg.get(..scheme.len())
        .is_some_and(|s| s.eq_ignore_ascii_case(scheme))
}

/// The most all files of one import (and of one folder or repository) may hold together: one
/// largest export ([`MAX_EXPORT_BYTES`]); without a total, a folder of large files would all be
/// read into memory.
pub const MAX_TOTAL_BYTES: u64 = MAX_EXPORT_BYTES;

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
    /// A folder's or repository's files together are over [`MAX_TOTAL_BYTES`].
    #[error(
        "the export files in {label} hold more than {MAX_TOTAL_BYTES} bytes together; import them in parts"
    )]
    TotalTooLarge {
        /// The folder.
        label: String,
    },
    /// A FIFO, device or socket: reading it could block forever or never end.
    #[error("{label} is not a regular file or folder (a pipe, device or socket)")]
    NotRegular {
        /// The path.
        label: String,
    },
    /// A folder without export files.
    #[error("{label} contains no files to import (.json, .env, .csv, .1pux)")]
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
            | SourceError::TotalTooLarge { .. }
            | SourceError::NotRegular { .. }
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
            .filter(|p| importable(p))
            .collect();
        files.sort();
        if files.is_empty() {
            return Err(SourceError::EmptyFolder { label });
        }
        // Symbolic links are refused (inside repositories), FIFOs and other non-files skipped;
        // the sizes of what is left are added up before anything is read.
        let mut regular = Vec::new();
        let mut total: u64 = 0;
        for f in files {
            if std::fs::symlink_metadata(&f).is_ok_and(|m| m.file_type().is_symlink())
                && !follow_symlinks
            {
                return Err(SourceError::Symlink {
                    label: f.display().to_string(),
                });
            }
            if let Some(m) = std::fs::metadata(&f).ok().filter(|m| m.is_file()) {
                total = total.saturating_add(m.len());
                regular.push(f);
            }
        }
        if total > MAX_TOTAL_BYTES {
            return Err(SourceError::TotalTooLarge { label });
        }
        let out = regular
            .iter()
            .map(|f| load_file(f))
            .collect::<Result<Vec<_>, _>>()?;
        let read: u64 = out.iter().map(|l| l.bytes.len() as u64).sum();
        if read > MAX_TOTAL_BYTES {
            // Files that grew while being read.
            return Err(SourceError::TotalTooLarge { label });
        }
        return Ok(out);
    }
    if !meta.is_file() {
        return Err(SourceError::NotRegular { label });
    }
    Ok(vec![load_file(path)?])
}

/// Whether a file in a folder is read: `*.json` (Coffer, Postman and Bitwarden exports),
/// `*.csv` (KeePassXC, 1Password), `*.1pux`, and dotenv files (`.env`, `.env.*`, `*.env`),
/// except templates (`.env.example`, `.sample`, `.template`, `.dist`: placeholders, not
/// secrets). Other files in the folder are left alone.
pub fn importable(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    let lower = name.to_ascii_lowercase();
    let template = [".example", ".sample", ".template", ".dist"]
        .iter()
        .any(|t| lower.ends_with(t));
    lower.ends_with(".json")
        || lower.ends_with(".csv")
        || lower.ends_with(".1pux")
        || (!template && (lower == ".env" || lower.starts_with(".env.") || lower.ends_with(".env")))
}

fn load_file(path: &Path) -> Result<Loaded, SourceError> {
    use std::os::unix::fs::OpenOptionsExt;
    let label = path.display().to_string();
    // O_NONBLOCK: if the file was swapped for a FIFO since it was looked at, opening does not
    // wait for a writer; it is then refused below. Reads of regular files ignore the flag.
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
        .open(path)
        .map_err(|source| SourceError::Io {
            label: label.clone(),
            source,
        })?;
    if !file.metadata().is_ok_and(|m| m.is_file()) {
        return Err(SourceError::NotRegular { label });
    }
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

#[cfg(test)]
mod tests {
    use super::importable;
    use std::path::Path;

    #[test]
    fn a_folder_gives_exports_and_dotenv_files_but_not_templates() {
        for yes in [
            "a.json",
            "B.JSON",
            ".env",
            ".env.production",
            "prod.env",
            "k.csv",
            "x.1pux",
        ] {
            assert!(importable(Path::new(yes)), "{yes}");
        }
        for no in [
            ".env.example",
            ".env.sample",
            "notes.txt",
            "envfile",
            "a.json.bak",
        ] {
            assert!(!importable(Path::new(no)), "{no}");
        }
    }
}
