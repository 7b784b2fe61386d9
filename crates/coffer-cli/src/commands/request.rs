//! `coffer request`: an HTTP request with `{{vault:NAME}}` references, sent only where every
//! secret in it may go. The destination is the URL's scheme, host and port, fixed before any
//! value is read: references are allowed in the path, the query, header values and the body,
//! never in the scheme, host or port. Redirects (`-L`) are followed only while every secret in
//! the request is allowed at the new URL; proxies from the environment are not used.

use crate::cli::RequestArgs;
use crate::context::Context;
use crate::failure::{Failure, code};
use crate::mask::Masker;
use crate::resolve;
use coffer_core::reference::Template;
use coffer_core::{Destination, SecretName};
use coffer_vault::ops::resolve::Resolved;
use reqwest::blocking::Client;
use reqwest::header::{HeaderName, HeaderValue};
use reqwest::{Method, StatusCode, Url};
use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};
use zeroize::Zeroizing;

struct Header {
    name: HeaderName,
    value: Zeroizing<Vec<u8>>,
    /// It carried a reference.
    secret: bool,
}

struct Resolve {
    host: String,
    port: u16,
    addr: IpAddr,
}

pub fn run(ctx: &Context, args: RequestArgs) -> Result<(), Failure> {
    let env = resolve::environment(&args.env)?;
    let url_template = resolve::parse("the URL", args.url.as_bytes())?;
    let (dest, shape) = destination(&url_template)?;
    let mut header_templates = Vec::new();
    for h in &args.headers {
        let (name, value) = h.split_once(':').ok_or_else(|| {
            Failure::new(
                code::USAGE,
                "a header must be written `Name: value`",
                "e.g. -H 'Authorization: Bearer {{vault:api-token}}'",
            )
        })?;
        let name = HeaderName::from_bytes(name.trim().as_bytes()).map_err(|_| {
            Failure::new(
                code::USAGE,
                format!("{:?} is not a valid header name", name.trim()),
                "header names are letters, digits and -; references go in the value",
            )
        })?;
        if name == reqwest::header::HOST {
            return Err(Failure::new(
                code::USAGE,
                "a Host header is not allowed",
                "Coffer sends the URL's host: where a secret may go is checked against it",
            ));
        }
        let label = format!("header {name}");
        let t = resolve::parse(&label, value.trim_start().as_bytes())?;
        header_templates.push((name, t));
    }
    let (body_template, content_type) = body(&args)?;
    let mut templates: Vec<&Template> = vec![&url_template];
    templates.extend(header_templates.iter().map(|(_, t)| t));
    templates.extend(body_template.as_ref());
    let values = resolve::values(ctx, &templates, env.as_ref(), std::slice::from_ref(&dest))?;
    let masker = resolve::masker(&values);

    let url = shape.fill(&url_template, &values)?;
    if Destination::from_url(&url).ok().as_ref() != Some(&dest) {
        return Err(Failure::new(
            code::INVALID_INPUT,
            "a resolved value would change where the request goes",
            "references belong in the path, the query, headers or the body",
        ));
    }
    let mut headers: Vec<Header> = header_templates
        .iter()
        .map(|(name, t)| Header {
            name: name.clone(),
            value: resolve::render(t, &values),
            secret: !t.references().is_empty(),
        })
        .collect();
    if let Some(ct) = content_type
        && !headers
            .iter()
            .any(|h| h.name == reqwest::header::CONTENT_TYPE)
    {
        headers.push(Header {
            name: reqwest::header::CONTENT_TYPE,
            value: Zeroizing::new(ct.as_bytes().to_vec()),
            secret: false,
        });
    }
    if args.json.is_some() && !headers.iter().any(|h| h.name == reqwest::header::ACCEPT) {
        headers.push(Header {
            name: reqwest::header::ACCEPT,
            value: Zeroizing::new(b"application/json".to_vec()),
            secret: false,
        });
    }
    let mut body = body_template.as_ref().map(|t| resolve::render(t, &values));
    let mut method = match &args.request {
        Some(m) => Method::from_bytes(m.as_bytes()).map_err(|_| {
            Failure::new(
                code::USAGE,
                format!("{m:?} is not a valid method"),
                "e.g. GET, POST, PUT, PATCH, DELETE",
            )
        })?,
        None if body.is_some() => Method::POST,
        None => Method::GET,
    };
    let resolves = args
        .resolve
        .iter()
        .map(|r| parse_resolve(r))
        .collect::<Result<Vec<_>, _>>()?;
    let cacert = match &args.cacert {
        None => Vec::new(),
        Some(p) => {
            let pem = resolve::read_input(p)?;
            reqwest::Certificate::from_pem_bundle(&pem).map_err(|_| {
                Failure::new(
                    code::INVALID_INPUT,
                    format!("{} holds no PEM certificate", crate::term::shown(p)),
                    "--cacert takes a PEM file (-----BEGIN CERTIFICATE-----)",
                )
            })?
        }
    };
    let deadline = args
        .max_time
        .map(|s| {
            Duration::try_from_secs_f64(s)
                .ok()
                .filter(|d| !d.is_zero())
                .and_then(|d| Instant::now().checked_add(d))
                .ok_or_else(|| {
                    Failure::new(
                        code::USAGE,
                        "--max-time must be a positive number of seconds",
                        "e.g. --max-time 30 or -m 2.5",
                    )
                })
        })
        .transpose()?;

    let mut url = url;
    let mut redirects = 0;
    loop {
        let client = client(&url, &resolves, &cacert, deadline)?;
        let mut req = client.request(method.clone(), url.clone());
        for h in &headers {
            let mut v = HeaderValue::from_bytes(&h.value).map_err(|_| {
                Failure::new(
                    code::INVALID_INPUT,
                    format!("header {} is not valid once resolved", h.name),
                    "a header value cannot hold line breaks or control characters",
                )
            })?;
            v.set_sensitive(h.secret);
            req = req.header(h.name.clone(), v);
        }
        if let Some(b) = &body {
            req = req.body(b.to_vec());
        }
        if args.verbose {
            eprintln!(
                "{}",
                crate::term::escape(&masker.text(&format!("> {method} {}", decoded(&url))))
            );
            for h in &headers {
                let v = String::from_utf8_lossy(&h.value);
                eprintln!("{}", masker.text(&format!("> {}: {v}", h.name)));
            }
        }
        let resp = req.send().map_err(|e| transport(e, &masker))?;
        let status = resp.status();
        if args.verbose {
            eprintln!("< {:?} {status}", resp.version());
            for (k, v) in resp.headers() {
                let v = String::from_utf8_lossy(v.as_bytes());
                eprintln!(
                    "{}",
                    crate::term::escape(&masker.text(&format!("< {k}: {v}")))
                );
            }
        }
        let location = resp
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|l| l.to_str().ok())
            .and_then(|l| url.join(l).ok());
        if args.location
            && status.is_redirection()
            && let Some(next) = location
        {
            redirects += 1;
            if redirects > args.max_redirs {
                return Err(Failure::new(
                    code::IO,
                    format!("more than {} redirects", args.max_redirs),
                    "raise --max-redirs, or request the final URL",
                ));
            }
            let next_dest = Destination::from_url(&next).map_err(|e| {
                Failure::new(
                    code::UNRESOLVED,
                    format!("redirect not followed: {e}"),
                    "request the new location yourself if it is right",
                )
            })?;
            refuse_redirect(&values, &next_dest)?;
            if next_dest
                != Destination::from_url(&url)
                    .ok()
                    .unwrap_or(next_dest.clone())
            {
                // As curl: credentials typed without a reference stay with the host they
                // were written for.
                headers.retain(|h| {
                    h.secret
                        || (h.name != reqwest::header::AUTHORIZATION
                            && h.name != reqwest::header::COOKIE)
                });
            }
            if status == StatusCode::SEE_OTHER && method != Method::HEAD
                || (matches!(status, StatusCode::MOVED_PERMANENTLY | StatusCode::FOUND)
                    && method == Method::POST)
            {
                method = Method::GET;
                body = None;
                headers.retain(|h| {
                    h.name != reqwest::header::CONTENT_TYPE
                        && h.name != reqwest::header::CONTENT_LENGTH
                });
            }
            if args.verbose {
                eprintln!(
                    "{}",
                    crate::term::escape(
                        &masker.text(&format!("* following the redirect to {}", decoded(&next)))
                    )
                );
            }
            url = next;
            continue;
        }
        // As curl's --fail: an error answer's body is not printed.
        if args.fail && status.as_u16() >= 400 {
            return Err(Failure::new(
                code::HTTP_ERROR,
                format!("the server answered {status}"),
                "run with -v to see the response headers",
            ));
        }
        let masking = !args.no_masking;
        copy_body(resp, masking.then_some(masker))?;
        return Ok(());
    }
}

