//! An ajp13 worker's counters and its backend-time histogram: what jk-status, /metrics and the access
//! log read. Lock-free atomics, because every request updates them.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Counters in mod_jk's vocabulary, for jk-status and the access log.
#[derive(Debug, Default)]
pub struct WorkerStats {
    pub elected: AtomicU64,
    pub errors: AtomicU64,
    pub client_errors: AtomicU64,
    pub reply_timeouts: AtomicU64,
    /// Request body bytes sent to the backend (mod_jk's `transferred`).
    pub transferred: AtomicU64,
    /// Response body bytes read from the backend (mod_jk's `read`).
    pub read: AtomicU64,
    pub busy: AtomicUsize,
    pub max_busy: AtomicUsize,
    /// When the counters were last reset (Unix seconds); jk-status's `last_reset_at`.
    pub last_reset: AtomicU64,
    /// When an exchange last failed on this worker (Unix seconds, 0: never); jk-status's `error_time`.
    pub error_time: AtomicU64,
    /// Whether the last exchange that ended here failed (mod_jk's ajp state ERR).
    pub in_error: AtomicBool,
    /// Time spent on each attempt, from sending the request to the end of the response.
    pub backend_time: LatencyHistogram,
}

impl WorkerStats {
    /// How an exchange that ended on this worker came out.
    pub fn record_outcome(&self, failed: bool) {
        if failed {
            self.error_time.store(unix_now(), Ordering::Relaxed);
        }
        self.in_error.store(failed, Ordering::Relaxed);
    }

    /// jk-status's reset: the counters start again at `now` (Unix seconds). The error time stays, as
    /// in mod_jk, and so does the latency histogram (Prometheus sees its own series).
    pub fn reset(&self, now: u64) {
        for counter in [
            &self.elected,
            &self.errors,
            &self.client_errors,
            &self.reply_timeouts,
            &self.transferred,
            &self.read,
        ] {
            counter.store(0, Ordering::Relaxed);
        }
        self.max_busy
            .store(self.busy.load(Ordering::Relaxed), Ordering::Relaxed);
        self.last_reset.store(now, Ordering::Relaxed);
    }
}

/// Upper bounds (seconds) of the backend-time histogram buckets; one more bucket holds the rest.
pub const BACKEND_TIME_BUCKETS: [f64; 14] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// A lock-free histogram of durations with fixed buckets ([`BACKEND_TIME_BUCKETS`]).
#[derive(Debug, Default)]
pub struct LatencyHistogram {
    /// Per bucket (not cumulative); the last one is everything above the largest bound.
    counts: [AtomicU64; BACKEND_TIME_BUCKETS.len() + 1],
    sum_micros: AtomicU64,
}

/// A consistent-enough copy of a [`LatencyHistogram`] for exposition.
#[derive(Debug, Clone, PartialEq)]
pub struct HistogramSnapshot {
    /// `(upper bound in seconds, observations at or below it)`, cumulative, without `+Inf`.
    pub buckets: Vec<(f64, u64)>,
    pub count: u64,
    pub sum_seconds: f64,
}

impl LatencyHistogram {
    pub fn observe(&self, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        let index = BACKEND_TIME_BUCKETS
            .iter()
            .position(|&bound| seconds <= bound)
            .unwrap_or(BACKEND_TIME_BUCKETS.len());
        self.counts[index].fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        self.sum_micros.fetch_add(micros, Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> HistogramSnapshot {
        let mut running = 0;
        let mut buckets = Vec::with_capacity(BACKEND_TIME_BUCKETS.len());
        for (bound, count) in BACKEND_TIME_BUCKETS.iter().zip(&self.counts) {
            running += count.load(Ordering::Relaxed);
            buckets.push((*bound, running));
        }
        let count = running + self.counts[BACKEND_TIME_BUCKETS.len()].load(Ordering::Relaxed);
        HistogramSnapshot {
            buckets,
            count,
            sum_seconds: self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6,
        }
    }
}

/// Seconds since the Unix epoch (0 if the clock is before it).
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
