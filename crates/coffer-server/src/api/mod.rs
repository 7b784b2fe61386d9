//! The HTTP JSON API (`docs/openapi.yaml`).

mod audit;
mod auth;
mod error;
mod extract;
mod members;
mod meta;
mod policy;

pub use auth::Caller;
pub use error::ApiError;
pub use extract::{AppJson, AppQuery};

use crate::Db;
use crate::limit::RateLimiter;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use coffer_core::policy::ServerSigningKey;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Largest request body accepted.
pub const BODY_LIMIT: usize = 16 * 1024;

/// Shared server state.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub db: Db,
    /// The policy signing key.
    pub key: Arc<ServerSigningKey>,
    /// How long a signed policy stays valid offline, in seconds.
    pub policy_ttl: i64,
    /// Per-request time limit.
    pub request_timeout: Duration,
    /// Rate limits (per replica).
    pub limits: Arc<Limits>,
    /// Signed policy statements, reused while most of their validity remains.
    pub policies: Arc<policy::PolicyCache>,
}

/// The rate limits a replica enforces (`docs/team-server.md`, "Facing a network").
#[derive(Debug)]
pub struct Limits {
    /// Export reports per member: a burst of 20, then one every 30 s.
    pub reports: RateLimiter,
    /// Failed authentications per client address: 20, then one every 3 s.
    pub failed_auth_by_address: RateLimiter,
    /// Failed authentications per member id named in the token: 10, then one every 10 s.
    pub failed_auth_by_token: RateLimiter,
    /// Requests being handled at once; more get 503 with `Retry-After: 1`.
    pub in_flight: Arc<tokio::sync::Semaphore>,
}

/// Requests handled at once by one replica.
pub const MAX_IN_FLIGHT: usize = 256;

impl Default for Limits {
    fn default() -> Self {
        Self {
            reports: RateLimiter::new(20, Duration::from_secs(30), 100_000),
            failed_auth_by_address: RateLimiter::new(20, Duration::from_secs(3), 100_000),
            failed_auth_by_token: RateLimiter::new(10, Duration::from_secs(10), 100_000),
            in_flight: Arc::new(tokio::sync::Semaphore::new(MAX_IN_FLIGHT)),
        }
    }
}

impl AppState {
    /// The state of a server on `db` (signing with its key) with default limits.
    pub fn new(db: Db, policy_ttl: i64, request_timeout: Duration) -> Self {
        Self {
            key: db.signing_key(),
            db,
            policy_ttl,
            request_timeout,
            limits: Arc::new(Limits::default()),
            policies: Arc::new(policy::PolicyCache::default()),
        }
    }
}

/// The API router.
pub fn router(state: AppState) -> Router {
    let timeout = state.request_timeout;
    let in_flight = state.limits.in_flight.clone();
    Router::new()
        .route("/v1/health", get(meta::health))
        .route("/v1/server-key", get(meta::server_key))
        .route("/v1/me", get(meta::me))
        .route("/v1/session", axum::routing::delete(meta::logout))
        .route(
            "/v1/policy/vault",
            get(policy::get_policy).put(policy::set_policy),
        )
        .route("/v1/members", get(members::list).post(members::add))
        .route("/v1/audit", get(audit::list))
        .route("/v1/audit/exports", post(audit::report_export))
        .fallback(|| async { ApiError::not_found("no such endpoint") })
        .method_not_allowed_fallback(|| async { ApiError::method_not_allowed() })
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn(move |req: Request, next: Next| {
            log_and_limit(req, next, timeout, in_flight.clone())
        }))
        .with_state(state)
}

/// One structured log line per request (method, path without query, status, latency); never
/// headers or bodies, so no token or secret reaches the log. Requests over the time limit get
/// 503; so do requests beyond [`MAX_IN_FLIGHT`] at once (`Retry-After: 1`), except the health
/// check.
async fn log_and_limit(
    req: Request,
    next: Next,
    timeout: Duration,
    in_flight: Arc<tokio::sync::Semaphore>,
) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let permit = if path == "/v1/health" {
        None
    } else {
        match in_flight.try_acquire_owned() {
            Ok(p) => Some(p),
            Err(_) => {
                return ApiError::busy().into_response();
            }
        }
    };
    let resp = match tokio::time::timeout(timeout, next.run(req)).await {
        Ok(r) => r,
        Err(_) => ApiError::timeout().into_response(),
    };
    drop(permit);
    tracing::info!(
        method = %method,
        path = %path,
        status = resp.status().as_u16(),
        latency_us = started.elapsed().as_micros() as u64,
        "request"
    );
    resp
}
