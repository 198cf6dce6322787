//! Listening sockets and client connections: accept, the TLS handshake where the listener has one, and
//! HTTP/1.1 or HTTP/2 on top (ALPN decides over TLS; a plain listener speaks HTTP/1.1, or also h2c
//! with prior knowledge when asked).
//!
//! A connection costs a slot of `max_connections` from accept to close, handshake included, and a
//! handshake must finish within `header_read_timeout`, as a request head must. From a peer listed in
//! `--proxy-protocol-from`, a PROXY header comes before all of that (`super::client_addr`).

use std::sync::Arc;
use std::time::Duration;

use hyper::body::Incoming;
use hyper::server::conn::{http1, http2};
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio_util::task::TaskTracker;

use super::handle::handle;
use super::idle::{Activity, drive};
use super::proxy_protocol::ProxyError;
use super::request::ConnectionInfo;
use super::settings::{GatewaySource, ServerSettings};
use crate::tls::{TlsFacts, TlsSetup};

/// A listening socket and what it speaks.
pub struct Listener {
    pub tcp: TcpListener,
    /// TLS on this socket (`--listen-tls`).
    pub tls: Option<Arc<TlsSetup>>,
    /// On a plain socket, also HTTP/2 with prior knowledge (`--h2c`).
    pub h2c: bool,
}

impl From<TcpListener> for Listener {
    fn from(tcp: TcpListener) -> Self {
        Self {
            tcp,
            tls: None,
            h2c: false,
        }
    }
}

