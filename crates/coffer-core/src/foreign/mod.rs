//! Other tools' exports, read into what an import plans with, and written back for people
//! going back (`docs/import-formats.md`). Each format is a module of its own; none reads files,
//! the network or the environment.
//!
//! Every reader gives a [`Read`]: the items that become secrets, each with its Coffer name (and
//! the original when it had to change), and the items that do not, each with the reason. Nothing
//! is dropped without a line in one of the two lists.

pub mod bitwarden;
pub mod detect;
pub mod dotenv;
pub mod keepass;
pub mod names;
pub mod onepassword;
pub mod postman;
mod table;
mod text;

pub use detect::detect;

use crate::{AllowedDomain, AllowedDomains, Secret, SecretContent, SecretName, SecretValue};
use crate::{Timestamp, ValueError};
use names::NameMapper;
use zeroize::Zeroizing;

/// A format an import can read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Coffer's own export (`docs/export-format.md`).
    Coffer,
    /// A `.env` file.
    Dotenv,
    /// A Postman environment or globals export, or a collection's variables.
    Postman,
    /// A Bitwarden JSON export, plain or password-protected.
    Bitwarden,
    /// A 1Password CSV export.
    OnePasswordCsv,
    /// A KeePassXC CSV export.
    KeepassCsv,
    /// A 1Password 1PUX export (a ZIP archive).
    OnePux,
    /// A KeePass database (KDBX 3.1 or 4).
    Kdbx,
}

impl Format {
    /// Every format, in the order `--from` lists them.
    pub const ALL: [Format; 8] = [
        Format::Coffer,
        Format::Dotenv,
        Format::Postman,
        Format::Bitwarden,
        Format::OnePasswordCsv,
        Format::KeepassCsv,
        Format::OnePux,
        Format::Kdbx,
    ];

    /// The word `--from` takes.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Coffer => "coffer",
            Format::Dotenv => "dotenv",
            Format::Postman => "postman",
            Format::Bitwarden => "bitwarden",
            Format::OnePasswordCsv => "1password-csv",
            Format::KeepassCsv => "keepassxc-csv",
            Format::OnePux => "1pux",
            Format::Kdbx => "kdbx",
        }
    }

    /// The format a `--from` word names.
    pub fn from_word(word: &str) -> Option<Format> {
        Format::ALL
            .into_iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(word))
    }

    /// A name for people.
    pub fn title(self) -> &'static str {
        match self {
            Format::Coffer => "Coffer export",
            Format::Dotenv => "dotenv file",
            Format::Postman => "Postman export",
            Format::Bitwarden => "Bitwarden export",
            Format::OnePasswordCsv => "1Password CSV export",
            Format::KeepassCsv => "KeePassXC CSV export",
            Format::OnePux => "1Password 1PUX export",
            Format::Kdbx => "KeePass database",
        }
    }
}

/// Which items become secrets, where a format leaves a choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Postman: only variables of type `secret` (on by default).
    pub only_secret_type: bool,
    /// Bitwarden and 1Password: secure notes become secrets too (off by default).
    pub include_notes: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            only_secret_type: true,
            include_notes: false,
        }
    }
}

/// One item that becomes a secret.
pub struct Item {
    /// Its Coffer name.
    pub name: SecretName,
    /// The name in the other tool, when it had to change.
    pub renamed_from: Option<String>,
    /// Where it is in the file, for people: `line 3`, `item "GitHub", password`.
    pub origin: String,
    /// Its value.
    pub value: SecretValue,
    /// Where it may be sent (empty: anywhere).
    pub allowed_domains: AllowedDomains,
    /// Disabled in the other tool.
    pub disabled: bool,
    /// What people should know about it (a URL that is not a web host, …). Never a value.
    pub notes: Vec<String>,
}

impl std::fmt::Debug for Item {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Item")
            .field("name", &self.name)
            .field("renamed_from", &self.renamed_from)
            .field("origin", &self.origin)
            .field("allowed_domains", &self.allowed_domains)
            .field("disabled", &self.disabled)
            .finish_non_exhaustive()
    }
}

impl Item {
    /// The secret it becomes, created and updated at `now`.
    pub fn into_secret(self, now: Timestamp) -> Secret {
        Secret {
            name: self.name,
            content: SecretContent::Value(self.value),
            allowed_domains: self.allowed_domains,
            disabled: self.disabled,
            environments: Default::default(),
            created_at: now,
            updated_at: now,
        }
    }
}

/// One item that does not become a secret, and why (never its value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// Where it is in the file, for people.
    pub origin: String,
    /// Why.
    pub reason: String,
}

