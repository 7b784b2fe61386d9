//! Allowed domains: where a secret may be sent.
//!
//! An entry is `[scheme://][*.]host[:port]`:
//! - `scheme` is `https` or `http`. Without one, the entry allows `https` only.
//! - `host` is a DNS name (letters, digits, `-`, dots; ASCII, so IDNs in punycode), an IPv4
//!   address or a bracketed IPv6 address. It is case-insensitive and stored lowercased.
//! - `*.` allows every subdomain at any depth, but not the bare domain itself (list both if both
//!   are wanted). Wildcards apply to DNS names only.
//! - `port`: without one, the scheme's default port only (443, or 80 for `http`).
//! - Paths, queries, user info and fragments are refused: a domain rule is about hosts.
//!
//! An empty list means "any domain". See `docs/names.md`.

use std::borrow::Cow;
use std::fmt;
use std::net::Ipv4Addr;

/// One allowed-domain entry.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AllowedDomain {
    scheme: Option<Scheme>,
    wildcard: bool,
    host: String,
    port: Option<u16>,
}

/// The schemes an entry may name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scheme {
    /// `http://`
    Http,
    /// `https://`
    Https,
}

impl Scheme {
    /// The port used when a URL names none.
    pub fn default_port(self) -> u16 {
        match self {
            Scheme::Http => 80,
            Scheme::Https => 443,
        }
    }
    /// `http` or `https`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }
}

/// Why a domain entry was refused. Carries the entry, which is not secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid allowed domain {entry:?}: {reason}")]
pub struct DomainError {
    /// The entry as given.
    pub entry: String,
    /// What is wrong with it.
    pub reason: Cow<'static, str>,
}

impl AllowedDomain {
    /// Parses one entry.
    pub fn parse(entry: &str) -> Result<Self, DomainError> {
        let err = |reason: &'static str| DomainError {
            entry: entry.to_owned(),
            reason: Cow::Borrowed(reason),
        };
        let s = entry.trim();
        if s.is_empty() {
            return Err(err("it is empty"));
        }
        let (scheme, rest) = match s.split_once("://") {
            Some((sch, rest)) => match sch.to_ascii_lowercase().as_str() {
                "https" => (Some(Scheme::Https), rest),
                "http" => (Some(Scheme::Http), rest),
                _ => return Err(err("only http:// and https:// schemes are allowed")),
            },
            None => (None, s),
        };
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.contains(['/', '?', '#']) {
            return Err(err(
                "paths, queries and fragments are not allowed; give a host only",
            ));
        }
        if rest.contains('@') {
            return Err(err("user names are not allowed; give a host only"));
        }
        let (hostpart, port) = split_port(rest).map_err(err)?;
        let (wildcard, host) = match hostpart.strip_prefix("*.") {
            Some(h) => (true, h),
            None => (false, hostpart),
        };
        let host = host.to_ascii_lowercase();
        if host.starts_with('[') {
            let inner = host
                .strip_prefix('[')
                .and_then(|h| h.strip_suffix(']'))
                .ok_or_else(|| err("unbalanced brackets around an IPv6 address"))?;
            let ip = inner
                .parse::<std::net::Ipv6Addr>()
                .map_err(|_| err("not a valid IPv6 address"))?;
            if wildcard {
                return Err(err("a wildcard cannot apply to an IP address"));
            }
            // One spelling per address (RFC 5952, as URL parsers print it): `[0:0::1]` is `[::1]`.
            return Ok(Self::canonical(scheme, false, format!("[{ip}]"), port));
        }
        // One trailing dot (a fully qualified DNS name) is the same host.
        let host = host.strip_suffix('.').unwrap_or(&host).to_string();
        if ends_in_a_number(&host) {
            // URL parsers (WHATWG, and so browsers and most HTTP clients) read such a host as
            // an IPv4 address: `127.1`, `2130706433` and `0x7f.0.0.1` are all 127.0.0.1. Only
            // the canonical dotted quad is accepted, so an entry means what it shows.
            if wildcard {
                return Err(err("a wildcard cannot apply to an IP address"));
            }
            match host.parse::<Ipv4Addr>() {
                Ok(_) => {}
                Err(_) => {
                    return Err(DomainError {
                        entry: entry.to_owned(),
                        reason: match whatwg_ipv4(&host) {
                            Some(ip) => Cow::Owned(format!(
                                "URL parsers read this host as the IPv4 address {ip}; write it as {ip}"
                            )),
                            None => Cow::Borrowed(
                                "a host ending in a number is an IPv4 address, and this is not a valid one",
                            ),
                        },
                    });
                }
            }
        } else {
            check_dns_name(&host).map_err(err)?;
            if wildcard && is_public_suffix(&host) {
                return Err(err(
                    "a wildcard directly over a public suffix (like *.com or *.github.io) would allow every site under it",
                ));
            }
        }
        Ok(Self::canonical(scheme, wildcard, host, port))
    }

    /// Canonical form: https is the default scheme and each scheme's default port is implied, so
    /// `https://a.com:443` and `a.com` are one entry.
    fn canonical(scheme: Option<Scheme>, wildcard: bool, host: String, port: Option<u16>) -> Self {
        let scheme = scheme.filter(|s| *s != Scheme::Https);
        let port = port.filter(|p| *p != scheme.unwrap_or(Scheme::Https).default_port());
        Self {
            scheme,
            wildcard,
            host,
            port,
        }
    }

    /// Whether a request to `scheme://host:port` may carry the secret.
    pub fn allows(&self, scheme: Scheme, host: &str, port: Option<u16>) -> bool {
        let want_scheme = self.scheme.unwrap_or(Scheme::Https);
        if scheme != want_scheme {
            return false;
        }
        let port = port.unwrap_or(scheme.default_port());
        if port != self.port.unwrap_or(want_scheme.default_port()) {
            return false;
        }
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        if self.wildcard {
            host.len() > self.host.len() + 1
                && host.ends_with(&self.host)
                && host.as_bytes()[host.len() - self.host.len() - 1] == b'.'
        } else {
            host == self.host
        }
    }
}

