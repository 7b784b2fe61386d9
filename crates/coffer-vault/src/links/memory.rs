//! Credentials held only in memory (`coffer connect --no-store`): the connection keeps its
//! settings but no credential, and each use takes the credential from the environment of the
//! process, under the names each provider's own tools use.

use super::Settings;
use super::aws::Keys;
use secrecy::SecretString;

/// The environment variables the credential of a connection with `settings` is taken from.
pub fn variables(settings: &Settings) -> &'static str {
    match settings {
        Settings::HashicorpVault(_) => "VAULT_TOKEN",
        Settings::AwsSecretsManager(_) => {
            "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN)"
        }
        Settings::AzureKeyVault(_) => "AZURE_CLIENT_SECRET",
        Settings::OnePassword(s) if s.op_cli => "OP_SERVICE_ACCOUNT_TOKEN",
        Settings::OnePassword(_) => "OP_CONNECT_TOKEN",
    }
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The credential for a connection with `settings`, from this process's environment, in the
/// form a stored one has. Only the variable of that kind of connection is read: a Connect token
/// is never given to `op`, nor a service account token to a Connect server.
pub fn credential(settings: &Settings) -> Option<SecretString> {
    match settings {
        Settings::AwsSecretsManager(_) => {
            let keys = Keys {
                access_key_id: var("AWS_ACCESS_KEY_ID")?,
                secret_access_key: SecretString::from(var("AWS_SECRET_ACCESS_KEY")?),
                session_token: var("AWS_SESSION_TOKEN").map(SecretString::from),
            };
            serde_json::to_string(&keys).ok().map(SecretString::from)
        }
        other => var(variables(other)).map(SecretString::from),
    }
}
