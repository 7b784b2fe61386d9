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
    secret_file(path, "--password-file", "password", MAX_PASSWORD_BYTES)
}

/// Longest credential file read (JWTs can run to a few KiB).
const MAX_CREDENTIAL_BYTES: usize = 64 * 1024;

/// Reads a file holding one secret (a password, token, JWT; `what`, given with `flag`): its
/// content without trailing line endings.
fn secret_file(path: &Path, flag: &str, what: &str, max: usize) -> Result<SecretString, Failure> {
    let mut buf = Zeroizing::new(Vec::with_capacity(max + 3));
    std::fs::File::open(path)
        .and_then(|f| f.take(max as u64 + 3).read_to_end(&mut buf))
        .map_err(|e| {
            Failure::new(
                code::IO,
                format!("cannot read the {what} file {}: {e}", path.display()),
                format!("check the path given to {flag}"),
            )
        })?;
    if buf.len() > max + 2 {
        return Err(Failure::new(
            code::INVALID_INPUT,
            format!("the {what} file is longer than {max} bytes"),
            format!("the file holds only the {what} (trailing newlines are ignored)"),
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
            format!("the {what} file is not UTF-8 text"),
            format!("save the {what} as text"),
        )
    })?;
    Ok(SecretString::from(text))
}

/// A credential for an external vault (`what`: "token", "secret id", "JWT"): from `file`
/// (given with `flag`), else the environment variable `env`, else a hidden prompt.
pub fn credential(
    what: &str,
    file: Option<&Path>,
    flag: &str,
    env: Option<&str>,
) -> Result<SecretString, Failure> {
    if let Some(f) = file {
        return secret_file(f, flag, what, MAX_CREDENTIAL_BYTES);
    }
    if let Some(v) = env.and_then(from_env) {
        return Ok(v);
    }
    if prompt::interactive() {
        let typed = prompt::hidden(&format!("{what}: "))?;
        return Ok(SecretString::from(typed.trim()));
    }
    let from = match env {
        Some(var) => format!("set {var} or pass {flag} FILE"),
        None => format!("pass {flag} FILE"),
    };
    Err(Failure::new(
        code::INVALID_INPUT,
        format!("the {what} is needed and there is no terminal to ask for it"),
        from,
    ))
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
