//! `export`: every secret, as a plaintext or password-encrypted export document.

use super::store_error;
use crate::store::{StoreError, Vault};
use crate::team::authorize::ExportGrant;
use coffer_core::export::{
    ExportDoc, KdfBoundsError, KdfParams, encode_encrypted, encode_plaintext, tool_name,
};
use coffer_core::policy::ExportKind;
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
    /// The grant is for another format.
    #[error("this export was not authorised for this format")]
    NotGranted,
    /// KDF parameters out of bounds.
    #[error(transparent)]
    Kdf(#[from] KdfBoundsError),
    /// Database failure or a damaged record.
    #[error(transparent)]
    Store(StoreError),
}
store_error!(ExportError { NotGranted => Denied, Kdf => InvalidInput });

/// Builds the export of every secret in `vault`, sorted by name. `grant` is the permission from
/// [`crate::team::authorize::authorize_export`] for this format.
pub fn export(
    vault: &mut Vault,
    format: &ExportFormat,
    grant: &ExportGrant,
) -> Result<ExportOutput, ExportError> {
    let kind = match format {
        ExportFormat::Plaintext => ExportKind::Plaintext,
        ExportFormat::Encrypted { .. } => ExportKind::Encrypted,
    };
    if grant.kind != kind {
        return Err(ExportError::NotGranted);
    }
    let secrets = vault.read(|records| records.all())?;
    let linked = secrets
        .iter()
        .filter(|s| s.content.link().is_some())
        .count();
    let doc = ExportDoc {
        tool: tool_name(),
        exported_at: crate::clock::now(),
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
