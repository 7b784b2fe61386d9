//! What kind of failure an error is, so a front end can pick an exit code and a hint without
//! knowing every operation's error type.

/// Kinds of failure shared by all operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// No vault at the location.
    NotInitialized,
    /// A vault (or its key file) already exists where one would be created.
    AlreadyExists,
    /// The vault key is not available (no key file, no environment variable).
    KeyMissing,
    /// The vault key was given but is not this vault's key, or is malformed.
    WrongKey,
    /// Stored data failed its integrity check.
    Integrity,
    /// A named secret does not exist.
    NotFound,
    /// A secret with that name already exists.
    Conflict,
    /// Input was refused (name, domain, value, file content).
    InvalidInput,
    /// The vault was written by a newer Coffer.
    Unsupported,
    /// The file system, database or network failed.
    Io,
    /// Refused by the team's policy or plan.
    Denied,
    /// Refused by the team server for the caller's role.
    Forbidden,
    /// The vault is not joined to a team.
    NotJoined,
    /// The team server did not accept the credentials.
    Unauthorized,
    /// The user declined.
    Cancelled,
    /// A `{{vault:NAME}}` reference could not resolve (unknown, disabled, not allowed for the
    /// destination, linked).
    Unresolved,
}

/// Implemented by every operation's error.
pub trait Classify {
    /// The kind of failure.
    fn kind(&self) -> ErrorKind;
}

macro_rules! input_errors {
    ($($ty:ty => $kind:ident),* $(,)?) => {
        $(impl Classify for $ty {
            fn kind(&self) -> ErrorKind {
                ErrorKind::$kind
            }
        })*
    };
}

input_errors!(
    coffer_core::NameError => InvalidInput,
    coffer_core::DomainError => InvalidInput,
    coffer_core::ValueError => InvalidInput,
    coffer_core::LinkError => InvalidInput,
    coffer_core::EnvNameError => InvalidInput,
    coffer_core::DestinationError => InvalidInput,
    coffer_core::crypto::KeyParseError => WrongKey,
);
