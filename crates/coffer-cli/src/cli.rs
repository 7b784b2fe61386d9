//! The command line.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Environment:
  COFFER_HOME              vault directory (data + key), like --vault
  COFFER_KEY_FILE          vault key file, like --key-file
  COFFER_VAULT_KEY         the vault key itself (instead of a key file)
  COFFER_EXPORT_PASSWORD   password for `export --encrypted` (instead of a prompt)
  COFFER_IMPORT_PASSWORD   password for encrypted imports (instead of a prompt)
  COFFER_EXPORT_KDF        m=KIB,t=PASSES,p=LANES: Argon2id cost of encrypted exports
  COFFER_ENV               active environment for get, request, run, inject, refs (like --env)

  COFFER_TEAM_TOKEN        API token for `team login` (instead of a prompt)

Exit codes: 0 ok, 1 internal, 2 usage, 3 not found, 4 invalid input, 5 no vault or no key,
6 wrong key, 7 integrity or wrong export password, 8 already exists or duplicates,
9 refused by team policy or role, 10 I/O or network, 11 cancelled, 12 newer format,
13 team token rejected, 14 a {{vault:NAME}} reference cannot resolve (nothing run, sent or
written), 22 `request --fail` got HTTP 400+, 126/127 `run` cannot start the command, 130
interrupted; `run` otherwise exits as its command does.";

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
        /// Print the value exactly, without the newline after it (for files and pipes)
        #[arg(long, short = 'n')]
        no_newline: bool,
        #[command(flatten)]
        env: ActiveEnv,
        /// Say on stderr which value was used (the default or an environment's)
        #[arg(long, short = 'v')]
        verbose: bool,
    },
    /// Show or change where a secret may be used, keeping its value
    Domains(DomainsArgs),
    /// List secrets: names, allowed domains, links and update times, never values
    #[command(alias = "ls")]
    List {
        /// Machine-readable JSON
        #[arg(long)]
        json: bool,
    },
    /// Delete a secret, or only its value for one environment
    #[command(alias = "remove")]
    Rm {
        /// Secret name
        name: String,
        /// Delete only this environment's value
        #[arg(long, value_name = "ENV")]
        env: Option<String>,
    },
    /// Stop a secret from resolving in references, keeping it (undo with `coffer enable`)
    Disable {
        /// Secret name
        name: String,
    },
    /// Let a disabled secret resolve again
    Enable {
        /// Secret name
        name: String,
    },
    /// Export every secret: a JSON file encrypted with a password or in plaintext, or a .env file or Postman environment
    Export(ExportArgs),
    /// Import secrets from Coffer exports and other tools' (.env, Postman, Bitwarden, 1Password, KeePassXC): files, folders, `-` (stdin), links, or a git repository
    Import(ImportArgs),
    /// Remove every secret (the vault and its key stay)
    Clear {
        /// Do not ask for confirmation
        #[arg(long, short = 'y')]
        yes: bool,
    },
    /// List the changes that can be undone (clear, import --clear or replacing, rm, rename, undo); never values
    History(HistoryArgs),
    /// Undo a change from `coffer history` (the newest by default): a plan first, then one transaction, itself undoable
    Undo(UndoArgs),
    /// Check the whole vault: every record and state entry authenticates, and none was deleted, put back from an older copy or moved
    Verify {
        /// Re-seal the vault digest over the records as they are now (after a reported mismatch, once you have checked them)
        #[arg(long)]
        accept: bool,
        /// With --accept: do not ask for confirmation
        #[arg(long, short = 'y', requires = "accept")]
        yes: bool,
        /// Print the result as JSON
        #[arg(long)]
        json: bool,
    },
    /// Join a team and follow its vault export policy
    #[command(subcommand)]
    Team(TeamCommand),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell)
    Completions {
        /// The shell
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Send an HTTP request with {{vault:NAME}} references in its URL, headers and body
    Request(RequestArgs),
    /// Run a command with {{vault:NAME}} references in its environment resolved
    Run(RunArgs),
    /// Write a template with its {{vault:NAME}} references resolved
    Inject(InjectArgs),
    /// List the {{vault:NAME}} references in a file and whether each would resolve (no values)
    Refs(RefsArgs),
    /// Open the vault in the browser: a local web page on 127.0.0.1 (see docs/ui.md)
    Ui(UiArgs),
    /// Add a linked secret or turn a secret into one: its value lives in an external vault
    /// (HashiCorp Vault/OpenBao KV v2, AWS Secrets Manager, Azure Key Vault, 1Password)
    Link(LinkArgs),
    /// Log in to an external vault so that linked secrets resolve; again to re-authenticate
    #[command(subcommand)]
    Connect(ConnectCommand),
    /// Forget an external vault's connection and the values cached from it
    Disconnect {
        /// The provider
        #[arg(value_enum)]
        provider: ProviderArg,
    },
    /// Show the connections to external vaults: address, login, expiry, cache (never credentials)
    Connections {
        /// Machine-readable JSON
        #[arg(long)]
        json: bool,
    },
    /// Manage the cache of values fetched from external vaults
    #[command(subcommand)]
    Cache(CacheCommand),
    /// Rename a secret (references to the old name stop resolving)
    #[command(alias = "mv")]
    Rename {
        /// Current name
        old: String,
        /// New name
        new: String,
    },
}

