//! A fake AJP13 container: Tomcat 10.1's behaviour on the wire, in-process, with faults on demand.
//!
//! Why it exists: a gateway is mostly judged by what it does when the backend is slow, dies mid-response
//! or sends nonsense, and real Tomcat cannot be made to do those things (nor started in milliseconds, nor
//! run inside `cargo test`). The fake backend is a real TCP server speaking AJP13 through the crate's own
//! [`ServerCodec`](crate::ajp::ServerCodec), so integration tests can put it behind the gateway and steer
//! it with nothing but the request path and query string. Benchmarks use it as a fast, predictable
//! backend (`ajpgate fake-backend`), and `ajpgate demo` will use it as its Tomcat.
//!
//! Where it behaves normally it behaves like Tomcat 10.1 (docs/tomcat.md): CPING is answered at once;
//! the request body is read Tomcat's way (the unasked first packet, then GET_BODY_CHUNK per packet, see
//! `answer.rs`); responses have the status digits as reason phrase, Tomcat's header coding,
//! SEND_BODY_CHUNKs of at most max_packet_size − 8 bytes and no body for HEAD/1xx/204/205/304;
//! END_RESPONSE carries reuse=1, and after reuse=0 the socket stays open; a configured secret is
//! enforced with Tomcat's 403; SHUTDOWN, PING or a stray body packet close the connection silently.
//!
//! ```no_run
//! # async fn example() -> std::io::Result<()> {
//! use ajpgate::fakeajp::{FakeBackend, FakeConfig};
//!
//! let config = FakeConfig { route: "node2".into(), ..FakeConfig::default() };
//! let backend = FakeBackend::start(config).await?;
//! let ajp_port = backend.addr().port(); // point the gateway at this
//! // ... send requests through the gateway ...
//! assert_eq!(backend.stats().requests_for("/fault/fail-after-body"), 1);
//! backend.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! # Pages
//!
//! Chosen by `req_uri` (path parameters such as `;jsessionid=` removed) and the `query_string`
//! attribute. Every response carries `X-Fake-Node: <route>` except the secret check's 403, which in
//! Tomcat comes from the container before any application runs.
//!
//! * `/echo` — reads the body; 200 `text/plain` with one `key: value` line per request field, header and
//!   attribute, then `body_length` and `body_fnv1a64` (format in `echo.rs`).
//! * `/bytes?n=N[&chunk=C][&flush=1][&cl=1]` — N bytes, byte i being [`PATTERN`]`[i % 36]`, in
//!   SEND_BODY_CHUNKs of C bytes (default and maximum: max_packet_size − 8); `flush=1` adds an empty chunk
//!   after each; `cl=1` adds a Content-Length.
//! * `/upload` — reads the body, streamed through the checksum, never held; 200 with `length: N` and
//!   `fnv1a64: H` lines.
//! * `/session` — Tomcat's session: without a `JSESSIONID` cookie or `;jsessionid=` this backend knows,
//!   creates `<32 hex>.<route>` and sets `JSESSIONID=<id>; Path=/; HttpOnly` (with `; Secure` before
//!   `HttpOnly` when is_ssl); the body has `node:`, `session:` and `hits:` lines (hits per session).
//! * `/slow?ms=N` — sleeps N ms before SEND_HEADERS.
//! * `/slow-body?ms=N` — SEND_HEADERS, a first chunk and a flush (empty chunk), N ms of sleep, the rest.
//! * `/fault/<name>` — the misbehaviours below; an unknown name gets a 404 (so a typo is not mistaken
//!   for a fault that did nothing).
//! * anything else — 200 `text/html;charset=UTF-8`, a small page naming the route, the path and a
//!   per-backend hit count.
//!
//! Pages that read the body read it to its end: after Content-Length bytes they ask once more and expect
//! the empty packet, as a servlet reading its input stream to EOF does (docs/tomcat.md#request-bodies rule 4). With
//! `read=cl` in the query they stop at Content-Length instead, as form parsing does (rule 9). Pages that
//! ignore the body consume only the unasked first packet (rule 8).
//!
//! # Faults, and what a correct gateway does about them
//!
//! Each entry says what the backend sends, then what a correct gateway does.
//!
//! * `/fault/reset-mid-body` — SEND_HEADERS (no Content-Length), one SEND_BODY_CHUNK, then a TCP RST.
//!   *Gateway:* aborts the client response (no clean end, e.g. no final `0` chunk), never reuses the
//!   connection and does not retry: the response had started.
//! * `/fault/junk-after-chunk` — SEND_HEADERS, a SEND_BODY_CHUNK with 4 bytes after its NUL, then a
//!   normal END_RESPONSE reuse=1. *Gateway:* a protocol error: forwards none of the packet, closes the
//!   backend connection despite reuse=1, aborts the client response (502 if nothing was sent yet).
//! * `/fault/wrong-length` — SEND_HEADERS, a SEND_BODY_CHUNK announcing 4096 bytes and carrying 5, then
//!   END_RESPONSE reuse=1. *Gateway:* the same, and above all it never reads past the packet
//!   (CVE-2006-7197).
//! * `/fault/reuse0` — a complete response ending in END_RESPONSE reuse=0; the socket stays open and
//!   keeps serving, as Tomcat's does. *Gateway:* delivers the response, then closes the backend
//!   connection itself.
//! * `/fault/double-headers` — two SEND_HEADERS, a body chunk, END_RESPONSE reuse=1. *Gateway:* a protocol
//!   error (mod_jk: unrecoverable); never sends the second header set; closes the connection.
//! * `/fault/no-end` — SEND_HEADERS (no Content-Length), one chunk, then silence with the socket open; not
//!   even CPING is answered. *Gateway:* its reply timeout fires; it aborts the client response and closes
//!   the connection.
//! * `/fault/close-before-headers` — reads the request (and its body, if any), then closes (FIN) without
//!   sending a byte. *Gateway:* 502/503; for a request without a body nothing was consumed, so it may
//!   retry it on another connection, as mod_jk does.
//! * `/fault/fail-after-body` — the same, meant for requests with a body: the body was asked for with
//!   GET_BODY_CHUNK and consumed. *Gateway:* never replays the request (one client POST gives
//!   `requests_for("/fault/fail-after-body") == 1`); the client gets 502/503.
//! * `/fault/status?code=N` — a normal response with status N (default 500) and reuse=1, as Tomcat keeps
//!   for application errors; `code=0` gives a SEND_HEADERS every decoder must reject. *Gateway:* forwards
//!   status N with its own reason phrase (or applies its fail-on-status policy) and may reuse the
//!   connection.
//! * `/fault/garbage` — `HTTP/1.1 200 OK\r\n...` (not AJP: bad magic at the first byte), then silence.
//!   *Gateway:* a protocol error: closes the connection at once and answers 502; it must not wait for
//!   more bytes.
//!
//! Configuration faults: with [`FakeConfig::secret`] set, a request without the right secret gets Tomcat's
//! 403 (SEND_HEADERS 403, the error page, END_RESPONSE reuse=0, connection left open; the gateway must
//! close it). With [`FakeConfig::answer_cping`] false, CPINGs are read and never answered (a hung
//! container): the gateway's CPING timeout must fire, while requests are still served.
//!
//! # Layout
//!
//! * `mod.rs` (this file) — configuration, start, accept loop, shutdown;
//! * `connection.rs` — one connection's message loop;
//! * `answer.rs` — one request/response with Tomcat's body and response rules;
//! * `routes.rs` — path dispatch and the well-behaved pages; `echo.rs`, `session.rs` and `faults.rs` — the
//!   larger pages; `uri.rs` — path and query parsing;
//! * `stats.rs` — counters; `fnv.rs` — the body checksum.

