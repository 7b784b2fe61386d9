//! Load test of `GET /v1/policy/vault` (authenticate, read settings, sign) on the embedded SQLite
//! database and on PostgreSQL, in one run. Bounded and loopback only: 32 client threads with
//! keep-alive connections for 10 seconds per backend, after a 1-second warm-up. Client and server
//! share the machine's cores, so the numbers are a floor.
//!
//! Run: `cargo bench -p coffer-server --bench policy_load` (needs PostgreSQL's initdb/pg_ctl).
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

fn main() {
    println!(
        "GET /v1/policy/vault, {THREADS} keep-alive client threads, {}s per backend (loopback)\n",
        DURATION.as_secs()
    );
    println!("| backend | requests | errors | req/s | p50 | p99 | max |");
    println!("|---|---|---|---|---|---|---|");
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let store = Store::new(backend);
        let token = store.bootstrap("team");
        let server = Server::start(&store, &[]);
        let url = format!("{}/v1/policy/vault", server.url);
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
        server.stop();
        drop(store);
    }
}
