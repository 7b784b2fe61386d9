//! `coffer run -- COMMAND`: the command runs with the references in its environment resolved.

use crate::cli::RunArgs;
use crate::context::Context;
use crate::failure::{Failure, code};
use crate::mask::Masker;
use crate::resolve;
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::{Read, Write};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};

/// Variables that hold Coffer's own secrets: never passed to the command.
const WITHHELD: &[&str] = &[
    "COFFER_VAULT_KEY",
    "COFFER_EXPORT_PASSWORD",
    "COFFER_IMPORT_PASSWORD",
    "COFFER_TEAM_TOKEN",
];

pub fn run(ctx: &Context, args: RunArgs) -> Result<(), Failure> {
    let env = resolve::environment(&args.env)?;
    let destinations = resolve::destinations(&args.dest.urls)?;
    let mut vars: BTreeMap<OsString, OsString> = std::env::vars_os().collect();
    for file in &args.env_file {
        for (k, v) in read_env_file(file)? {
            vars.insert(k.into(), v.into());
        }
    }
    for k in WITHHELD {
        vars.remove(std::ffi::OsStr::new(k));
    }
    let mut templated = Vec::new();
    for (k, v) in &vars {
        if !v.as_bytes().windows(2).any(|w| w == b"{{") {
            continue;
        }
        // Every variable with `{{` is rendered, so escapes mean the same with or without a
        // reference beside them.
        let label = format!("variable {}", k.to_string_lossy());
        templated.push((k.clone(), resolve::parse(&label, v.as_bytes())?));
    }
    let templates: Vec<_> = templated.iter().map(|(_, t)| t).collect();
    let values = resolve::values(ctx, &templates, env.as_ref(), &destinations)?;
    for (k, t) in &templated {
        let rendered = resolve::render(t, &values);
        vars.insert(k.clone(), OsString::from_vec(rendered.to_vec()));
    }
    let masking = !args.no_masking && !values.is_empty();
    let (program, rest) = args.command.split_first().expect("clap requires a command");
    let mut cmd = Command::new(program);
    cmd.args(rest).env_clear().envs(&vars);
    if masking {
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    }
    crate::interrupt::start_forwarding();
    let spawned = cmd.spawn();
    if spawned.is_err() {
        crate::interrupt::forward_to(None);
    }
    let mut child = spawned.map_err(|e| {
        let shown = program.to_string_lossy();
        match e.kind() {
            std::io::ErrorKind::NotFound => Failure::new(
                code::COMMAND_NOT_FOUND,
                format!("command not found: {shown}"),
                "check the command's name and PATH",
            ),
            std::io::ErrorKind::PermissionDenied => Failure::new(
                code::COMMAND_NOT_EXECUTABLE,
                format!("cannot run {shown}: permission denied"),
                "check that the file is executable",
            ),
            _ => Failure::new(
                code::COMMAND_NOT_EXECUTABLE,
                format!("cannot run {shown}: {e}"),
                "check the command",
            ),
        }
    })?;
    crate::interrupt::forward_to(Some(child.id()));
    drop(vars);
    let masker = masking.then(|| resolve::masker(&values));
    drop(values);
    let copiers: Vec<_> = [
        child
            .stdout
            .take()
            .zip(masker.clone())
            .map(|(s, m)| copy_masked(s, m, std::io::stdout)),
        child
            .stderr
            .take()
            .zip(masker)
            .map(|(s, m)| copy_masked(s, m, std::io::stderr)),
    ]
    .into_iter()
    .flatten()
    .collect();
    // Wait for the exit without reaping: the pid stays the child's (a zombie) until signals
    // stop being passed to it; only then is it reaped and free for reuse.
    let pid = rustix::process::Pid::from_child(&child);
    while let Err(rustix::io::Errno::INTR) = rustix::process::waitid(
        rustix::process::WaitId::Pid(pid),
        rustix::process::WaitIdOptions::EXITED | rustix::process::WaitIdOptions::NOWAIT,
    ) {}
    crate::interrupt::forward_to(None);
    let status = child.wait().map_err(|e| {
        Failure::new(
            code::IO,
            format!("cannot wait for the command: {e}"),
            "the command may still be running",
        )
    })?;
    for c in copiers {
        let _ = c.join();
    }
    let _ = std::io::stdout().flush();
    if let Some(sig) = status.signal() {
        // End the way the command ended, so a shell sees the same signal.
        let _ = signal_hook::low_level::emulate_default_handler(sig);
        std::process::exit(128 + sig);
    }
    std::process::exit(status.code().unwrap_or(1))
}

