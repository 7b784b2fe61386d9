//! Writing exports.

use super::kdf::{ARGON2_VERSION, KdfParams, SALT_LEN};
use super::{CIPHER, ExportDoc, FORMAT, KDF, VERSION};
use crate::crypto::random;
use crate::wire::SecretJson;
use base64::{Engine, engine::general_purpose::STANDARD as B64};
use secrecy::SecretString;
use serde::Serialize;
use zeroize::Zeroizing;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct PlainOut<'a> {
    pub format: &'a str,
    pub version: u32,
    pub encrypted: bool,
    pub tool: &'a str,
    pub exported_at: String,
    pub secret_count: u64,
    pub secrets: Vec<SecretJson>,
}

#[derive(Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct KdfJson {
    pub algorithm: String,
    pub version: u32,
    pub memory_kib: u32,
    pub passes: u32,
    pub lanes: u32,
    pub salt: String,
}

#[derive(Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct CipherJson {
    pub algorithm: String,
    pub nonce: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct EncryptedJson {
    pub format: String,
    pub version: u32,
    pub encrypted: bool,
    pub tool: String,
    pub exported_at: String,
    pub secret_count: u64,
    pub kdf: KdfJson,
    pub cipher: CipherJson,
    pub ciphertext: String,
}

fn plain_out(doc: &ExportDoc) -> PlainOut<'_> {
    PlainOut {
        format: FORMAT,
        version: VERSION,
        encrypted: false,
        tool: &doc.tool,
        exported_at: doc.exported_at.to_string(),
        secret_count: doc.secrets.len() as u64,
        secrets: doc.secrets.iter().map(SecretJson::from).collect(),
    }
}

/// The plaintext export file (pretty-printed JSON with a final newline).
pub fn encode_plaintext(doc: &ExportDoc) -> Zeroizing<Vec<u8>> {
    let mut out = crate::buf::json(&plain_out(doc), true, 1);
    out.push(b'\n');
    out
}

/// The header fields bound as associated data, in order (see `docs/export-format.md`).
pub(super) fn header_aad(h: &EncryptedJson, salt: &[u8]) -> Vec<u8> {
    let owned: [Vec<u8>; 13] = [
        h.format.as_bytes().to_vec(),
        h.version.to_string().into_bytes(),
        if h.encrypted {
            b"true".to_vec()
        } else {
            b"false".to_vec()
        },
        h.tool.as_bytes().to_vec(),
        h.exported_at.as_bytes().to_vec(),
        h.secret_count.to_string().into_bytes(),
        h.kdf.algorithm.as_bytes().to_vec(),
        h.kdf.version.to_string().into_bytes(),
        h.kdf.memory_kib.to_string().into_bytes(),
        h.kdf.passes.to_string().into_bytes(),
        h.kdf.lanes.to_string().into_bytes(),
        salt.to_vec(),
        h.cipher.algorithm.as_bytes().to_vec(),
    ];
    // The label names the format version too (`…/v1`, `…/v2`): a file's content never opens
    // under another version's rules.
    let mut aad = format!("coffer-vault-export/v{}\0", h.version).into_bytes();
    for f in owned {
        aad.extend_from_slice(&(f.len() as u32).to_be_bytes());
        aad.extend_from_slice(&f);
    }
    aad
}

/// The encrypted export file: the plaintext document sealed under `password`.
pub fn encode_encrypted(
    doc: &ExportDoc,
    password: &SecretString,
    params: KdfParams,
) -> Result<Vec<u8>, super::KdfBoundsError> {
    let salt: [u8; SALT_LEN] = random::bytes();
    let key = params.derive(password, &salt)?;
    let mut header = EncryptedJson {
        format: FORMAT.into(),
        version: VERSION,
        encrypted: true,
        tool: doc.tool.clone(),
        exported_at: doc.exported_at.to_string(),
        secret_count: doc.secrets.len() as u64,
        kdf: KdfJson {
            algorithm: KDF.into(),
            version: ARGON2_VERSION,
            memory_kib: params.memory_kib,
            passes: params.passes,
            lanes: params.lanes,
            salt: B64.encode(salt),
        },
        cipher: CipherJson {
            algorithm: CIPHER.into(),
            nonce: String::new(),
        },
        ciphertext: String::new(),
    };
    let inner = crate::buf::json(&plain_out(doc), false, 0);
    let (nonce, ct) = key.seal(&header_aad(&header, &salt), &inner);
    header.cipher.nonce = B64.encode(nonce);
    header.ciphertext = B64.encode(ct);
    let mut out = serde_json::to_vec_pretty(&header).expect("serialising to memory cannot fail");
    out.push(b'\n');
    Ok(out)
}