#[derive(Subcommand)]
pub enum ConnectCommand {
    /// HashiCorp Vault or OpenBao: token, AppRole or JWT login; KV v2 (and v1) reads
    HashicorpVault(HashicorpConnectArgs),
    /// AWS Secrets Manager: access keys from --profile, the AWS variables or a prompt; stores
    /// only 2-hour temporary credentials made from them
    AwsSecretsManager(AwsConnectArgs),
    /// 1Password through a 1Password Connect server (the token from --token-file,
    /// OP_CONNECT_TOKEN or a prompt), or through the `op` CLI with --op-cli
    OnePassword(OnePasswordConnectArgs),
    /// Azure Key Vault: an app registration's client secret (from --client-secret-file,
    /// AZURE_CLIENT_SECRET or a prompt); the connection lasts a day
    AzureKeyVault(AzureConnectArgs),
}

#[derive(Args)]
pub struct AzureConnectArgs {
    /// Directory (tenant) id
    #[arg(long, env = "AZURE_TENANT_ID", value_name = "ID")]
    pub tenant: String,
    /// Application (client) id of the app registration
    #[arg(long, env = "AZURE_CLIENT_ID", value_name = "ID")]
    pub client_id: String,
    /// Read the client secret from this file (or /dev/fd/N) instead of AZURE_CLIENT_SECRET or a
    /// prompt
    #[arg(long, value_name = "FILE")]
    pub client_secret_file: Option<std::path::PathBuf>,
    /// Sign in as yourself with a code typed on any device's browser (a public client app
    /// registration); no client secret
    #[arg(long, conflicts_with_all = ["client_secret_file", "no_store"])]
    pub device_code: bool,
    /// Login host of a sovereign cloud (default `https://login.microsoftonline.com`)
    #[arg(long, env = "AZURE_AUTHORITY_HOST", value_name = "URL")]
    pub authority_host: Option<String>,
    /// Trust only this CA (PEM) for the login host and the vaults
    #[arg(long, value_name = "FILE")]
    pub cacert: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub cache: CacheTtlArg,
}

#[derive(Args)]
pub struct OnePasswordConnectArgs {
    /// The Connect server's address, e.g. `https://connect.example.com` (http only to this machine)
    #[arg(
        long,
        env = "OP_CONNECT_HOST",
        value_name = "URL",
        required_unless_present = "op_cli"
    )]
    pub address: Option<String>,
    /// Read through the installed 1Password CLI (`op read`) with a service account token (from
    /// --token-file, OP_SERVICE_ACCOUNT_TOKEN or a prompt) instead of a Connect server
    #[arg(long, conflicts_with_all = ["address", "cacert"])]
    pub op_cli: bool,
    /// Trust only this CA (PEM) for the server's certificate
    #[arg(long, value_name = "FILE")]
    pub cacert: Option<std::path::PathBuf>,
    /// Read the token from this file (or /dev/fd/N) instead of OP_CONNECT_TOKEN
    /// (OP_SERVICE_ACCOUNT_TOKEN with --op-cli) or a prompt
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub cache: CacheTtlArg,
}

