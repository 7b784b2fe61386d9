//! dotenv (`.env`) files: read (`parse`, then `read` for an import) and written (`write`).

mod parse;
mod read;
mod write;

pub use parse::{Entry, NotText, Parsed, Unreadable, parse};
pub use read::read;
pub use write::{WriteError, Written, is_key, write};
