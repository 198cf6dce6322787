//! The HTTP side: a hyper server (HTTP/1.1, HTTP/2, over TCP or TLS) whose requests become backend
//! exchanges.
//!
//! * [`listener`] — listening sockets, the TLS handshake, HTTP/1.1 or HTTP/2 per connection.
//! * [`server`] — serving the listeners, graceful shutdown; the settings (`settings`, private, re-exported
//!   by `server`).
//! * `idle` — driving a connection to its end: graceful shutdown, the HTTP/2 idle timeout.
//! * `handle` — one request's path: read → route → plan → run → respond.
//! * [`request`] — HTTP request → FORWARD_REQUEST, as mod_jk builds it; framing checks.
//! * [`response`] — streamed response bodies and ajpgate's own error pages.
//! * `upgrade` — the branch for upgrade requests (WebSocket): the member's HTTP connector, the relay.
//! * [`access_log`] — one line per request.
//! * [`client_addr`] — who the client is behind a balancer: the PROXY header ([`proxy_protocol`]) and
//!   trusted proxies' `X-Forwarded-For` / `X-Forwarded-Proto` ([`forwarded`]).

pub mod access_log;
pub mod client_addr;
pub mod forwarded;
mod handle;
mod idle;
pub mod listener;
pub mod proxy_protocol;
pub mod request;
pub mod response;
pub mod server;
mod settings;
mod upgrade;
