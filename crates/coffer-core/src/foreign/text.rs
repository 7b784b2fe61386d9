//! Lenient JSON scalars for other tools' files: hand-made and older files put numbers or `null`
//! where text is expected. A value is kept in zeroing memory; a JSON error never quotes the file.

use serde::de::{Deserializer, Visitor};
use zeroize::Zeroizing;

/// A JSON string, number or boolean as text (`null` as empty).
pub(crate) struct Text(pub(crate) Zeroizing<String>);

impl Text {
    pub(crate) fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl<'de> serde::Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Text;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("text, a number, a boolean or null")
            }
            fn visit_str<E>(self, v: &str) -> Result<Text, E> {
                Ok(Text(Zeroizing::new(v.to_string())))
            }
            fn visit_string<E>(self, v: String) -> Result<Text, E> {
                Ok(Text(Zeroizing::new(v)))
            }
            fn visit_bool<E>(self, v: bool) -> Result<Text, E> {
                Ok(Text(Zeroizing::new(v.to_string())))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Text, E> {
                Ok(Text(Zeroizing::new(v.to_string())))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Text, E> {
                Ok(Text(Zeroizing::new(v.to_string())))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Text, E> {
                Ok(Text(Zeroizing::new(v.to_string())))
            }
            fn visit_unit<E>(self) -> Result<Text, E> {
                Ok(Text(Zeroizing::new(String::new())))
            }
            fn visit_none<E>(self) -> Result<Text, E> {
                Ok(Text(Zeroizing::new(String::new())))
            }
        }
        d.deserialize_any(V)
    }
}

/// A JSON error as a message that names where, never what (serde's messages may quote a value).
pub(crate) fn json_error(what: &str, e: &serde_json::Error) -> super::ForeignError {
    use serde_json::error::Category;
    let why = match e.classify() {
        Category::Syntax => "is not valid JSON",
        Category::Eof => "ends too early",
        Category::Data => "does not have the expected shape",
        Category::Io => "cannot be read",
    };
    super::ForeignError::Malformed(format!(
        "the {what} {why} (line {}, column {})",
        e.line(),
        e.column()
    ))
}

/// A JSON value that is `true`.
pub(crate) fn is_true(v: &Option<serde_json::Value>) -> bool {
    v.as_ref().and_then(serde_json::Value::as_bool) == Some(true)
}

/// `bytes` without a UTF-8 byte order mark (editors on Windows add one; JSON readers refuse it).
pub(crate) fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}
