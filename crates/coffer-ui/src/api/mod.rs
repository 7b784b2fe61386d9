//! JSON endpoints, one operation per file. Each parses its input with the core's types, calls
//! the `coffer-vault` operation the CLI calls, and answers with what it returned. Errors carry
//! the operation's message and the hint the CLI prints.

pub(crate) mod cache_clear;
pub(crate) mod clear;
pub(crate) mod connections;
pub(crate) mod disconnect;
pub(crate) mod domains;
pub(crate) mod enable;
pub(crate) mod export;
pub(crate) mod history;
pub(crate) mod import;
pub(crate) mod key;
pub(crate) mod list;
pub(crate) mod remove;
pub(crate) mod reset;
pub(crate) mod reveal;
pub(crate) mod save;
pub(crate) mod status;
pub(crate) mod team;
pub(crate) mod undo;
pub(crate) mod verify;

use crate::State;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use coffer_vault::{Classify, ErrorKind, Vault};
use std::sync::Arc;

/// A failed call: the HTTP status, and the message and hint the CLI would print.
#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    error: String,
    hint: String,
    /// Extra fields for the page (e.g. which import source needs a password).
    extra: serde_json::Map<String, serde_json::Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, error: impl Into<String>, hint: impl Into<String>) -> Self {
        Self {
            status,
            error: error.into(),
            hint: hint.into(),
            extra: serde_json::Map::new(),
        }
    }

    pub fn invalid(error: impl Into<String>, hint: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, error, hint)
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = hint.into();
        self
    }

    pub fn message(&self) -> &str {
        &self.error
    }

    pub fn hint_text(&self) -> &str {
        &self.hint
    }

    pub fn with(mut self, key: &str, value: serde_json::Value) -> Self {
        self.extra.insert(key.to_string(), value);
        self
    }
}

impl<E: Classify + std::fmt::Display> From<E> for ApiError {
    fn from(e: E) -> Self {
        let kind = e.kind();
        let status = match kind {
            ErrorKind::NotFound => StatusCode::NOT_FOUND,
            ErrorKind::InvalidInput | ErrorKind::Unresolved => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorKind::Conflict | ErrorKind::AlreadyExists => StatusCode::CONFLICT,
            ErrorKind::Denied
            | ErrorKind::Forbidden
            | ErrorKind::Unauthorized
            | ErrorKind::NotJoined => StatusCode::FORBIDDEN,
            ErrorKind::Cancelled => StatusCode::BAD_REQUEST,
            ErrorKind::Unsupported => StatusCode::NOT_IMPLEMENTED,
            ErrorKind::Io => StatusCode::BAD_GATEWAY,
            ErrorKind::NotInitialized
            | ErrorKind::KeyMissing
            | ErrorKind::WrongKey
            | ErrorKind::Integrity
            | ErrorKind::Inconsistent => StatusCode::SERVICE_UNAVAILABLE,
        };
        Self::new(status, e.to_string(), kind.hint())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = self.extra;
        body.insert("error".into(), self.error.into());
        body.insert("hint".into(), self.hint.into());
        (self.status, Json(serde_json::Value::Object(body))).into_response()
    }
}

pub(crate) type ApiResult<T> = Result<Json<T>, ApiError>;

/// Runs `f` on the vault, opened for this call (so the page sees what the CLI changed), on a
/// thread where blocking is fine.
pub(crate) async fn with_vault<T: Send + 'static>(
    state: &Arc<State>,
    f: impl FnOnce(&mut Vault) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let state = state.clone();
    tokio::task::spawn_blocking(move || {
        let mut vault = Vault::open(&state.location, &state.key)?;
        f(&mut vault)
    })
    .await
    .map_err(|_| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the operation failed unexpectedly",
            "nothing was changed; see the terminal running `coffer ui`",
        )
    })?
}

/// A secret name from the page.
pub(crate) fn name(s: &str) -> Result<coffer_core::SecretName, ApiError> {
    coffer_core::SecretName::parse(s).map_err(|e| ApiError::from(e).hint(NAME_HINT))
}

/// An environment name from the page (`""` or absent: the default value).
pub(crate) fn environment(s: Option<&str>) -> Result<Option<coffer_core::EnvName>, ApiError> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(e) => coffer_core::EnvName::parse(e)
            .map(Some)
            .map_err(ApiError::from),
    }
}

/// An external vault provider id from the page.
pub(crate) fn provider(s: &str) -> Result<coffer_core::link::Provider, ApiError> {
    coffer_core::link::Provider::from_id(s).ok_or_else(|| {
        ApiError::invalid(
            format!("unknown provider {s:?}"),
            "providers are hashicorp-vault, aws-secrets-manager, azure-key-vault, one-password",
        )
    })
}

pub(crate) use coffer_vault::error::{DOMAIN_HINT, NAME_HINT};

/// Unknown paths under the session.
pub(crate) async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "no such page",
        "open / for the vault",
    )
}
