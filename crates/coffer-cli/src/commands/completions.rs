use crate::failure::{Failure, code};
use clap::CommandFactory;

/// Writes the completion script for `shell` to stdout, generated from the same definitions
/// that parse the command line.
pub fn run(shell: clap_complete::Shell) -> Result<(), Failure> {
    let mut cmd = crate::cli::Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "coffer", &mut out);
    std::io::Write::write_all(&mut std::io::stdout().lock(), &out).map_err(|e| {
        Failure::new(
            code::IO,
            format!("cannot write the completion script: {e}"),
            "check where stdout goes",
        )
    })
}
