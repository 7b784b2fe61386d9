//! Bitwarden JSON exports, plain and password-protected.

pub mod crypto;
mod read;

pub use read::{Locked, Opened, open};
