//! The HTTP side: a hyper HTTP/1.1 server whose requests become backend exchanges.
//!
//! * [`request`] — HTTP request → FORWARD_REQUEST, as mod_jk builds it; framing checks.
//! * [`response`] — streamed response bodies and ajpgate's own error pages.
//! * [`server`] — accept loop, per-connection limits and timeouts, graceful shutdown.
//! * [`access_log`] — one line per request.

pub mod access_log;
pub mod request;
pub mod response;
pub mod server;