#[derive(Args)]
pub struct AwsConnectArgs {
    /// Region, e.g. eu-west-1 (default: AWS_REGION, AWS_DEFAULT_REGION, the profile's region)
    #[arg(long)]
    pub region: Option<String>,
    /// Take the keys (and region) from this profile of ~/.aws/credentials and ~/.aws/config
    #[arg(long, env = "AWS_PROFILE", value_name = "NAME")]
    pub profile: Option<String>,
    /// Send requests here instead of AWS (https, or http to this machine); AWS_ENDPOINT_URL is
    /// honoured without it
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
    #[command(flatten)]
    pub cache: CacheTtlArg,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum HashicorpAuthArg {
    /// A token: --token-file, VAULT_TOKEN or a prompt
    Token,
    /// AppRole: --role-id, and the secret id from --secret-id-file, VAULT_SECRET_ID or a prompt
    Approle,
    /// JWT/OIDC: --role, and the JWT from --jwt-file or a prompt
    Jwt,
}

#[derive(Args)]
pub struct HashicorpConnectArgs {
    /// The server's address, e.g. `https://vault.example.com:8200` (http only to this machine)
    #[arg(long, env = "VAULT_ADDR", value_name = "URL")]
    pub address: String,
    /// Namespace (Vault Enterprise, OpenBao), sent with every request
    #[arg(long, env = "VAULT_NAMESPACE", value_name = "NS")]
    pub namespace: Option<String>,
    /// Trust only this CA (PEM) for the server's certificate; its content is kept with the
    /// connection
    #[arg(long, env = "VAULT_CACERT", value_name = "FILE")]
    pub cacert: Option<std::path::PathBuf>,
    /// How to log in
    #[arg(long, value_enum, default_value_t = HashicorpAuthArg::Token)]
    pub auth: HashicorpAuthArg,
    /// Where the AppRole or JWT auth method is mounted (default: approle, jwt)
    #[arg(long, value_name = "PATH")]
    pub auth_path: Option<String>,
    /// AppRole: the role id
    #[arg(long, value_name = "ID", required_if_eq("auth", "approle"))]
    pub role_id: Option<String>,
    /// JWT: the role to log in as
    #[arg(long, value_name = "NAME", required_if_eq("auth", "jwt"))]
    pub role: Option<String>,
    /// Token auth: read the token from this file (or /dev/fd/N) instead of VAULT_TOKEN or a prompt
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<std::path::PathBuf>,
    /// AppRole: read the secret id from this file instead of VAULT_SECRET_ID or a prompt
    #[arg(long, value_name = "FILE")]
    pub secret_id_file: Option<std::path::PathBuf>,
    /// JWT: read the JWT from this file instead of a prompt
    #[arg(long, value_name = "FILE")]
    pub jwt_file: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub cache: CacheTtlArg,
}

#[derive(Args)]
pub struct CacheTtlArg {
    /// How long fetched values are cached, sealed in the vault: 0 (never), 90s, 30m, 1h (the
    /// default), up to 24h
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "1h",
        conflicts_with = "no_store"
    )]
    pub cache_ttl: String,
    /// Keep neither the credential nor fetched values: each use takes the credential from the
    /// environment (VAULT_TOKEN, the AWS key variables, OP_CONNECT_TOKEN)
    #[arg(long)]
    pub no_store: bool,
}

