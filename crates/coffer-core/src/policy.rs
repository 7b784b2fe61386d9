//! Team policy for vault export, as the team server signs it and the vault verifies it offline
//! (`docs/team-server.md`).
//!
//! A signed policy is `{"payload": BASE64(JSON statement), "signature": BASE64(Ed25519)}`; the
//! signature covers `"coffer-team-policy/v1\0" || payload bytes`. The vault pins the server's
//! public key at login, so a policy edited by hand, or signed by another server, is rejected.

use crate::Timestamp;
use base64::{Engine, engine::general_purpose::STANDARD as B64};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::fmt;
use zeroize::Zeroizing;

const SIGNING_LABEL: &[u8] = b"coffer-team-policy/v1\0";
const RELEASE_LABEL: &[u8] = b"coffer-team-release/v1\0";
/// The release statement's `format` marker.
pub const RELEASE_FORMAT: &str = "coffer-team-release";
/// The statement's `format` marker.
pub const POLICY_FORMAT: &str = "coffer-team-policy";
/// How far a statement's issue time may lie in the future (clock skew), in seconds.
pub const MAX_CLOCK_SKEW_SECS: i64 = 300;

/// An export format a policy can allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExportKind {
    /// Password-encrypted export.
    Encrypted,
    /// Plaintext export.
    Plaintext,
}

impl ExportKind {
    /// `encrypted` or `plaintext`.
    pub fn as_str(self) -> &'static str {
        match self {
            ExportKind::Encrypted => "encrypted",
            ExportKind::Plaintext => "plaintext",
        }
    }

    /// Parses `encrypted` or `plaintext`.
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "encrypted" => Some(ExportKind::Encrypted),
            "plaintext" => Some(ExportKind::Plaintext),
            _ => None,
        }
    }
}

/// Team plans.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Plan {
    /// Export policy cannot be changed: export stays allowed in both formats.
    Free,
    /// Paid team plan.
    Team,
    /// Enterprise plan.
    Enterprise,
}

impl Plan {
    /// The plan's id.
    pub fn as_str(self) -> &'static str {
        match self {
            Plan::Free => "free",
            Plan::Team => "team",
            Plan::Enterprise => "enterprise",
        }
    }

    /// Parses a plan id.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "free" => Some(Plan::Free),
            "team" => Some(Plan::Team),
            "enterprise" => Some(Plan::Enterprise),
            _ => None,
        }
    }

    /// Whether admins on this plan may change the export policy.
    pub fn can_set_export_policy(self) -> bool {
        self != Plan::Free
    }
}

/// Member roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Full control, including other admins.
    SuperAdmin,
    /// Manages members and team settings.
    Admin,
    /// Uses the team; reads its settings.
    Member,
}

impl Role {
    /// The role's id.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::SuperAdmin => "super-admin",
            Role::Admin => "admin",
            Role::Member => "member",
        }
    }

    /// Parses a role id.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "super-admin" => Some(Role::SuperAdmin),
            "admin" => Some(Role::Admin),
            "member" => Some(Role::Member),
            _ => None,
        }
    }

    /// Admins and super admins.
    pub fn is_admin(self) -> bool {
        matches!(self, Role::SuperAdmin | Role::Admin)
    }
}

/// The vault export setting of a team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportPolicy {
    /// Whether members may export at all.
    pub enabled: bool,
    /// Allowed formats; not empty when enabled.
    pub formats: BTreeSet<ExportKind>,
}

/// An export policy that cannot be stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("when export is enabled, at least one format (encrypted, plaintext) must be allowed")]
pub struct EmptyFormats;

impl ExportPolicy {
    /// Everything allowed: the default, and the only policy on the free plan.
    pub fn allow_all() -> Self {
        Self {
            enabled: true,
            formats: [ExportKind::Encrypted, ExportKind::Plaintext].into(),
        }
    }

    /// Checks the invariant.
    pub fn validate(&self) -> Result<(), EmptyFormats> {
        if self.enabled && self.formats.is_empty() {
            return Err(EmptyFormats);
        }
        Ok(())
    }

    /// Whether `kind` may be exported.
    pub fn allows(&self, kind: ExportKind) -> bool {
        self.enabled && self.formats.contains(&kind)
    }

