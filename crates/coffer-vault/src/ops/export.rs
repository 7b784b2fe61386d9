//! `export`: every secret, as a plaintext or password-encrypted export document.

use super::store_error;
use crate::store::{StoreError, Vault};
use coffer_core::Timestamp;
use coffer_core::export::{
    ExportDoc, KdfBoundsError, KdfParams, encode_encrypted, encode_plaintext, tool_name,
};
use secrecy::SecretString;
use zeroize::Zeroizing;

/// How to write the export.
#[derive(Debug)]
pub enum ExportFormat {
    /// Every value in clear.
    Plaintext,
    /// Sealed under a password (already checked against the password rules).
    Encrypted {
        /// The export password.
        password: SecretString,
        /// Argon2id cost.
        params: KdfParams,
    },
}

/// The export file's bytes and what they hold.
pub struct ExportOutput {
    /// The file content (zeroed when dropped).
    pub bytes: Zeroizing<Vec<u8>>,
    /// Secrets exported.
    pub count: usize,
    /// Of which linked to an external vault (exported as links).
    pub linked: usize,
}

/// `export` failed; nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// KDF parameters out of bounds.
    #[error(transparent)]
    Kdf(#[from] KdfBoundsError),
    /// Database failure or a damaged record.
    #[error(transparent)]
    Store(StoreError),
}
store_error!(ExportError { Kdf => InvalidInput });

/// Builds the export of every secret in `vault`, sorted by name.
pub fn export(vault: &mut Vault, format: &ExportFormat) -> Result<ExportOutput, ExportError> {
    let secrets = vault.read(|records| records.all())?;
    let linked = secrets
        .iter()
        .filter(|s| s.content.link().is_some())
        .count();
    let doc = ExportDoc {
        tool: tool_name(),
        exported_at: Timestamp::now(),
        secrets,
    };
    let bytes = match format {
        ExportFormat::Plaintext => encode_plaintext(&doc),
        ExportFormat::Encrypted { password, params } => {
            Zeroizing::new(encode_encrypted(&doc, password, *params)?)
        }
    };
    Ok(ExportOutput {
        bytes,
        count: doc.secrets.len(),
        linked,
    })
}
