//! Health, the server key, who am I, and logout.

use super::{ApiError, AppState, Caller};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

pub async fn health() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// The public key vaults pin at login, and its fingerprint.
pub async fn server_key(State(s): State<AppState>) -> Json<Value> {
    let pk = s.key.public();
    Json(
        json!({"publicKey": pk.to_base64(), "fingerprint": pk.fingerprint(), "algorithm": "ed25519"}),
    )
}

pub async fn me(c: Caller) -> Json<Value> {
    Json(json!({
        "member": {"id": c.member.id, "name": c.member.name, "role": c.member.role.as_str()},
        "team": {"id": c.team.id, "name": c.team.name, "plan": c.team.plan.as_str()},
    }))
}

/// Revokes the caller's own token.
pub async fn logout(State(s): State<AppState>, c: Caller) -> Result<StatusCode, ApiError> {
    s.db.revoke(&c.member, &c.member).await?;
    Ok(StatusCode::NO_CONTENT)
}
