//! Rules for export passwords: at least 12 characters and not obviously guessable.
//!
//! The password is used as its UTF-8 bytes, exactly as typed (no normalisation, no trimming).

use zeroize::Zeroizing;

/// Fewest characters accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Most bytes accepted.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// Why a password was refused. Never contains the password.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    /// Shorter than the minimum.
    #[error("the password has {chars} characters; at least {MIN_PASSWORD_CHARS} are required")]
    TooShort {
        /// Its length in characters.
        chars: usize,
    },
    /// Longer than the maximum.
    #[error("the password is longer than {MAX_PASSWORD_BYTES} bytes")]
    TooLong,
    /// Built from very few distinct characters (`aaaaaaaaaaaa`, `abababababab`).
    #[error("the password repeats too few different characters")]
    Repetitive,
    /// A run of a keyboard, alphabet or digit sequence.
    #[error("the password is a keyboard, alphabet or number sequence")]
    Sequence,
    /// On the list of common passwords.
    #[error("the password is a commonly used password")]
    Common,
}

const SEQUENCES: &[&str] = &[
    "01234567890123456789012345678901234567890",
    "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz",
    "qwertyuiopasdfghjklzxcvbnmqwertyuiopasdfghjklzxcvbnm",
    "qwertzuiopasdfghjklyxcvbnm",
    "azertyuiopqsdfghjklmwxcvbn",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
    "1q2w3e4r5t6y7u8i9o0p",
];

/// Common passwords of 12 or more characters (compared ignoring case).
const COMMON: &[&str] = &[
    "password1234",
    "password12345",
    "password123456",
    "password123!",
    "passwordpassword",
    "p@ssw0rd1234",
    "p@ssword1234",
    "qwerty123456",
    "qwertyuiop123",
    "iloveyou1234",
    "123456789abc",
    "abc123abc123",
    "administrator",
    "letmein12345",
    "welcome12345",
    "welcome@1234",
    "changeme1234",
    "football1234",
    "baseball1234",
    "superman1234",
    "trustno1trustno1",
    "monkey123456",
    "dragon123456",
    "sunshine1234",
    "princess1234",
    "masterkey123",
    "qazwsxedcrfv",
    "asdfghjkl123",
    "mypassword123",
    "mypassword1",
    "correcthorsebatterystaple",
    "secretpassword",
    "supersecret123",
    "passw0rd1234",
    "iloveyou12345",
    "1234qwerasdf",
    "qwer1234asdf",
    "zaq12wsxcde3",
    "1qazxsw23edc",
    "letmeinplease",
    "companyname123",
    "default12345",
    "password2024",
    "password2025",
    "password2026",
    "summer2024!!",
    "winter2025!!",
];

/// Checks an export password against the rules.
pub fn check_export_password(password: &str) -> Result<(), PasswordError> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(PasswordError::TooShort { chars });
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(PasswordError::TooLong);
    }
    // Every derived copy of the password is zeroed when dropped (heap buffers sized up front,
    // so no reallocation leaves a stale copy behind).
    let mut lower = Zeroizing::new(String::with_capacity(password.len() * 2));
    lower.extend(password.chars().flat_map(char::to_lowercase));
    let mut distinct: Zeroizing<Vec<char>> = Zeroizing::new(Vec::with_capacity(lower.len()));
    distinct.extend(lower.chars());
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < 4 {
        return Err(PasswordError::Repetitive);
    }
    let mut reversed = Zeroizing::new(String::with_capacity(lower.len()));
    reversed.extend(lower.chars().rev());
    if SEQUENCES
        .iter()
        .any(|s| s.contains(lower.as_str()) || s.contains(reversed.as_str()))
    {
        return Err(PasswordError::Sequence);
    }
    if COMMON.iter().any(|c| *c == lower.as_str()) {
        return Err(PasswordError::Common);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        assert_eq!(
            check_export_password("short"),
            Err(PasswordError::TooShort { chars: 5 })
        );
        assert_eq!(
            check_export_password("ééééééééééé"),
            Err(PasswordError::TooShort { chars: 11 })
        );
        assert_eq!(
            check_export_password("aaaaaaaaaaaa"),
            Err(PasswordError::Repetitive)
        );
        assert_eq!(
            check_export_password("abababababab"),
            Err(PasswordError::Repetitive)
        );
        assert_eq!(
            check_export_password("123456789012"),
            Err(PasswordError::Sequence)
        );
        assert_eq!(
            check_export_password("lkjhgfdsapoiu"),
            Err(PasswordError::Sequence)
        );
        assert_eq!(
            check_export_password("ABCDEFGHIJKLM"),
            Err(PasswordError::Sequence)
        );
        assert_eq!(
            check_export_password("Password1234"),
            Err(PasswordError::Common)
        );
        assert_eq!(
            check_export_password(&"x1".repeat(600)),
            Err(PasswordError::TooLong)
        );
        for ok in [
            "correct horse battery",
            "tangerine-olive-7-kite",
            "Zq8#kLm2!vRp",
        ] {
            assert_eq!(check_export_password(ok), Ok(()), "{ok}");
        }
    }
}