    /// `off`, or the allowed formats (`encrypted, plaintext`).
    pub fn describe(&self) -> String {
        if !self.enabled {
            return "off".into();
        }
        let f: Vec<&str> = self.formats.iter().map(|k| k.as_str()).collect();
        format!("on ({})", f.join(", "))
    }
}

/// What the server states about a team's vault policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PolicyStatement {
    /// Always [`POLICY_FORMAT`].
    pub format: String,
    /// Statement version (1).
    pub version: u32,
    /// Team id.
    pub team_id: String,
    /// Team name.
    pub team_name: String,
    /// The team's plan.
    pub plan: Plan,
    /// Always `vault`.
    pub resource: String,
    /// The effective export policy.
    pub export: ExportPolicy,
    /// Policy revision (increments on every change).
    pub revision: i64,
    /// When the server signed this.
    pub issued_at: Timestamp,
    /// After this, the statement is no longer valid offline.
    pub expires_at: Timestamp,
}

/// The server's statement that a member's vault leaves the team's policy at `effectiveAt`
/// (given at logout: the last policy the vault holds expires by then).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReleaseStatement {
    /// Always [`RELEASE_FORMAT`].
    pub format: String,
    /// Statement version (1).
    pub version: u32,
    /// Team id.
    pub team_id: String,
    /// The released member.
    pub member_id: String,
    /// When the server signed it.
    pub issued_at: Timestamp,
    /// From when the vault is free of the team's policy.
    pub effective_at: Timestamp,
}

/// A statement with the server's signature, as sent and cached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedPolicy {
    /// Base64 of the statement's JSON bytes.
    pub payload: String,
    /// Base64 of the Ed25519 signature.
    pub signature: String,
}

/// A signed policy was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// The signature does not verify with the pinned key (edited, or another server).
    #[error(
        "the team policy's signature does not match the team server's key (it was edited or comes from another server)"
    )]
    BadSignature,
    /// Signed, but not a valid statement.
    #[error("the team policy is not a valid statement")]
    Malformed,
    /// For another team.
    #[error("the team policy is for another team")]
    WrongTeam,
    /// Past its expiry.
    #[error("the team policy expired at {expired_at}")]
    Expired {
        /// When it expired.
        expired_at: Timestamp,
    },
    /// Issued in the future (clock skew beyond the allowance).
    #[error("the team policy was issued in the future ({issued_at}); check this machine's clock")]
    FromTheFuture {
        /// Its issue time.
        issued_at: Timestamp,
    },
}

/// The server's public key, pinned by the vault at login.
#[derive(Clone, PartialEq, Eq)]
pub struct ServerPublicKey(VerifyingKey);

impl ServerPublicKey {
    /// From base64 of the 32 key bytes.
    pub fn from_base64(s: &str) -> Option<Self> {
        let b: [u8; 32] = B64.decode(s.trim()).ok()?.try_into().ok()?;
        VerifyingKey::from_bytes(&b).ok().map(Self)
    }

    /// Base64 of the 32 key bytes.
    pub fn to_base64(&self) -> String {
        B64.encode(self.0.as_bytes())
    }

    /// `SHA256:` and the unpadded base64 of SHA-256 of the key bytes (as `ssh-keygen -l`).
    pub fn fingerprint(&self) -> String {
        let d = Sha256::digest(self.0.as_bytes());
        format!(
            "SHA256:{}",
            base64::engine::general_purpose::STANDARD_NO_PAD.encode(d)
        )
    }

    fn verified_payload(
        &self,
        label: &[u8],
        signed: &SignedPolicy,
    ) -> Result<Vec<u8>, PolicyError> {
        let payload = B64
            .decode(&signed.payload)
            .map_err(|_| PolicyError::BadSignature)?;
        let sig: [u8; 64] = B64
            .decode(&signed.signature)
            .ok()
            .and_then(|s| s.try_into().ok())
            .ok_or(PolicyError::BadSignature)?;
        let msg = [label, &payload].concat();
        self.0
            .verify_strict(&msg, &Signature::from_bytes(&sig))
            .map_err(|_| PolicyError::BadSignature)?;
        Ok(payload)
    }

    /// Whether `sig` is this key's signature of `msg` (strict Ed25519 verification).
    pub(crate) fn verify_raw(&self, msg: &[u8], sig: &[u8]) -> bool {
        let Ok(sig) = <[u8; 64]>::try_from(sig) else {
            return false;
        };
        self.0
            .verify_strict(msg, &Signature::from_bytes(&sig))
            .is_ok()
    }

