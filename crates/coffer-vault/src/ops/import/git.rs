//! Loading exports from a remote git repository: a shallow clone with the system `git` into a
//! private temporary directory that is removed afterwards.
//!
//! Refused: `ext::` and every other `transport::` remote-helper form, URLs starting with `-`,
//! paths that leave the repository, and symbolic links inside it.

use super::source::{Loaded, SourceError, load_path};
use crate::{Classify, ErrorKind};
use std::path::{Component, Path};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Time limit for each git command.
pub const TIMEOUT: Duration = Duration::from_secs(300);

/// A git source failed.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// The URL form is refused.
    #[error("refused git URL: {reason}")]
    RefusedUrl {
        /// Why.
        reason: &'static str,
    },
    /// `--path` is not inside the repository.
    #[error("refused --path: {reason}")]
    BadPath {
        /// Why.
        reason: &'static str,
    },
    /// `--ref` is not a plausible ref.
    #[error("refused --ref: it must be a branch, tag or commit id without spaces or a leading '-'")]
    BadRef,
    /// `git` is not installed.
    #[error("git is not installed (needed for --git)")]
    NotInstalled,
    /// A git command failed.
    #[error("git {step} failed: {detail}")]
    Failed {
        /// Which step (`clone`, `fetch`, …).
        step: &'static str,
        /// git's last message line, credentials removed.
        detail: String,
    },
    /// A git command ran too long.
    #[error("git {step} took longer than {} seconds", TIMEOUT.as_secs())]
    TimedOut {
        /// Which step.
        step: &'static str,
    },
    /// A file in the checkout could not be loaded.
    #[error(transparent)]
    Load(Box<SourceError>),
}

impl Classify for GitError {
    fn kind(&self) -> ErrorKind {
        match self {
            GitError::RefusedUrl { .. } | GitError::BadPath { .. } | GitError::BadRef => {
                ErrorKind::InvalidInput
            }
            GitError::NotInstalled | GitError::Failed { .. } | GitError::TimedOut { .. } => {
                ErrorKind::Io
            }
            GitError::Load(e) => e.kind(),
        }
    }
}

/// Refuses remote-helper syntax (`ext::sh -c …`, `fd::…`) and option-like URLs.
pub fn check_url(url: &str) -> Result<(), GitError> {
    let refuse = |reason| Err(GitError::RefusedUrl { reason });
    if url.is_empty() {
        return refuse("it is empty");
    }
    if url.starts_with('-') {
        return refuse("it starts with '-'");
    }
    if let Some((transport, _)) = url.split_once("::")
        && !transport.is_empty()
        && transport
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    {
        return refuse("remote-helper URLs (such as ext::) are not allowed");
    }
    if url.chars().any(char::is_control) {
        return refuse("it contains control characters");
    }
    if has_scheme(url, "git://") {
        return refuse("git:// is unauthenticated and unencrypted; use https:// or ssh");
    }
    if has_scheme(url, "http://")
        && !reqwest::Url::parse(url).is_ok_and(|u| super::url::is_loopback(&u))
    {
        return refuse("plain http:// is allowed only to this machine; use https:// or ssh");
    }
    Ok(())
}

fn check_ref(r: &str) -> Result<(), GitError> {
    if r.is_empty()
        || r.starts_with('-')
        || r.contains("..")
        || r.chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, ':' | '~' | '^' | '\\'))
    {
        return Err(GitError::BadRef);
    }
    Ok(())
}

fn check_path(p: &str) -> Result<(), GitError> {
    let path = Path::new(p);
    if path.is_absolute() {
        return Err(GitError::BadPath {
            reason: "it must be relative to the repository root",
        });
    }
    if path
        .components()
        .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return Err(GitError::BadPath {
            reason: "it must stay inside the repository (no '..')",
        });
    }
    Ok(())
}

/// Transports git may use: https, ssh and local files; plain http only to this machine. The
/// unauthenticated `git://` and remote `http://` could be read or altered in transit.
/// Whether `url` starts with `scheme` in any case: git and URL parsers read `GIT://` as `git://`.
fn has_scheme(url: &str, scheme: &str) -> bool {
    url.get(..scheme.len())
        .is_some_and(|s| s.eq_ignore_ascii_case(scheme))
}

