//! Ctrl-C, SIGTERM and SIGHUP: one way out. Whether the signal arrives while a command works or
//! while a hidden prompt waits, the same function removes temporary files, kills children,
//! restores the terminal, prints two lines and exits 130.

use rustix::termios::{OptionalActions, Termios, tcgetattr, tcsetattr};
use std::fs::File;
use std::sync::Mutex;

/// The terminal as it was before a hidden prompt changed it.
static TERMINAL: Mutex<Option<(File, Termios)>> = Mutex::new(None);

/// Installs the handler (SIGINT, SIGTERM, SIGHUP).
pub fn install() {
    let _ = ctrlc::set_handler(|| exit());
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
