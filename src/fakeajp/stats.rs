//! Counters a test or benchmark reads to see what the fake backend saw.
//!
//! Why counters at all: many gateway properties are only visible from the container's side — a POST that
//! must never be replayed (`requests_for("/fault/fail-after-body") == 1`), a pool that must reuse its
//! connections (`connections_accepted` stays small), a health check that must not reach the backend. The
//! counters are plain atomics (relaxed ordering: each is read on its own, after the traffic that moved
//! it has completed), so counting costs the benchmarks nothing measurable.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::PoisonError;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Value, json};

/// What one fake backend has seen since it started. Shared as an `Arc` by [`super::FakeBackend::stats`].
#[derive(Debug, Default)]
pub struct Stats {
    connections_accepted: AtomicU64,
    connections_open: AtomicU64,
    forward_requests: AtomicU64,
    cpings_received: AtomicU64,
    cpings_answered: AtomicU64,
    body_bytes_received: AtomicU64,
    protocol_errors: AtomicU64,
    requests_by_path: Mutex<HashMap<String, u64>>,
}

fn get(counter: &AtomicU64) -> u64 {
    counter.load(Ordering::Relaxed)
}

fn bump(counter: &AtomicU64, by: u64) {
    counter.fetch_add(by, Ordering::Relaxed);
}

impl Stats {
    /// TCP connections accepted so far. Counted when the backend starts serving one, which can be a
    /// moment after the client's `connect` returned: read it after an exchange on the connection.
    pub fn connections_accepted(&self) -> u64 {
        get(&self.connections_accepted)
    }

    /// TCP connections accepted and not yet closed by either side.
    pub fn connections_open(&self) -> u64 {
        get(&self.connections_open)
    }

    /// FORWARD_REQUEST messages received (including ones refused for a wrong secret).
    pub fn forward_requests(&self) -> u64 {
        get(&self.forward_requests)
    }

    /// CPING messages received, answered or not.
    pub fn cpings_received(&self) -> u64 {
        get(&self.cpings_received)
    }

    /// CPING messages answered with a CPONG (stays 0 with `answer_cping: false`).
    pub fn cpings_answered(&self) -> u64 {
        get(&self.cpings_answered)
    }

    /// Request-body data bytes received (chunk data only, no framing).
    pub fn body_bytes_received(&self) -> u64 {
        get(&self.body_bytes_received)
    }

    /// Connections closed because the peer sent bytes the codec rejected.
    pub fn protocol_errors(&self) -> u64 {
        get(&self.protocol_errors)
    }

    /// Requests received for one path (`req_uri` without `;` path parameters).
    pub fn requests_for(&self, path: &str) -> u64 {
        self.paths().get(path).copied().unwrap_or(0)
    }

    /// Requests received per path (`req_uri` without `;` path parameters).
    pub fn requests_by_path(&self) -> HashMap<String, u64> {
        self.paths().clone()
    }

    /// Every counter as one JSON object (printed by `ajpgate fake-backend` on exit).
    pub fn to_json(&self) -> Value {
        json!({
            "connections_accepted": self.connections_accepted(),
            "connections_open": self.connections_open(),
            "forward_requests": self.forward_requests(),
            "cpings_received": self.cpings_received(),
            "cpings_answered": self.cpings_answered(),
            "body_bytes_received": self.body_bytes_received(),
            "protocol_errors": self.protocol_errors(),
            "requests_by_path": self.requests_by_path(),
        })
    }

    /// The map survives a panic elsewhere: a poisoned lock still holds valid counts.
    fn paths(&self) -> std::sync::MutexGuard<'_, HashMap<String, u64>> {
        self.requests_by_path
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Counts a new connection; the returned guard counts its close when dropped, however the
    /// connection's task ends (return, error or abort at shutdown).
    pub(crate) fn connection_opened(&self) -> OpenConnection<'_> {
        bump(&self.connections_accepted, 1);
        bump(&self.connections_open, 1);
        OpenConnection(self)
    }

    pub(crate) fn forward_request(&self, path: &str) {
        bump(&self.forward_requests, 1);
        *self.paths().entry(path.to_owned()).or_insert(0) += 1;
    }

    pub(crate) fn cping(&self, answered: bool) {
        bump(&self.cpings_received, 1);
        if answered {
            bump(&self.cpings_answered, 1);
        }
    }

    pub(crate) fn body_bytes(&self, count: usize) {
        bump(&self.body_bytes_received, count as u64);
    }

    pub(crate) fn protocol_error(&self) {
        bump(&self.protocol_errors, 1);
    }
}

/// Decrements `connections_open` on drop.
pub(crate) struct OpenConnection<'a>(&'a Stats);

impl Drop for OpenConnection<'_> {
    fn drop(&mut self) {
        self.0.connections_open.fetch_sub(1, Ordering::Relaxed);
    }
}