/// The body, and the content type it implies.
fn body(args: &RequestArgs) -> Result<(Option<Template>, Option<&'static str>), Failure> {
    if let Some(d) = &args.data {
        return Ok((
            Some(resolve::parse("the body", d.as_bytes())?),
            Some("application/x-www-form-urlencoded"),
        ));
    }
    if let Some(j) = &args.json {
        return Ok((
            Some(resolve::parse("the body", j.as_bytes())?),
            Some("application/json"),
        ));
    }
    if let Some(p) = &args.data_file {
        let bytes = resolve::read_input(p)?;
        return Ok((Some(resolve::parse(&crate::term::shown(p), &bytes)?), None));
    }
    Ok((None, None))
}

/// Where the request goes, read from the URL with each reference replaced by a placeholder:
/// a reference in the scheme, user, password, host or port is refused, so no value can decide
/// where values go.
fn destination(url: &Template) -> Result<(Destination, UrlShape), Failure> {
    let names: Vec<&SecretName> = url.names().into_iter().collect();
    // Letters, digits and hyphens only, which a URL parser never changes; the final `-4f1c`
    // keeps one from being the start of another.
    let placeholders: Vec<String> = (0..names.len())
        .map(|i| format!("coffer-reference-{i}-4f1c"))
        .collect();
    let text = url
        .render(|n| {
            names
                .iter()
                .position(|m| *m == n)
                .map(|i| placeholders[i].as_bytes())
        })
        .expect("every reference has a placeholder");
    let invalid = |why: String| {
        Failure::new(
            code::INVALID_INPUT,
            why,
            "give a full URL, e.g. https://api.example.com/v1/items",
        )
    };
    let parsed = std::str::from_utf8(&text)
        .map_err(|_| invalid("the URL is not text".into()))
        .and_then(|u| Url::parse(u).map_err(|e| invalid(format!("not a valid URL: {e}"))))?;
    let in_authority = [
        parsed.scheme(),
        parsed.username(),
        parsed.password().unwrap_or_default(),
        parsed.host_str().unwrap_or_default(),
    ]
    .iter()
    .any(|part| placeholders.iter().any(|p| part.contains(p.as_str())));
    if in_authority {
        return Err(Failure::new(
            code::INVALID_INPUT,
            "a reference cannot be part of the URL's scheme, user, password, host or port",
            "write the host out: where a secret may go is checked against it before anything is read",
        ));
    }
    let dest = Destination::from_url(&parsed).map_err(|e| invalid(e.to_string()))?;
    let finder = aho_corasick::AhoCorasick::new(&placeholders).expect("a few short patterns");
    // A `%` or `%H` just before a reference would make an escape of the value's first
    // characters: the server would decode another value.
    let text = parsed.as_str().as_bytes();
    if let Some(m) = finder.find_iter(text).find(|m| {
        let before = &text[..m.start()];
        before.ends_with(b"%")
            || (before.len() >= 2
                && before[before.len() - 2] == b'%'
                && before[before.len() - 1].is_ascii_hexdigit())
    }) {
        return Err(Failure::new(
            code::INVALID_INPUT,
            format!(
                "the reference to {} follows a `%` in the URL, which would turn the value's first characters into an escape",
                names[m.pattern().as_usize()]
            ),
            "remove the `%` before the reference, or write it as %25",
        ));
    }
    Ok((
        dest,
        UrlShape {
            parsed: parsed.into(),
            names: names.into_iter().cloned().collect(),
            finder,
        },
    ))
}