    /// Checks a signed release and returns it, if it is for `team_id` / `member_id`. Whether it
    /// is in effect yet is the caller's check (`effective_at`).
    pub fn verify_release(
        &self,
        signed: &SignedPolicy,
        team_id: &str,
        member_id: &str,
    ) -> Result<ReleaseStatement, PolicyError> {
        let payload = self.verified_payload(RELEASE_LABEL, signed)?;
        let st: ReleaseStatement =
            serde_json::from_slice(&payload).map_err(|_| PolicyError::Malformed)?;
        if st.format != RELEASE_FORMAT || st.version != 1 {
            return Err(PolicyError::Malformed);
        }
        if st.team_id != team_id || st.member_id != member_id {
            return Err(PolicyError::WrongTeam);
        }
        Ok(st)
    }

    /// Checks `signed` and returns its statement, if it is for `team_id` and valid at `now`.
    pub fn verify(
        &self,
        signed: &SignedPolicy,
        team_id: &str,
        now: Timestamp,
    ) -> Result<PolicyStatement, PolicyError> {
        let payload = self.verified_payload(SIGNING_LABEL, signed)?;
        let st: PolicyStatement =
            serde_json::from_slice(&payload).map_err(|_| PolicyError::Malformed)?;
        if st.format != POLICY_FORMAT
            || st.version != 1
            || st.resource != "vault"
            || st.export.validate().is_err()
        {
            return Err(PolicyError::Malformed);
        }
        if st.team_id != team_id {
            return Err(PolicyError::WrongTeam);
        }
        if st.issued_at.unix() > now.unix() + MAX_CLOCK_SKEW_SECS {
            return Err(PolicyError::FromTheFuture {
                issued_at: st.issued_at,
            });
        }
        if now >= st.expires_at {
            return Err(PolicyError::Expired {
                expired_at: st.expires_at,
            });
        }
        Ok(st)
    }
}

impl fmt::Debug for ServerPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ServerPublicKey({})", self.fingerprint())
    }
}

/// The server's signing key. Zeroed on drop; `Debug` redacts.
pub struct ServerSigningKey(SigningKey);

impl ServerSigningKey {
    /// A new random key.
    pub fn generate() -> Self {
        let seed = Zeroizing::new(crate::crypto::random::bytes::<32>());
        Self(SigningKey::from_bytes(&seed))
    }

    /// From its 32-byte seed.
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        Self(SigningKey::from_bytes(seed))
    }

    /// The 32-byte seed, for storage.
    pub fn seed(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.0.to_bytes())
    }

    /// The matching public key.
    pub fn public(&self) -> ServerPublicKey {
        ServerPublicKey(self.0.verifying_key())
    }

    fn sign_json<T: Serialize>(&self, label: &[u8], st: &T) -> SignedPolicy {
        let payload = serde_json::to_vec(st).expect("serialising to memory cannot fail");
        let sig = self.0.sign(&[label, &payload].concat());
        SignedPolicy {
            payload: B64.encode(&payload),
            signature: B64.encode(sig.to_bytes()),
        }
    }

    /// Signs `msg` as it is (callers put a label first: `crate::audit`).
    pub(crate) fn sign_raw(&self, msg: &[u8]) -> [u8; 64] {
        self.0.sign(msg).to_bytes()
    }

    /// Signs a policy statement.
    pub fn sign(&self, st: &PolicyStatement) -> SignedPolicy {
        self.sign_json(SIGNING_LABEL, st)
    }

    /// Signs a release statement.
    pub fn sign_release(&self, st: &ReleaseStatement) -> SignedPolicy {
        self.sign_json(RELEASE_LABEL, st)
    }
}

