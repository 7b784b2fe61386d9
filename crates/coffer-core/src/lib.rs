//! Coffer's core: the domain types of a vault secret, the cryptography that protects them and
//! the byte formats they are stored in.
//!
//! This crate does no file, network or terminal I/O and prints nothing; it only takes bytes and
//! values in and gives bytes and values back, so every rule here can be tested in isolation.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod audit;
pub mod buf;
pub mod crypto;
pub mod destination;
pub mod digest;
pub mod domain;
pub mod env;
pub mod export;
pub mod foreign;
pub mod hex;
pub mod history;
pub mod link;
pub mod name;
pub mod obj;
pub mod password;
pub mod policy;
pub mod record;
pub mod reference;
pub mod secret;
pub mod server_seal;
pub mod timestamp;
pub mod value;
pub mod wire;

pub use destination::{Destination, DestinationError};
pub use domain::{AllowedDomain, AllowedDomains, DomainError};
pub use env::{EnvName, EnvNameError, EnvValue, Environments};
pub use link::{ExternalLink, LinkError};
pub use name::{NameError, SecretName};
pub use secret::{Secret, SecretContent};
pub use timestamp::Timestamp;
pub use value::{SecretValue, ValueError};
