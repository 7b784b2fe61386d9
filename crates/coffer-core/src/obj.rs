//! `Obj<T>`: deserialises `T` only from a JSON object. Serde's derived structs also accept JSON
//! arrays (fields by position); a file format must not have two spellings.

use serde::de::value::MapAccessDeserializer;
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use std::marker::PhantomData;

/// A `T` that was written as a JSON object.
pub struct Obj<T>(pub T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Obj<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = T;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map))
            }
        }
        d.deserialize_map(V(PhantomData)).map(Obj)
    }
}

/// Written as `T` is.
impl<T: serde::Serialize> serde::Serialize for Obj<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct P {
        a: u32,
        b: String,
    }

    #[test]
    fn objects_only() {
        let ok: Obj<P> = serde_json::from_str(r#"{"a": 1, "b": "x"}"#).unwrap();
        assert_eq!(
            ok.0,
            P {
                a: 1,
                b: "x".into()
            }
        );
        assert!(
            serde_json::from_str::<P>(r#"[1, "x"]"#).is_ok(),
            "plain serde accepts arrays"
        );
        assert!(serde_json::from_str::<Obj<P>>(r#"[1, "x"]"#).is_err());
    }
}