/// What one file held.
#[derive(Debug)]
pub struct Read {
    /// What it was read as.
    pub format: Format,
    /// A detail for people (`environment "Production"`, `password-protected`), if any.
    pub detail: Option<String>,
    /// The items that become secrets, in file order.
    pub items: Vec<Item>,
    /// The items that do not.
    pub skipped: Vec<Skipped>,
}

/// A file could not be read at all (an item that cannot is [`Skipped`] instead).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ForeignError {
    /// Not the format it was read as.
    #[error("not a {0}")]
    NotThisFormat(&'static str),
    /// The format, but damaged or of a shape this reader does not know.
    #[error("{0}")]
    Malformed(String),
    /// A Bitwarden export encrypted with the account key: only that account can open it.
    #[error(
        "this Bitwarden export is \"account restricted\": it is encrypted with the Bitwarden account's key and only that account can open it"
    )]
    AccountRestricted,
    /// Key derivation parameters outside the accepted bounds (checked before any work).
    #[error("the key derivation parameters are out of bounds: {0}")]
    KdfBounds(String),
    /// The password is wrong, or the file was changed: the two cannot be told apart.
    #[error("wrong password, or the file was changed")]
    Decrypt,
    /// A newer version of the format.
    #[error("{0}")]
    Unsupported(String),
}

/// Gives items their Coffer names and fills the two lists; shared by the readers.
pub(crate) struct Collector {
    names: NameMapper,
    read: Read,
}

/// How an item's name is made unique.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Naming {
    /// Every item is a thing of its own (a login, an entry): two with one name keep both.
    Distinct,
    /// Items are variables: the same name set twice is one variable set twice.
    Variable,
}

impl Collector {
    pub(crate) fn new(format: Format) -> Self {
        Collector {
            names: NameMapper::new(),
            read: Read {
                format,
                detail: None,
                items: Vec::new(),
                skipped: Vec::new(),
            },
        }
    }

    pub(crate) fn detail(&mut self, detail: String) {
        self.read.detail = Some(detail);
    }

    pub(crate) fn skip(&mut self, origin: impl Into<String>, reason: impl Into<String>) {
        self.read.skipped.push(Skipped {
            origin: origin.into(),
            reason: reason.into(),
        });
    }

    /// Adds an item called `original` in the other tool, or skips it when its value cannot be a
    /// Coffer value (empty, too large). Whether it was added.
    pub(crate) fn add(
        &mut self,
        original: &str,
        naming: Naming,
        origin: String,
        value: Zeroizing<String>,
        domains: Domains,
        disabled: bool,
    ) -> bool {
        let value = match SecretValue::new(String::from(value.as_str())) {
            Ok(v) => v,
            Err(ValueError::Empty) => {
                self.skip(origin, "its value is empty");
                return false;
            }
            Err(e) => {
                self.skip(origin, e.to_string());
                return false;
            }
        };
        let mapped = match naming {
            Naming::Distinct => self.names.map(original),
            Naming::Variable => self.names.map_variable(original),
        };
        self.read.items.push(Item {
            renamed_from: mapped.changed.then(|| original.to_string()),
            name: mapped.name,
            origin,
            value,
            allowed_domains: domains.allowed,
            disabled,
            notes: domains.notes,
        });
        true
    }

    /// Lists a one-time password seed (TOTP) as not imported: Coffer sends secrets, it does not
    /// generate codes.
    pub(crate) fn skip_totp(&mut self, origin: impl Into<String>) {
        self.skip(origin, "one-time password seeds are not imported");
    }

    /// How many items were added or skipped so far.
    pub(crate) fn listed(&self) -> usize {
        self.read.items.len() + self.read.skipped.len()
    }

    /// Adds a note to the item added last.
    pub(crate) fn note_last(&mut self, note: &str) {
        if let Some(item) = self.read.items.last_mut() {
            item.notes.push(note.to_string());
        }
    }

    pub(crate) fn finish(self) -> Read {
        self.read
    }
}

/// Allowed domains made from an item's URLs, and notes on the URLs that could not be used.
#[derive(Debug, Default)]
pub(crate) struct Domains {
    allowed: AllowedDomains,
    notes: Vec<String>,
}

impl Domains {
    /// No restriction.
    pub(crate) fn any() -> Self {
        Domains::default()
    }

    /// From the URLs an item was saved for: the host of each (with `http://` when the URL
    /// is plain HTTP, and its port when not the scheme's default). A URL without a web host
    /// (an app link, a bare word that is not a host) is noted and left out.
    pub(crate) fn from_urls<'a>(urls: impl IntoIterator<Item = &'a str>) -> Self {
        let mut entries = Vec::new();
        let mut notes = Vec::new();
        for raw in urls {
            let raw = raw.trim();
            if raw.is_empty() {
                continue;
            }
            match host_entry(raw) {
                Some(e) => entries.push(e),
                None => notes.push(format!(
                    "{} is not a web address; it does not restrict where the secret may go",
                    shown_url(raw)
                )),
            }
        }
        let allowed = AllowedDomains::from_entries(entries.iter().map(String::as_str))
            .unwrap_or_else(|_| AllowedDomains::any());
        if !entries.is_empty() && allowed.is_any() {
            notes.push("its URLs could not be made into allowed domains".into());
        }
        Domains { allowed, notes }
    }
}

