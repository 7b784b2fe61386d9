//! CSV files whose columns are found by their header names (other tools reorder and add
//! columns between versions). Fields are read as UTF-8; a row that cannot be read is reported
//! with its line, never its content.

use super::{Collector, ForeignError};
use zeroize::Zeroizing;

/// One data row: its first line in the file and its fields by column.
pub(crate) struct Row {
    pub(crate) line: u64,
    fields: Vec<Zeroizing<String>>,
}

impl Row {
    /// The field of column `col` (empty if the row is short).
    pub(crate) fn get(&self, col: Option<usize>) -> &str {
        col.and_then(|c| self.fields.get(c))
            .map(|f| f.as_str())
            .unwrap_or_default()
    }
}

/// A table: its header (lowercased) and rows, or per row why it could not be read.
pub(crate) struct Table {
    header: Vec<String>,
    pub(crate) rows: Vec<Result<Row, (u64, String)>>,
}

impl Table {
    /// The index of the first column named one of `names` (case-insensitive).
    pub(crate) fn column(&self, names: &[&str]) -> Option<usize> {
        names
            .iter()
            .find_map(|n| self.header.iter().position(|h| h.eq_ignore_ascii_case(n)))
    }
}

/// The header of a CSV file, lowercased and trimmed, if its first record is one.
pub(crate) fn header(bytes: &[u8]) -> Option<Vec<String>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut rec = csv::ByteRecord::new();
    if !r.read_byte_record(&mut rec).ok()? {
        return None;
    }
    rec.iter()
        .map(|f| {
            std::str::from_utf8(f)
                .ok()
                .map(|s| s.trim().to_ascii_lowercase())
        })
        .collect()
}

/// Reads a CSV file with a header row.
pub(crate) fn read(bytes: &[u8], what: &str) -> Result<Table, ForeignError> {
    let header = header(bytes)
        .ok_or_else(|| ForeignError::Malformed(format!("the {what} has no header row")))?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut r = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(bytes);
    let mut rows = Vec::new();
    let mut rec = csv::ByteRecord::new();
    loop {
        match r.read_byte_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {
                let line = rec.position().map_or(0, |p| p.line());
                let fields: Option<Vec<Zeroizing<String>>> = rec
                    .iter()
                    .map(|f| {
                        std::str::from_utf8(f)
                            .ok()
                            .map(|s| Zeroizing::new(s.to_string()))
                    })
                    .collect();
                rows.push(match fields {
                    Some(fields) => Ok(Row { line, fields }),
                    None => Err((line, "it is not UTF-8 text".to_string())),
                });
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                // csv's messages name positions, never field content.
                rows.push(Err((line, "it is not valid CSV".to_string())));
                if !matches!(e.kind(), csv::ErrorKind::Utf8 { .. }) {
                    break;
                }
            }
        }
    }
    Ok(Table { header, rows })
}

/// A password manager's CSV export: its table and its `Title` and `Password` columns (both
/// required).
pub(crate) struct Logins {
    pub(crate) table: Table,
    pub(crate) title: Option<usize>,
    pub(crate) password: Option<usize>,
}

/// Reads a password manager's CSV export (`what` names it in errors).
pub(crate) fn read_logins(bytes: &[u8], what: &str) -> Result<Logins, ForeignError> {
    let table = read(bytes, what)?;
    let (title, password) = (table.column(&["title"]), table.column(&["password"]));
    if title.is_none() || password.is_none() {
        return Err(ForeignError::Malformed(format!(
            "the {what} has no Title or Password column"
        )));
    }
    Ok(Logins {
        table,
        title,
        password,
    })
}

impl Table {
    /// Calls `each` for every readable data row; a row that cannot be read is listed.
    pub(crate) fn each_row(&self, c: &mut Collector, mut each: impl FnMut(&mut Collector, &Row)) {
        for row in &self.rows {
            match row {
                Ok(r) => each(c, r),
                Err((line, why)) => c.skip(format!("line {line}"), why.clone()),
            }
        }
    }
}
