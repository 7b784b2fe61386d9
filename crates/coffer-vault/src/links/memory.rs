//! Credentials held only in memory (`coffer connect --no-store`): the connection keeps its
//! settings but no credential, and each use takes the credential from the environment of the
//! process, under the names each provider's own tools use.

use super::aws::Keys;
use coffer_core::link::Provider;
use secrecy::SecretString;

/// The environment variables a provider's credential is taken from, for messages.
pub fn variables(p: Provider) -> &'static str {
    match p {
        Provider::HashicorpVault => "VAULT_TOKEN",
        Provider::AwsSecretsManager => {
            "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN)"
        }
        Provider::AzureKeyVault => "AZURE_CLIENT_SECRET",
        Provider::OnePassword => "OP_CONNECT_TOKEN (Connect) or OP_SERVICE_ACCOUNT_TOKEN (op CLI)",
    }
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The credential for `p` from this process's environment, in the form a stored one has.
pub fn credential(p: Provider) -> Option<SecretString> {
    match p {
        Provider::HashicorpVault => var("VAULT_TOKEN").map(SecretString::from),
        Provider::OnePassword => var("OP_CONNECT_TOKEN")
            .or_else(|| var("OP_SERVICE_ACCOUNT_TOKEN"))
            .map(SecretString::from),
        Provider::AwsSecretsManager => {
            let keys = Keys {
                access_key_id: var("AWS_ACCESS_KEY_ID")?,
                secret_access_key: SecretString::from(var("AWS_SECRET_ACCESS_KEY")?),
                session_token: var("AWS_SESSION_TOKEN").map(SecretString::from),
            };
            serde_json::to_string(&keys).ok().map(SecretString::from)
        }
        Provider::AzureKeyVault => var("AZURE_CLIENT_SECRET").map(SecretString::from),
    }
}