impl fmt::Debug for ServerSigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ServerSigningKey([REDACTED])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statement(now: i64, ttl: i64) -> PolicyStatement {
        PolicyStatement {
            format: POLICY_FORMAT.into(),
            version: 1,
            team_id: "team-1".into(),
            team_name: "Acme".into(),
            plan: Plan::Team,
            resource: "vault".into(),
            export: ExportPolicy {
                enabled: true,
                formats: [ExportKind::Encrypted].into(),
            },
            revision: 3,
            issued_at: Timestamp::from_unix(now).unwrap(),
            expires_at: Timestamp::from_unix(now + ttl).unwrap(),
        }
    }

    #[test]
    fn sign_verify_and_every_refusal() {
        let key = ServerSigningKey::generate();
        let pk = key.public();
        let now = Timestamp::from_unix(1_800_000_000).unwrap();
        let st = statement(now.unix(), 3600);
        let signed = key.sign(&st);
        assert_eq!(pk.verify(&signed, "team-1", now).unwrap(), st);

        // Edited payload: re-encode with export turned on for plaintext too.
        let mut edited_st = st.clone();
        edited_st.export = ExportPolicy::allow_all();
        let edited = SignedPolicy {
            payload: B64.encode(serde_json::to_vec(&edited_st).unwrap()),
            signature: signed.signature.clone(),
        };
        assert_eq!(
            pk.verify(&edited, "team-1", now),
            Err(PolicyError::BadSignature)
        );
        // Another server's key.
        let other = ServerSigningKey::generate().public();
        assert_eq!(
            other.verify(&signed, "team-1", now),
            Err(PolicyError::BadSignature)
        );
        assert_eq!(
            pk.verify(&signed, "team-2", now),
            Err(PolicyError::WrongTeam)
        );
        let later = Timestamp::from_unix(now.unix() + 3600).unwrap();
        assert!(matches!(
            pk.verify(&signed, "team-1", later),
            Err(PolicyError::Expired { .. })
        ));
        let earlier = Timestamp::from_unix(now.unix() - 1000).unwrap();
        assert!(matches!(
            pk.verify(&signed, "team-1", earlier),
            Err(PolicyError::FromTheFuture { .. })
        ));
        let garbage = SignedPolicy {
            payload: "!!".into(),
            signature: "??".into(),
        };
        assert_eq!(
            pk.verify(&garbage, "team-1", now),
            Err(PolicyError::BadSignature)
        );
    }

    #[test]
    fn releases_are_signed_for_one_member_and_not_policies() {
        let key = ServerSigningKey::generate();
        let pk = key.public();
        let t = Timestamp::from_unix(1_800_000_000).unwrap();
        let rel = ReleaseStatement {
            format: RELEASE_FORMAT.into(),
            version: 1,
            team_id: "team-1".into(),
            member_id: "m-1".into(),
            issued_at: t,
            effective_at: t,
        };
        let signed = key.sign_release(&rel);
        assert_eq!(pk.verify_release(&signed, "team-1", "m-1").unwrap(), rel);
        assert_eq!(
            pk.verify_release(&signed, "team-1", "m-2"),
            Err(PolicyError::WrongTeam)
        );
        // Domain separation: a release is not a policy, nor the reverse.
        assert_eq!(
            pk.verify(&signed, "team-1", t),
            Err(PolicyError::BadSignature)
        );
        let policy = key.sign(&statement(t.unix(), 60));
        assert_eq!(
            pk.verify_release(&policy, "team-1", "m-1"),
            Err(PolicyError::BadSignature)
        );
    }

    #[test]
    fn keys_roundtrip_and_fingerprint() {
        let key = ServerSigningKey::generate();
        let again = ServerSigningKey::from_seed(&key.seed());
        assert_eq!(again.public(), key.public());
        let pk = ServerPublicKey::from_base64(&key.public().to_base64()).unwrap();
        assert_eq!(pk, key.public());
        assert!(pk.fingerprint().starts_with("SHA256:"));
        assert_eq!(pk.fingerprint().len(), 7 + 43);
        assert_eq!(format!("{key:?}"), "ServerSigningKey([REDACTED])");
    }

    #[test]
    fn policy_rules() {
        assert!(ExportPolicy::allow_all().allows(ExportKind::Plaintext));
        let off = ExportPolicy {
            enabled: false,
            formats: BTreeSet::new(),
        };
        assert!(off.validate().is_ok() && !off.allows(ExportKind::Encrypted));
        let empty_on = ExportPolicy {
            enabled: true,
            formats: BTreeSet::new(),
        };
        assert_eq!(empty_on.validate(), Err(EmptyFormats));
        assert!(!Plan::Free.can_set_export_policy() && Plan::Team.can_set_export_policy());
    }
}
