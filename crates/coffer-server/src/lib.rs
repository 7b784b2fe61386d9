//! The Coffer team server: teams, members, roles, plans, and the vault export policy, signed so
//! that vaults can verify it offline. See `docs/team-server.md` and `docs/openapi.yaml`.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod api;
pub mod clock;
pub mod db;
pub mod limit;
pub mod names;
pub mod serve;
pub mod token;

pub use db::Db;
