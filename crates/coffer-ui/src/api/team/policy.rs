//! `POST /api/team/policy`: the export switch and formats (admins; as `coffer team policy
//! set`). The server signs the new policy; the vault verifies it before saying it changed.

use crate::State;
use crate::api::{ApiError, ApiResult, with_vault};
use axum::Json;
use axum::extract::State as S;
use coffer_core::policy::{ExportKind, ExportPolicy};
use coffer_vault::team::policy::set_export_policy;
use serde_json::{Value, json};
use std::sync::Arc;

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Policy {
    enabled: bool,
    /// `encrypted`, `plaintext`.
    formats: Vec<String>,
}

pub(crate) async fn policy(S(state): S<Arc<State>>, Json(req): Json<Policy>) -> ApiResult<Value> {
    let formats = req
        .formats
        .iter()
        .map(|f| {
            ExportKind::parse(f).ok_or_else(|| {
                ApiError::invalid(
                    format!("unknown export format {f:?}"),
                    "formats are encrypted and plaintext",
                )
            })
        })
        .collect::<Result<_, _>>()?;
    let policy = ExportPolicy {
        enabled: req.enabled,
        formats,
    };
    policy
        .validate()
        .map_err(|e| ApiError::invalid(e.to_string(), "choose encrypted, plaintext or both"))?;
    let st = with_vault(&state, move |v| Ok(set_export_policy(v, &policy)?)).await?;
    Ok(Json(json!({
        "revision": st.revision,
        "describe": st.export.describe(),
    })))
}
