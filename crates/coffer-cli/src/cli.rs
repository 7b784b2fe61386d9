//! The command line.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Environment:
  COFFER_HOME        vault directory (data + key), like --vault
  COFFER_KEY_FILE    vault key file, like --key-file
  COFFER_VAULT_KEY   the vault key itself (instead of a key file)

Exit codes: 0 ok, 1 internal, 2 usage, 3 not found, 4 invalid input, 5 no vault or no key,
6 wrong key, 7 integrity, 8 already exists, 10 I/O, 11 cancelled, 12 newer format.";

#[derive(Parser)]
#[command(
    name = "coffer",
    version,
    about = "A local-first secrets vault for API keys, tokens and passwords",
    after_help = AFTER_HELP
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args)]
pub struct Global {
    /// Vault directory holding vault.db and vault.key [default: XDG data/config dirs]
    #[arg(long, global = true, env = "COFFER_HOME", value_name = "DIR")]
    pub vault: Option<PathBuf>,
    /// Vault key file [default: vault.key in the vault or config directory]
    #[arg(long, global = true, env = "COFFER_KEY_FILE", value_name = "FILE")]
    pub key_file: Option<PathBuf>,
}

#[derive(Subcommand)]
pub enum Command {
    /// Create a vault and its vault key
    Init {
        /// Where to keep the new key: a 0600 file, or the OS keychain (builds with `keyring`)
        #[arg(long, value_enum, default_value_t = KeyStoreArg::File)]
        key_store: KeyStoreArg,
    },
    /// Show or save the vault key
    #[command(subcommand)]
    Key(KeyCommand),
    /// Delete every secret and make a new vault key (when the key is lost)
    Reset {
        /// Do not ask for confirmation
        #[arg(long, short = 'y')]
        yes: bool,
    },
    /// Add a secret or update its value (read from a prompt, stdin or --value-file; never argv)
    Set(SetArgs),
    /// Print a secret's value (only the value, on stdout)
    Get {
        /// Secret name
        name: String,
    },
    /// List secrets: names, allowed domains, links and update times, never values
    #[command(alias = "ls")]
    List {
        /// Machine-readable JSON
        #[arg(long)]
        json: bool,
    },
    /// Delete a secret
    #[command(alias = "remove")]
    Rm {
        /// Secret name
        name: String,
    },
    /// Rename a secret (references to the old name stop resolving)
    #[command(alias = "mv")]
    Rename {
        /// Current name
        old: String,
        /// New name
        new: String,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum KeyStoreArg {
    /// A key file readable only by you
    File,
    /// The OS keychain (macOS Keychain, Windows Credential Manager, Secret Service)
    Keyring,
}

#[derive(Subcommand)]
pub enum KeyCommand {
    /// Print the vault key on stdout
    Show,
    /// Write the vault key to a new file readable only by you
    Save {
        /// Target file
        file: PathBuf,
        /// Replace the file if it exists
        #[arg(long)]
        force: bool,
    },
}

#[derive(Args)]
pub struct SetArgs {
    /// Secret name
    pub name: String,
    /// Read the value from this file (one trailing newline is removed)
    #[arg(long, value_name = "FILE")]
    pub value_file: Option<PathBuf>,
    /// Comma-separated domains the secret may be sent to, e.g. api.example.com,*.example.org
    #[arg(long, value_name = "LIST", conflicts_with = "clear_domains")]
    pub allowed_domains: Option<String>,
    /// Remove every domain restriction
    #[arg(long)]
    pub clear_domains: bool,
}
