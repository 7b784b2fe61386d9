//! `GET /api/export/options`: which formats the team's policy allows, and why not.
//! `POST /api/export`: the export file, as `coffer export` writes it, as a download.

use super::{ApiError, ApiResult, with_vault};
use crate::State;
use axum::Json;
use axum::extract::State as S;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use coffer_core::password::check_export_password;
use coffer_core::policy::ExportKind;
use coffer_vault::ops::export::{ExportFormat, export as export_vault};
use coffer_vault::team::authorize::{authorize_export, export_notes, report_export};
use secrecy::SecretString;
use serde_json::{Value, json};
use std::sync::Arc;

pub(crate) async fn options(S(state): S<Arc<State>>) -> ApiResult<Value> {
    with_vault(&state, |v| {
        let mut out = serde_json::Map::new();
        for (key, kind) in [
            ("encrypted", ExportKind::Encrypted),
            ("plaintext", ExportKind::Plaintext),
        ] {
            let o = match authorize_export(v, kind) {
                Ok(grant) => json!({
                    "allowed": true,
                    "team": grant.team().map(|(t, _)| t),
                }),
                Err(e) => {
                    let e = ApiError::from(e);
                    json!({"allowed": false, "reason": e.message(), "hint": e.hint_text()})
                }
            };
            out.insert(key.into(), o);
        }
        Ok(Json(Value::Object(out)))
    })
    .await
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Export {
    /// `encrypted`, `plaintext`, `dotenv` or `postman-env` (the last three in clear).
    format: String,
    password: Option<zeroize::Zeroizing<String>>,
    password_confirm: Option<zeroize::Zeroizing<String>>,
    /// A plaintext export must be confirmed.
    #[serde(default)]
    confirm_plaintext: bool,
}

pub(crate) async fn export(
    S(state): S<Arc<State>>,
    Json(req): Json<Export>,
) -> Result<Response, ApiError> {
    let format = match req.format.as_str() {
        "encrypted" => {
            let password = req.password.as_deref().map(String::as_str).unwrap_or("");
            check_export_password(password).map_err(|e| {
                ApiError::invalid(e.to_string(), "choose a longer password or a passphrase")
            })?;
            if req.password_confirm.as_deref().map(String::as_str) != Some(password) {
                return Err(ApiError::invalid(
                    "the two passwords differ",
                    "type the same password twice",
                ));
            }
            ExportFormat::Encrypted {
                password: SecretString::from(password.to_string()),
                params: state.kdf,
            }
        }
        "plaintext" | "dotenv" | "postman-env" if !req.confirm_plaintext => {
            return Err(ApiError::invalid(
                "this export holds every secret value in clear and needs confirmation",
                "confirm, or choose Encrypted",
            ));
        }
        "plaintext" => ExportFormat::Plaintext,
        "dotenv" => ExportFormat::Dotenv,
        "postman-env" => ExportFormat::PostmanEnv {
            name: "Coffer".into(),
        },
        _ => {
            return Err(ApiError::invalid(
                "the format is encrypted, plaintext, dotenv or postman-env",
                "choose Encrypted (recommended) or one of the others",
            ));
        }
    };
    let kind = format.kind();
    let file_ext = match &format {
        ExportFormat::Encrypted { .. } => ".json",
        ExportFormat::Plaintext => "-plaintext.json",
        ExportFormat::Dotenv => ".env",
        ExportFormat::PostmanEnv { .. } => ".postman_environment.json",
    };
    let (out, notes) = with_vault(&state, move |v| {
        let grant = authorize_export(v, kind)?;
        let out = export_vault(v, &format, &grant)?;
        // As the CLI: an export the audit log could not take yet is queued, not lost; the
        // page says so in the CLI's words.
        let reported = report_export(v, &grant, out.count);
        Ok((out, export_notes(&grant, &reported)))
    })
    .await?;
    let date = coffer_core::Timestamp::now().to_string();
    let day = date.get(..10).unwrap_or("export");
    let file = format!("coffer-vault-{day}{file_ext}");
    let content_type = if file_ext == ".env" {
        "text/plain; charset=utf-8"
    } else {
        "application/json"
    };
    let mut resp = ([(header::CONTENT_TYPE, content_type)], out.bytes.to_vec()).into_response();
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert("x-coffer-count", HeaderValue::from(out.count));
    h.insert("x-coffer-linked", HeaderValue::from(out.linked));
    h.insert("x-coffer-left-out", HeaderValue::from(out.left_out.len()));
    // Each note percent-encoded, joined by `|` (a header holds no line breaks).
    let notes: Vec<String> = notes
        .iter()
        .map(|n| {
            n.bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() || b" .,;:()'-_".contains(&b) {
                        (b as char).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect()
        })
        .collect();
    if let Ok(v) = HeaderValue::from_str(&notes.join("|")) {
        h.insert("x-coffer-notes", v);
    }
    Ok(resp)
}
