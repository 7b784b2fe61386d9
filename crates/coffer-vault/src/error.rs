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
    /// Every stored record authenticates, but the set of records is not the one the vault last
    /// wrote (the vault digest does not match).
    Inconsistent,
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

/// How to write a secret name, for errors about one.
pub const NAME_HINT: &str =
    "names have 1-128 characters from A-Z a-z 0-9 _ - . and start with a letter or digit";
/// How to write allowed domains, for errors about them.
pub const DOMAIN_HINT: &str =
    "give hosts like api.example.com, *.example.org or https://host:8443, separated by commas";

impl ErrorKind {
    /// What to do about it, in one line: the same words in every front end (CLI, web page).
    pub fn hint(self) -> &'static str {
        match self {
            ErrorKind::NotInitialized => {
                "create a vault with `coffer init`, or point --vault (COFFER_HOME) at an existing one"
            }
            ErrorKind::KeyMissing => {
                "give the key with COFFER_VAULT_KEY or --key-file; if it is lost, `coffer reset` deletes all secrets and makes a new key"
            }
            ErrorKind::WrongKey => {
                "check COFFER_VAULT_KEY or the key file; if the key is lost, `coffer reset` deletes all secrets and makes a new key"
            }
            ErrorKind::Integrity => {
                "the vault file was changed outside Coffer or is damaged; restore it from a backup"
            }
            ErrorKind::Inconsistent => {
                "restore vault.db from a backup, or check what it holds and accept it with `coffer verify --accept`"
            }
            ErrorKind::NotFound => "`coffer list` shows the secrets in this vault",
            ErrorKind::Conflict => {
                "choose another name, or remove the existing secret first with `coffer rm`"
            }
            ErrorKind::AlreadyExists => {
                "use the existing vault (`coffer list`), or give another place with --vault"
            }
            ErrorKind::InvalidInput => "see `coffer help` for the accepted forms",
            ErrorKind::Unsupported => "upgrade Coffer to a newer version",
            ErrorKind::Io => "check the path, its permissions, free disk space, or the network",
            ErrorKind::Denied => {
                "`coffer team status` shows the team's policy and your role; a team admin can change the policy"
            }
            ErrorKind::Unauthorized => {
                "check the API token, or log in again with `coffer team login`"
            }
            ErrorKind::Cancelled => "nothing was changed",
            ErrorKind::Unresolved => {
                "nothing was run, sent or written; `coffer refs FILE` shows what each reference needs"
            }
            ErrorKind::Forbidden => "ask a team admin",
            ErrorKind::NotJoined => {
                "join one with `coffer team login --server URL` and a token from a team admin"
            }
        }
    }
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
