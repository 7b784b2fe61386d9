//! Export and import passwords: from a file (or `/dev/fd/N`), an environment variable, or a
//! hidden prompt. Never from the command line.

use crate::failure::{Failure, code};
use crate::prompt;
use coffer_core::password::{MAX_PASSWORD_BYTES, check_export_password};
use secrecy::{ExposeSecret, SecretString};
use std::io::Read;
use std::path::Path;
use zeroize::Zeroizing;

/// Reads a password file: its content without trailing line endings.
fn from_file(path: &Path) -> Result<SecretString, Failure> {
    let mut buf = Zeroizing::new(Vec::with_capacity(MAX_PASSWORD_BYTES + 3));
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_PASSWORD_BYTES as u64 + 3).read_to_end(&mut buf))
        .map_err(|e| {
            Failure::new(
                code::IO,
                format!("cannot read the password file {}: {e}", path.display()),
                "check the path given to --password-file",
            )
        })?;
    if buf.len() > MAX_PASSWORD_BYTES + 2 {
        return Err(Failure::new(
            code::INVALID_INPUT,
            format!("the password file is longer than {MAX_PASSWORD_BYTES} bytes"),
            "a password file holds only the password (trailing newlines are ignored)",
        ));
    }
    // Every trailing line ending goes (`echo` adds one, editors sometimes two): a password
    // never ends in one.
    let mut end = buf.len();
    while end > 0 && matches!(buf[end - 1], b'\n' | b'\r') {
        end -= 1;
    }
    let text = std::str::from_utf8(&buf[..end]).map_err(|_| {
        Failure::new(
            code::INVALID_INPUT,
            "the password file is not UTF-8 text",
            "save the password as text",
        )
    })?;
    Ok(SecretString::from(text))
}

fn from_env(var: &str) -> Option<SecretString> {
    std::env::var(var)
        .ok()
        .filter(|v| !v.is_empty())
        .map(SecretString::from)
}

/// The password for a new encrypted export, checked against the rules.
pub fn for_export(file: Option<&Path>) -> Result<SecretString, Failure> {
    let password = if let Some(f) = file {
        from_file(f)?
    } else if let Some(p) = from_env("COFFER_EXPORT_PASSWORD") {
        p
    } else if prompt::interactive() {
        eprintln!(
            "Choose a password for the export: at least 12 characters; a few random words work well."
        );
        loop {
            let first = prompt::hidden("Export password: ")?;
            if let Err(e) = check_export_password(&first) {
                eprintln!("{e}. Try again.");
                continue;
            }
            let again = prompt::hidden("Repeat the password: ")?;
            if *first != *again {
                eprintln!("The passwords do not match. Try again.");
                continue;
            }
            break SecretString::from(first.as_str());
        }
    } else {
        return Err(Failure::new(
            code::INVALID_INPUT,
            "an encrypted export needs a password and there is no terminal to ask for one",
            "set COFFER_EXPORT_PASSWORD or pass --password-file FILE",
        ));
    };
    check_export_password(password.expose_secret()).map_err(|e| {
        Failure::new(
            code::INVALID_INPUT,
            e.to_string(),
            "use at least 12 characters that are not a common password or a sequence; a few random words work well",
        )
    })?;
    Ok(password)
}

/// Gives import passwords: the file or environment once, or up to three prompts.
pub fn for_import(
    file: Option<&Path>,
) -> Result<impl FnMut(&str, u32) -> Option<SecretString>, Failure> {
    let fixed = match file {
        Some(f) => Some(from_file(f)?),
        None => from_env("COFFER_IMPORT_PASSWORD"),
    };
    let interactive = prompt::interactive();
    Ok(move |label: &str, attempt: u32| -> Option<SecretString> {
        if let Some(p) = &fixed {
            return (attempt == 1).then(|| p.clone());
        }
        if !interactive || attempt > 3 {
            return None;
        }
        if attempt > 1 {
            eprintln!("That password does not open {label}.");
        }
        prompt::hidden(&format!("Password for {label}: "))
            .ok()
            .map(|p| SecretString::from(p.as_str()))
    })
}
