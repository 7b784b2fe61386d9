//! Load test of `GET /v1/policy/vault` (authenticate and read the settings in one query, sign or
//! reuse the signed statement) beside `GET /v1/health`, on the embedded SQLite database and on
//! PostgreSQL, in one run, with `wrk -t2 -c32 -d10s` (10 seconds per endpoint and backend,
//! loopback). Without wrk, 32 reqwest client threads load the policy endpoint instead. Client
//! and server share the machine's cores, so the numbers are a floor.
//!
//! Run: `cargo bench -p coffer-server --bench policy_load` (needs PostgreSQL's initdb/pg_ctl;
//! wrk is Debian's `wrk`).
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

#[path = "../tests/common/mod.rs"]
mod common;

use common::{Backend, Server, Store};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const THREADS: usize = 32;
const DURATION: Duration = Duration::from_secs(10);
const WARMUP: Duration = Duration::from_secs(1);

struct Result {
    requests: usize,
    errors: usize,
    rps: f64,
    p50: Duration,
    p99: Duration,
    max: Duration,
}

fn load(url: &str, token: &str) -> Result {
    let stop = Arc::new(AtomicBool::new(false));
    let measuring = Arc::new(AtomicBool::new(false));
    let handles: Vec<_> = (0..THREADS)
        .map(|_| {
            let (url, token, stop, measuring) = (
                url.to_string(),
                token.to_string(),
                stop.clone(),
                measuring.clone(),
            );
            std::thread::spawn(move || {
                let client = reqwest::blocking::Client::new();
                let mut lat = Vec::with_capacity(100_000);
                let mut errors = 0;
                while !stop.load(Ordering::Relaxed) {
                    let t = Instant::now();
                    let ok = client
                        .get(&url)
                        .bearer_auth(&token)
                        .send()
                        .and_then(|r| r.error_for_status())
                        .and_then(|r| r.bytes())
                        .is_ok();
                    if measuring.load(Ordering::Relaxed) {
                        if ok {
                            lat.push(t.elapsed());
                        } else {
                            errors += 1;
                        }
                    }
                }
                (lat, errors)
            })
        })
        .collect();
    std::thread::sleep(WARMUP);
    measuring.store(true, Ordering::Relaxed);
    let started = Instant::now();
    std::thread::sleep(DURATION);
    measuring.store(false, Ordering::Relaxed);
    let elapsed = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    let mut all = Vec::new();
    let mut errors = 0;
    for h in handles {
        let (l, e) = h.join().unwrap();
        all.extend(l);
        errors += e;
    }
    all.sort();
    let pick = |q: f64| all[((all.len() as f64 * q) as usize).min(all.len() - 1)];
    Result {
        requests: all.len(),
        errors,
        rps: all.len() as f64 / elapsed.as_secs_f64(),
        p50: pick(0.50),
        p99: pick(0.99),
        max: *all.last().unwrap(),
    }
}

/// `wrk -t2 -c32 -d10s --latency` against `url` (with `token`, if any): requests/s, p50, p99
/// and non-2xx/socket errors, as wrk reports them.
fn wrk(url: &str, token: Option<&str>) -> Option<(f64, String, String, String)> {
    let mut c = std::process::Command::new("wrk");
    c.args([
        "-t2",
        "-c32",
        &format!("-d{}s", DURATION.as_secs()),
        "--latency",
    ]);
    if let Some(t) = token {
        c.args(["-H", &format!("Authorization: Bearer {t}")]);
    }
    let out = c.arg(url).output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let field = |prefix: &str| {
        text.lines()
            .map(str::trim)
            .find_map(|l| l.strip_prefix(prefix).map(|v| v.trim().to_string()))
    };
    let rps: f64 = field("Requests/sec:")?.parse().ok()?;
    let errors = [field("Non-2xx or 3xx responses:"), field("Socket errors:")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("; ");
    Some((
        rps,
        field("50%")?,
        field("99%")?,
        if errors.is_empty() {
            "0".into()
        } else {
            errors
        },
    ))
}

fn main() {
    let have_wrk = std::process::Command::new("wrk")
        .arg("--version")
        .output()
        .is_ok();
    if have_wrk {
        println!(
            "wrk -t2 -c32 -d{}s --latency on loopback, client and server on the same cores\n",
            DURATION.as_secs()
        );
        println!("| backend | endpoint | req/s | p50 | p99 | errors |");
        println!("|---|---|---|---|---|---|");
    } else {
        println!(
            "GET /v1/policy/vault, {THREADS} keep-alive client threads, {}s per backend (loopback; install wrk for the wrk figures)\n",
            DURATION.as_secs()
        );
        println!("| backend | requests | errors | req/s | p50 | p99 | max |");
        println!("|---|---|---|---|---|---|---|");
    }
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let store = Store::new(backend);
        let token = store.bootstrap("team");
        let server = Server::start(&store, &[]);
        let url = format!("{}/v1/policy/vault", server.url);
        if have_wrk {
            let health = format!("{}/v1/health", server.url);
            // A first request outside the measurement (connections, caches).
            let _ = reqwest::blocking::get(&health);
            for (what, u, t) in [
                ("GET /v1/policy/vault", &url, Some(token.as_str())),
                ("GET /v1/health", &health, None),
            ] {
                let (rps, p50, p99, errors) = wrk(u, t).expect("wrk ran and reported");
                println!("| {backend:?} | {what} | {rps:.0} | {p50} | {p99} | {errors} |");
            }
        } else {
            let r = load(&url, &token);
            println!(
                "| {backend:?} | {} | {} | {:.0} | {:.2} ms | {:.2} ms | {:.2} ms |",
                r.requests,
                r.errors,
                r.rps,
                r.p50.as_secs_f64() * 1e3,
                r.p99.as_secs_f64() * 1e3,
                r.max.as_secs_f64() * 1e3
            );
        }
        server.stop();
        drop(store);
    }
}
