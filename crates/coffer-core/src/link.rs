//! Links to secrets held in an external vault. A linked secret stores where its value lives, never
//! the value, and the user re-authenticates with that vault to use it.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A pointer to a secret in an external vault. Always valid once constructed.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(into = "LinkRepr")]
pub struct ExternalLink(LinkRepr);

impl<'de> Deserialize<'de> for ExternalLink {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let repr = crate::obj::Obj::<LinkRepr>::deserialize(d)?.0;
        ExternalLink::new(repr).map_err(serde::de::Error::custom)
    }
}

/// The link's fields per provider; the JSON shape used in records and exports.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "provider", rename_all = "kebab-case", deny_unknown_fields)]
pub enum LinkRepr {
    /// HashiCorp Vault or OpenBao, KV version 2 engine.
    #[serde(rename_all = "camelCase")]
    HashicorpVault {
        /// Mount path of the KV v2 engine, e.g. `secret`.
        mount: String,
        /// Secret path inside the mount, e.g. `team/stripe`.
        path: String,
        /// Key inside the secret's data.
        key: String,
    },
    /// AWS Secrets Manager.
    #[serde(rename_all = "camelCase")]
    AwsSecretsManager {
        /// ARN of the secret.
        secret_arn: String,
        /// Role to assume before reading, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        role_arn: Option<String>,
        /// A pinned version id; absent means the current version.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        version_id: Option<String>,
        /// For a JSON secret, the key to take.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        json_key: Option<String>,
    },
    /// Azure Key Vault.
    #[serde(rename_all = "camelCase")]
    AzureKeyVault {
        /// Secret identifier: `https://NAME.vault.azure.net/secrets/SECRET[/VERSION]`.
        secret_id: String,
    },
    /// 1Password secret reference.
    #[serde(rename_all = "camelCase")]
    OnePassword {
        /// `op://VAULT/ITEM[/SECTION]/FIELD`.
        reference: String,
    },
}

/// An external vault Coffer can link to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Provider {
    /// HashiCorp Vault or OpenBao.
    HashicorpVault,
    /// AWS Secrets Manager.
    AwsSecretsManager,
    /// Azure Key Vault.
    AzureKeyVault,
    /// 1Password.
    OnePassword,
}

impl Provider {
    /// Every provider, in the order they are listed.
    pub const ALL: [Provider; 4] = [
        Provider::HashicorpVault,
        Provider::AwsSecretsManager,
        Provider::AzureKeyVault,
        Provider::OnePassword,
    ];

    /// The provider id used in links, commands and exports.
    pub fn id(self) -> &'static str {
        match self {
            Provider::HashicorpVault => "hashicorp-vault",
            Provider::AwsSecretsManager => "aws-secrets-manager",
            Provider::AzureKeyVault => "azure-key-vault",
            Provider::OnePassword => "one-password",
        }
    }

    /// The provider with this id.
    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.id() == id)
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// Why a link was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {provider} link: {reason}")]
pub struct LinkError {
    /// Provider id.
    pub provider: &'static str,
    /// What is wrong.
    pub reason: &'static str,
}

