//! How the CLI fails: one `error:` line, one `hint:` line, a documented exit code.

use coffer_vault::{Classify, ErrorKind};
use std::fmt::Display;

/// Exit codes (also in `docs/cli.md`).
pub mod code {
    /// Unexpected internal error.
    pub const INTERNAL: u8 = 1;
    /// Bad command line.
    pub const USAGE: u8 = 2;
    /// The named secret does not exist.
    pub const NOT_FOUND: u8 = 3;
    /// Input refused (name, domain, value, file).
    pub const INVALID_INPUT: u8 = 4;
    /// No vault here, or no vault key available.
    pub const NOT_INITIALIZED: u8 = 5;
    /// The vault key does not match the vault.
    pub const WRONG_KEY: u8 = 6;
    /// Stored or imported data failed its integrity check (or a wrong export password).
    pub const INTEGRITY: u8 = 7;
    /// Something already exists (vault, secret name, file).
    pub const CONFLICT: u8 = 8;
    /// Refused by the team's policy, or by the caller's role or plan.
    pub const DENIED: u8 = 9;
    /// File system, database or network failure.
    pub const IO: u8 = 10;
    /// The user declined, or confirmation was needed but there is no terminal.
    pub const CANCELLED: u8 = 11;
    /// Written by a newer Coffer.
    pub const UNSUPPORTED: u8 = 12;
    /// The team server did not accept the API token.
    pub const UNAUTHORIZED: u8 = 13;
    /// A `{{vault:NAME}}` reference could not resolve; nothing was run, sent or written.
    pub const UNRESOLVED: u8 = 14;
    /// `coffer request --fail`: the server answered with a status of 400 or more (as curl).
    pub const HTTP_ERROR: u8 = 22;
    /// `coffer run`: the command could not be started (as shells do).
    pub const COMMAND_NOT_EXECUTABLE: u8 = 126;
    /// `coffer run`: the command was not found (as shells do).
    pub const COMMAND_NOT_FOUND: u8 = 127;
}

/// A failure to report.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
    pub hint: String,
}

impl Failure {
    pub fn new(code: u8, message: impl Into<String>, hint: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            hint: hint.into(),
        }
    }

    /// Replaces the hint.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = hint.into();
        self
    }
}

impl<E: Classify + Display> From<E> for Failure {
    fn from(e: E) -> Self {
        let kind = e.kind();
        let code = match kind {
            ErrorKind::NotInitialized => code::NOT_INITIALIZED,
            ErrorKind::KeyMissing => code::NOT_INITIALIZED,
            ErrorKind::WrongKey => code::WRONG_KEY,
            ErrorKind::Integrity | ErrorKind::Inconsistent => code::INTEGRITY,
            ErrorKind::NotFound => code::NOT_FOUND,
            ErrorKind::Conflict => code::CONFLICT,
            ErrorKind::AlreadyExists => code::CONFLICT,
            ErrorKind::InvalidInput => code::INVALID_INPUT,
            ErrorKind::Unsupported => code::UNSUPPORTED,
            ErrorKind::Io => code::IO,
            ErrorKind::Denied => code::DENIED,
            ErrorKind::Unauthorized => code::UNAUTHORIZED,
            ErrorKind::Cancelled => code::CANCELLED,
            ErrorKind::Unresolved => code::UNRESOLVED,
            ErrorKind::Forbidden => code::DENIED,
            ErrorKind::NotJoined => code::INVALID_INPUT,
        };
        Failure::new(code, e.to_string(), kind.hint())
    }
}

pub use coffer_vault::error::{DOMAIN_HINT, NAME_HINT};