/// The URL as parsed with placeholders, to fill with values.
struct UrlShape {
    /// The parsed URL, with placeholder `i` where `names[i]` goes.
    parsed: String,
    names: Vec<SecretName>,
    finder: aho_corasick::AhoCorasick,
}

impl UrlShape {
    /// The URL with each value percent-encoded as one component (everything but letters, digits
    /// and `-._~`), so the server decodes exactly the value: `%`, `+`, `&`, `#`, `/`, `\`,
    /// spaces and line breaks included. The URL must parse to the placeholder URL with the
    /// encoded values put in; a value that a parser would still change (`.` or `..` as a path
    /// segment) is refused rather than sent altered.
    fn fill(&self, url: &Template, values: &Resolved) -> Result<Url, Failure> {
        let encoded: Vec<Zeroizing<Vec<u8>>> = self
            .names
            .iter()
            .map(|n| {
                let v = values
                    .get(n)
                    .expect("every name is resolved")
                    .value
                    .expose();
                let mut out = Zeroizing::new(Vec::with_capacity(v.len() * 3));
                for chunk in percent_encoding::utf8_percent_encode(v, URL_COMPONENT) {
                    out.extend_from_slice(chunk.as_bytes());
                }
                out
            })
            .collect();
        let rendered = url
            .render(|n| {
                self.names
                    .iter()
                    .position(|m| m == n)
                    .map(|i| encoded[i].as_slice())
            })
            .expect("every reference has a value");
        let url = std::str::from_utf8(&rendered)
            .ok()
            .and_then(|u| Url::parse(u).ok())
            .ok_or_else(|| {
                Failure::new(
                    code::INVALID_INPUT,
                    "the URL is not valid once its references are resolved",
                    "check the URL",
                )
            })?;
        // Walk the placeholder URL and the final one side by side: same text, and each
        // placeholder's place holds exactly its encoded value.
        let (want, got) = (self.parsed.as_bytes(), url.as_str().as_bytes());
        let (mut at, mut last) = (0, 0);
        // The first reference whose place does not hold exactly its encoded value.
        let mut altered = None;
        for m in self.finder.find_iter(want) {
            let i = m.pattern().as_usize();
            for piece in [&want[last..m.start()], encoded[i].as_slice()] {
                if altered.is_none() && !got[at..].starts_with(piece) {
                    altered = Some(i);
                }
                at = (at + piece.len()).min(got.len());
            }
            last = m.end();
        }
        if altered.is_none() && got[at..] != want[last..] {
            altered = self.names.len().checked_sub(1);
        }
        if let Some(i) = altered {
            return Err(Failure::new(
                code::INVALID_INPUT,
                format!(
                    "the value of {} would reach the server altered: a URL parser rewrites it (`.` and `..` path segments are removed)",
                    self.names[i]
                ),
                "put the reference in a query parameter, a header or the body",
            ));
        }
        Ok(url)
    }
}

