//! 1Password through the `op` CLI, the second path (`docs/links.md`): `op read` with a service
//! account token given to `op` in its environment (`OP_SERVICE_ACCOUNT_TOKEN`), never in its
//! arguments. `op` is found on `PATH` at each use; it runs in its own process group with no
//! input, and is killed if it has not answered within the request time.

use super::{LinkError, http};
use coffer_core::SecretValue;
use coffer_core::link::Provider;
use secrecy::{ExposeSecret, SecretString};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};

const P: Provider = Provider::OnePassword;

/// Runs `op ARGS` with `token`; its stdout, or why it failed.
fn op(token: &SecretString, args: &[&str]) -> Result<zeroize::Zeroizing<Vec<u8>>, LinkError> {
    let mut cmd = Command::new("op");
    // Only the service account token decides who `op` is and where it goes: no Connect server,
    // account or session of the caller's environment.
    for (k, _) in std::env::vars_os() {
        if k.to_str().is_some_and(|k| {
            k.starts_with("OP_SESSION_")
                || matches!(k, "OP_CONNECT_HOST" | "OP_CONNECT_TOKEN" | "OP_ACCOUNT")
        }) {
            cmd.env_remove(k);
        }
    }
    cmd.args(args)
        .env("OP_SERVICE_ACCOUNT_TOKEN", token.expose_secret())
        // Never an interactive sign-in or a desktop-app prompt.
        .env("OP_BIOMETRIC_UNLOCK_ENABLED", "false")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    // Tracked: an interrupt of Coffer kills `op` and anything it started.
    let child = crate::cleanup::spawn_tracked(&mut cmd).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            LinkError::BadSettings(
                "the 1Password CLI `op` is not installed (not found on PATH)".into(),
            )
        } else {
            LinkError::Unreachable {
                provider: P,
                reason: format!("cannot run op: {e}"),
            }
        }
    })?;
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let answered = rx.recv_timeout(http::TIMEOUT);
    if answered.is_err() {
        crate::cleanup::kill_group(pid);
    }
    crate::cleanup::untrack_group(pid);
    let out = match answered {
        Ok(r) => r.map_err(|e| LinkError::Unreachable {
            provider: P,
            reason: format!("op failed: {e}"),
        })?,
        Err(_) => {
            return Err(LinkError::Unreachable {
                provider: P,
                reason: format!("op did not answer within {} s", http::TIMEOUT.as_secs()),
            });
        }
    };
    if out.status.success() {
        return Ok(zeroize::Zeroizing::new(out.stdout));
    }
    // `op` prints one `[ERROR] DATE TIME message` line; the message carries no secret.
    let text = String::from_utf8_lossy(&out.stderr);
    let last = text
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("op failed");
    // `[ERROR] 2026/11/29 04:00:00 message`: the message.
    let msg = http::clean(last.splitn(4, ' ').last().unwrap_or(last))
        .unwrap_or_else(|| "op failed".into());
    let lower = msg.to_lowercase();
    Err(
        if lower.contains("token") || lower.contains("authenticat") || lower.contains("sign in") {
            LinkError::CredentialsExpired { provider: P }
        } else if lower.contains("isn't")
            || lower.contains("not found")
            || lower.contains("no item")
        {
            LinkError::NotFound {
                provider: P,
                what: msg,
            }
        } else if lower.contains("permission") || lower.contains("forbidden") {
            LinkError::AccessDenied {
                provider: P,
                what: msg,
            }
        } else {
            LinkError::BadResponse {
                provider: P,
                reason: format!("op: {msg}"),
            }
        },
    )
}

/// Checks the service account token with `op whoami`.
pub fn login(token: &SecretString) -> Result<(), LinkError> {
    op(token, &["whoami", "--format", "json"])
        .map(|_| ())
        .map_err(|e| match e {
            LinkError::CredentialsExpired { .. } => LinkError::LoginRefused {
                provider: P,
                reason: "op did not accept the service account token".into(),
            },
            other => other,
        })
}

/// `op read --no-newline REFERENCE`.
pub fn read(token: &SecretString, reference: &str) -> Result<SecretValue, LinkError> {
    let out = op(token, &["read", "--no-newline", reference])?;
    let text = std::str::from_utf8(&out).map_err(|_| LinkError::BadResponse {
        provider: P,
        reason: "op printed a value that is not UTF-8 text".into(),
    })?;
    SecretValue::new(text.to_string()).map_err(|e| LinkError::BadResponse {
        provider: P,
        reason: format!("the value cannot be a Coffer value: {e}"),
    })
}