#[derive(Subcommand)]
pub enum CacheCommand {
    /// Delete cached values (every provider's, or one's): the next use fetches again
    Clear {
        /// Only this provider's values
        #[arg(value_enum)]
        provider: Option<ProviderArg>,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ProviderArg {
    /// HashiCorp Vault or OpenBao, KV v2: --mount, --path, --key
    HashicorpVault,
    /// AWS Secrets Manager: --secret-arn [--role-arn] [--version-id] [--json-key]
    AwsSecretsManager,
    /// Azure Key Vault: --secret-id
    AzureKeyVault,
    /// 1Password: --reference op://VAULT/ITEM[/SECTION]/FIELD
    OnePassword,
}

impl ProviderArg {
    pub fn provider(self) -> coffer_core::link::Provider {
        use coffer_core::link::Provider;
        match self {
            ProviderArg::HashicorpVault => Provider::HashicorpVault,
            ProviderArg::AwsSecretsManager => Provider::AwsSecretsManager,
            ProviderArg::AzureKeyVault => Provider::AzureKeyVault,
            ProviderArg::OnePassword => Provider::OnePassword,
        }
    }
}

#[derive(Args)]
pub struct LinkArgs {
    /// Secret name
    pub name: String,
    /// Where the value lives
    #[arg(long, value_enum)]
    pub provider: ProviderArg,
    /// HashiCorp Vault: mount path of the KV v2 engine, e.g. secret
    #[arg(long)]
    pub mount: Option<String>,
    /// HashiCorp Vault: secret path inside the mount, e.g. team/stripe
    #[arg(long)]
    pub path: Option<String>,
    /// HashiCorp Vault: key inside the secret's data
    #[arg(long)]
    pub key: Option<String>,
    /// AWS: the secret's ARN
    #[arg(long, value_name = "ARN")]
    pub secret_arn: Option<String>,
    /// AWS: a role to assume before reading
    #[arg(long, value_name = "ARN")]
    pub role_arn: Option<String>,
    /// AWS: a pinned version (default: the current one)
    #[arg(long, value_name = "ID")]
    pub version_id: Option<String>,
    /// AWS: for a JSON secret, the key to take
    #[arg(long, value_name = "KEY")]
    pub json_key: Option<String>,
    /// Azure: the secret identifier, `https://NAME.vault.azure.net/secrets/SECRET[/VERSION]`
    #[arg(long, value_name = "URL")]
    pub secret_id: Option<String>,
    /// 1Password: op://VAULT/ITEM[/SECTION]/FIELD
    #[arg(long, value_name = "OP_REF")]
    pub reference: Option<String>,
    /// Comma-separated domains the secret may be sent to
    #[arg(long, value_name = "LIST", conflicts_with = "clear_domains")]
    pub allowed_domains: Option<String>,
    /// Remove every domain restriction
    #[arg(long)]
    pub clear_domains: bool,
}

#[derive(Args)]
pub struct UiArgs {
    /// Port on 127.0.0.1 (default: a free one)
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Print the address only; do not open a browser
    #[arg(long)]
    pub no_open: bool,
    /// Stop after this long without a request: 30m, 2h, 90s (a bare number is minutes)
    #[arg(long, value_name = "TIME", default_value = "30m")]
    pub idle_timeout: String,
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
    /// Set this environment's value (the secret must exist; its default value stays)
    #[arg(long, value_name = "ENV")]
    pub env: Option<String>,
}

/// Where resolved values are going, for secrets with allowed domains.
#[derive(Args, Clone)]
pub struct ForUrls {
    /// The URL the values will be sent to; secrets with allowed domains resolve only when it
    /// matches them (repeat for several: each must match)
    #[arg(long = "for", value_name = "URL")]
    pub urls: Vec<String>,
}

#[derive(Args)]
pub struct InjectArgs {
    /// Template to read (`-`: stdin)
    #[arg(
        short = 'i',
        long = "in-file",
        value_name = "FILE",
        default_value = "-"
    )]
    pub input: PathBuf,
    /// Write here (created 0600, atomically) instead of stdout
    #[arg(short = 'o', long = "out-file", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Replace the output file if it exists
    #[arg(long)]
    pub force: bool,
    /// Only list the references and whether each would resolve (as `coffer refs`)
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub dest: ForUrls,
    #[command(flatten)]
    pub env: ActiveEnv,
}

#[derive(Args)]
pub struct RefsArgs {
    /// File to read (`-`: stdin)
    pub file: PathBuf,
    /// Machine-readable JSON
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub dest: ForUrls,
    #[command(flatten)]
    pub env: ActiveEnv,
}