/// What a value placed in a URL is percent-encoded for: all but the unreserved characters of
/// RFC 3986.
const URL_COMPONENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The URL with percent-escapes decoded, for `-v` lines: masking matches a value's own bytes,
/// which the URL holds encoded.
fn decoded(url: &Url) -> String {
    percent_encoding::percent_decode_str(url.as_str())
        .decode_utf8_lossy()
        .into_owned()
}

/// Every secret in the request must be allowed at the redirect's destination.
fn refuse_redirect(values: &Resolved, next: &Destination) -> Result<(), Failure> {
    let refused: Vec<String> = values
        .iter()
        .filter(|(_, v)| !v.allowed_domains.allows_destination(next))
        .map(|(n, v)| format!("{n} (allowed: {})", v.allowed_domains))
        .collect();
    if refused.is_empty() {
        return Ok(());
    }
    Err(Failure::new(
        code::UNRESOLVED,
        format!(
            "redirect to {next} not followed: the request carries {} not allowed there: {}",
            if refused.len() == 1 {
                "a secret"
            } else {
                "secrets"
            },
            refused.join(", ")
        ),
        "nothing was sent to the new location; if it is right, add it to the secret's allowed domains",
    ))
}

fn client(
    url: &Url,
    resolves: &[Resolve],
    cacert: &[reqwest::Certificate],
    deadline: Option<Instant>,
) -> Result<Client, Failure> {
    let mut b = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .retry(reqwest::retry::never())
        .referer(false)
        .user_agent(coffer_core::export::tool_name())
        .connect_timeout(Duration::from_secs(30));
    if let Some(d) = deadline {
        let left = d.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(timed_out());
        }
        b = b.timeout(left);
    }
    if !cacert.is_empty() {
        b = b.tls_certs_merge(cacert.iter().cloned());
    }
    let host = url.host_str().unwrap_or_default();
    let port = url.port_or_known_default().unwrap_or(0);
    // `host.` is the same host as `host` (the destination reads it so too).
    let bare = |h: &str| h.strip_suffix('.').unwrap_or(h).to_owned();
    for r in resolves {
        if bare(&r.host) == bare(host) && r.port == port {
            b = b.resolve(host, SocketAddr::new(r.addr, port));
        }
    }
    b.build().map_err(|e| {
        Failure::new(
            code::INTERNAL,
            format!("cannot set up the HTTP client: {}", e.without_url()),
            "check --cacert",
        )
    })
}

