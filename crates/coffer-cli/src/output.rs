//! Where a command writes secrets (`export -o`, `inject -o`): `-` for stdout, a device or FIFO
//! written in place, or a regular file created `0600` atomically, never replaced without
//! `--force`. Checked before any work, so a refusal costs nothing.

use crate::failure::{Failure, code};
use crate::term::shown;
use coffer_vault::fs::Target;
use std::io::Write;
use std::path::{Path, PathBuf};

/// A checked output.
pub struct Output {
    path: PathBuf,
    target: Option<Target>,
    force: bool,
}

impl Output {
    /// Checks `path` (`-`: standard output).
    pub fn check(path: &Path, force: bool) -> Result<Self, Failure> {
        let mut out = Self {
            path: path.to_path_buf(),
            target: None,
            force,
        };
        if path == Path::new("-") {
            return Ok(out);
        }
        // A device or FIFO (`/dev/stdout`, `/dev/null`, a pipe) is written into, never replaced.
        let target = coffer_vault::fs::target(path).map_err(|e| out.io_failure(e))?;
        match target {
            Target::Regular if !force => return Err(out.exists()),
            Target::Directory => {
                return Err(Failure::new(
                    code::INVALID_INPUT,
                    format!("{} is a directory", shown(path)),
                    "give a file name inside it",
                ));
            }
            _ => {}
        }
        out.target = Some(target);
        Ok(out)
    }

    /// Writes `bytes`: all of them or, for a regular file, nothing.
    pub fn write(&self, bytes: &[u8]) -> Result<(), Failure> {
        match self.target {
            None => {
                let mut stdout = std::io::stdout().lock();
                stdout
                    .write_all(bytes)
                    .and_then(|()| stdout.flush())
                    .map_err(|e| {
                        Failure::new(
                            code::IO,
                            format!("cannot write to standard output: {e}"),
                            "check where stdout goes",
                        )
                    })
            }
            Some(Target::Special) => {
                coffer_vault::fs::write_special(&self.path, bytes).map_err(|e| self.io_failure(e))
            }
            Some(_) => coffer_vault::fs::write_private_atomic(&self.path, bytes, self.force)
                .map_err(|e| {
                    if e.kind() == std::io::ErrorKind::AlreadyExists {
                        self.exists()
                    } else {
                        self.io_failure(e)
                    }
                }),
        }
    }

    /// Whether the output is a regular file (not stdout, a device or a FIFO).
    pub fn is_file(&self) -> bool {
        matches!(self.target, Some(Target::Regular | Target::Missing))
    }

    /// "standard output" or the file's name, for messages.
    pub fn describe(&self) -> String {
        match self.target {
            None => "standard output".into(),
            Some(_) => shown(&self.path),
        }
    }

    fn exists(&self) -> Failure {
        Failure::new(
            code::CONFLICT,
            format!("{} already exists", shown(&self.path)),
            "choose another file, or pass --force to replace it",
        )
    }

    fn io_failure(&self, e: std::io::Error) -> Failure {
        Failure::new(
            code::IO,
            format!("cannot write {}: {e}", shown(&self.path)),
            "check the directory exists and is writable",
        )
    }
}
