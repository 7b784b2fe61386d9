//! The Coffer vault export format, version 1 (`docs/export-format.md`).
//!
//! One JSON document. Plaintext: a header and the secrets. Encrypted: the same header plus KDF
//! and cipher parameters, and the whole plaintext document sealed with XChaCha20-Poly1305 under
//! an Argon2id key, the header bound as associated data.

mod decode;
mod encode;
pub mod kdf;

pub use decode::{DecodeError, EncryptedExport, Parsed, check_size, parse};
pub use encode::{encode_encrypted, encode_plaintext};
pub use kdf::{KdfBoundsError, KdfParams};

use crate::{Secret, Timestamp};

/// The `format` marker.
pub const FORMAT: &str = "coffer-vault-export";
/// The format version this build writes; it reads every version from 1 up to this one.
pub const VERSION: u32 = 2;
/// Largest export accepted, in bytes (1 GiB: about three million typical secrets), checked
/// before any work. Coffer never writes a larger one (`export` refuses), so whatever one Coffer
/// exports it imports. (Builds before issue 13 refused files over 128 MiB.)
pub const MAX_EXPORT_BYTES: u64 = 1024 * 1024 * 1024;
/// Cipher name in the header.
pub const CIPHER: &str = "xchacha20poly1305";
/// KDF name in the header.
pub const KDF: &str = "argon2id";

/// The content of an export: what was exported, by what, when.
#[derive(Debug, Clone)]
pub struct ExportDoc {
    /// Tool and version that wrote it, e.g. `coffer 0.1.0`.
    pub tool: String,
    /// When it was written.
    pub exported_at: Timestamp,
    /// The secrets, in the order written.
    pub secrets: Vec<Secret>,
}

/// `coffer <version>` for this build.
pub fn tool_name() -> String {
    format!("coffer {}", env!("CARGO_PKG_VERSION"))
}
