//! An ajp13 worker at run time: where its backend is, its pool, its request rules and its counters.
//!
//! Settings arrive already resolved (see `crate::gateway` for how a workers.properties entry becomes
//! [`WorkerSettings`]); the backend layer never parses configuration.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::error::BackendError;
use super::exchange::{Attempt, AttemptPlan, AttemptResult};
use super::pool::{Pool, PoolSettings};
use crate::ajp::ForwardRequest;
use crate::ajp::codes::max_request_body_chunk;

/// What an ajp13 worker needs at run time (modjk.md §2.3 names in brackets).
#[derive(Debug, Clone, PartialEq)]
pub struct WorkerSettings {
    pub pool: PoolSettings,
    /// Per packet from the backend [reply_timeout]; zero: none.
    pub reply_timeout: Duration,
    /// Attempts per request, at least 1 [retries].
    pub retries: u32,
    pub retry_interval: Duration,
    pub recovery_options: u32,
    /// Zero: no limit [busy_limit].
    pub busy_limit: u32,
    pub fail_on_status: Vec<i32>,
    /// The AJP secret as it goes on the wire (converted once, when the worker is built).
    pub secret: Option<bytes::Bytes>,
}

impl WorkerSettings {
    /// [max_packet_size]: the pool's connections frame with it, requests are encoded with it.
    pub fn max_packet_size(&self) -> usize {
        self.pool.connect.max_packet_size
    }
}

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

#[derive(Debug)]
pub struct AjpWorker {
    name: String,
    /// Swapped whole by jk-status edits; a request reads it once per attempt. Its `pool` part is what
    /// the pool runs with (both change together in [`AjpWorker::update_settings`]).
    settings: RwLock<Arc<WorkerSettings>>,
    pool: Arc<Pool>,
    stats: WorkerStats,
}

impl AjpWorker {
    pub fn new(name: impl Into<String>, mut settings: WorkerSettings) -> Arc<Self> {
        settings.retries = settings.retries.max(1);
        let pool = Pool::new(settings.pool.clone());
        let stats = WorkerStats::default();
        stats.last_reset.store(unix_now(), Ordering::Relaxed);
        Arc::new(Self {
            name: name.into(),
            settings: RwLock::new(Arc::new(settings)),
            pool,
            stats,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The current request settings (jk-status may replace them at run time).
    pub fn settings(&self) -> Arc<WorkerSettings> {
        let settings = self.settings.read().unwrap_or_else(|p| p.into_inner());
        Arc::clone(&settings)
    }

    /// Changes settings at run time (jk-status's ajp updates); requests already running keep the
    /// settings they started with. Pool changes go to the pool, which reconnects if the address or
    /// packet size changed.
    pub fn update_settings(&self, change: impl FnOnce(&mut WorkerSettings)) {
        let mut settings = self.settings.write().unwrap_or_else(|p| p.into_inner());
        let mut next = WorkerSettings::clone(&settings);
        change(&mut next);
        next.retries = next.retries.max(1);
        next.pool.size = settings.pool.size;
        if next.pool != settings.pool {
            self.pool.reconfigure(next.pool.clone());
        }
        *settings = Arc::new(next);
    }

    pub fn pool(&self) -> &Arc<Pool> {
        &self.pool
    }

    pub fn stats(&self) -> &WorkerStats {
        &self.stats
    }
}

/// A plain ajp13 worker's plan: the same worker, up to `retries` times, `retry_interval` apart.
#[derive(Debug)]
pub struct SingleWorker {
    worker: Arc<AjpWorker>,
    forward: ForwardRequest,
    attempts: u32,
}

impl SingleWorker {
    pub fn new(worker: Arc<AjpWorker>, forward: ForwardRequest) -> Self {
        Self {
            worker,
            forward,
            attempts: 0,
        }
    }
}

impl AttemptPlan for SingleWorker {
    fn initial_chunk_limit(&self) -> usize {
        max_request_body_chunk(self.worker.settings().max_packet_size())
    }

    fn next(&mut self, _last_error: Option<&BackendError>) -> Option<Attempt> {
        let settings = self.worker.settings();
        if self.attempts >= settings.retries {
            return None;
        }
        let pause = if self.attempts == 0 {
            Duration::ZERO
        } else {
            settings.retry_interval
        };
        self.attempts += 1;
        Some(Attempt {
            worker: Arc::clone(&self.worker),
            forward: self.forward.clone(),
            pause,
            extra_headers: Vec::new(),
            tag: 0,
        })
    }

    fn record(&mut self, _attempt: &Attempt, _result: AttemptResult<'_>) {}
}
