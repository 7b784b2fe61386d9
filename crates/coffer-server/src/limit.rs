//! Keyed token buckets: how often one member may report exports, and how many failed logins one
//! address or token id may make, before the server answers 429 with `Retry-After`.
//!
//! Each replica keeps its own buckets in memory (a restart or another replica starts afresh:
//! the limits slow a flood down, they are not an account lockout). The map is bounded: when it
//! is full, buckets that have refilled are dropped first, then the oldest.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A token bucket per key.
#[derive(Debug)]
pub struct RateLimiter {
    burst: f64,
    every: Duration,
    max_keys: usize,
    buckets: Mutex<HashMap<String, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl RateLimiter {
    /// `burst` at once, then one every `every`; at most `max_keys` keys remembered.
    pub fn new(burst: u32, every: Duration, max_keys: usize) -> Self {
        Self {
            burst: f64::from(burst),
            every,
            max_keys,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    fn refilled(&self, b: Bucket, now: Instant) -> Bucket {
        let gained = now.saturating_duration_since(b.at).as_secs_f64() / self.every.as_secs_f64();
        Bucket {
            tokens: (b.tokens + gained).min(self.burst),
            at: now,
        }
    }

    /// Whether `key` has a token left at `now` (taking none): `Err` says how long until it has.
    pub fn check(&self, key: &str, now: Instant) -> Result<(), Duration> {
        let buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        match buckets.get(key) {
            None => Ok(()),
            Some(b) => self.wait(self.refilled(*b, now)),
        }
    }

    /// Takes a token of `key` at `now`: `Err` says how long until one is there (none taken).
    pub fn take(&self, key: &str, now: Instant) -> Result<(), Duration> {
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if !buckets.contains_key(key) && buckets.len() >= self.max_keys {
            self.make_room(&mut buckets, now);
        }
        let b = buckets.get(key).map_or(
            Bucket {
                tokens: self.burst,
                at: now,
            },
            |b| self.refilled(*b, now),
        );
        self.wait(b)?;
        buckets.insert(
            key.to_string(),
            Bucket {
                tokens: b.tokens - 1.0,
                at: now,
            },
        );
        Ok(())
    }

    fn wait(&self, b: Bucket) -> Result<(), Duration> {
        if b.tokens >= 1.0 {
            Ok(())
        } else {
            Err(self.every.mul_f64(1.0 - b.tokens))
        }
    }

    fn make_room(&self, buckets: &mut HashMap<String, Bucket>, now: Instant) {
        buckets.retain(|_, b| self.refilled(*b, now).tokens < self.burst);
        if buckets.len() >= self.max_keys {
            let oldest = buckets
                .iter()
                .min_by_key(|(_, b)| b.at)
                .map(|(k, _)| k.clone());
            if let Some(k) = oldest {
                buckets.remove(&k);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_one_per_interval() {
        let l = RateLimiter::new(3, Duration::from_secs(10), 100);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(l.take("m", t0).is_ok());
        }
        assert_eq!(l.take("m", t0), Err(Duration::from_secs(10)));
        assert!(l.check("m", t0).is_err());
        assert!(l.take("other", t0).is_ok(), "per key");
        let t5 = t0 + Duration::from_secs(5);
        assert_eq!(l.take("m", t5), Err(Duration::from_secs(5)));
        assert!(l.take("m", t0 + Duration::from_secs(10)).is_ok());
        assert!(l.take("m", t0 + Duration::from_secs(10)).is_err());
    }

    #[test]
    fn the_map_stays_bounded() {
        let l = RateLimiter::new(1, Duration::from_secs(60), 10);
        let t0 = Instant::now();
        for i in 0..1000 {
            let _ = l.take(&format!("k{i}"), t0);
        }
        assert!(l.buckets.lock().unwrap().len() <= 10);
    }
}