fn split_port(s: &str) -> Result<(&str, Option<u16>), &'static str> {
    // An IPv6 literal keeps its colons inside brackets.
    let colon = match s.rfind(']') {
        Some(close) => s[close..].find(':').map(|i| close + i),
        None => s.rfind(':'),
    };
    match colon {
        None => Ok((s, None)),
        Some(i) => {
            let digits = &s[i + 1..];
            let bad = "the port must be a number from 1 to 65535";
            if digits.is_empty()
                || digits.starts_with('0')
                || !digits.bytes().all(|b| b.is_ascii_digit())
            {
                return Err(bad);
            }
            let port: u16 = digits.parse().map_err(|_| bad)?;
            Ok((&s[..i], Some(port)))
        }
    }
}

/// The WHATWG URL standard's "ends in a number" check: the last label (after one trailing dot)
/// is all decimal digits, or `0x`/`0X` followed by hex digits.
fn ends_in_a_number(host: &str) -> bool {
    let host = host.strip_suffix('.').unwrap_or(host);
    let last = host.rsplit('.').next().unwrap_or(host);
    if !last.is_empty() && last.bytes().all(|b| b.is_ascii_digit()) {
        return true;
    }
    last.strip_prefix("0x")
        .or_else(|| last.strip_prefix("0X"))
        .is_some_and(|hex| hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The WHATWG IPv4 parser: 1 to 4 parts, each decimal, `0x` hex or `0`-prefixed octal; the last
/// part fills the remaining bytes. `None` where the standard fails.
fn whatwg_ipv4(host: &str) -> Option<Ipv4Addr> {
    let parts: Vec<&str> = host.split('.').collect();
    if parts.is_empty() || parts.len() > 4 {
        return None;
    }
    let mut nums = Vec::with_capacity(4);
    for p in &parts {
        let (digits, radix) = if let Some(h) = p.strip_prefix("0x").or_else(|| p.strip_prefix("0X"))
        {
            (h, 16)
        } else if p.len() > 1 && p.starts_with('0') {
            (&p[1..], 8)
        } else {
            (*p, 10)
        };
        let n = if digits.is_empty() {
            if p.is_empty() {
                return None;
            }
            0
        } else {
            u64::from_str_radix(digits, radix).ok()?
        };
        nums.push(n);
    }
    let (last, rest) = nums.split_last()?;
    if rest.iter().any(|n| *n > 255) || *last >= 256u64.pow(5 - nums.len() as u32) {
        return None;
    }
    let mut v = *last;
    for (i, n) in rest.iter().enumerate() {
        v += n << (8 * (3 - i));
    }
    u32::try_from(v).ok().map(Ipv4Addr::from)
}

/// Whether `host` is itself a public suffix (`com`, `co.uk`, `github.io`), from the Public
/// Suffix List compiled into the `psl` crate (ICANN and private sections).
fn is_public_suffix(host: &str) -> bool {
    psl::suffix(host.as_bytes()).is_some_and(|s| s.as_bytes() == host.as_bytes() && s.is_known())
}

fn check_dns_name(host: &str) -> Result<(), &'static str> {
    if host.is_empty() {
        return Err("the host is empty");
    }
    if host.len() > 253 {
        return Err("the host is longer than 253 characters");
    }
    for label in host.split('.') {
        if label.is_empty() {
            return Err("the host has an empty label ('..')");
        }
        if label.len() > 63 {
            return Err("a label of the host is longer than 63 characters");
        }
        if label.contains('*') {
            return Err("a wildcard is only allowed as a leading '*.'");
        }
        if !label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return Err(
                "a host may contain only letters, digits, '-' and '.' (use punycode for IDNs)",
            );
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err("a label of the host cannot start or end with '-'");
        }
    }
    Ok(())
}