impl ExternalLink {
    /// Validates a link.
    pub fn new(repr: LinkRepr) -> Result<Self, LinkError> {
        let provider = provider_id(&repr);
        let fail = |reason| Err(LinkError { provider, reason });
        let clean =
            |s: &str| !s.is_empty() && !s.chars().any(|c| c.is_whitespace() || c.is_control());
        let segments_ok = |s: &str| {
            s.split('/')
                .all(|seg| !seg.is_empty() && seg != "." && seg != "..")
        };
        match &repr {
            LinkRepr::HashicorpVault { mount, path, key } => {
                if !clean(mount) || !clean(path) || !clean(key) {
                    return fail("mount, path and key must be non-empty and without spaces");
                }
                if !segments_ok(mount) || !segments_ok(path) {
                    return fail(
                        "mount and path must not start or end with '/' or have empty, '.' or '..' segments",
                    );
                }
            }
            LinkRepr::AwsSecretsManager {
                secret_arn,
                role_arn,
                version_id,
                json_key,
            } => {
                if !is_arn(secret_arn, "secretsmanager") {
                    return fail(
                        "secretArn must look like arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME",
                    );
                }
                if role_arn.as_deref().is_some_and(|r| !is_arn(r, "iam")) {
                    return fail("roleArn must look like arn:aws:iam::ACCOUNT:role/NAME");
                }
                if version_id.as_deref().is_some_and(|v| !clean(v))
                    || json_key.as_deref().is_some_and(|v| !clean(v))
                {
                    return fail("versionId and jsonKey must be non-empty and without spaces");
                }
            }
            LinkRepr::AzureKeyVault { secret_id } => {
                let rest = secret_id.strip_prefix("https://").unwrap_or_default();
                let (host, path) = rest.split_once('/').unwrap_or_default();
                let parts: Vec<&str> = path.split('/').collect();
                // Key Vault names: 3-24 of a-z 0-9 '-', starting with a letter.
                let host_ok = host.strip_suffix(".vault.azure.net").is_some_and(|v| {
                    (3..=24).contains(&v.len())
                        && v.starts_with(|c: char| c.is_ascii_lowercase())
                        && v.bytes()
                            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                });
                let word = |p: &str, max: usize| {
                    !p.is_empty()
                        && p.len() <= max
                        && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                };
                let path_ok = match parts.as_slice() {
                    ["secrets", n] => word(n, 127),
                    ["secrets", n, v] => word(n, 127) && word(v, 64),
                    _ => false,
                };
                if !host_ok || !path_ok {
                    return fail(
                        "secretId must look like https://NAME.vault.azure.net/secrets/SECRET[/VERSION]",
                    );
                }
            }
            LinkRepr::OnePassword { reference } => {
                let parts: Vec<&str> = reference
                    .strip_prefix("op://")
                    .map(|r| r.split('/').collect())
                    .unwrap_or_default();
                if !(3..=4).contains(&parts.len())
                    || parts
                        .iter()
                        .any(|p| p.trim().is_empty() || p.chars().any(char::is_control))
                {
                    return fail("reference must look like op://VAULT/ITEM[/SECTION]/FIELD");
                }
            }
        }
        Ok(Self(repr))
    }

    /// The link's fields.
    pub fn repr(&self) -> &LinkRepr {
        &self.0
    }

    /// The provider id: `hashicorp-vault`, `aws-secrets-manager`, `azure-key-vault`, `one-password`.
    pub fn provider(&self) -> &'static str {
        provider_id(&self.0)
    }

    /// The provider.
    pub fn provider_kind(&self) -> Provider {
        self.0.provider()
    }
}

impl LinkRepr {
    /// The provider these fields are for.
    pub fn provider(&self) -> Provider {
        match self {
            LinkRepr::HashicorpVault { .. } => Provider::HashicorpVault,
            LinkRepr::AwsSecretsManager { .. } => Provider::AwsSecretsManager,
            LinkRepr::AzureKeyVault { .. } => Provider::AzureKeyVault,
            LinkRepr::OnePassword { .. } => Provider::OnePassword,
        }
    }
}

/// `arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME` or
/// `arn:PARTITION:iam::ACCOUNT:role/NAME`.
fn is_arn(s: &str, service: &str) -> bool {
    let parts: Vec<&str> = s.splitn(6, ':').collect();
    if parts.len() != 6 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let region_ok = |r: &str| {
        !r.is_empty()
            && r.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    let account_ok = parts[4].len() == 12 && parts[4].bytes().all(|b| b.is_ascii_digit());
    let partition_ok = matches!(
        parts[1],
        "aws" | "aws-cn" | "aws-us-gov" | "aws-iso" | "aws-iso-b"
    );
    let rest_ok = match service {
        "secretsmanager" => {
            region_ok(parts[3])
                && parts[5]
                    .strip_prefix("secret:")
                    .is_some_and(|n| !n.is_empty())
        }
        "iam" => {
            parts[3].is_empty()
                && parts[5]
                    .strip_prefix("role/")
                    .is_some_and(|n| !n.is_empty())
        }
        _ => false,
    };
    parts[0] == "arn" && partition_ok && parts[2] == service && account_ok && rest_ok
}

fn provider_id(r: &LinkRepr) -> &'static str {
    r.provider().id()
}