#[derive(Args)]
pub struct RunArgs {
    /// Also read variables from this dotenv file (repeatable; later files win)
    #[arg(long, value_name = "FILE")]
    pub env_file: Vec<PathBuf>,
    /// Show the command's output as it is, without concealing resolved values
    #[arg(long)]
    pub no_masking: bool,
    #[command(flatten)]
    pub dest: ForUrls,
    #[command(flatten)]
    pub env: ActiveEnv,
    /// The command and its arguments (after `--`)
    #[arg(required = true, last = true, value_name = "COMMAND")]
    pub command: Vec<std::ffi::OsString>,
}

#[derive(Args)]
pub struct RequestArgs {
    /// The URL (references allowed after the host)
    pub url: String,
    /// Request method [default: GET, or POST with a body]
    #[arg(short = 'X', long, value_name = "METHOD")]
    pub request: Option<String>,
    /// A header, `Name: value` (references allowed in the value; repeatable)
    #[arg(short = 'H', long = "header", value_name = "HEADER")]
    pub headers: Vec<String>,
    /// Body (form-encoded content type unless a header sets one)
    #[arg(short = 'd', long, value_name = "DATA", group = "body")]
    pub data: Option<String>,
    /// Body read from this file, byte for byte (`-`: stdin)
    #[arg(long, value_name = "FILE", group = "body")]
    pub data_file: Option<PathBuf>,
    /// JSON body (sets Content-Type and Accept to application/json)
    #[arg(long, value_name = "DATA", group = "body")]
    pub json: Option<String>,
    /// Follow redirects, only while every secret in the request is allowed at the new URL
    #[arg(short = 'L', long)]
    pub location: bool,
    /// Most redirects followed
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub max_redirs: u32,
    /// Exit 22 when the server answers with status 400 or more
    #[arg(short = 'f', long)]
    pub fail: bool,
    /// Trust this PEM certificate (a private CA) besides the system roots
    #[arg(long, value_name = "FILE")]
    pub cacert: Option<PathBuf>,
    /// Connect to ADDR for HOST:PORT, as curl's --resolve (repeatable)
    #[arg(long, value_name = "HOST:PORT:ADDR")]
    pub resolve: Vec<String>,
    /// Give up after this many seconds
    #[arg(short = 'm', long, value_name = "SECONDS")]
    pub max_time: Option<f64>,
    /// Print the request and response lines and headers on stderr (values concealed)
    #[arg(short = 'v', long)]
    pub verbose: bool,
    /// Print the response body as received, without concealing resolved values
    #[arg(long)]
    pub no_masking: bool,
    #[command(flatten)]
    pub env: ActiveEnv,
}

/// The active environment of a command that reads values.
#[derive(Args, Clone)]
pub struct ActiveEnv {
    /// Use this environment's values where a secret has one (falls back to the default value)
    #[arg(long = "env", env = "COFFER_ENV", value_name = "ENV")]
    pub env: Option<String>,
}

#[derive(Args)]
#[command(group(clap::ArgGroup::new("change").args(["set", "clear", "inherit"])))]
pub struct DomainsArgs {
    /// Secret name
    pub name: String,
    /// Replace the allowed domains with this comma-separated list
    #[arg(long, value_name = "LIST")]
    pub set: Option<String>,
    /// Remove every restriction (the secret may be used anywhere)
    #[arg(long)]
    pub clear: bool,
    /// Show or change the domains of this environment's value instead
    #[arg(long, value_name = "ENV")]
    pub env: Option<String>,
    /// With --env: drop the environment's own domains and use the secret's
    #[arg(long, requires = "env")]
    pub inherit: bool,
}

