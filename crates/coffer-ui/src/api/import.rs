//! `POST /api/import/plan`: read the sources (uploaded files, pasted text, a link, a git
//! repository), decrypt with the passwords the page asked for, and plan against the vault
//! without changing it: new / identical / duplicate and what differs. The plan is kept.
//! `POST /api/import/apply`: apply the kept plan with one decision per duplicate, in one
//! transaction (the library checks the vault did not change since the plan).

use super::{ApiError, ApiResult, with_vault};
use crate::State;
use axum::Json;
use axum::extract::State as S;
use axum::http::StatusCode;
use base64::{Engine, engine::general_purpose::STANDARD as B64};
use coffer_core::foreign::{Format, Options};
use coffer_vault::ops::import::source::{MAX_TOTAL_BYTES, SourceError};
use coffer_vault::ops::import::{
    ApplyError, Loaded, Plan, ReadError, ReadOptions, Resolution, Source, apply as apply_plan,
    load, plan as make_plan, read_source,
};
use secrecy::SecretString;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use zeroize::Zeroizing;

/// The most the page imports at once (uploads travel as base64 in one request held in memory):
/// a quarter of what `coffer import` takes ([`MAX_TOTAL_BYTES`]); larger exports go through the
/// command line, which the error says.
pub(crate) const PAGE_MAX_TOTAL_BYTES: u64 = MAX_TOTAL_BYTES / 4;

/// The largest import request: every source together may hold [`PAGE_MAX_TOTAL_BYTES`], sent
/// as base64 (4/3) in JSON, with room for the labels and passwords. Other requests keep axum's
/// 2 MB default.
pub(crate) const MAX_BODY_BYTES: usize = (PAGE_MAX_TOTAL_BYTES as usize / 3) * 4 + (1 << 20);

/// The plan the page is looking at (one per server: a new plan replaces it).
#[derive(Default)]
pub(crate) struct Pending(Mutex<Option<(u64, Arc<Plan>)>>);