/// `host[:port]` or `http://host[:port]` for a URL (a bare host is read as `https://host`).
fn host_entry(raw: &str) -> Option<String> {
    let with_scheme = if raw.contains("://") {
        raw.to_string()
    } else {
        format!("https://{raw}")
    };
    let url = url::Url::parse(&with_scheme).ok()?;
    let host = url.host_str()?;
    let entry = match (url.scheme(), url.port()) {
        ("https", None) => host.to_string(),
        ("https", Some(p)) => format!("{host}:{p}"),
        ("http", None) => format!("http://{host}"),
        ("http", Some(p)) => format!("http://{host}:{p}"),
        _ => return None,
    };
    AllowedDomain::parse(&entry).ok().map(|d| d.to_string())
}

/// A URL that is not a web address, shown without what may be a credential: the scheme and
/// host of the kinds password managers save (`ftp://files.example.com`, `androidapp://com.x`),
/// and for anything else only that it is an address.
fn shown_url(raw: &str) -> String {
    const KNOWN: [&str; 10] = [
        "androidapp",
        "iosapp",
        "ftp",
        "ftps",
        "sftp",
        "ssh",
        "ws",
        "wss",
        "smb",
        "file",
    ];
    match url::Url::parse(raw) {
        Ok(u) if KNOWN.contains(&u.scheme()) => match u.host_str() {
            Some(h) => format!("{}://{}", u.scheme(), clip(h)),
            None => format!("a {}: address", u.scheme()),
        },
        _ => "an address".to_string(),
    }
}

/// At most 80 characters of something a file said, for a message.
pub(crate) fn clip(s: &str) -> String {
    let mut out: String = s.chars().filter(|c| !c.is_control()).take(80).collect();
    if s.chars().count() > 80 {
        out.push('…');
    }
    out
}

/// Helpers for the readers' and writers' unit tests.
#[cfg(test)]
pub(crate) mod testing {
    use super::Read;
    use crate::{AllowedDomains, Secret, SecretContent, SecretName, SecretValue, Timestamp};

    /// An enabled secret `name` = `value`, allowed anywhere.
    pub(crate) fn secret(name: &str, value: &str) -> Secret {
        let t = Timestamp::from_unix(0).expect("0 is a time");
        Secret {
            name: SecretName::parse(name).expect("a valid test name"),
            content: SecretContent::Value(SecretValue::new(value.into()).expect("a test value")),
            allowed_domains: AllowedDomains::any(),
            disabled: false,
            environments: Default::default(),
            created_at: t,
            updated_at: t,
        }
    }

    /// (name, value, allowed domains) of each item read.
    pub(crate) fn items(r: &Read) -> Vec<(String, String, String)> {
        r.items
            .iter()
            .map(|i| {
                (
                    i.name.to_string(),
                    i.value.expose().to_string(),
                    i.allowed_domains.to_string(),
                )
            })
            .collect()
    }

    /// The same, from string slices.
    pub(crate) fn want(rows: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
        rows.iter()
            .map(|(n, v, d)| (n.to_string(), v.to_string(), d.to_string()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_become_allowed_domains_where_they_are_web_hosts() {
        let d = Domains::from_urls([
            "https://API.example.com/login?x=1",
            "http://intranet.local:8080/",
            "example.org",
            "androidapp://com.example",
            "",
        ]);
        assert_eq!(
            d.allowed.to_strings(),
            [
                "api.example.com",
                "example.org",
                "http://intranet.local:8080"
            ]
        );
        assert_eq!(d.notes.len(), 1);
        assert!(d.notes[0].starts_with("androidapp://com.example is not a web address"));
        // Credentials in an address are never shown.
        let d = Domains::from_urls([
            "ftp://admin:ftpPASSWORD@files.example.com/x",
            "myapp:cb?token=TOKEN123",
        ]);
        let notes = d.notes.join(" ");
        assert!(
            !notes.contains("PASSWORD") && !notes.contains("TOKEN123"),
            "{notes}"
        );
        assert!(notes.contains("ftp://files.example.com"), "{notes}");
    }

    #[test]
    fn formats_round_trip_their_words() {
        for f in Format::ALL {
            assert_eq!(Format::from_word(f.as_str()), Some(f));
        }
        assert_eq!(Format::from_word("DOTENV"), Some(Format::Dotenv));
        assert_eq!(Format::from_word("csv"), None);
    }
}