#[derive(Args)]
pub struct ExportArgs {
    /// Encrypt with a password (Argon2id + XChaCha20-Poly1305); recommended
    #[arg(long, conflicts_with = "plaintext")]
    pub encrypted: bool,
    /// Write every value in clear
    #[arg(long)]
    pub plaintext: bool,
    /// Output file (created 0600), or `-` for stdout
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: PathBuf,
    /// Replace the output file if it exists
    #[arg(long)]
    pub force: bool,
    /// Read the export password from this file (or /dev/fd/N) instead of a prompt
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
    /// Do not ask for confirmation of a plaintext export
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// File format; dotenv and postman-env are plaintext
    #[arg(long, value_enum, value_name = "FORMAT", default_value = "coffer")]
    pub format: ExportFileFormat,
    /// The Postman environment's name (with --format postman-env)
    #[arg(long, value_name = "NAME", default_value = "Coffer")]
    pub environment_name: String,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OnDuplicate {
    /// Keep the existing secret
    Skip,
    /// The imported secret replaces the existing one
    Replace,
    /// Keep both; the imported one is stored as NAME-2 (or the next free number)
    KeepBoth,
}

#[derive(Args)]
pub struct HistoryArgs {
    /// Print the history as JSON on stdout
    #[arg(long, conflicts_with_all = ["purge", "keep", "max_age_days"])]
    pub json: bool,
    /// Delete every entry (the changes can no longer be undone)
    #[arg(long, conflicts_with_all = ["keep", "max_age_days"])]
    pub purge: bool,
    /// With --purge: do not ask for confirmation
    #[arg(long, short = 'y', requires = "purge")]
    pub yes: bool,
    /// Keep at most N changes (0 to 1000; 0 keeps none) [default: 20]
    #[arg(long, value_name = "N")]
    pub keep: Option<u32>,
    /// Keep changes for at most DAYS days (1 to 3650) [default: 30]
    #[arg(long = "max-age", value_name = "DAYS")]
    pub max_age_days: Option<u32>,
}

#[derive(Args)]
pub struct UndoArgs {
    /// The change to undo (an ID from `coffer history`) [default: the newest]
    pub id: Option<u64>,
    /// What to do with secrets changed since: keep them as they are, put the old version back, or keep both (the old one as NAME-2)
    #[arg(long, value_enum, value_name = "CHOICE")]
    pub on_conflict: Option<OnDuplicate>,
    /// Show the plan and change nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Print the plan and the result as JSON on stdout
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
#[command(group(clap::ArgGroup::new("input").required(true).multiple(true).args(["sources", "git"])))]
pub struct ImportArgs {
    /// Files, folders (every .json, .csv, .1pux and .env file inside), `-` for stdin, or https:// links
    #[arg(value_name = "SOURCE")]
    pub sources: Vec<String>,
    /// Import from a git repository (shallow clone with the system git)
    #[arg(long, value_name = "URL")]
    pub git: Option<String>,
    /// Branch, tag or commit of --git
    #[arg(long = "ref", value_name = "REF", requires = "git")]
    pub git_ref: Option<String>,
    /// File or folder inside the --git repository [default: its root]
    #[arg(long, value_name = "PATH", requires = "git")]
    pub path: Option<String>,
    /// What to do with every duplicate; without it a terminal asks for each
    #[arg(long, value_enum, value_name = "ACTION")]
    pub on_duplicate: Option<OnDuplicate>,
    /// Show the plan (new / identical / duplicate) and change nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Print the plan or the result as JSON on stdout
    #[arg(long)]
    pub json: bool,
    /// Remove every secret first (in the same transaction as the import)
    #[arg(long)]
    pub clear: bool,
    /// Do not ask for confirmation of --clear
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Read the password of encrypted exports from this file (or /dev/fd/N)
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
    /// Read every source as this format [default: recognised from each file's content]
    #[arg(long = "from", value_enum, value_name = "FORMAT")]
    pub format: Option<ImportFormat>,
    /// Postman: only variables of type `secret` become secrets; `=false` imports every variable
    #[arg(
        long,
        value_name = "BOOL",
        default_value_t = true,
        action = clap::ArgAction::Set,
        num_args = 0..=1,
        default_missing_value = "true"
    )]
    pub only_secret_type: bool,
    /// Bitwarden and 1Password: secure notes become secrets too
    #[arg(long)]
    pub include_notes: bool,
    /// KeePass: the database's key file (with or without a password)
    #[arg(long, value_name = "FILE")]
    pub kdbx_key_file: Option<PathBuf>,
}