impl fmt::Display for AllowedDomain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(s) = self.scheme {
            write!(f, "{}://", s.as_str())?;
        }
        if self.wildcard {
            f.write_str("*.")?;
        }
        f.write_str(&self.host)?;
        if let Some(p) = self.port {
            write!(f, ":{p}")?;
        }
        Ok(())
    }
}

/// A secret's allowed domains: a sorted set without repeats. Empty means any domain.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct AllowedDomains(Vec<AllowedDomain>);

impl AllowedDomains {
    /// No restriction.
    pub fn any() -> Self {
        Self::default()
    }

    /// Parses a comma-separated list (`api.example.com, *.example.org`).
    pub fn parse_list(list: &str) -> Result<Self, DomainError> {
        Self::from_entries(list.split(','))
    }

    /// Parses each entry; stores them sorted and deduplicated.
    pub fn from_entries<'a>(
        entries: impl IntoIterator<Item = &'a str>,
    ) -> Result<Self, DomainError> {
        let mut v = entries
            .into_iter()
            .map(AllowedDomain::parse)
            .collect::<Result<Vec<_>, _>>()?;
        v.sort();
        v.dedup();
        Ok(Self(v))
    }

    /// The entries.
    pub fn entries(&self) -> &[AllowedDomain] {
        &self.0
    }

    /// True when unrestricted.
    pub fn is_any(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether a request to `scheme://host:port` may carry the secret.
    pub fn allows(&self, scheme: Scheme, host: &str, port: Option<u16>) -> bool {
        self.is_any() || self.0.iter().any(|d| d.allows(scheme, host, port))
    }

    /// Whether a request to `dest` may carry the secret.
    pub fn allows_destination(&self, dest: &crate::Destination) -> bool {
        self.allows(dest.scheme(), dest.host(), Some(dest.port()))
    }

    /// The entries as text, in canonical form.
    pub fn to_strings(&self) -> Vec<String> {
        self.0.iter().map(ToString::to_string).collect()
    }
}

impl fmt::Display for AllowedDomains {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_strings().join(","))
    }
}

impl serde::Serialize for AllowedDomains {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(ToString::to_string))
    }
}

impl<'de> serde::Deserialize<'de> for AllowedDomains {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Vec::<String>::deserialize(d)?;
        Self::from_entries(v.iter().map(String::as_str)).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn p(s: &str) -> AllowedDomain {
        AllowedDomain::parse(s).unwrap()
    }

    #[test]
    fn canonical_forms() {
        assert_eq!(p("API.Example.com").to_string(), "api.example.com");
        assert_eq!(p("*.example.org").to_string(), "*.example.org");
        assert_eq!(p("HTTPS://api.example.com/").to_string(), "api.example.com");
        assert_eq!(
            p("http://localhost:8080").to_string(),
            "http://localhost:8080"
        );
        assert_eq!(p("10.0.0.1:8443").to_string(), "10.0.0.1:8443");
        assert_eq!(p("[::1]:9000").to_string(), "[::1]:9000");
        assert_eq!(p(" example.com ").to_string(), "example.com");
        assert_eq!(p("1.2.3.4.").to_string(), "1.2.3.4");
        assert_eq!(p("*.example.co.uk").to_string(), "*.example.co.uk");
        assert_eq!(p("*.me.github.io").to_string(), "*.me.github.io");
        assert_eq!(p("a1.example").to_string(), "a1.example");
        assert_eq!(p("example.0xyz").to_string(), "example.0xyz");
    }

