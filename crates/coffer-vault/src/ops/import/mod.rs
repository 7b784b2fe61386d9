//! `import`: load files from files, folders, stdin, links or git; read them (Coffer's exports or
//! another tool's); plan against the vault (new / identical / duplicate); apply the plan in one
//! transaction.
//!
//! The steps are separate so a front end can show the plan, ask about each duplicate, or stop.

pub mod apply;
pub mod git;
pub mod plan;
pub mod read;
pub mod source;
pub mod url;

pub use apply::{ApplyError, ImportReport, Resolution, apply};
pub use plan::{Against, Change, Incoming, Plan, PlanItem, Skipped, Status, plan};
pub use read::{ReadError, ReadOptions, SourceRead, read_export, read_source};
pub use source::{Loaded, Source, SourceError, load};
