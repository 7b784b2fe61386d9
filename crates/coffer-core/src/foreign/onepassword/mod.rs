//! 1Password's exports: the CSV file and the 1PUX archive.

mod csv;
mod pux;

pub(crate) use self::csv::is_header as is_csv_header;
pub use self::csv::read_csv;
pub use pux::{MAX_DATA_BYTES, read_pux};
