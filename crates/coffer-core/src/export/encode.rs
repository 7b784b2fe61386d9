//! Writing exports.

use super::kdf::{ARGON2_VERSION, KdfParams, SALT_LEN};
use super::{CIPHER, ExportDoc, FORMAT, KDF, VERSION};
use crate::Secret;
use crate::buf::SecretBuf;
use crate::crypto::{TAG_LEN, random};
use crate::wire::SecretOut;
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
    pub secrets: SecretsOut<'a>,
}

/// The secrets, serialised one by one from where they are (no copy of the list).
pub(super) struct SecretsOut<'a>(&'a [Secret]);

impl Serialize for SecretsOut<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(SecretOut))
    }
}

/// About how long the plaintext document is (pretty-printed): a capacity hint.
fn size_hint(doc: &ExportDoc) -> usize {
    512 + doc
        .secrets
        .iter()
        .map(|s| 320 + s.size_hint())
        .sum::<usize>()
}

/// Bytes serialised as canonical base64 straight into the JSON output, in chunks (no base64
/// copy of the whole ciphertext in memory).
struct Base64Out<'a>(&'a [u8]);

impl std::fmt::Display for Base64Out<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut text = [0u8; 4096];
        // 3072 input bytes fill 4096 output bytes exactly: no padding inside the string.
        for chunk in self.0.chunks(3072) {
            let n = B64
                .encode_slice(chunk, &mut text)
                .map_err(|_| std::fmt::Error)?;
            f.write_str(std::str::from_utf8(&text[..n]).map_err(|_| std::fmt::Error)?)?;
        }
        Ok(())
    }
}

impl Serialize for Base64Out<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The encrypted file: the header's fields, then the ciphertext.
#[derive(Serialize)]
struct EncryptedOut<'a> {
    #[serde(flatten)]
    header: &'a EncryptedJson,
    ciphertext: Base64Out<'a>,
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
}

fn plain_out(doc: &ExportDoc) -> PlainOut<'_> {
    PlainOut {
        format: FORMAT,
        version: VERSION,
        encrypted: false,
        tool: &doc.tool,
        exported_at: doc.exported_at.to_string(),
        secret_count: doc.secrets.len() as u64,
        secrets: SecretsOut(&doc.secrets),
    }
}

/// The plaintext export file (pretty-printed JSON with a final newline), serialised once.
pub fn encode_plaintext(doc: &ExportDoc) -> Zeroizing<Vec<u8>> {
    let mut out = SecretBuf::with_capacity(size_hint(doc));
    serde_json::to_writer_pretty(&mut out, &plain_out(doc))
        .expect("serialising to memory cannot fail");
    out.extend(b"\n");
    out.into_inner()
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
///
/// Takes the document by value: its secrets are dropped as soon as the plaintext is
/// serialised (compact, once, into one zeroizing buffer that is then encrypted in place), and
/// the ciphertext is base64-encoded straight into the output. Peak memory is about the
/// secrets plus the plaintext, then the ciphertext plus the file.
pub fn encode_encrypted(
    doc: ExportDoc,
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
    };
    let mut inner = SecretBuf::with_capacity(size_hint(&doc));
    serde_json::to_writer(&mut inner, &plain_out(&doc)).expect("serialising to memory cannot fail");
    drop(doc);
    inner.reserve(TAG_LEN);
    let mut sealed = inner.into_inner();
    let nonce = key.seal_in_place(&header_aad(&header, &salt), &mut sealed);
    header.cipher.nonce = B64.encode(nonce);
    let mut out = Vec::with_capacity(1024 + sealed.len().div_ceil(3) * 4);
    serde_json::to_writer_pretty(
        &mut out,
        &EncryptedOut {
            header: &header,
            ciphertext: Base64Out(&sealed),
        },
    )
    .expect("serialising to memory cannot fail");
    out.push(b'\n');
    Ok(out)
}