fn timed_out() -> Failure {
    Failure::new(
        code::IO,
        "the request took longer than --max-time",
        "raise --max-time",
    )
}

/// `HOST:PORT:ADDR`, as curl.
fn parse_resolve(s: &str) -> Result<Resolve, Failure> {
    let bad = || {
        Failure::new(
            code::USAGE,
            format!("--resolve {s:?} is not HOST:PORT:ADDR"),
            "e.g. --resolve api.example.test:443:127.0.0.1",
        )
    };
    // HOST may be a bracketed IPv6 address, as in a URL.
    let (host, rest) = match s.strip_prefix('[') {
        Some(r) => {
            let (h, rest) = r.split_once(']').ok_or_else(bad)?;
            (format!("[{h}]"), rest.strip_prefix(':').ok_or_else(bad)?)
        }
        None => {
            let (h, rest) = s.split_once(':').ok_or_else(bad)?;
            (h.to_string(), rest)
        }
    };
    let (port, addr) = rest.split_once(':').ok_or_else(bad)?;
    let port: u16 = port.parse().map_err(|_| bad())?;
    let addr = addr.trim_start_matches('[').trim_end_matches(']');
    let addr: IpAddr = addr.parse().map_err(|_| bad())?;
    // The host as a URL parser writes it (lowercase, punycode, canonical IP), so it is compared
    // with the request URL's host as reqwest sees it.
    let host = Url::parse(&format!("http://{host}/"))
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .filter(|h| !h.is_empty())
        .ok_or_else(bad)?;
    Ok(Resolve { host, port, addr })
}

fn transport(e: reqwest::Error, masker: &Masker) -> Failure {
    if e.is_timeout() {
        return timed_out();
    }
    // The URL may hold a value: never in the message.
    let e = e.without_url();
    let mut msg = e.to_string();
    let mut src = std::error::Error::source(&e);
    while let Some(s) = src {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        src = s.source();
    }
    Failure::new(
        code::IO,
        masker.text(&format!("request failed: {msg}")),
        "check the URL, the network, and --cacert for a private CA",
    )
}

fn copy_body(mut resp: reqwest::blocking::Response, masker: Option<Masker>) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    let mut masker = masker.unwrap_or_else(|| Masker::new([]));
    let mut buf = Zeroizing::new(vec![0u8; 16 * 1024]);
    let fail = |e: std::io::Error| {
        Failure::new(
            code::IO,
            format!("cannot read the response: {e}"),
            "the connection may have been cut",
        )
    };
    loop {
        let n = match resp.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(fail(e)),
        };
        masker.write(&buf[..n], &mut out).map_err(write_failed)?;
    }
    masker.finish(&mut out).map_err(write_failed)?;
    out.flush().map_err(write_failed)
}

fn write_failed(e: std::io::Error) -> Failure {
    Failure::new(
        code::IO,
        format!("cannot write the response: {e}"),
        "check where stdout goes",
    )
}