/// What `coffer import --from` reads.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ImportFormat {
    /// Coffer's own export (plaintext or encrypted)
    Coffer,
    /// A .env file (dotenvy's syntax)
    Dotenv,
    /// A Postman environment, globals or collection export
    Postman,
    /// A Bitwarden JSON export (plain or password-protected)
    Bitwarden,
    /// A 1Password 1PUX export
    #[value(name = "1pux")]
    OnePux,
    /// A 1Password CSV export
    #[value(name = "1password-csv")]
    OnePasswordCsv,
    /// A KeePassXC CSV export
    #[value(name = "keepassxc-csv")]
    KeepassCsv,
    /// A KeePass database (KDBX 3.1 or 4)
    Kdbx,
}

impl ImportFormat {
    /// The core's format.
    pub fn format(self) -> coffer_core::foreign::Format {
        use coffer_core::foreign::Format;
        match self {
            ImportFormat::Coffer => Format::Coffer,
            ImportFormat::Dotenv => Format::Dotenv,
            ImportFormat::Postman => Format::Postman,
            ImportFormat::Bitwarden => Format::Bitwarden,
            ImportFormat::OnePux => Format::OnePux,
            ImportFormat::OnePasswordCsv => Format::OnePasswordCsv,
            ImportFormat::KeepassCsv => Format::KeepassCsv,
            ImportFormat::Kdbx => Format::Kdbx,
        }
    }
}

/// What `coffer export --format` writes.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFileFormat {
    /// Coffer's export format, encrypted or plaintext
    Coffer,
    /// A .env file: values in clear (linked and disabled secrets left out)
    Dotenv,
    /// A Postman environment of `secret` variables: values in clear
    PostmanEnv,
}

#[derive(Subcommand)]
pub enum TeamCommand {
    /// Join the team of an API token (from COFFER_TEAM_TOKEN or a prompt)
    Login {
        /// Team server URL (https, or http to this machine)
        #[arg(long, value_name = "URL")]
        server: String,
        /// Expected server key fingerprint (from `coffer-server fingerprint`); needed without a terminal
        #[arg(long, value_name = "SHA256:…")]
        fingerprint: Option<String>,
        /// Trust only this CA (PEM) for the server's certificate, from now on (a private CA)
        #[arg(long, value_name = "FILE")]
        cacert: Option<std::path::PathBuf>,
    },
    /// Leave the team (the last policy still applies until it expires)
    Logout,
    /// Show the team, this member, the server and the policy
    Status {
        /// Machine-readable JSON
        #[arg(long)]
        json: bool,
    },
    /// Show the vault export policy, or change it (admins)
    Policy {
        #[command(subcommand)]
        action: Option<PolicyAction>,
        /// Machine-readable JSON
        #[arg(long)]
        json: bool,
    },
    /// Invite a member (admins); prints their API token once
    Invite {
        /// Member name
        name: String,
        /// member, admin or super-admin
        #[arg(long, default_value = "member")]
        role: String,
    },
    /// List the team's members and their roles (admins)
    Members {
        /// Machine-readable JSON
        #[arg(long)]
        json: bool,
    },
    /// Show the team's audit log (admins)
    Audit {
        /// Newest entries to show (1 to 1000)
        #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=1000))]
        limit: u32,
        /// Show the entries before this one (the number printed first on each line): older pages
        #[arg(long, value_name = "N", conflicts_with_all = ["verify", "jsonl"])]
        before: Option<i64>,
        /// Machine-readable JSON
        #[arg(long, conflicts_with = "jsonl")]
        json: bool,
        /// Read the whole log and check its hash chain and every signature against the server key pinned at login; reports the first broken entry (exit 7)
        #[arg(long)]
        verify: bool,
        /// Print the whole log, checked as with --verify, as JSON Lines: one entry per line, then the head
        #[arg(long)]
        jsonl: bool,
    },
}

#[derive(Subcommand)]
pub enum PolicyAction {
    /// Change the vault export policy (team admins; not on the free plan)
    Set {
        /// Whether members may export at all
        #[arg(long, value_name = "on|off", value_parser = ["on", "off"])]
        export: String,
        /// Allowed formats when on [default: encrypted,plaintext]
        #[arg(long, value_name = "LIST")]
        formats: Option<String>,
    },
}
