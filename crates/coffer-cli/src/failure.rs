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
        let (code, hint) = match e.kind() {
            ErrorKind::NotInitialized => (
                code::NOT_INITIALIZED,
                "create a vault with `coffer init`, or point --vault (COFFER_HOME) at an existing one",
            ),
            ErrorKind::KeyMissing => (
                code::NOT_INITIALIZED,
                "give the key with COFFER_VAULT_KEY or --key-file; if it is lost, `coffer reset` deletes all secrets and makes a new key",
            ),
            ErrorKind::WrongKey => (
                code::WRONG_KEY,
                "check COFFER_VAULT_KEY or the key file; if the key is lost, `coffer reset` deletes all secrets and makes a new key",
            ),
            ErrorKind::Integrity => (
                code::INTEGRITY,
                "the vault file was changed outside Coffer or is damaged; restore it from a backup",
            ),
            ErrorKind::NotFound => (
                code::NOT_FOUND,
                "`coffer list` shows the secrets in this vault",
            ),
            ErrorKind::Conflict => (
                code::CONFLICT,
                "choose another name, or remove the existing secret first with `coffer rm`",
            ),
            ErrorKind::AlreadyExists => (
                code::CONFLICT,
                "use the existing vault (`coffer list`), or give another place with --vault",
            ),
            ErrorKind::InvalidInput => (
                code::INVALID_INPUT,
                "see `coffer help` for the accepted forms",
            ),
            ErrorKind::Unsupported => (code::UNSUPPORTED, "upgrade Coffer to a newer version"),
            ErrorKind::Io => (
                code::IO,
                "check the path, its permissions, free disk space, or the network",
            ),
            ErrorKind::Denied => (
                code::DENIED,
                "`coffer team status` shows the team's policy and your role; a team admin can change the policy",
            ),
            ErrorKind::Unauthorized => (
                code::UNAUTHORIZED,
                "check the API token, or log in again with `coffer team login`",
            ),
            ErrorKind::Cancelled => (code::CANCELLED, "nothing was changed"),
            ErrorKind::Unresolved => (
                code::UNRESOLVED,
                "nothing was run, sent or written; `coffer refs FILE` shows what each reference needs",
            ),
            ErrorKind::Forbidden => (code::DENIED, "ask a team admin"),
            ErrorKind::NotJoined => (
                code::INVALID_INPUT,
                "join one with `coffer team login --server URL` and a token from a team admin",
            ),
        };
        Failure::new(code, e.to_string(), hint)
    }
}

/// Hint for refused secret names.
pub const NAME_HINT: &str =
    "names have 1-128 characters from A-Z a-z 0-9 _ - . and start with a letter or digit";
/// Hint for refused domains.
pub const DOMAIN_HINT: &str =
    "give hosts like api.example.com, *.example.org or https://host:8443, separated by commas";
