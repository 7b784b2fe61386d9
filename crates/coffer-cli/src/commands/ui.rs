//! `coffer ui`: serves the vault's web page on 127.0.0.1 until Ctrl-C or the idle timeout.

use crate::cli::UiArgs;
use crate::context::Context;
use crate::failure::{Failure, code};
use coffer_ui::{Options, Stopped};
use std::io::Write;
use std::time::Duration;

pub fn run(ctx: Context, args: UiArgs) -> Result<(), Failure> {
    let idle_timeout = duration(&args.idle_timeout)?;
    // Fail here, with the CLI's message, if the vault cannot be opened at all.
    drop(ctx.open()?);
    let kdf = super::export::kdf_params()?;
    let dir = ctx
        .location
        .db_path
        .parent()
        .map(std::path::Path::to_path_buf)
        .unwrap_or_default();
    let opener = dir.join(".ui-open.html");
    let opts = Options {
        location: ctx.location,
        key: ctx.key,
        key_path: ctx.key_file,
        port: args.port,
        idle_timeout,
        kdf,
    };
    let no_open = args.no_open;
    // The server stops on these signals itself, finishing the request in flight.
    crate::interrupt::handled_elsewhere();
    let stopped = coffer_ui::serve(opts, |url, port| {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "Coffer is serving the vault at {}", url.expose());
        let _ = writeln!(
            out,
            "The address holds a one-time sign-in token: open it only in your own browser. Ctrl-C stops the server (it stops by itself after {} idle).",
            args.idle_timeout
        );
        let _ = out.flush();
        drop(out);
        if !no_open {
            open_browser(&opener, url.expose(), port);
        }
    })
    .map_err(|e| {
        Failure::new(
            code::IO,
            e.to_string(),
            "choose another --port, or leave it out for a free one",
        )
    })?;
    let _ = std::fs::remove_file(&opener);
    match stopped {
        Stopped::Idle => eprintln!("Stopped after {} without a request.", args.idle_timeout),
        Stopped::Signal => eprintln!("Stopped."),
    }
    Ok(())
}

/// `30m`, `2h`, `90s`, or minutes.
fn duration(s: &str) -> Result<Duration, Failure> {
    let bad = || {
        Failure::new(
            code::USAGE,
            format!("--idle-timeout {s:?} is not a time"),
            "e.g. --idle-timeout 30m, 2h or 90s",
        )
    };
    let t = s.trim();
    let (num, unit) = match t.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => (&t[..i], &t[i..]),
        None => (t, "m"),
    };
    let n: u64 = num.parse().map_err(|_| bad())?;
    let secs = match unit {
        "s" => Some(n),
        "m" => n.checked_mul(60),
        "h" => n.checked_mul(3600),
        _ => None,
    }
    .filter(|s| *s > 0)
    .ok_or_else(bad)?;
    Ok(Duration::from_secs(secs))
}

/// Opens the page in the desktop's browser without putting the token in any command line
/// (visible to every user in `ps`): a private file redirects to it, as Jupyter does.
fn open_browser(file: &std::path::Path, url: &str, port: u16) {
    let desktop = std::env::var_os("DISPLAY").is_some()
        || std::env::var_os("WAYLAND_DISPLAY").is_some()
        || cfg!(target_os = "macos");
    if !desktop {
        return;
    }
    let html = format!(
        "<!doctype html><meta charset=utf-8><meta http-equiv=refresh content=\"0;url={url}\"><title>Coffer</title><p><a href=\"{url}\">Open Coffer on port {port}</a>"
    );
    let written = {
        use std::os::unix::fs::OpenOptionsExt;
        let _ = std::fs::remove_file(file);
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(file)
            .and_then(|mut f| f.write_all(html.as_bytes()))
    };
    if written.is_err() {
        return;
    }
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    let _ = std::process::Command::new(opener)
        .arg(file)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
}

#[cfg(test)]
mod tests {
    use super::duration;

    #[test]
    fn idle_timeouts() {
        assert_eq!(duration("30m").unwrap().as_secs(), 1800);
        assert_eq!(duration("2h").unwrap().as_secs(), 7200);
        assert_eq!(duration("90s").unwrap().as_secs(), 90);
        assert_eq!(duration("5").unwrap().as_secs(), 300);
        for bad in ["", "0", "0s", "m", "1d", "-1m", "1.5m"] {
            assert!(duration(bad).is_err(), "{bad}");
        }
    }
}