    #[test]
    fn refusals_say_why() {
        for (bad, why) in [
            ("", "empty"),
            ("ftp://x.com", "schemes"),
            ("x.com/path", "paths"),
            ("user@x.com", "user names"),
            ("x.com:0", "port"),
            ("x.com:99999", "port"),
            ("x.com:abc", "port"),
            ("x.com:+443", "port"),
            ("x.com:0443", "port"),
            ("x.com:", "port"),
            ("a..b", "empty label"),
            ("a.com..", "empty label"),
            ("exa mple.com", "letters"),
            ("*.*.x.com", "wildcard"),
            ("api.*.com", "wildcard"),
            ("*.10.0.0.1", "IP"),
            ("-x.com", "'-'"),
            ("[::1", "brackets"),
            ("[zz]", "IPv6"),
            // Hosts that URL parsers read as IPv4 addresses.
            ("127.1", "127.0.0.1"),
            ("2130706433", "127.0.0.1"),
            ("0x7f.0.0.1", "127.0.0.1"),
            ("0177.0.0.1", "127.0.0.1"),
            ("256.1.1.1", "not a valid one"),
            ("a.b.0x", "IPv4"),
            ("*.1.1.1", "IP"),
            ("*.1.1.1.1", "IP"),
            ("[::1].", "IPv6"),
            // Wildcards over a public suffix.
            ("*.com", "public suffix"),
            ("*.co.uk", "public suffix"),
            ("*.github.io", "public suffix"),
        ] {
            let e = AllowedDomain::parse(bad).unwrap_err();
            assert!(e.reason.contains(why), "{bad}: {}", e.reason);
        }
    }

    #[test]
    fn matching_rules() {
        use Scheme::*;
        let d = p("api.example.com");
        assert!(d.allows(Https, "api.example.com", None));
        assert!(d.allows(Https, "API.example.com", Some(443)));
        assert!(
            !d.allows(Http, "api.example.com", None),
            "bare entry is https only"
        );
        assert!(
            !d.allows(Https, "api.example.com", Some(8443)),
            "default port only"
        );
        assert!(!d.allows(Https, "evil-api.example.com", None));
        assert!(!d.allows(Https, "api.example.com.evil.net", None));

        let w = p("*.example.org");
        assert!(w.allows(Https, "a.example.org", None));
        assert!(w.allows(Https, "a.b.example.org", None));
        assert!(
            !w.allows(Https, "example.org", None),
            "apex needs its own entry"
        );
        assert!(!w.allows(Https, "badexample.org", None));

        let h = p("http://localhost:8080");
        assert!(h.allows(Http, "localhost", Some(8080)));
        assert!(!h.allows(Http, "localhost", None));
        assert!(!h.allows(Https, "localhost", Some(8080)));
    }

    #[test]
    fn list_is_sorted_dedup_and_empty_means_any() {
        let l = AllowedDomains::parse_list("b.com, a.com,B.com,https://a.com:443").unwrap();
        assert_eq!(l.to_string(), "a.com,b.com");
        assert!(AllowedDomains::any().allows(Scheme::Http, "anything", Some(1)));
        assert!(AllowedDomains::parse_list("a.com,,b.com").is_err());
    }

    /// What a WHATWG URL parser (the `url` crate) makes of `host`.
    fn url_host(host: &str) -> Option<url::Host<String>> {
        url::Url::parse(&format!("https://{host}/"))
            .ok()?
            .host()
            .map(|h| h.to_owned())
    }

    proptest! {
        #[test]
        fn parse_never_panics_and_display_reparses(s in "\\PC{0,80}") {
            if let Ok(d) = AllowedDomain::parse(&s) {
                prop_assert_eq!(AllowedDomain::parse(&d.to_string()).unwrap(), d);
            }
        }

        /// Every accepted numeric-looking host is exactly what a URL parser reads: never a DNS
        /// name that a browser or HTTP client would send to another address.
        #[test]
        fn accepted_hosts_agree_with_a_url_parser(s in "[0-9a-fxX.]{1,24}") {
            if let Ok(d) = AllowedDomain::parse(&s) {
                let host = d.to_string();
                match url_host(&s) {
                    Some(url::Host::Ipv4(ip)) => prop_assert_eq!(host, ip.to_string()),
                    Some(url::Host::Domain(name)) => {
                        prop_assert_eq!(&host, name.trim_end_matches('.'));
                        prop_assert!(host.parse::<Ipv4Addr>().is_err());
                    }
                    other => prop_assert!(false, "{s:?} accepted as {host} but URL host is {other:?}"),
                }
            }
        }

        /// A canonical dotted quad is kept; the same address as one number, decimal or hex, is
        /// refused with a message naming the dotted quad.
        #[test]
        fn every_ipv4_in_canonical_form_is_kept_and_others_name_it(ip in any::<u32>()) {
            let addr = Ipv4Addr::from(ip);
            prop_assert_eq!(p(&addr.to_string()).to_string(), addr.to_string());
            let e = AllowedDomain::parse(&ip.to_string()).unwrap_err();
            prop_assert!(e.reason.contains(&addr.to_string()), "{}", e.reason);
            let e = AllowedDomain::parse(&format!("{ip:#x}")).unwrap_err();
            prop_assert!(e.reason.contains(&addr.to_string()), "{}", e.reason);
        }
    }
}
