//! KeePass databases (KDBX 3.1 and 4) and KeePassXC's CSV export.

mod csv;
pub mod kdbx;

pub(crate) use self::csv::is_header as is_csv_header;
pub use self::csv::read_csv;
