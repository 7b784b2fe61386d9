//! Health, the server key, who am I, and logout.

use super::{ApiError, AppState, Caller};
use axum::Json;
use axum::extract::State;
use coffer_api::{Health, Me, Member, ServerKey, Team};
use coffer_core::Timestamp;
use coffer_core::policy::{RELEASE_FORMAT, ReleaseStatement, SignedPolicy};

pub async fn health() -> Json<Health> {
    Json(Health {
        status: "ok".into(),
    })
}

/// The public key vaults pin at login, and its fingerprint.
pub async fn server_key(State(s): State<AppState>) -> Json<ServerKey> {
    let pk = s.key.public();
    Json(ServerKey {
        public_key: pk.to_base64(),
        fingerprint: pk.fingerprint(),
        algorithm: "ed25519".into(),
    })
}

pub async fn me(c: Caller) -> Json<Me> {
    Json(Me {
        member: Member {
            id: c.member.id,
            name: c.member.name,
            role: c.member.role,
        },
        team: Team {
            id: c.team.id,
            name: c.team.name,
            plan: c.team.plan,
        },
    })
}

/// Revokes the caller's own token and returns a signed release: the vault is free of the team's
/// policy once every policy it may hold has expired (now + policy TTL).
pub async fn logout(State(s): State<AppState>, c: Caller) -> Result<Json<SignedPolicy>, ApiError> {
    let now = crate::clock::now();
    let rel = ReleaseStatement {
        format: RELEASE_FORMAT.into(),
        version: 1,
        team_id: c.team.id.clone(),
        member_id: c.member.id.clone(),
        issued_at: now,
        effective_at: Timestamp::from_unix(now.unix().saturating_add(s.policy_ttl)).unwrap_or(now),
    };
    let detail = serde_json::json!({"effectiveAt": rel.effective_at});
    s.db.revoke(&c.member, &c.member, "member.release", &detail)
        .await?;
    Ok(Json(s.key.sign_release(&rel)))
}