impl Pending {
    fn lock(&self) -> std::sync::MutexGuard<'_, Option<(u64, Arc<Plan>)>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[derive(serde::Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase", deny_unknown_fields)]
pub(crate) enum SourceIn {
    /// A file chosen or dropped (for a folder, each of its files), base64.
    File {
        name: String,
        data: Zeroizing<String>,
    },
    /// Pasted raw text.
    Text { text: Zeroizing<String> },
    /// A link (https://…).
    Url { url: String },
    /// A git repository.
    Git {
        url: String,
        #[serde(rename = "ref")]
        reference: Option<String>,
        path: Option<String>,
    },
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct PlanIn {
    sources: Vec<SourceIn>,
    /// Password per source label, for encrypted exports.
    #[serde(default)]
    passwords: BTreeMap<String, Zeroizing<String>>,
    /// Remove every secret first.
    #[serde(default)]
    clear: bool,
    /// Read every source as this format (a `--from` word: `coffer`, `dotenv`, `postman`,
    /// `bitwarden`, `1pux`, `1password-csv`, `keepassxc-csv`); recognised from each file's
    /// content if absent.
    #[serde(default)]
    from: Option<String>,
    /// Postman: only variables of type `secret` (default true).
    #[serde(default)]
    only_secret_type: Option<bool>,
    /// Bitwarden: secure notes too.
    #[serde(default)]
    include_notes: bool,
}

pub(crate) async fn plan(S(state): S<Arc<State>>, Json(req): Json<PlanIn>) -> ApiResult<Value> {
    if req.sources.is_empty() {
        return Err(ApiError::invalid(
            "nothing to import",
            "drop files or a folder, paste an export, or give a link or a repository",
        ));
    }
    let from = match req
        .from
        .as_deref()
        .filter(|f| !f.is_empty() && *f != "auto")
    {
        None => None,
        Some(word) => Some(Format::from_word(word).ok_or_else(|| {
            ApiError::invalid(
                format!("{word:?} is not a format this page reads"),
                "choose one of the formats the page lists, or Recognise",
            )
        })?),
    };
    let options = ReadOptions {
        from,
        foreign: Options {
            only_secret_type: req.only_secret_type.unwrap_or(true),
            include_notes: req.include_notes,
        },
        key_file: None,
    };
    let st = state.clone();
    let (id, body) = with_vault(&state, move |v| {
        let mut loaded = Vec::new();
        let mut total: u64 = 0;
        for (i, s) in req.sources.into_iter().enumerate() {
            for l in load_one(s, i)? {
                total = total.saturating_add(l.bytes.len() as u64);
                if total > PAGE_MAX_TOTAL_BYTES {
                    return Err(ApiError::invalid(
                        format!(
                            "the sources hold more than {PAGE_MAX_TOTAL_BYTES} bytes of exports together"
                        ),
                        format!("import them in parts, or with `coffer import FILE` (up to {MAX_TOTAL_BYTES} bytes); nothing was imported"),
                    ));
                }
                loaded.push(l);
            }
        }
        let mut incoming = Vec::new();
        let mut skipped = Vec::new();
        let mut files = Vec::new();
        for l in &mut loaded {
            let mut password = |label: &str, attempt: u32| {
                (attempt == 1)
                    .then(|| req.passwords.get(label))
                    .flatten()
                    .map(|p| SecretString::from(p.to_string()))
            };
            let read =
                read_source(l, &options, &mut password).map_err(|e| read_failure(e, &l.label))?;
            files.push(json!({
                "source": l.label,
                "format": read.format.as_str(),
                "title": read.format.title(),
                "detail": read.detail,
            }));
            incoming.extend(read.incoming);
            skipped.extend(read.skipped);
        }
        let plan = make_plan(v, incoming, skipped, req.clear)?;
        let mut body = plan.to_json();
        body["files"] = json!(loaded.len());
        body["formats"] = json!(files);
        let id = u64::from_le_bytes(coffer_core::crypto::random::bytes::<8>());
        *st.imports.lock() = Some((id, Arc::new(plan)));
        Ok((id, body))
    })
    .await?;
    let mut body = body;
    body["planId"] = json!(id.to_string());
    Ok(Json(body))
}

fn load_one(s: SourceIn, i: usize) -> Result<Vec<Loaded>, ApiError> {
    let from_source = |source: Source| load(&source, std::io::empty()).map_err(source_failure);
    match s {
        SourceIn::File { name, data } => {
            let bytes = B64.decode(data.as_bytes()).map_err(|_| {
                ApiError::invalid(format!("{name}: the upload is damaged"), "try again")
            })?;
            Ok(vec![Loaded {
                label: if name.is_empty() {
                    format!("file {}", i + 1)
                } else {
                    name
                },
                bytes: Zeroizing::new(bytes),
            }])
        }
        SourceIn::Text { text } => Ok(vec![Loaded {
            label: "pasted text".into(),
            bytes: Zeroizing::new(text.as_bytes().to_vec()),
        }]),
        SourceIn::Url { url } => from_source(Source::Url(url.trim().to_string())),
        SourceIn::Git {
            url,
            reference,
            path,
        } => from_source(Source::Git {
            url: url.trim().to_string(),
            reference: reference.filter(|r| !r.trim().is_empty()),
            path: path.filter(|p| !p.trim().is_empty()),
        }),
    }
}

fn source_failure(e: SourceError) -> ApiError {
    ApiError::from(e)
}

/// A source that did not read: the CLI's message and hint; for an encrypted one, which source
/// needs a password (and whether the one given was wrong).
fn read_failure(e: ReadError, label: &str) -> ApiError {
    let missing = matches!(&e, ReadError::NoPassword { .. });
    let wrong = matches!(
        &e,
        ReadError::Decode {
            source: coffer_core::export::DecodeError::Decrypt,
            ..
        } | ReadError::Foreign {
            source: coffer_core::foreign::ForeignError::Decrypt,
            ..
        }
    );
    let hint = if missing {
        "enter the password this export was made with"
    } else {
        e.hint()
    };
    let err = ApiError::from(e).hint(hint);
    if missing || wrong {
        err.with("needsPassword", json!(label))
            .with("wrongPassword", json!(wrong))
    } else {
        err
    }
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct ApplyIn {
    plan_id: String,
    /// One per duplicate, in plan order: `skip`, `replace` or `keepBoth`.
    #[serde(default)]
    resolutions: Vec<String>,
}

/// A duplicate decision from the page: `skip`, `replace` or `keepBoth`.
pub(crate) fn resolution(r: &str) -> Result<Resolution, ApiError> {
    match r {
        "skip" => Ok(Resolution::Skip),
        "replace" => Ok(Resolution::Replace),
        "keepBoth" => Ok(Resolution::KeepBoth),
        _ => Err(ApiError::invalid(
            format!("{r:?} is not a decision"),
            "choose Skip, Replace or Keep both",
        )),
    }
}

pub(crate) async fn apply(S(state): S<Arc<State>>, Json(req): Json<ApplyIn>) -> ApiResult<Value> {
    let resolutions = req
        .resolutions
        .iter()
        .map(|r| resolution(r))
        .collect::<Result<Vec<_>, _>>()?;
    // The plan stays kept while it is applied: a decision list that does not fit it (the
    // library's `Resolutions` error) leaves it for a corrected try; anything else ends it.
    let plan = state
        .imports
        .lock()
        .as_ref()
        .filter(|(id, _)| id.to_string() == req.plan_id)
        .map(|(_, plan)| plan.clone())
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::CONFLICT,
                "this import plan is no longer current",
                "review the import again; nothing was imported",
            )
        })?;
    let kept = plan.clone();
    let applied = with_vault(&state, move |v| Ok(apply_plan(v, &kept, &resolutions))).await?;
    if !matches!(applied, Err(ApplyError::Resolutions { .. })) {
        let mut pending = state.imports.lock();
        if pending.as_ref().is_some_and(|(_, p)| Arc::ptr_eq(p, &plan)) {
            *pending = None;
        }
    }
    let report = applied.map_err(|e| {
        let hint = e.hint();
        ApiError::from(e).hint(hint)
    })?;
    Ok(Json(report.to_json()))
}

/// `POST /api/import/discard`: the page closed the import without applying it; the kept plan
/// (which holds the incoming values) is dropped now instead of at the next plan.
pub(crate) async fn discard(S(state): S<Arc<State>>) -> ApiResult<Value> {
    let dropped = state.imports.lock().take().is_some();
    Ok(Json(json!({ "discarded": dropped })))
}
