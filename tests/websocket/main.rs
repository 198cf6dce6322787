//! WebSocket through ajpgate to real Tomcat 10.1 members (docs/websocket.md). The testbed webapp's
//! JSR-356 endpoint `/ws/echo` echoes text and binary messages and answers `whoami` with its node
//! (jvmRoute) and the HTTP session it saw at the handshake, so stickiness is checked on Tomcat's side.
//!
//! * [`client`] — the real WebSocket client (tokio-tungstenite) and its helpers.
//! * [`lb`] — two members behind an lb: upgrades land on the session's node (cookie and path
//!   parameter), 10 MB each way intact, either side's close closes the other, dead, stopped and
//!   disabled members, the counters in jk-status and /metrics.
//! * [`single`] — one worker: without `http_port` an upgrade goes over AJP as with mod_jk (Tomcat
//!   answers 500), refusals are relayed as they are, the idle timeout, the client vanishing.
//! * [`tls`] — `wss:` to ajpgate: the relay over rustls, and Tomcat told the scheme was https.
//! * [`config`] — `ajpgate check` shows the keys, a bad value names file, line and key, and httpd +
//!   mod_jk start on a file that has them (but not with a `worker.*` spelling), and a reload keeps an
//!   unchanged worker's connector.

#[path = "../support/mod.rs"]
mod support;

mod client;
mod config;
mod lb;
mod single;
mod tls;
