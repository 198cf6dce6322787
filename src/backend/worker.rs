//! An ajp13 worker at run time: where its backend is, its pool, its request rules and its counters.
//!
//! Settings arrive already resolved (see `crate::gateway` for how a workers.properties entry becomes
//! [`WorkerSettings`]); the backend layer never parses configuration.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize};
use std::time::Duration;

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
    pub max_packet_size: usize,
    pub fail_on_status: Vec<i32>,
    pub secret: Option<String>,
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
}

#[derive(Debug)]
pub struct AjpWorker {
    name: String,
    settings: WorkerSettings,
    pool: Arc<Pool>,
    stats: WorkerStats,
}

impl AjpWorker {
    pub fn new(name: impl Into<String>, mut settings: WorkerSettings) -> Arc<Self> {
        settings.retries = settings.retries.max(1);
        let pool = Pool::new(settings.pool.clone());
        Arc::new(Self {
            name: name.into(),
            settings,
            pool,
            stats: WorkerStats::default(),
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn config(&self) -> &WorkerSettings {
        &self.settings
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
        max_request_body_chunk(self.worker.settings.max_packet_size)
    }

    fn next(&mut self, _last_error: Option<&BackendError>) -> Option<Attempt> {
        if self.attempts >= self.worker.settings.retries {
            return None;
        }
        let pause = if self.attempts == 0 {
            Duration::ZERO
        } else {
            self.worker.settings.retry_interval
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
