//! What the front end is told: the client-side limits, whom to believe about the client's address, and
//! where the current configuration comes from.

use std::sync::Arc;
use std::time::Duration;

use super::client_addr::ClientAddrSettings;
use crate::gateway::Gateway;
use crate::static_files::StaticFiles;

/// Limits of the client side.
#[derive(Debug, Clone)]
pub struct ServerSettings {
    pub header_read_timeout: Duration,
    pub client_body_timeout: Duration,
    pub max_connections: usize,
    /// How long in-flight requests may take to finish after a shutdown signal.
    pub shutdown_grace: Duration,
    /// Largest request head accepted (larger: 431); over HTTP/2, the largest header list.
    pub max_header_bytes: usize,
    /// Streams one HTTP/2 connection may have open at once; each may hold a backend connection.
    pub h2_max_streams: u32,
    /// How often an idle HTTP/2 connection is pinged; one that stops answering is closed.
    pub h2_keep_alive_interval: Duration,
    /// Who may say who the client is: PROXY-header senders and trusted HTTP proxies.
    pub client_addr: ClientAddrSettings,
    /// The document root and aliases serving paths no mount matches; `None`: those get 404.
    pub static_files: Option<Arc<StaticFiles>>,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(20),
            client_body_timeout: Duration::from_secs(60),
            max_connections: 16384,
            shutdown_grace: Duration::from_secs(30),
            max_header_bytes: 64 * 1024,
            h2_max_streams: 100,
            h2_keep_alive_interval: Duration::from_secs(30),
            client_addr: ClientAddrSettings::default(),
            static_files: None,
        }
    }
}

/// Source of the current configuration; a reload swaps what it returns.
pub trait GatewaySource: Send + Sync + 'static {
    fn current(&self) -> Arc<Gateway>;
}

impl GatewaySource for Arc<Gateway> {
    fn current(&self) -> Arc<Gateway> {
        Arc::clone(self)
    }
}
