//! Upgraded requests (WebSocket and other `Upgrade:` protocols) relayed to the Tomcat member's HTTP
//! connector, because AJP cannot carry an upgrade (docs/websocket.md).
//!
//! The member is the one AJP would have picked: the request's plan (the lb's stickiness, member
//! states and activation, or the plain worker) chooses it, and only the transport differs. After the
//! member's `101 Switching Protocols` ajpgate copies bytes both ways; it never reads a WebSocket
//! frame. One concept per file:
//! * [`endpoint`] — a worker's HTTP connector: its address, timeouts and counters.
//! * [`counters`] — what jk-status and /metrics show of the tunnels.
//! * [`head`] — which requests are upgrades, and the request head the member gets.
//! * [`connect`] — one connection to the member's HTTP port and the exchange of the heads.
//! * [`choose`] — walking the plan until a member answers.
//! * [`relay`] — the byte relay, with half-close and the idle timeout.

mod choose;
mod connect;
mod counters;
mod endpoint;
mod head;
mod relay;

pub use choose::{Opened, open};
pub use counters::{TunnelCounters, TunnelStats};
pub use endpoint::HttpEndpoint;
pub use head::{Forwarding, is_upgrade, member_request, response_headers};
pub use relay::{RelayEnd, Relayed, relay};
