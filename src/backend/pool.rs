//! A pool of keep-alive connections to one backend, with mod_jk's knobs (modjk.md §2.3, §2.6).
//!
//! `connection_pool_size` is both the connection limit and the concurrency limit: a request first takes a
//! slot (waiting up to `connection_acquire_timeout`), then reuses an idle connection or opens a new one.
//! A connection comes back only through [`Lease::release`], which the exchange calls after END_RESPONSE
//! with reuse=1 and a finished body exchange. Every other path drops (closes) it, so a connection whose
//! state is in doubt can never carry another client's request.
//!
//! Idle connections are checked before use (peer closed? stray bytes?) and optionally probed with CPing
//! (`ping_mode` P). Background maintenance ([`Pool::maintain`]) closes connections idle past
//! `connection_pool_timeout`, down to `connection_pool_minsize`, and probes those idle past
//! `connection_ping_interval` (`ping_mode` I).

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::connection::{ConnectSettings, Connection, within};
use super::error::BackendError;

/// Pool limits and probes for one backend.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolSettings {
    pub connect: ConnectSettings,
    pub size: usize,
    pub min_idle: usize,
    /// Close idle connections older than this (zero: never).
    pub idle_timeout: Duration,
    /// Zero: do not wait for a slot.
    pub acquire_timeout: Duration,
    /// CPing right after connecting, with this timeout (`ping_mode` C / `connect_timeout`).
    pub ping_on_connect: Option<Duration>,
    /// CPing before reusing an idle connection (`ping_mode` P / `prepost_timeout`).
    pub ping_before_use: Option<Duration>,
    /// CPing idle connections idle longer than `.0`, with timeout `.1` (`ping_mode` I).
    pub ping_when_idle: Option<(Duration, Duration)>,
}

/// Connection counters shown by the status worker and checked by tests.
#[derive(Debug, Default)]
pub struct PoolCounters {
    /// Connections open right now (idle or in use).
    pub open: AtomicUsize,
    pub max_open: AtomicUsize,
    /// Connections opened since start.
    pub opened: AtomicU64,
    /// Requests waiting for or holding a slot right now.
    pub busy: AtomicUsize,
}

/// Keeps [`PoolCounters::open`] right however a connection ends.
#[derive(Debug)]
struct Tracked {
    connection: Connection,
    counters: Arc<PoolCounters>,
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.counters.open.fetch_sub(1, Ordering::Relaxed);
    }
}

#[derive(Debug)]
pub struct Pool {
    settings: PoolSettings,
    idle: Mutex<Vec<Tracked>>,
    slots: Arc<Semaphore>,
    counters: Arc<PoolCounters>,
    next_id: AtomicU64,
    closed: AtomicBool,
}

impl Pool {
    pub fn new(settings: PoolSettings) -> Arc<Self> {
        Arc::new(Self {
            slots: Arc::new(Semaphore::new(settings.size.max(1))),
            settings,
            idle: Mutex::new(Vec::new()),
            counters: Arc::default(),
            next_id: AtomicU64::new(1),
            closed: AtomicBool::new(false),
        })
    }

    pub fn settings(&self) -> &PoolSettings {
        &self.settings
    }

    pub fn counters(&self) -> &PoolCounters {
        &self.counters
    }

    pub fn idle_count(&self) -> usize {
        self.lock_idle().len()
    }

    fn lock_idle(&self) -> std::sync::MutexGuard<'_, Vec<Tracked>> {
        // A panic while holding this lock cannot leave the Vec inconsistent; keep serving.
        self.idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Takes a slot, waiting at most `acquire_timeout`.
    pub async fn acquire(self: &Arc<Self>) -> Result<Lease, BackendError> {
        let slot = if self.settings.acquire_timeout.is_zero() {
            self.slots.clone().try_acquire_owned().ok()
        } else {
            within(
                self.settings.acquire_timeout,
                self.slots.clone().acquire_owned(),
            )
            .await
            .ok()
            .and_then(Result::ok)
        };
        let slot = slot.ok_or(BackendError::PoolExhausted)?;
        let busy = self.counters.busy.fetch_add(1, Ordering::Relaxed) + 1;
        tracing::trace!(busy, "pool slot taken");
        Ok(Lease {
            pool: Arc::clone(self),
            _slot: slot,
            current: None,
            reused: false,
        })
    }

