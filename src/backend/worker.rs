//! An ajp13 worker at run time: where its backend is, its pool, its request rules and its counters.
//!
//! Settings arrive already resolved (see `crate::gateway` for how a workers.properties entry becomes
//! [`WorkerSettings`]); the backend layer never parses configuration.

use std::sync::atomic::Ordering;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use super::pool::{Pool, PoolSettings};
use super::stats::{WorkerStats, unix_now};

/// What an ajp13 worker needs at run time (docs/workers-properties.md#ajp13-worker-properties names in brackets).
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