/// Copies a child's output to ours on a thread, concealing every resolved value.
fn copy_masked<R, W>(mut from: R, mut masker: Masker, to: fn() -> W) -> std::thread::JoinHandle<()>
where
    R: Read + Send + 'static,
    W: Write + 'static,
{
    std::thread::spawn(move || {
        let mut buf = zeroize::Zeroizing::new(vec![0u8; 8192]);
        loop {
            let n = match from.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(_) => break,
            };
            if masker.write(&buf[..n], &mut to()).is_err() {
                return;
            }
        }
        let _ = masker.finish(&mut to());
    })
}

/// The variables of a dotenv file, in order. Errors name the entry, never its text (a line
/// may hold a secret).
fn read_env_file(path: &std::path::Path) -> Result<Vec<(String, String)>, Failure> {
    let bytes = resolve::read_input(path)?;
    let shown = crate::term::shown(path);
    // dotenv expands `$VAR` and `${VAR}` from Coffer's own environment, and a file may set a
    // variable: neither may hand Coffer's secrets to the command under any name.
    if let Some((name, line)) = withheld_use(&bytes) {
        return Err(Failure::new(
            code::INVALID_INPUT,
            format!("{shown}: line {line} uses {name}, which is never passed to the command"),
            "remove it from the env file; give the command a {{vault:NAME}} reference instead",
        ));
    }
    dotenvy::from_read_iter(bytes.as_slice())
        .enumerate()
        .map(|(i, item)| {
            item.map_err(|e| {
                let what = match e {
                    dotenvy::Error::LineParse(_, _) => "is not valid dotenv syntax".to_string(),
                    dotenvy::Error::Io(e) => format!("cannot be read: {e}"),
                    _ => "cannot be read".to_string(),
                };
                Failure::new(
                    code::INVALID_INPUT,
                    format!("{shown}: entry {} {what}", i + 1),
                    "lines are NAME=value; quote values with spaces or #",
                )
            })
        })
        .collect()
}

/// The first withheld variable a dotenv text sets or expands (`NAME=`, `export NAME=`, `$NAME`,
/// `${NAME}`), with its line. Quoting is ignored on purpose: refusing a literal `'$NAME'` costs
/// less than reading dotenv's quoting rules wrong.
fn withheld_use(text: &[u8]) -> Option<(&'static str, usize)> {
    let is_name = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    for (i, line) in text.split(|b| *b == b'\n').enumerate() {
        // A comment line is never read (dotenv ignores it).
        if line.trim_ascii_start().starts_with(b"#") {
            continue;
        }
        for name in WITHHELD {
            let n = name.as_bytes();
            let mut at = 0;
            while let Some(p) = line[at..].windows(n.len()).position(|w| w == n) {
                let start = at + p;
                let end = start + n.len();
                at = end;
                let before = &line[..start];
                let expanded = before.ends_with(b"$") || before.ends_with(b"${");
                let assigned = {
                    let lead = before.trim_ascii_start();
                    let lead = lead.strip_prefix(b"export").unwrap_or(lead);
                    lead.trim_ascii().is_empty() && line[end..].trim_ascii_start().starts_with(b"=")
                };
                let whole = line.get(end).is_none_or(|b| !is_name(*b))
                    && (start == 0 || !is_name(line[start - 1]) || expanded);
                if whole && (expanded || assigned) {
                    return Some((name, i + 1));
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::withheld_use;

    #[test]
    fn env_files_may_not_set_or_expand_coffers_own_variables() {
        for (text, want) in [
            ("A=${COFFER_VAULT_KEY}", Some(("COFFER_VAULT_KEY", 1))),
            (
                "A=1\nB=\"x$COFFER_TEAM_TOKEN\"",
                Some(("COFFER_TEAM_TOKEN", 2)),
            ),
            (
                "A='$COFFER_EXPORT_PASSWORD'",
                Some(("COFFER_EXPORT_PASSWORD", 1)),
            ),
            ("COFFER_VAULT_KEY=hello", Some(("COFFER_VAULT_KEY", 1))),
            (
                "  export COFFER_IMPORT_PASSWORD = x",
                Some(("COFFER_IMPORT_PASSWORD", 1)),
            ),
            ("A=x\nB=$COFFER_VAULT_KEY_OLD", None),
            ("MY_COFFER_VAULT_KEY=1", None),
            ("A=COFFER_VAULT_KEY", None),
            ("# the COFFER_VAULT_KEY variable", None),
            ("  # needs ${COFFER_VAULT_KEY} set", None),
            (
                "A=1\r\nB=${COFFER_TEAM_TOKEN}\r\n",
                Some(("COFFER_TEAM_TOKEN", 2)),
            ),
            ("LANG=en_US.UTF-8", None),
        ] {
            assert_eq!(withheld_use(text.as_bytes()), want, "{text}");
        }
    }
}
