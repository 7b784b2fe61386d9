//! Loading an export from a link: HTTPS only (plain HTTP to loopback only), bounded size and
//! time, redirects held to the same rules. Messages show links without credentials or queries.

use super::source::{Loaded, SourceError, read_limited};
use crate::{Classify, ErrorKind};
use coffer_core::export::MAX_EXPORT_BYTES;
use reqwest::Url;
use std::net::IpAddr;
use std::time::Duration;

/// Longest wait for any one step (connect, a read) of a download.
pub const TIMEOUT: Duration = Duration::from_secs(30);
/// The whole download, from the first connection to the last byte: a server that trickles a
/// byte now and then cannot hold an import for longer.
pub const DEADLINE: Duration = Duration::from_secs(60);
const MAX_REDIRECTS: usize = 5;

/// A link could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum UrlError {
    /// Not a usable link.
    #[error("invalid link {label}: {reason}")]
    Invalid {
        /// The link, shown safely.
        label: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// The server answered with an error status.
    #[error("{label} answered HTTP {status}")]
    Status {
        /// The link, shown safely.
        label: String,
        /// Status code and reason.
        status: String,
    },
    /// Connection, TLS, timeout or redirect failure.
    #[error("cannot load {label}: {reason}")]
    Network {
        /// The link, shown safely.
        label: String,
        /// Why (without the link).
        reason: String,
    },
    /// The body is over the size limit.
    #[error("{label} is larger than {MAX_EXPORT_BYTES} bytes; exports that large are refused")]
    TooLarge {
        /// The link, shown safely.
        label: String,
    },
}

impl Classify for UrlError {
    fn kind(&self) -> ErrorKind {
        match self {
            UrlError::Invalid { .. } | UrlError::TooLarge { .. } => ErrorKind::InvalidInput,
            UrlError::Status { .. } | UrlError::Network { .. } => ErrorKind::Io,
        }
    }
}

/// The link without user info, query or fragment.
pub fn safe_label(url: &Url) -> String {
    let mut u = url.clone();
    let _ = u.set_username("");
    let _ = u.set_password(None);
    u.set_query(None);
    u.set_fragment(None);
    u.to_string()
}

/// Whether the link's host is this machine.
pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// HTTPS, or plain HTTP to loopback only.
pub(crate) fn check(url: &Url) -> Result<(), &'static str> {
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(url) => Ok(()),
        "http" => Err("plain http is allowed only to this machine (loopback); use https"),
        _ => Err("only https:// links are supported"),
    }
}

/// Downloads one export within [`DEADLINE`].
pub fn fetch(link: &str) -> Result<Loaded, UrlError> {
    fetch_within(link, DEADLINE)
}

/// Downloads one export, giving up after `deadline` in all. The download runs on its own
/// thread; past the deadline it is abandoned (its socket closes when it next wakes, or with
/// the process) and the import fails.
pub fn fetch_within(link: &str, deadline: Duration) -> Result<Loaded, UrlError> {
    let owned = link.to_string();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(download(&owned));
    });
    match rx.recv_timeout(deadline) {
        Ok(result) => result,
        Err(_) => Err(UrlError::Network {
            label: Url::parse(link)
                .map(|u| safe_label(&u))
                .unwrap_or_else(|_| "(unparsable link)".into()),
            reason: format!(
                "the download did not finish within {} seconds",
                deadline.as_secs_f32()
            ),
        }),
    }
}

fn download(link: &str) -> Result<Loaded, UrlError> {
    let url = Url::parse(link).map_err(|_| UrlError::Invalid {
        label: "(unparsable link)".into(),
        reason: "not a valid URL",
    })?;
    let label = safe_label(&url);
    check(&url).map_err(|reason| UrlError::Invalid {
        label: label.clone(),
        reason,
    })?;
    let from_loopback = is_loopback(&url);
    let mut builder = reqwest::blocking::Client::builder();
    if from_loopback {
        builder = builder.no_proxy();
    }
    let client = builder
        .timeout(TIMEOUT)
        .connect_timeout(Duration::from_secs(10))
        .user_agent(coffer_core::export::tool_name())
        .redirect(reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() >= MAX_REDIRECTS {
                attempt.error("too many redirects")
            } else if let Err(reason) = check(attempt.url()) {
                attempt.error(reason)
            } else if !from_loopback && is_loopback(attempt.url()) {
                // A remote link must not bounce the request to services on this machine.
                attempt.error("redirect from a remote link to this machine")
            } else {
                attempt.follow()
            }
        }))
        .build()
        .map_err(|e| UrlError::Network {
            label: label.clone(),
            reason: e.without_url().to_string(),
        })?;
    let network = |e: reqwest::Error| {
        let e = e.without_url();
        let mut reason = e.to_string();
        let mut src = std::error::Error::source(&e);
        while let Some(s) = src {
            reason = format!("{reason}: {s}");
            src = s.source();
        }
        UrlError::Network {
            label: label.clone(),
            reason,
        }
    };
    let resp = client.get(url.clone()).send().map_err(network)?;
    if !resp.status().is_success() {
        return Err(UrlError::Status {
            label,
            status: resp.status().to_string(),
        });
    }
    if resp.content_length().is_some_and(|n| n > MAX_EXPORT_BYTES) {
        return Err(UrlError::TooLarge { label });
    }
    let hint = resp.content_length();
    let bytes = read_limited(resp, &label, hint).map_err(|e| match e {
        SourceError::TooLarge { label } => UrlError::TooLarge { label },
        other => UrlError::Network {
            label: label.clone(),
            reason: other.to_string(),
        },
    })?;
    Ok(Loaded { label, bytes })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheme_rules() {
        let ok = |s: &str| check(&Url::parse(s).unwrap()).is_ok();
        assert!(ok("https://example.com/x.json"));
        assert!(ok("http://127.0.0.1:8080/x.json"));
        assert!(ok("http://127.5.5.5/x.json"));
        assert!(ok("http://localhost/x.json"));
        assert!(ok("http://[::1]:9/x.json"));
        assert!(!ok("http://example.com/x.json"));
        assert!(!ok("http://10.0.0.1/x.json"));
        assert!(!ok("ftp://example.com/x.json"));
        assert!(!ok("file:///etc/passwd"));
    }

    /// A server that sends a byte every 50 ms never stalls a read, but cannot hold the import
    /// past the deadline.
    #[test]
    fn a_trickling_server_cannot_outlast_the_deadline() {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            // The whole request first: an answer before it confuses the client.
            let mut req = Vec::new();
            let mut byte = [0u8; 1];
            while !req.ends_with(b"\r\n\r\n") && s.read(&mut byte).unwrap_or(0) == 1 {
                req.push(byte[0]);
            }
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 100000\r\n\r\n");
            for _ in 0..100_000 {
                if s.write_all(b" ").is_err() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        });
        let started = std::time::Instant::now();
        let e = fetch_within(&format!("http://{addr}/slow.json"), Duration::from_secs(1))
            .err()
            .expect("refused");
        assert!(e.to_string().contains("did not finish within 1"), "{e}");
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn labels_hide_credentials_and_queries() {
        let u = Url::parse("https://user:tok3n@example.com/e.json?sig=SECRET#frag").unwrap();
        assert_eq!(safe_label(&u), "https://example.com/e.json");
    }
}
