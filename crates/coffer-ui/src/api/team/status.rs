//! `GET /api/team`: the team, this member's role, the server, and the policy in force (signed
//! when, valid until, fresh or cached), as `coffer team status --json`.

use crate::State;
use crate::api::{ApiResult, with_vault};
use axum::Json;
use axum::extract::State as S;
use coffer_vault::team::TeamError;
use coffer_vault::team::authorize::PolicySource;
use coffer_vault::team::status::status as team_status;
use serde_json::{Value, json};
use std::sync::Arc;

pub(crate) async fn status(S(state): S<Arc<State>>) -> ApiResult<Value> {
    with_vault(&state, |v| {
        let s = match team_status(v) {
            Ok(s) => s,
            Err(TeamError::NotJoined) => return Ok(Json(json!({"joined": false}))),
            Err(e) => return Err(e.into()),
        };
        let policy = s.policy.as_ref().map(|(st, src)| {
            let (source, expires) = match src {
                PolicySource::Fresh => ("server", st.expires_at),
                PolicySource::Cached { expires_at, .. } => ("cache", *expires_at),
            };
            json!({
                "plan": st.plan.as_str(),
                "export": st.export,
                "describe": st.export.describe(),
                "revision": st.revision,
                "issuedAt": st.issued_at,
                "expiresAt": expires,
                "source": source,
            })
        });
        Ok(Json(json!({
            "joined": true,
            "server": s.link.server_url,
            "fingerprint": s.fingerprint,
            "team": {"id": s.link.team_id, "name": s.link.team_name},
            "member": {"id": s.link.member_id, "name": s.link.member_name, "role": s.link.role.as_str()},
            "admin": s.link.role.is_admin(),
            "loggedOut": s.logged_out,
            "offline": s.offline_reason,
            "refused": s.refused_reason,
            "policy": policy,
        })))
    })
    .await
}