impl TryFrom<LinkRepr> for ExternalLink {
    type Error = LinkError;
    fn try_from(r: LinkRepr) -> Result<Self, LinkError> {
        Self::new(r)
    }
}

impl From<ExternalLink> for LinkRepr {
    fn from(l: ExternalLink) -> Self {
        l.0
    }
}

impl fmt::Display for ExternalLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            LinkRepr::HashicorpVault { mount, path, key } => {
                write!(f, "hashicorp-vault {mount}/{path}#{key}")
            }
            LinkRepr::AwsSecretsManager { secret_arn, .. } => {
                write!(f, "aws-secrets-manager {secret_arn}")
            }
            LinkRepr::AzureKeyVault { secret_id } => write!(f, "azure-key-vault {secret_id}"),
            LinkRepr::OnePassword { reference } => write!(f, "one-password {reference}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(s: &str) -> Result<ExternalLink, serde_json::Error> {
        serde_json::from_str(s)
    }

    #[test]
    fn valid_links_roundtrip() {
        for s in [
            r#"{"provider":"hashicorp-vault","mount":"secret","path":"team/stripe","key":"api_key"}"#,
            r#"{"provider":"aws-secrets-manager","secretArn":"arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf"}"#,
            r#"{"provider":"aws-secrets-manager","secretArn":"arn:aws:secretsmanager:eu-west-1:123456789012:secret:x","roleArn":"arn:aws:iam::123456789012:role/reader","versionId":"v1","jsonKey":"password"}"#,
            r#"{"provider":"azure-key-vault","secretId":"https://kv1.vault.azure.net/secrets/db/0123abcd"}"#,
            r#"{"provider":"one-password","reference":"op://Dev/Stripe/credentials/api key"}"#,
        ] {
            let l = json(s).unwrap();
            assert_eq!(serde_json::to_string(&l).unwrap(), s);
        }
    }

    #[test]
    fn invalid_links_refused() {
        for s in [
            r#"{"provider":"hashicorp-vault","mount":"","path":"p","key":"k"}"#,
            r#"{"provider":"hashicorp-vault","mount":"secret","path":"/p","key":"k"}"#,
            r#"{"provider":"hashicorp-vault","mount":"s","path":"p","key":"k","extra":1}"#,
            r#"{"provider":"hashicorp-vault","mount":"secret/","path":"p","key":"k"}"#,
            r#"{"provider":"hashicorp-vault","mount":"secret","path":"a//b","key":"k"}"#,
            r#"{"provider":"hashicorp-vault","mount":"secret","path":"a/../b","key":"k"}"#,
            r#"["hashicorp-vault","secret","a","k"]"#,
            r#"{"provider":"aws-secrets-manager","secretArn":"arn:aws:secretsmanager:::x"}"#,
            r#"{"provider":"aws-secrets-manager","secretArn":"arn:awsfoo:secretsmanager:eu-west-1:123456789012:secret:x"}"#,
            r#"{"provider":"aws-secrets-manager","secretArn":"arn:aws:secretsmanager:eu-west-1:123456789012:secret:x\u0000"}"#,
            r#"{"provider":"aws-secrets-manager","secretArn":"arn:aws:secretsmanager:eu-west-1:123456789012:secret:x","roleArn":"arn:aws:iam::123456789012:user/bob"}"#,
            r#"{"provider":"azure-key-vault","secretId":"https://evilcom?x.vault.azure.net/secrets/a"}"#,
            r#"{"provider":"azure-key-vault","secretId":"https://kv1.vault.azure.net/secrets/a b"}"#,
            r#"{"provider":"one-password","reference":"op://a/b\u0007/c"}"#,
            r#"{"provider":"aws-secrets-manager","secretArn":"my-secret"}"#,
            r#"{"provider":"azure-key-vault","secretId":"http://kv1.vault.azure.net/secrets/db"}"#,
            r#"{"provider":"azure-key-vault","secretId":"https://evil.com/secrets/db"}"#,
            r#"{"provider":"one-password","reference":"op://only/two"}"#,
            r#"{"provider":"gopher","x":"y"}"#,
        ] {
            assert!(json(s).is_err(), "{s}");
        }
    }
}