mod answer;
mod connection;
mod echo;
mod faults;
mod fnv;
mod routes;
mod session;
mod shared;
mod stats;
mod uri;

use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

use crate::ajp::codes::{MAX_MAX_PACKET_SIZE, MIN_MAX_PACKET_SIZE};

use shared::Shared;

pub use fnv::Fnv1a64;
pub use routes::PATTERN;
pub use shared::FakeConfig;
pub use stats::Stats;

/// How long the accept loop pauses after a failed `accept` (out of file descriptors, say), so that it
/// does not spin.
const ACCEPT_RETRY: Duration = Duration::from_millis(20);

/// A running fake backend. Dropping it stops it too (in the background); [`FakeBackend::shutdown`]
/// stops it and waits until every connection is closed.
#[derive(Debug)]
pub struct FakeBackend {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    accept_task: Mutex<Option<JoinHandle<()>>>,
}

impl FakeBackend {
    /// Binds `config.listen` and starts accepting on the current tokio runtime.
    pub async fn start(config: FakeConfig) -> io::Result<Self> {
        let config = FakeConfig {
            max_packet_size: config
                .max_packet_size
                .clamp(MIN_MAX_PACKET_SIZE, MAX_MAX_PACKET_SIZE),
            ..config
        };
        let listener = TcpListener::bind(config.listen).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::new(config));
        let (stop, stopped) = watch::channel(false);
        let accept_task = tokio::spawn(accept_loop(listener, Arc::clone(&shared), stopped));
        Ok(Self {
            addr,
            shared,
            stop,
            accept_task: Mutex::new(Some(accept_task)),
        })
    }

    /// The address actually bound (with the real port when `listen` had port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The configuration in effect (`max_packet_size` after clamping).
    pub fn config(&self) -> &FakeConfig {
        &self.shared.config
    }

    /// The live counters; they keep counting until shutdown and stay readable after it.
    pub fn stats(&self) -> Arc<Stats> {
        Arc::clone(&self.shared.stats)
    }

    /// Stops accepting, closes every connection and waits until all are gone. Calling it again is a
    /// no-op.
    pub async fn shutdown(&self) {
        self.stop.send_replace(true);
        let task = self
            .accept_task
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(task) = task {
            let _ = task.await;
        }
    }
}

/// Accepts until told to stop (or until the [`FakeBackend`] is dropped), then aborts every connection.
async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut stopped: watch::Receiver<bool>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            // Ok: told to stop (the only value ever sent); Err: the FakeBackend was dropped.
            _ = stopped.changed() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => {
                    let shared = Arc::clone(&shared);
                    connections.spawn(async move { connection::serve(stream, &shared).await });
                }
                Err(_) => tokio::time::sleep(ACCEPT_RETRY).await,
            },
            // Reap finished connections so the set does not grow with every connection ever served.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    connections.shutdown().await;
}
