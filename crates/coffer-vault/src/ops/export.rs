//! `export`: every secret, as a plaintext or password-encrypted export document, or in another
//! tool's format (dotenv, Postman environment: both plaintext for the team policy).

use super::store_error;
use crate::store::{StoreError, Vault};
use crate::team::authorize::ExportGrant;
use coffer_core::export::{
    ExportDoc, KdfBoundsError, KdfParams, MAX_EXPORT_BYTES, encode_encrypted, encode_plaintext,
    tool_name,
};
use coffer_core::foreign;
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
    /// A dotenv file (values in clear; linked and disabled secrets left out).
    Dotenv,
    /// A Postman environment whose `secret` variables hold the values (in clear).
    PostmanEnv {
        /// The environment's name.
        name: String,
    },
}

impl ExportFormat {
    /// Which kind of export the team policy sees: everything but an encrypted Coffer export
    /// holds values in clear.
    pub fn kind(&self) -> ExportKind {
        match self {
            ExportFormat::Encrypted { .. } => ExportKind::Encrypted,
            ExportFormat::Plaintext | ExportFormat::Dotenv | ExportFormat::PostmanEnv { .. } => {
                ExportKind::Plaintext
            }
        }
    }
}

/// The export file's bytes and what they hold.
pub struct ExportOutput {
    /// The file content (zeroed when dropped).
    pub bytes: Zeroizing<Vec<u8>>,
    /// Secrets exported.
    pub count: usize,
    /// Of which linked to an external vault (exported as links).
    pub linked: usize,
    /// Names written under another name the format requires: (name, written as).
    pub renamed: Vec<(String, String)>,
    /// Secrets the format cannot hold, left out: (name, why).
    pub left_out: Vec<(String, String)>,
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
    /// The secrets cannot be written as a dotenv file.
    #[error(transparent)]
    Dotenv(#[from] coffer_core::foreign::dotenv::WriteError),
    /// The file would be larger than any Coffer imports; nothing was written.
    #[error(
        "the export would be {size} bytes; exports larger than {max} bytes cannot be imported, so none is written"
    )]
    TooLarge {
        /// The file's size.
        size: u64,
        /// The limit (`coffer_core::export::MAX_EXPORT_BYTES`).
        max: u64,
    },
    /// Database failure or a damaged record.
    #[error(transparent)]
    Store(StoreError),
}
store_error!(ExportError { NotGranted => Denied, Kdf => InvalidInput, Dotenv => InvalidInput, TooLarge => InvalidInput });

/// Builds the export of every secret in `vault`, sorted by name. `grant` is the permission from
/// [`crate::team::authorize::authorize_export`] for this format.
pub fn export(
    vault: &mut Vault,
    format: &ExportFormat,
    grant: &ExportGrant,
) -> Result<ExportOutput, ExportError> {
    if grant.kind != format.kind() {
        return Err(ExportError::NotGranted);
    }
    let secrets = vault.read(|records| records.all())?;
    let linked = secrets
        .iter()
        .filter(|s| s.content.link().is_some())
        .count();
    let now = crate::clock::now();
    match format {
        ExportFormat::Dotenv => {
            let header = format!(
                "Exported by {} at {now}: every value in clear; delete this file when done.",
                tool_name()
            );
            let w = foreign::dotenv::write(&secrets, &header)?;
            return Ok(ExportOutput {
                bytes: w.bytes,
                count: w.count,
                linked: 0,
                renamed: w.renamed,
                left_out: w.left_out,
            });
        }
        ExportFormat::PostmanEnv { name } => {
            let w = foreign::postman::write(&secrets, name, now, &tool_name());
            return Ok(ExportOutput {
                bytes: w.bytes,
                count: w.count,
                linked: 0,
                renamed: Vec::new(),
                left_out: w.left_out,
            });
        }
        ExportFormat::Plaintext | ExportFormat::Encrypted { .. } => {}
    }
    let doc = ExportDoc {
        tool: tool_name(),
        exported_at: now,
        secrets,
    };
    let count = doc.secrets.len();
    let bytes = match format {
        ExportFormat::Encrypted { password, params } => {
            Zeroizing::new(encode_encrypted(doc, password, *params)?)
        }
        _ => encode_plaintext(&doc),
    };
    // What this Coffer writes, this Coffer reads: never a file that import would refuse.
    let size = bytes.len() as u64;
    if size > MAX_EXPORT_BYTES {
        return Err(ExportError::TooLarge {
            size,
            max: MAX_EXPORT_BYTES,
        });
    }
    Ok(ExportOutput {
        bytes,
        count,
        linked,
        renamed: Vec::new(),
        left_out: Vec::new(),
    })
}
