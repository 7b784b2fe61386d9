//! Hex, in one place: lower-case on output, either case on input, constant-time in both
//! directions (keys and tokens pass through here).

/// Lower-case hex of `bytes`.
pub fn encode(bytes: &[u8]) -> String {
    base16ct::lower::encode_string(bytes)
}

/// Decodes hex of either case into `out`, which must be exactly half as long as `text`.
pub fn decode_into(text: &[u8], out: &mut [u8]) -> Result<(), HexError> {
    if text.len() != out.len() * 2 {
        return Err(HexError);
    }
    base16ct::mixed::decode(text, out)
        .map(drop)
        .map_err(|_| HexError)
}

/// Decodes hex of either case (for ids and test vectors; keys use [`decode_into`]).
pub fn decode(text: &str) -> Result<Vec<u8>, HexError> {
    if !text.len().is_multiple_of(2) {
        return Err(HexError);
    }
    let mut out = vec![0u8; text.len() / 2];
    decode_into(text.as_bytes(), &mut out)?;
    Ok(out)
}

/// Not hex of the expected length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not hexadecimal of the expected length")]
pub struct HexError;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_values() {
        assert_eq!(encode(&[0x00, 0xab, 0xff]), "00abff");
        let mut out = [0u8; 3];
        decode_into(b"00ABff", &mut out).unwrap();
        assert_eq!(out, [0x00, 0xab, 0xff]);
        assert_eq!(decode_into(b"00ab", &mut out), Err(HexError));
        assert_eq!(decode_into(b"00abfg", &mut out), Err(HexError));
    }

    proptest! {
        #[test]
        fn round_trip(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let text = encode(&bytes);
            let mut out = vec![0u8; bytes.len()];
            decode_into(text.as_bytes(), &mut out).unwrap();
            prop_assert_eq!(out, bytes);
        }
    }
}
