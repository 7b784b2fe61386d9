//! What `request`, `run`, `inject` and `refs` share: reading references out of their inputs and
//! resolving them in one go, with one error naming every reference that failed.

use crate::cli::ActiveEnv;
use crate::context::Context;
use crate::failure::{Failure, code};
use crate::mask::Masker;
use coffer_core::reference::Template;
use coffer_core::{Destination, EnvName, SecretName};
use coffer_vault::ops::resolve::{ResolveError, ResolveRequest, Resolved, Unresolvable, resolve};
use std::collections::BTreeSet;

/// Parses `bytes` as a template; malformed references become one failure naming each place.
pub fn parse(label: &str, bytes: &[u8]) -> Result<Template, Failure> {
    Template::parse(bytes).map_err(|bad| {
        let list = bad
            .iter()
            .map(|m| format!("{label}, {m}"))
            .collect::<Vec<_>>()
            .join("; ");
        Failure::new(
            code::INVALID_INPUT,
            list,
            "a reference is {{vault:NAME}} exactly (lowercase, no spaces); write \\{{vault:NAME}} for the text itself",
        )
    })
}

/// Parses the `--for URL` destinations.
pub fn destinations(urls: &[String]) -> Result<Vec<Destination>, Failure> {
    urls.iter()
        .map(|u| {
            Destination::parse(u).map_err(|e| {
                Failure::from(e).hint("--for takes the URL the command will send the values to, e.g. https://api.example.com")
            })
        })
        .collect()
}

/// The values for every name used in `sources`, or one failure listing each that cannot
/// resolve.
pub fn values(
    ctx: &Context,
    sources: &[&Template],
    env: Option<&EnvName>,
    destinations: &[Destination],
) -> Result<Resolved, Failure> {
    let names: BTreeSet<&SecretName> = sources.iter().flat_map(|t| t.names()).collect();
    if names.is_empty() {
        return Ok(Resolved::new());
    }
    let mut vault = ctx.open()?;
    resolve(
        &mut vault,
        &ResolveRequest {
            names,
            environment: env,
            destinations,
        },
    )
    .map_err(failure)
}

/// The failure for a resolve error, with the hint that fits its first kind of problem.
pub fn failure(e: ResolveError) -> Failure {
    let hint = match &e {
        ResolveError::Unresolved(failed) => {
            let link_hint = failed.iter().find_map(|x| match &x.reason {
                Unresolvable::Link { hint, .. } => Some(hint.clone()),
                _ => None,
            });
            let has = |f: fn(&Unresolvable) -> bool| failed.iter().any(|x| f(&x.reason));
            if has(|r| matches!(r, Unresolvable::NoDestination { .. })) {
                "name where the values go with --for URL; a secret with allowed domains resolves only for them"
            } else if has(|r| matches!(r, Unresolvable::NotAllowed { .. })) {
                "nothing was sent; if the destination is right, add it with `coffer domains NAME --set LIST`"
            } else if has(|r| matches!(r, Unresolvable::Disabled)) {
                "enable a disabled secret with `coffer enable NAME`"
            } else if has(|r| matches!(r, Unresolvable::Unknown)) {
                "`coffer list` shows the secrets in this vault; add one with `coffer set NAME`"
            } else {
                return Failure::from(e).hint(link_hint.unwrap_or_default());
            }
        }
        ResolveError::Store(_) => "",
    };
    let f = Failure::from(e);
    if hint.is_empty() { f } else { f.hint(hint) }
}

/// The active environment from `--env` / `COFFER_ENV`; empty means none (`COFFER_ENV=`).
pub fn environment(env: &ActiveEnv) -> Result<Option<EnvName>, Failure> {
    crate::commands::env_name(env.env.as_deref().filter(|e| !e.is_empty()))
}

/// A masker for every resolved value.
pub fn masker(values: &Resolved) -> Masker {
    Masker::new(values.values().map(|v| v.value.expose().as_bytes()))
}

/// Renders a template with resolved values (every name was resolved).
pub fn render(t: &Template, values: &Resolved) -> zeroize::Zeroizing<Vec<u8>> {
    t.render(|n| values.get(n).map(|v| v.value.expose().as_bytes()))
        .expect("values() resolved every name the template references, or failed")
}

/// Largest template or body read (64 MiB).
pub const MAX_INPUT: u64 = 64 * 1024 * 1024;

/// Reads a template, body or dotenv file (`-`: stdin), up to [`MAX_INPUT`].
pub fn read_input(path: &std::path::Path) -> Result<zeroize::Zeroizing<Vec<u8>>, Failure> {
    use std::io::Read;
    let shown = || crate::term::shown(path);
    let fail = |e: std::io::Error| {
        Failure::new(
            code::IO,
            format!("cannot read {}: {e}", shown()),
            "check the path",
        )
    };
    let mut buf = zeroize::Zeroizing::new(Vec::new());
    let reader: Box<dyn Read> = if path == std::path::Path::new("-") {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(std::fs::File::open(path).map_err(fail)?)
    };
    reader
        .take(MAX_INPUT + 1)
        .read_to_end(&mut buf)
        .map_err(fail)?;
    if buf.len() as u64 > MAX_INPUT {
        return Err(Failure::new(
            code::INVALID_INPUT,
            format!("{} is larger than 64 MiB", shown()),
            "templates and bodies are read into memory; split the file",
        ));
    }
    Ok(buf)
}
