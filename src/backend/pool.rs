//! A pool of keep-alive connections to one backend, with mod_jk's knobs (docs/workers-properties.md#ajp13-worker-properties, docs/workers-properties.md#connection-pool-and-maintenance).
//!
//! `connection_pool_size` is both the connection limit and the concurrency limit: a request first takes a
//! slot (waiting up to `connection_acquire_timeout`), then reuses an idle connection or opens a new one.
//! A connection comes back only through [`Lease::release`], which the exchange calls after END_RESPONSE
//! with reuse=1 and a finished body exchange. Every other path drops (closes) it, so a connection whose
//! state is in doubt can never carry another client's request.
//!
//! Idle connections are checked before use (peer closed? stray bytes?) and probed with CPing as the
//! [`Probes`] say. Background maintenance ([`Pool::maintain`]) closes connections idle past
//! `connection_pool_timeout`, down to `connection_pool_minsize`, and probes those idle past
//! `connection_ping_interval`.
//!
//! jk-status may change the settings while requests run ([`Pool::reconfigure`]). When where or how to
//! connect changes (host, port, `max_packet_size`), the pool moves to a new *generation*: idle connections
//! are closed at once and busy ones when their request ends, as mod_jk does on a host/port change.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::connection::{ConnectSettings, Connection, within};
use super::error::BackendError;

/// Pool limits and probes for one backend.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolSettings {
    pub connect: ConnectSettings,
    /// Slots; fixed when the pool is built.
    pub size: usize,
    pub min_idle: usize,
    /// Close idle connections older than this (zero: never).
    pub idle_timeout: Duration,
    /// Zero: do not wait for a slot.
    pub acquire_timeout: Duration,
    pub probes: Probes,
}

/// mod_jk's CPing probes (docs/ajp13.md#cping-and-cpong), kept as configured because jk-status shows and edits them.
/// A probe runs when its timeout (for idle connections, its interval) is above zero; `ping_mode` only
/// supplies defaults, which the configuration has already filled in.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Probes {
    /// How long the idle probe waits for CPong (`ping_timeout`).
    pub ping_timeout: Duration,
    /// CPing right after connecting, waiting this long (`connect_timeout`).
    pub connect_timeout: Duration,
    /// CPing before sending a request, waiting this long (`prepost_timeout`).
    pub prepost_timeout: Duration,
    /// CPing connections idle longer than this during maintenance (`connection_ping_interval`).
    pub idle_interval: Duration,
}

impl Probes {
    fn on_connect(&self) -> Option<Duration> {
        positive(self.connect_timeout)
    }

    fn before_use(&self) -> Option<Duration> {
        positive(self.prepost_timeout)
    }

    /// `(idle longer than, timeout)`.
    fn when_idle(&self) -> Option<(Duration, Duration)> {
        Some((positive(self.idle_interval)?, positive(self.ping_timeout)?))
    }
}

fn positive(duration: Duration) -> Option<Duration> {
    (!duration.is_zero()).then_some(duration)
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
    /// The pool generation it was opened in; an older one is closed instead of reused.
    generation: u64,
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.counters.open.fetch_sub(1, Ordering::Relaxed);
    }
}

#[derive(Debug)]
pub struct Pool {
    settings: RwLock<Arc<PoolSettings>>,
    /// Changes (under the `idle` lock) when where or how to connect changes.
    generation: AtomicU64,
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
            settings: RwLock::new(Arc::new(settings)),
            generation: AtomicU64::new(0),
            idle: Mutex::new(Vec::new()),
            counters: Arc::default(),
            next_id: AtomicU64::new(1),
            closed: AtomicBool::new(false),
        })
    }

    /// The current settings; an operation reads them once and keeps them to its end.
    pub fn settings(&self) -> Arc<PoolSettings> {
        let settings = self.settings.read().unwrap_or_else(|p| p.into_inner());
        Arc::clone(&settings)
    }

    /// Applies changed settings (jk-status edits; `size` stays what the pool was built with). If where
    /// or how to connect changed, idle connections are closed now and busy ones when they come back.
    pub fn reconfigure(&self, mut settings: PoolSettings) {
        let reconnect = {
            let mut current = self.settings.write().unwrap_or_else(|p| p.into_inner());
            settings.size = current.size;
            let reconnect = current.connect != settings.connect;
            *current = Arc::new(settings);
            reconnect
        };
        if reconnect {
            let stale = {
                let mut idle = self.lock_idle();
                self.generation.fetch_add(1, Ordering::SeqCst);
                std::mem::take(&mut *idle)
            };
            tracing::info!(
                closed = stale.len(),
                "backend address or packet size changed; idle connections closed"
            );
        }
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
        let acquire_timeout = self.settings().acquire_timeout;
        let slot = if acquire_timeout.is_zero() {
            self.slots.clone().try_acquire_owned().ok()
        } else {
            within(acquire_timeout, self.slots.clone().acquire_owned())
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

    /// Opens a connection and runs the probe mod_jk runs on a new one: the connect probe, or else the
    /// prepost probe.
    async fn open(&self) -> Result<Tracked, BackendError> {
        // Generation before settings: a reconfigure in between only makes this connection look stale.
        let generation = self.generation.load(Ordering::SeqCst);
        let settings = self.settings();
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let connection = Connection::open(&settings.connect, id).await?;
        let open = self.counters.open.fetch_add(1, Ordering::Relaxed) + 1;
        self.counters.max_open.fetch_max(open, Ordering::Relaxed);
        self.counters.opened.fetch_add(1, Ordering::Relaxed);
        // From here on, dropping `tracked` on a failed probe keeps the counters right.
        let mut tracked = Tracked {
            connection,
            counters: Arc::clone(&self.counters),
            generation,
        };
        let probes = &settings.probes;
        if let Some(timeout) = probes.on_connect().or(probes.before_use()) {
            tracked.connection.cping(timeout).await?;
        }
        Ok(tracked)
    }

    /// Closes idle connections past `idle_timeout` (keeping `min_idle`) and probes those idle past the
    /// ping interval. Runs outside any request.
    pub async fn maintain(&self) {
        let settings = self.settings();
        let when_idle = settings.probes.when_idle();
        let now = Instant::now();
        let mut expired = Vec::new();
        let mut to_probe = Vec::new();
        {
            let mut idle = self.lock_idle();
            if !settings.idle_timeout.is_zero() {
                // Oldest first; the Vec is used as a stack, so they sit at the front.
                while idle.len() > settings.min_idle
                    && now.duration_since(idle[0].connection.idle_since()) > settings.idle_timeout
                {
                    expired.push(idle.remove(0));
                }
            }
            if let Some((interval, _)) = when_idle {
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
        if let Some((_, timeout)) = when_idle {
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

    /// Keeps a healthy connection for reuse, unless the pool closed or moved to a new generation.
    fn put_back(&self, tracked: Tracked) {
        let mut idle = self.lock_idle();
        if !self.closed.load(Ordering::Relaxed)
            && tracked.generation == self.generation.load(Ordering::SeqCst)
        {
            idle.push(tracked);
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
        let before_use = self.pool.settings().probes.before_use();
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
            if let Some(timeout) = before_use
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
