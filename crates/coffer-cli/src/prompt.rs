//! Terminal interaction: hidden input and confirmations. Nothing here echoes a secret.

use crate::failure::{Failure, code};
use std::io::{self, BufRead, IsTerminal, Write};
use zeroize::Zeroizing;

/// Whether a person is at the keyboard (stdin and stderr are terminals).
pub fn interactive() -> bool {
    io::stdin().is_terminal() && io::stderr().is_terminal()
}

/// Reads a line without echo.
pub fn hidden(prompt: &str) -> Result<Zeroizing<String>, Failure> {
    crate::interrupt::save_terminal();
    rpassword::prompt_password(prompt)
        .map(Zeroizing::new)
        .map_err(|e| {
            if e.kind() == io::ErrorKind::Interrupted {
                // Ctrl-C reached the read before the handler thread ran: same way out.
                crate::interrupt::exit();
            }
            Failure::new(
                code::IO,
                format!("cannot read from the terminal: {e}"),
                "run the command in a terminal, or pipe the input",
            )
        })
}

/// Asks a question and reads one line of answer (visible).
pub fn line(question: &str) -> Result<String, Failure> {
    eprint!("{question}");
    let _ = io::stderr().flush();
    let mut line = String::new();
    let n = io::stdin().lock().read_line(&mut line).map_err(|e| {
        if e.kind() == io::ErrorKind::Interrupted {
            crate::interrupt::exit();
        }
        Failure::new(
            code::IO,
            format!("cannot read the answer: {e}"),
            "answer the question",
        )
    })?;
    if n == 0 {
        return Err(Failure::new(
            code::CANCELLED,
            "no answer (end of input); nothing was changed",
            "answer the question",
        ));
    }
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

/// Asks a yes/no question; `true` only for an explicit yes.
pub fn confirm(question: &str) -> Result<bool, Failure> {
    let answer = line(&format!("{question} [y/N] "))?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes"))
}

/// Requires `--yes` or a confirmed question; otherwise fails with `CANCELLED`.
pub fn require_confirmation(yes: bool, question: &str, flag_hint: &str) -> Result<(), Failure> {
    if yes {
        return Ok(());
    }
    if !interactive() {
        return Err(Failure::new(
            code::CANCELLED,
            "this needs confirmation and there is no terminal to ask",
            flag_hint,
        ));
    }
    if confirm(question)? {
        Ok(())
    } else {
        Err(Failure::new(
            code::CANCELLED,
            "cancelled; nothing was changed",
            flag_hint,
        ))
    }
}
