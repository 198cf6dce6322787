//! What one fake backend is configured with, and what all its connections share.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::session::SessionStore;
use super::stats::Stats;
use crate::ajp::codes::DEFAULT_MAX_PACKET_SIZE;

/// How one fake backend behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeConfig {
    /// Address to bind; port 0 picks a free one (see [`super::FakeBackend::addr`]).
    pub listen: SocketAddr,
    /// The jvmRoute: suffix of session ids, shown by every page and in `X-Fake-Node`.
    pub route: String,
    /// When set, requests must carry this secret attribute or get Tomcat's 403.
    pub secret: Option<String>,
    /// Tomcat's `packetSize`; must equal the gateway's. Clamped to 8192..=65536.
    pub max_packet_size: usize,
    /// `false` plays a hung container: CPINGs are read and never answered.
    pub answer_cping: bool,
}

impl Default for FakeConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            route: "node1".to_owned(),
            secret: None,
            max_packet_size: DEFAULT_MAX_PACKET_SIZE,
            answer_cping: true,
        }
    }
}

/// What every connection of one backend shares.
#[derive(Debug)]
pub(crate) struct Shared {
    pub config: FakeConfig,
    pub stats: Arc<Stats>,
    pub sessions: SessionStore,
    page_hits: AtomicU64,
}

impl Shared {
    pub fn new(config: FakeConfig) -> Self {
        Self {
            sessions: SessionStore::new(&config.route),
            config,
            stats: Arc::default(),
            page_hits: AtomicU64::new(0),
        }
    }

    /// Counts a hit on the default page and returns the new count.
    pub fn next_page_hit(&self) -> u64 {
        self.page_hits.fetch_add(1, Ordering::Relaxed) + 1
    }
}
