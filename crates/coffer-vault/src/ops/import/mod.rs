//! `import`: load exports from files, folders, stdin, links or git; plan against the vault
//! (new / identical / duplicate); apply the plan in one transaction.
//!
//! The steps are separate so a front end can show the plan, ask about each duplicate, or stop.

pub mod apply;
pub mod git;
pub mod plan;
pub mod read;
pub mod source;
pub mod url;

pub use apply::{ApplyError, ImportReport, Resolution, apply};
pub use plan::{Against, Change, Incoming, Plan, PlanItem, Status, plan};
pub use read::{ReadError, read_export};
pub use source::{Loaded, Source, SourceError, load};
