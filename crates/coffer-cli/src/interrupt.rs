//! Ctrl-C, SIGTERM and SIGHUP: one way out. Whether the signal arrives while a command works or
//! while a hidden prompt waits, the same function removes temporary files, kills children,
//! restores the terminal, prints two lines and exits 130.
//!
//! `coffer run` is the exception: while its child runs, these signals are passed on to the
//! child instead, and Coffer exits the way the child does.

use rustix::process::{Pid, Signal, kill_process};
use rustix::termios::{OptionalActions, Termios, tcgetattr, tcsetattr};
use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2};
use signal_hook::iterator::SignalsInfo;
use signal_hook::iterator::exfiltrator::WithOrigin;
use signal_hook::low_level::siginfo::Cause;
use std::fs::File;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI32, Ordering};

/// The terminal as it was before a hidden prompt changed it.
static TERMINAL: Mutex<Option<(File, Termios)>> = Mutex::new(None);

/// The child `coffer run` passes signals to: 0, none (signals end Coffer); [`STARTING`], the
/// child is being started (a signal waits in [`PENDING`] for its pid).
static FORWARD_TO: AtomicI32 = AtomicI32::new(0);
/// A signal that arrived while the child was being started.
static PENDING: AtomicI32 = AtomicI32::new(0);
const STARTING: i32 = -1;
/// The command handles the signals itself (`coffer ui` stops its server cleanly).
const ELSEWHERE: i32 = -2;
/// Held while a signal is passed on and while the child changes: once `forward_to(None)`
/// returns, no signal is being sent to the old pid (the caller then reaps it, freeing the pid).
static FORWARDING: Mutex<()> = Mutex::new(());

/// Installs the handler (SIGINT, SIGTERM, SIGHUP, and SIGQUIT, SIGUSR1, SIGUSR2 so that `run`
/// passes those on too instead of dying and leaving its command behind): a thread that waits
/// for them.
pub fn install() {
    let Ok(mut signals) =
        SignalsInfo::<WithOrigin>::new([SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2])
    else {
        return;
    };
    let _ = std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            for info in signals.forever() {
                let _guard = FORWARDING.lock().unwrap_or_else(|e| e.into_inner());
                let child = FORWARD_TO.load(Ordering::SeqCst);
                if child == 0 {
                    drop(_guard);
                    exit();
                }
                if child == ELSEWHERE {
                    continue;
                }
                // While the child is being started, any signal is kept for it (a terminal's
                // Ctrl-C may not have reached it yet).
                if child == STARTING {
                    // `forward_to` delivers it with the pid (the lock orders the two).
                    PENDING.store(info.signal, Ordering::SeqCst);
                    continue;
                }
                // A terminal's Ctrl-C (sent by the kernel) already reached the child, which is
                // in the terminal's foreground process group with us: passing it on would
                // deliver it twice. A signal sent by a process (kill, a supervisor) reached
                // only us.
                if matches!(info.cause, Cause::Kernel) {
                    continue;
                }
                deliver(child, info.signal);
            }
        });
}

/// The command stops cleanly on SIGINT, SIGTERM and SIGHUP itself (it has its own handler):
/// they no longer end Coffer here.
pub fn handled_elsewhere() {
    FORWARD_TO.store(ELSEWHERE, Ordering::SeqCst);
}

/// `coffer run` is about to start its command: SIGINT, SIGTERM and SIGHUP sent from now on are
/// kept for it instead of ending Coffer.
pub fn start_forwarding() {
    FORWARD_TO.store(STARTING, Ordering::SeqCst);
}

/// Passes SIGINT, SIGTERM and SIGHUP to `child` from now on, and any that arrived while it was
/// being started; `None` (the child is gone) lets them end Coffer again.
pub fn forward_to(child: Option<u32>) {
    let _guard = FORWARDING.lock().unwrap_or_else(|e| e.into_inner());
    let pid = child.and_then(|c| i32::try_from(c).ok()).unwrap_or(0);
    FORWARD_TO.store(pid, Ordering::SeqCst);
    if pid > 0 {
        deliver(pid, PENDING.swap(0, Ordering::SeqCst));
    }
}

fn deliver(child: i32, signal: i32) {
    if signal == 0 {
        return;
    }
    if let (Some(pid), Some(sig)) = (Pid::from_raw(child), Signal::from_named_raw(signal)) {
        let _ = kill_process(pid, sig);
    }
}

/// Remembers the terminal's settings before a prompt turns echo off (once per process).
pub fn save_terminal() {
    let mut saved = TERMINAL.lock().unwrap_or_else(|e| e.into_inner());
    if saved.is_some() {
        return;
    }
    if let Ok(tty) = File::open("/dev/tty")
        && let Ok(t) = tcgetattr(&tty)
    {
        *saved = Some((tty, t));
    }
}

fn restore_terminal() {
    // `try_lock`: a thread that was saving the terminal when the signal came must not block us.
    if let Ok(saved) = TERMINAL.try_lock()
        && let Some((tty, t)) = saved.as_ref()
    {
        let _ = tcsetattr(tty, OptionalActions::Now, t);
        // End the prompt's line on the terminal (not on stderr, which may be a log).
        let _ = std::io::Write::write_all(&mut &*tty, b"\n");
    }
}

/// Ends the process as interrupted. Safe to call from several threads at once: the first caller
/// does the work and exits; the others wait inside `shut_down` until it has.
pub fn exit() -> ! {
    coffer_vault::cleanup::shut_down();
    restore_terminal();
    eprintln!("error: interrupted");
    eprintln!("hint: temporary files were removed; the vault holds all of a change or none of it");
    std::process::exit(130)
}
