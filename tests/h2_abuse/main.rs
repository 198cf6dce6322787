//! HTTP/2 abuse against `ajpgate serve --h2c` in front of the in-repo fake AJP backend (issue #13):
//! Rapid Reset, oversized and never-ending header blocks (the 2024 CONTINUATION flood), PING and
//! SETTINGS floods, streams past the concurrency limit, and idle connections.
//!
//! Real peers only: the `h2` crate's client for well-formed abuse, hand-built frames on a raw socket
//! for what no library client sends. Every attack checks the same things (`attack.rs`): the gateway
//! subprocess stays up and its peak RSS bounded, the abusive connection is cut where the protocol says
//! it must be, and a steady client on another connection keeps its latency within a generous bound
//! (p99 during the attack below max(10 × before, 200 ms)). No figure of absolute speed is asserted.
//!
//! Layout: `frames.rs` (raw frames and a raw connection), `peer.rs` (h2 client requests, the steady
//! client, latency windows), `attack.rs` (the gateway under attack and the common checks), then one
//! file per kind of abuse: `resets.rs`, `headers.rs`, `floods.rs`, `streams.rs`, `idle.rs`, and `tls.rs` (the same over ALPN h2).

#[path = "../support/mod.rs"]
mod support;

mod attack;
mod floods;
mod frames;
mod headers;
mod idle;
mod peer;
mod resets;
mod streams;
mod tls;