fn allowed_protocols(args: &[&str]) -> &'static str {
    // `check_url` already refused remote http://, so any http:// argument here is loopback.
    let loopback_http = args.iter().any(|a| has_scheme(a, "http://"));
    if loopback_http {
        "file:https:ssh:http"
    } else {
        "file:https:ssh"
    }
}

/// Removes `user:password@` from any URL-looking text.
fn scrub(line: &str) -> String {
    let mut out = String::new();
    for word in line.split(' ') {
        let w = match (word.find("://"), word.rfind('@')) {
            (Some(s), Some(at)) if at > s => format!("{}***{}", &word[..s + 3], &word[at..]),
            _ => word.to_string(),
        };
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&w);
    }
    out
}

fn git(step: &'static str, dir: &Path, args: &[&str]) -> Result<String, GitError> {
    let mut cmd = child_command("git");
    cmd.args([
        "-c",
        "protocol.ext.allow=never",
        "-c",
        "core.symlinks=false",
        "-c",
        "core.hooksPath=/dev/null",
    ])
    .args(args)
    .current_dir(dir)
    .env("GIT_TERMINAL_PROMPT", "0")
    .env("GIT_ALLOW_PROTOCOL", allowed_protocols(args))
    .env("GIT_CONFIG_NOSYSTEM", "1")
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    // Started and tracked in one step: an interrupt can never miss it.
    let mut child = crate::cleanup::spawn_tracked(&mut cmd).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            GitError::NotInstalled
        } else {
            GitError::Failed {
                step,
                detail: e.to_string(),
            }
        }
    })?;
    // Drain both pipes while waiting, so a chatty remote cannot stall git on a full pipe.
    let drain = |pipe: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut buf);
            }
            buf
        })
    };
    let out_reader = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn std::io::Read + Send>),
    );
    let err_reader = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn std::io::Read + Send>),
    );
    // git runs as the leader of its own process group: on timeout, on an early return, on a
    // panic or on an interrupt (the cleanup registry), the whole group (ssh, helpers) is killed.
    let group = GroupGuard(child.id());
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > TIMEOUT => {
                drop(group);
                let _ = child.wait();
                return Err(GitError::TimedOut { step });
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => {
                return Err(GitError::Failed {
                    step,
                    detail: e.to_string(),
                });
            }
        }
    };
    // Reaped: its process group id may be reused from now on, so it is forgotten, not killed.
    group.reaped();
    let stdout = out_reader.join().unwrap_or_default();
    let stderr = err_reader.join().unwrap_or_default();
    if !status.success() {
        let stderr = String::from_utf8_lossy(&stderr);
        // The last few lines: git's own "fatal:" comes after the reason from ssh or the remote
        // ("ssh: Could not resolve hostname …", "Permission denied (publickey)").
        let lines: Vec<&str> = stderr
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        let tail = lines[lines.len().saturating_sub(3)..].join("; ");
        let last: String = if tail.is_empty() {
            "no message".into()
        } else {
            tail.chars().take(300).collect()
        };
        return Err(GitError::Failed {
            step,
            detail: scrub(&last),
        });
    }
    Ok(String::from_utf8_lossy(&stdout).trim().to_string())
}

struct Untrack(std::path::PathBuf);

impl Drop for Untrack {
    fn drop(&mut self) {
        crate::cleanup::untrack(&self.0);
    }
}

/// A command for a child process: none of Coffer's own variables (`COFFER_VAULT_KEY`,
/// `COFFER_IMPORT_PASSWORD`, `COFFER_EXPORT_PASSWORD`, `COFFER_TEAM_TOKEN`, …) reach it, and it
/// starts its own process group so that it and its children can be stopped together.
pub(crate) fn child_command(program: &str) -> Command {
    use std::os::unix::process::CommandExt;
    let mut c = Command::new(program);
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("COFFER_") {
            c.env_remove(&k);
        }
    }
    c.process_group(0);
    c
}

/// Tracks a child's process group in the cleanup registry; dropping it kills the group.
struct GroupGuard(u32);

impl GroupGuard {
    /// The leader was waited for: forget the group without signalling it.
    fn reaped(self) {
        crate::cleanup::untrack_group(self.0);
        std::mem::forget(self);
    }
}

impl Drop for GroupGuard {
    /// Not reaped yet (timeout, early return, panic): the leader's pid still names the group.
    fn drop(&mut self) {
        crate::cleanup::kill_group(self.0);
        crate::cleanup::untrack_group(self.0);
    }
}

