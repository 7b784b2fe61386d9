//! A vault secret: name, content (a value or a link), allowed domains, environments, times.

use crate::env::{EnvName, Environments, same_environments};
use crate::{AllowedDomains, ExternalLink, SecretName, SecretValue, Timestamp};

/// What a secret holds.
#[derive(Clone, Debug)]
pub enum SecretContent {
    /// A value stored in this vault.
    Value(SecretValue),
    /// A link to a secret in an external vault; the value is fetched from there when used.
    Link(ExternalLink),
}

impl SecretContent {
    /// Same content, compared in constant time for values.
    pub fn same_as(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Value(a), Self::Value(b)) => a.ct_eq(b),
            (Self::Link(a), Self::Link(b)) => a == b,
            _ => false,
        }
    }

    /// The link, if the secret is linked.
    pub fn link(&self) -> Option<&ExternalLink> {
        match self {
            Self::Link(l) => Some(l),
            Self::Value(_) => None,
        }
    }
}

/// A complete vault secret.
#[derive(Clone, Debug)]
pub struct Secret {
    /// Its name.
    pub name: SecretName,
    /// Its default value or link.
    pub content: SecretContent,
    /// Where the default value may be sent; empty means anywhere.
    pub allowed_domains: AllowedDomains,
    /// Disabled secrets are kept but never resolve (the model product's unticked checkbox).
    pub disabled: bool,
    /// Values for named environments, used instead of the default when that environment is
    /// active.
    pub environments: Environments,
    /// When it was first stored.
    pub created_at: Timestamp,
    /// When its content, domains, environments or state last changed.
    pub updated_at: Timestamp,
}

/// The value (or link) a secret gives in one environment, and where it may go.
#[derive(Clone, Copy, Debug)]
pub struct Selected<'a> {
    /// The default content or the environment's value.
    pub content: Selection<'a>,
    /// Where it may be sent (empty: anywhere).
    pub allowed_domains: &'a AllowedDomains,
    /// The environment whose value was picked; `None` for the default.
    pub environment: Option<&'a EnvName>,
}

/// What [`Secret::select`] picked.
#[derive(Clone, Copy, Debug)]
pub enum Selection<'a> {
    /// A stored value.
    Value(&'a SecretValue),
    /// A link to an external vault.
    Link(&'a ExternalLink),
}

impl Secret {
    /// A new enabled secret without environments, created and updated at `now`.
    pub fn new(
        name: SecretName,
        content: SecretContent,
        allowed_domains: AllowedDomains,
        now: Timestamp,
    ) -> Self {
        Self {
            name,
            content,
            allowed_domains,
            disabled: false,
            environments: Environments::new(),
            created_at: now,
            updated_at: now,
        }
    }

    /// About how many bytes its JSON takes beyond a small fixed part (names, values, links):
    /// a capacity hint for serialising it, never a limit.
    pub fn size_hint(&self) -> usize {
        let content = match &self.content {
            SecretContent::Value(v) => v.expose().len(),
            SecretContent::Link(_) => 256,
        };
        let envs: usize = self
            .environments
            .iter()
            .map(|(n, e)| n.as_str().len() + e.value.expose().len() + 64)
            .sum();
        self.name.as_str().len() + content + envs
    }

    /// Whether two secrets have the same name, content, domains, state and environments (times
    /// are ignored).
    pub fn same_as(&self, other: &Self) -> bool {
        self.name == other.name
            && self.allowed_domains == other.allowed_domains
            && self.disabled == other.disabled
            && self.content.same_as(&other.content)
            && same_environments(&self.environments, &other.environments)
    }

    /// The value for `env`: that environment's value when the secret has one, otherwise the
    /// default.
    pub fn select(&self, env: Option<&EnvName>) -> Selected<'_> {
        if let Some((name, e)) = env.and_then(|n| self.environments.get_key_value(n)) {
            return Selected {
                content: Selection::Value(&e.value),
                allowed_domains: e.allowed_domains.as_ref().unwrap_or(&self.allowed_domains),
                environment: Some(name),
            };
        }
        Selected {
            content: match &self.content {
                SecretContent::Value(v) => Selection::Value(v),
                SecretContent::Link(l) => Selection::Link(l),
            },
            allowed_domains: &self.allowed_domains,
            environment: None,
        }
    }
}

/// Equal when name, content, domains, state, environments and both times are equal (values
/// compared in constant time).
impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        self.same_as(other)
            && self.created_at == other.created_at
            && self.updated_at == other.updated_at
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::EnvValue;

    #[test]
    fn select_falls_back_to_default() {
        let v = |s: &str| SecretValue::new(s.into()).unwrap();
        let mut s = Secret::new(
            SecretName::parse("api").unwrap(),
            SecretContent::Value(v("default")),
            AllowedDomains::parse_list("api.example.com").unwrap(),
            Timestamp::from_unix(1).unwrap(),
        );
        let prod = EnvName::parse("prod").unwrap();
        let dev = EnvName::parse("dev").unwrap();
        s.environments.insert(
            prod.clone(),
            EnvValue {
                value: v("prod-value"),
                allowed_domains: Some(AllowedDomains::parse_list("prod.example.com").unwrap()),
            },
        );
        s.environments.insert(
            dev.clone(),
            EnvValue {
                value: v("dev-value"),
                allowed_domains: None,
            },
        );
        let pick = |e: Option<&EnvName>| {
            let sel = s.select(e);
            let Selection::Value(v) = sel.content else {
                panic!("a value")
            };
            (
                v.expose().to_owned(),
                sel.allowed_domains.to_string(),
                sel.environment.map(|e| e.to_string()),
            )
        };
        assert_eq!(
            pick(None),
            ("default".into(), "api.example.com".into(), None)
        );
        assert_eq!(
            pick(Some(&prod)),
            (
                "prod-value".into(),
                "prod.example.com".into(),
                Some("prod".into())
            )
        );
        assert_eq!(
            pick(Some(&dev)),
            (
                "dev-value".into(),
                "api.example.com".into(),
                Some("dev".into())
            )
        );
        let staging = EnvName::parse("staging").unwrap();
        assert_eq!(
            pick(Some(&staging)),
            ("default".into(), "api.example.com".into(), None)
        );
    }
}
