//! `POST /api/undo/plan` and `POST /api/undo/apply`: undo a change from the history (as `coffer
//! undo`). The page shows the plan, then sends back the change id, the vault's change counter the
//! plan saw and one decision per conflict; the undo is planned again and refused if the vault
//! changed in between, so what is applied is what was shown.

use super::import::resolution;
use super::{ApiError, ApiResult, with_vault};
use crate::State;
use axum::Json;
use axum::extract::State as S;
use coffer_vault::ops::undo::{apply as apply_undo, plan, plan_again};
use serde_json::{Value, json};
use std::sync::Arc;

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct PlanIn {
    /// The change to undo; the newest if absent.
    id: Option<u64>,
}

pub(crate) async fn undo_plan(
    S(state): S<Arc<State>>,
    Json(req): Json<PlanIn>,
) -> ApiResult<Value> {
    let p = with_vault(&state, move |v| Ok(plan(v, req.id)?)).await?;
    Ok(Json(json!({ "plan": p.to_json(), "noop": p.is_noop() })))
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct ApplyIn {
    id: u64,
    /// `vaultChanges` of the plan shown.
    vault_changes: u64,
    /// One per conflict, in plan order: `skip`, `replace` or `keepBoth`.
    #[serde(default)]
    resolutions: Vec<String>,
}

pub(crate) async fn undo_apply(
    S(state): S<Arc<State>>,
    Json(req): Json<ApplyIn>,
) -> ApiResult<Value> {
    let resolutions = req
        .resolutions
        .iter()
        .map(|r| resolution(r))
        .collect::<Result<Vec<_>, ApiError>>()?;
    let report = with_vault(&state, move |v| {
        let p = plan_again(v, req.id, req.vault_changes)
            .map_err(|e| ApiError::from(e).hint("look at the plan again; nothing was changed"))?;
        Ok(apply_undo(v, &p, &resolutions)?)
    })
    .await?;
    Ok(Json(report.to_json()))
}