/// What one accept loop shares with the connections it starts.
pub(super) struct Shared {
    pub gateways: Arc<dyn GatewaySource>,
    pub settings: Arc<ServerSettings>,
    pub slots: Arc<Semaphore>,
    pub connections: TaskTracker,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Protocol {
    Http1,
    Http2,
}

pub(super) async fn accept_loop(
    listener: Listener,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        let slot = tokio::select! {
            _ = stop.changed() => return,
            slot = Arc::clone(&shared.slots).acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => return,
            },
        };
        let accepted = tokio::select! {
            _ = stop.changed() => return,
            accepted = listener.tcp.accept() => accepted,
        };
        let (stream, client) = match accepted {
            Ok(accepted) => accepted,
            Err(error) => {
                // Out of file descriptors and the like: back off instead of spinning.
                tracing::error!(%error, "accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let Ok(local) = stream.local_addr() else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let tls = listener.tls.clone();
        let h2c = listener.h2c;
        let shared_here = Arc::clone(&shared);
        let stop = stop.clone();
        shared.connections.spawn(async move {
            let _slot = slot;
            let mut stream = stream;
            // The PROXY header comes first, before a TLS ClientHello or an h2c preface.
            let settings = &shared_here.settings;
            let from = match settings
                .client_addr
                .connection_client(&mut stream, client)
                .await
            {
                Ok(from) => from,
                // A balancer's TCP health check connects and closes: not worth an info line.
                Err(error @ ProxyError::Closed) => {
                    tracing::debug!(peer = %client, %error, "connection closed");
                    return;
                }
                Err(error) => {
                    tracing::info!(peer = %client, %error, "connection closed");
                    return;
                }
            };
            let conn = ConnectionInfo {
                secure_by_proxy: from.ssl.then_some(true),
                ..ConnectionInfo::direct(from.client, local, None)
            };
            match tls {
                None => {
                    let protocol = if !h2c {
                        Protocol::Http1
                    } else {
                        // A client that sends nothing is cut by the header-read timeout as on HTTP/1.1.
                        let timeout = shared_here.settings.header_read_timeout;
                        match tokio::time::timeout(timeout, sniff_h2_preface(&stream)).await {
                            Ok(protocol) => protocol,
                            Err(_) => return,
                        }
                    };
                    serve_connection(stream, conn, protocol, &shared_here, stop).await;
                }
                Some(tls) => serve_tls(stream, conn, &tls, &shared_here, stop).await,
            }
        });
    }
}

/// The TLS handshake (bounded by the header-read timeout), then HTTP on top; `conn` gains its facts.
async fn serve_tls(
    stream: TcpStream,
    mut conn: ConnectionInfo,
    tls: &TlsSetup,
    shared: &Shared,
    stop: watch::Receiver<bool>,
) {
    let client = conn.client;
    let handshake = tls.acceptor().accept(stream);
    let stream = match tokio::time::timeout(shared.settings.header_read_timeout, handshake).await {
        Ok(Ok(stream)) => stream,
        Ok(Err(error)) => {
            tracing::info!(%client, %error, "TLS handshake failed");
            return;
        }
        Err(_) => {
            tracing::info!(%client, "TLS handshake timed out");
            return;
        }
    };
    let facts = TlsFacts::of(stream.get_ref().1, tls.forward_chain());
    let protocol = if facts.h2 {
        Protocol::Http2
    } else {
        Protocol::Http1
    };
    conn.tls = Some(Arc::new(facts));
    serve_connection(stream, conn, protocol, shared, stop).await;
}

async fn serve_connection<S>(
    stream: S,
    conn: ConnectionInfo,
    protocol: Protocol,
    shared: &Shared,
    stop: watch::Receiver<bool>,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let client = conn.client;
    let gateways = Arc::clone(&shared.gateways);
    let settings = Arc::clone(&shared.settings);
    let activity = Arc::new(Activity::new());
    let requests = Arc::clone(&activity);
    let service = service_fn(move |request: hyper::Request<Incoming>| {
        // A trusted proxy's X-Forwarded-For / -Proto apply to this request only.
        let conn = settings.client_addr.for_request(&conn, request.headers());
        let busy = requests.begin();
        let handled = handle(request, conn, gateways.current(), Arc::clone(&settings));
        async move {
            let response = handled.await;
            drop(busy);
            response
        }
    });
    let io = TokioIo::new(stream);
    let settings = &shared.settings;
    // HTTP/1.1 goes through hyper's own http1 server: its header-read timeout also cuts a keep-alive
    // client that sends nothing, which hyper-util's auto server does not do.
    let result = match protocol {
        Protocol::Http1 => {
            let connection = http1_builder(settings)
                .serve_connection(io, service)
                .with_upgrades();
            drive(connection, stop, None, |c| c.graceful_shutdown()).await
        }
        Protocol::Http2 => {
            let connection = http2_builder(settings).serve_connection(io, service);
            let idle = Some((activity.as_ref(), settings.header_read_timeout));
            drive(connection, stop, idle, |c| c.graceful_shutdown()).await
        }
    };
    if let Err(error) = result {
        tracing::debug!(%client, %error, "client connection ended with an error");
    }
}

/// hyper's HTTP/1.1 limits: the request head's deadline and size.
fn http1_builder(settings: &ServerSettings) -> http1::Builder {
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(settings.header_read_timeout)
        .max_buf_size(settings.max_header_bytes.max(8192));
    builder
}

/// HTTP/2 limits chosen so that one client cannot take more than its share (docs/tls.md#http2-limits).
fn http2_builder(settings: &ServerSettings) -> http2::Builder<TokioExecutor> {
    let mut builder = http2::Builder::new(TokioExecutor::new());
    builder
        .timer(TokioTimer::new())
        .max_concurrent_streams(settings.h2_max_streams)
        .max_header_list_size(settings.max_header_bytes as u32)
        .max_pending_accept_reset_streams(20)
        .max_local_error_reset_streams(1024)
        .keep_alive_interval(settings.h2_keep_alive_interval)
        .keep_alive_timeout(Duration::from_secs(20));
    builder
}

/// The client preface of HTTP/2 with prior knowledge (RFC 9113 §3.4).
const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// On an h2c listener: HTTP/2 when the connection opens with the HTTP/2 preface, else HTTP/1.1.
/// Looks without consuming; waits only while what arrived so far could still be the preface.
async fn sniff_h2_preface(stream: &TcpStream) -> Protocol {
    let mut seen = [0u8; H2_PREFACE.len()];
    loop {
        let n = match stream.peek(&mut seen).await {
            Ok(n) => n,
            Err(_) => return Protocol::Http1,
        };
        if n == 0 || seen[..n] != H2_PREFACE[..n] {
            return Protocol::Http1;
        }
        if n == H2_PREFACE.len() {
            return Protocol::Http2;
        }
        // Part of the preface is in; peek returns at once until more arrives.
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}
