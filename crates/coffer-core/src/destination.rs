//! Destinations: where a request with secrets goes, read from a URL the way HTTP clients read it.
//!
//! A destination is a scheme (`http` or `https`), a host and a port. The host comes from a WHATWG
//! URL parser (the `url` crate, as browsers and `reqwest` read URLs), so `https://127.1/` is
//! `127.0.0.1`, `HTTPS://API.Example.COM./` is `api.example.com` and an IDN is its punycode:
//! allowed-domain entries are compared with the host the request really goes to.

use crate::domain::Scheme;
use std::fmt;

/// Where a request goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Destination {
    scheme: Scheme,
    host: String,
    port: u16,
}

/// Why a URL is not a destination. Carries no part of the URL: a URL may hold a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DestinationError {
    /// Not a URL.
    #[error("not a valid URL: {0}")]
    Invalid(String),
    /// A scheme other than http and https.
    #[error("only http:// and https:// URLs can be destinations, not {0}://")]
    Scheme(String),
    /// No host (`file:`, `data:`), or one with an empty label (`a..b`).
    #[error("the URL has no usable host")]
    NoHost,
}

impl Destination {
    /// Reads the destination of `url`.
    pub fn parse(url: &str) -> Result<Self, DestinationError> {
        let u = url::Url::parse(url).map_err(|e| DestinationError::Invalid(e.to_string()))?;
        Self::from_url(&u)
    }

    /// The destination of an already parsed URL.
    pub fn from_url(u: &url::Url) -> Result<Self, DestinationError> {
        let scheme = match u.scheme() {
            "https" => Scheme::Https,
            "http" => Scheme::Http,
            other => {
                let shown: String = other.chars().take(20).collect();
                return Err(DestinationError::Scheme(shown));
            }
        };
        let host = match u.host() {
            // One trailing dot is the same host (as in allowed domains); more are not.
            Some(url::Host::Domain(d)) => d.strip_suffix('.').unwrap_or(d).to_ascii_lowercase(),
            Some(url::Host::Ipv4(ip)) => ip.to_string(),
            Some(url::Host::Ipv6(ip)) => format!("[{ip}]"),
            None => return Err(DestinationError::NoHost),
        };
        // An empty label (`a..b`, `..`) is no host anyone can name in an allowed domain; such
        // URLs are refused rather than read one way here and another way elsewhere.
        if host.is_empty() || (!host.starts_with('[') && host.split('.').any(str::is_empty)) {
            return Err(DestinationError::NoHost);
        }
        let port = u.port_or_known_default().unwrap_or(scheme.default_port());
        Ok(Self { scheme, host, port })
    }

    /// `http` or `https`.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The host: a lowercase DNS name without a trailing dot, a dotted IPv4 address, or a
    /// bracketed IPv6 address.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The port (the scheme's default when the URL has none).
    pub fn port(&self) -> u16 {
        self.port
    }
}

/// `scheme://host:port`, the port always shown.
impl fmt::Display for Destination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}:{}", self.scheme.as_str(), self.host, self.port)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AllowedDomains;

    fn allows(entries: &str, url: &str) -> bool {
        let list = if entries.is_empty() {
            AllowedDomains::any()
        } else {
            AllowedDomains::parse_list(entries).unwrap()
        };
        list.allows_destination(&Destination::parse(url).unwrap())
    }

    #[test]
    fn reads_urls_like_http_clients() {
        let d = Destination::parse("HTTPS://API.Example.COM./v1?x=1").unwrap();
        assert_eq!(d.to_string(), "https://api.example.com:443");
        assert_eq!(
            Destination::parse("http://127.1:8080/")
                .unwrap()
                .to_string(),
            "http://127.0.0.1:8080"
        );
        assert_eq!(
            Destination::parse("https://[0:0::1]/").unwrap().to_string(),
            "https://[::1]:443"
        );
        assert_eq!(
            Destination::parse("https://bücher.example/")
                .unwrap()
                .host(),
            "xn--bcher-kva.example"
        );
        assert!(matches!(
            Destination::parse("ftp://x.com/"),
            Err(DestinationError::Scheme(_))
        ));
        // Hosts no allowed domain can name are refused, not normalised into another host.
        for odd in ["http://../", "https://a..b/", "https://a.b../", "http:.%2e"] {
            assert_eq!(
                Destination::parse(odd),
                Err(DestinationError::NoHost),
                "{odd}"
            );
        }
        assert_eq!(Destination::parse("https://a.b./").unwrap().host(), "a.b");
        assert!(matches!(
            Destination::parse("api.example.com"),
            Err(DestinationError::Invalid(_))
        ));
    }

    #[test]
    fn matching_table() {
        // The table in docs/references.md, row by row.
        let rows: &[(&str, &str, bool)] = &[
            ("api.one.test", "https://api.one.test/v1", true),
            ("api.one.test", "https://API.ONE.TEST./v1", true),
            ("api.one.test", "http://api.one.test/", false),
            ("api.one.test", "https://api.one.test:8443/", false),
            ("api.one.test", "https://api.two.test/", false),
            ("api.one.test", "https://x.api.one.test/", false),
            ("*.one.test", "https://a.one.test/", true),
            ("*.one.test", "https://a.b.one.test/", true),
            ("*.one.test", "https://one.test/", false),
            ("*.one.test", "https://evilone.test/", false),
            ("http://localhost:8080", "http://localhost:8080/", true),
            ("http://localhost:8080", "https://localhost:8080/", false),
            ("http://localhost:8080", "http://localhost/", false),
            ("api.one.test:8443", "https://api.one.test:8443/", true),
            ("127.0.0.1", "https://127.1/", true),
            ("[::1]", "https://[0::1]/", true),
            ("https://api.one.test:443", "https://api.one.test/", true),
            ("", "http://anything.example:1234/", true),
        ];
        for (entries, url, want) in rows {
            assert_eq!(allows(entries, url), *want, "{entries} vs {url}");
        }
    }

    #[test]
    fn errors_hold_no_url() {
        let e = Destination::parse("gopher://user:sk_live_123@host/").unwrap_err();
        assert!(!e.to_string().contains("sk_live"), "{e}");
        let e = Destination::parse("not a url sk_live_123").unwrap_err();
        assert!(!e.to_string().contains("sk_live"), "{e}");
    }
}
