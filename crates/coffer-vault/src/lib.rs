//! Coffer's local vault: where it lives on disk, the SQLite store, and one module per operation.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod cleanup;
pub mod clock;
pub mod error;
pub mod fs;
pub mod keychain;
pub mod keysource;
pub mod links;
pub mod location;
pub mod ops;
mod secret_serde;
pub mod store;
pub mod team;

pub use error::{Classify, ErrorKind};
pub use keysource::KeySource;
pub use location::VaultLocation;
pub use store::{OpenError, StoreError, Vault};