fn is_commit_id(r: &str) -> bool {
    (r.len() == 40 || r.len() == 64) && r.chars().all(|c| c.is_ascii_hexdigit())
}

/// Clones `url` at `reference` (shallow) and loads `path` (a file or folder; root by default).
pub fn load(
    url: &str,
    reference: Option<&str>,
    path: Option<&str>,
) -> Result<Vec<Loaded>, GitError> {
    check_url(url)?;
    if let Some(r) = reference {
        check_ref(r)?;
    }
    if let Some(p) = path {
        check_path(p)?;
    }
    // Removed when `tmp` drops, or by the interrupt handler if the process is stopped first.
    let tmp = crate::cleanup::create_tracked(
        || tempfile::Builder::new().prefix("coffer-git-").tempdir(),
        |t| t.path().to_path_buf(),
    )
    .map_err(|e| GitError::Failed {
        step: "setup",
        detail: e.to_string(),
    })?;
    let cleanup = Untrack(tmp.path().to_path_buf());
    let repo = tmp.path().join("repo");
    let repo_arg = repo.to_string_lossy().to_string();
    match reference {
        Some(commit) if is_commit_id(commit) => {
            std::fs::create_dir(&repo).map_err(|e| GitError::Failed {
                step: "setup",
                detail: e.to_string(),
            })?;
            git("init", &repo, &["init", "--quiet"])?;
            git("remote", &repo, &["remote", "add", "origin", "--", url])?;
            git(
                "fetch",
                &repo,
                &["fetch", "--quiet", "--depth", "1", "origin", commit],
            )?;
            git("checkout", &repo, &["checkout", "--quiet", "FETCH_HEAD"])?;
        }
        branch => {
            let mut args = vec!["clone", "--quiet", "--depth", "1", "--no-tags"];
            if let Some(b) = branch {
                args.extend(["--branch", b]);
            }
            args.extend(["--", url, &repo_arg]);
            git("clone", tmp.path(), &args)?;
        }
    }
    let commit = git("rev-parse", &repo, &["rev-parse", "--short=12", "HEAD"])?;
    let target = match path {
        Some(p) => repo.join(p),
        None => repo.clone(),
    };
    let loaded = load_path(&target, false).map_err(|e| GitError::Load(Box::new(e)))?;
    drop(cleanup);
    let shown = match reference {
        Some(r) => format!("{}@{r}", scrub(url)),
        None => scrub(url),
    };
    Ok(loaded
        .into_iter()
        .map(|mut l| {
            let inside = Path::new(&l.label)
                .strip_prefix(&repo)
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            l.label = format!("{shown} ({commit}) {inside}");
            l
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_refusals() {
        for bad in [
            "ext::sh -c touch% /tmp/pwned",
            "fd::17",
            "-uhelp",
            "",
            "a\nb",
            "git://example.com/r.git",
            "http://example.com/r.git",
            "http://localhost.invalid/r.git",
            "http://127.0.0.1.example.com/r.git",
            // Schemes in any case: git reads GIT:// as git://.
            "GIT://example.com/r.git",
            "Git://example.com/r.git",
            "HTTP://example.com/r.git",
        ] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
        for ok in [
            "https://example.com/repo.git",
            "git@github.com:org/repo.git",
            "ssh://git@host/repo",
            "/tmp/repo.git",
            "file:///tmp/repo.git",
            "http://127.0.0.1:8080/r.git",
            "HTTP://127.0.0.1:8080/r.git",
        ] {
            assert!(check_url(ok).is_ok(), "{ok}");
        }
        assert_eq!(
            allowed_protocols(&["HTTP://127.0.0.1/r.git"]),
            "file:https:ssh:http"
        );
    }

    #[test]
    fn path_and_ref_refusals() {
        assert!(check_path("../etc").is_err());
        assert!(check_path("/etc").is_err());
        assert!(check_path("exports/a.json").is_ok());
        assert!(check_ref("--upload-pack=x").is_err());
        assert!(check_ref("main").is_ok());
        assert!(check_ref("v1.2.3").is_ok());
        assert!(check_ref("a b").is_err());
    }

    #[test]
    fn credentials_scrubbed() {
        assert_eq!(
            scrub("fatal: could not read https://user:tok@host/r.git"),
            "fatal: could not read https://***@host/r.git"
        );
    }
}
