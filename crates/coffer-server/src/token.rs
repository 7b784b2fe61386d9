//! API tokens: `cft_<member id>_<secret>`. The server keeps the member id and SHA-256 of the
//! secret; a presented token is looked up by id and its secret compared in constant time.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD as B64};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// A new token for `member_id`, and the hash to store.
pub fn issue(member_id: &str) -> (Zeroizing<String>, String) {
    let secret = Zeroizing::new(coffer_core::crypto::random::bytes::<32>());
    let secret_text = Zeroizing::new(B64.encode(*secret));
    let token = Zeroizing::new(format!("cft_{member_id}_{}", secret_text.as_str()));
    (token, hash(&secret_text))
}

/// SHA-256 of the secret part, hex.
pub fn hash(secret: &str) -> String {
    coffer_core::hex::encode(&Sha256::digest(secret.as_bytes()))
}

/// Splits a token into (member id, secret).
pub fn parse(token: &str) -> Option<(&str, &str)> {
    let rest = token.strip_prefix("cft_")?;
    let (id, secret) = rest.split_once('_')?;
    (id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit()) && secret.len() == 43)
        .then_some((id, secret))
}

/// Whether `secret` matches the stored hash (constant time).
pub fn matches(secret: &str, stored_hash: &str) -> bool {
    let h = hash(secret);
    h.len() == stored_hash.len() && bool::from(h.as_bytes().ct_eq(stored_hash.as_bytes()))
}

/// A random 16-hex-digit id.
pub fn new_id() -> String {
    coffer_core::hex::encode(&coffer_core::crypto::random::bytes::<8>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_parse_match() {
        let id = new_id();
        let (tok, h) = issue(&id);
        let (pid, secret) = parse(&tok).unwrap();
        assert_eq!(pid, id);
        assert!(matches(secret, &h));
        assert!(!matches(&secret.replace(|c: char| c != 'A', "A"), &h));
        assert!(parse("cft_short_x").is_none());
        assert!(parse("Bearer x").is_none());
    }
}