    async fn open(&self) -> Result<Tracked, BackendError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let connection = Connection::open(&self.settings.connect, id).await?;
        let open = self.counters.open.fetch_add(1, Ordering::Relaxed) + 1;
        self.counters.max_open.fetch_max(open, Ordering::Relaxed);
        self.counters.opened.fetch_add(1, Ordering::Relaxed);
        // From here on, dropping `tracked` on a failed probe keeps the counters right.
        let mut tracked = Tracked {
            connection,
            counters: Arc::clone(&self.counters),
        };
        if let Some(timeout) = self.settings.ping_on_connect {
            tracked.connection.cping(timeout).await?;
        }
        Ok(tracked)
    }

    /// Closes idle connections past `idle_timeout` (keeping `min_idle`) and probes those idle past the
    /// ping interval. Runs outside any request.
    pub async fn maintain(&self) {
        let now = Instant::now();
        let mut expired = Vec::new();
        let mut to_probe = Vec::new();
        {
            let mut idle = self.lock_idle();
            if !self.settings.idle_timeout.is_zero() {
                // Oldest first; the Vec is used as a stack, so they sit at the front.
                while idle.len() > self.settings.min_idle
                    && now.duration_since(idle[0].connection.idle_since())
                        > self.settings.idle_timeout
                {
                    expired.push(idle.remove(0));
                }
            }
            if let Some((interval, _)) = self.settings.ping_when_idle {
                let (stale, fresh): (Vec<_>, Vec<_>) = idle
                    .drain(..)
                    .partition(|t| now.duration_since(t.connection.idle_since()) > interval);
                *idle = fresh;
                to_probe = stale;
            }
        }
        if !expired.is_empty() {
            tracing::debug!(closed = expired.len(), "closing idle backend connections");
        }
        drop(expired);
        if let Some((_, timeout)) = self.settings.ping_when_idle {
            for mut tracked in to_probe {
                match tracked.connection.cping(timeout).await {
                    Ok(()) => {
                        tracked.connection.mark_idle();
                        self.put_back(tracked);
                    }
                    Err(error) => {
                        tracing::debug!(%error, "idle connection failed its CPing; closed")
                    }
                }
            }
        }
    }

    fn put_back(&self, tracked: Tracked) {
        if !self.closed.load(Ordering::Relaxed) {
            self.lock_idle().push(tracked);
        }
    }

    /// Closes every idle connection and stops keeping released ones (shutdown).
    pub fn close(&self) {
        self.closed.store(true, Ordering::Relaxed);
        self.lock_idle().clear();
    }
}

/// A slot in the pool, and the connection it currently holds.
#[derive(Debug)]
pub struct Lease {
    pool: Arc<Pool>,
    _slot: OwnedSemaphorePermit,
    current: Option<Tracked>,
    reused: bool,
}

impl Lease {
    /// A connection to send a request on: an idle one that still looks healthy, or a new one.
    pub async fn connection(&mut self) -> Result<&mut Connection, BackendError> {
        if self.current.is_none() {
            self.current = Some(self.take_idle_or_open().await?);
        }
        match self.current.as_mut() {
            Some(tracked) => Ok(&mut tracked.connection),
            None => Err(BackendError::Closed),
        }
    }

    async fn take_idle_or_open(&mut self) -> Result<Tracked, BackendError> {
        loop {
            let candidate = self.pool.lock_idle().pop();
            let Some(mut tracked) = candidate else { break };
            if !tracked.connection.is_usable() {
                tracing::debug!(
                    conn = tracked.connection.id(),
                    "idle connection closed by peer"
                );
                continue;
            }
            if let Some(timeout) = self.pool.settings.ping_before_use
                && let Err(error) = tracked.connection.cping(timeout).await
            {
                tracing::debug!(conn = tracked.connection.id(), %error, "idle connection failed CPing");
                continue;
            }
            self.reused = true;
            return Ok(tracked);
        }
        self.reused = false;
        self.pool.open().await
    }

    /// Whether the current connection had carried earlier requests.
    pub fn reused(&self) -> bool {
        self.reused
    }

    /// Closes the current connection: its state is in doubt. The slot stays held.
    pub fn discard(&mut self) {
        self.current = None;
    }

    /// Returns a cleanly finished connection to the pool and frees the slot.
    pub fn release(mut self) {
        if let Some(mut tracked) = self.current.take() {
            tracked.connection.mark_idle();
            self.pool.put_back(tracked);
        }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.pool.counters.busy.fetch_sub(1, Ordering::Relaxed);
    }
}
