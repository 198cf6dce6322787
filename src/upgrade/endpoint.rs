//! One ajp13 worker's HTTP connector as the relay uses it. The gateway makes one per worker (and per
//! lb member) that sets `ajpgate.ajp13.<worker>.http_port`, and keeps it across reloads that do not
//! change it, so its counters carry on like the worker's own.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use super::counters::{TunnelCounters, TunnelStats};

#[derive(Debug)]
pub struct HttpEndpoint {
    /// The ajp13 worker (or lb member) this connector belongs to.
    pub worker: String,
    pub address: SocketAddr,
    /// How long a connect may take; ZERO = the operating system's limit (the worker's
    /// `socket_connect_timeout`).
    pub connect_timeout: Duration,
    /// Idle time after which a tunnel is closed, and the longest wait for the member's response head;
    /// ZERO = never.
    pub idle_timeout: Duration,
    counters: TunnelCounters,
}

impl HttpEndpoint {
    pub fn new(
        worker: &str,
        address: SocketAddr,
        connect_timeout: Duration,
        idle_timeout: Duration,
    ) -> Arc<Self> {
        Arc::new(Self {
            worker: worker.to_string(),
            address,
            connect_timeout,
            idle_timeout,
            counters: TunnelCounters::default(),
        })
    }

    pub fn counters(&self) -> &TunnelCounters {
        &self.counters
    }

    pub fn stats(&self) -> TunnelStats {
        self.counters.stats()
    }
}
