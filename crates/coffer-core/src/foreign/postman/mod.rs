//! Postman environments, globals and collection variables: read for an import, and written as
//! an environment (`coffer export --format postman-env`) for people going back.

mod read;
mod write;

pub use read::read;
pub use write::{Written, write};
