//! Listening sockets and client connections: accept, the TLS handshake where the listener has one, and
//! HTTP/1.1 or HTTP/2 on top (ALPN decides over TLS; a plain listener speaks HTTP/1.1, or also h2c
//! with prior knowledge when asked).
//!
//! A connection costs a slot of `max_connections` from accept to close, handshake included, and a
//! handshake must finish within `header_read_timeout`, as a request head must.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio_util::task::TaskTracker;

use super::handle::handle;
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
    /// HTTP/1.1, or HTTP/2 when the connection starts with its preface.
    Either,
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
            match tls {
                None => {
                    let conn = ConnectionInfo {
                        client,
                        local,
                        tls: None,
                    };
                    let protocol = if h2c {
                        Protocol::Either
                    } else {
                        Protocol::Http1
                    };
                    serve_connection(stream, conn, protocol, &shared_here, stop).await;
                }
                Some(tls) => serve_tls(stream, client, local, &tls, &shared_here, stop).await,
            }
        });
    }
}

async fn serve_tls(
    stream: TcpStream,
    client: SocketAddr,
    local: SocketAddr,
    tls: &TlsSetup,
    shared: &Shared,
    stop: watch::Receiver<bool>,
) {
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
    let conn = ConnectionInfo {
        client,
        local,
        tls: Some(Arc::new(facts)),
    };
    serve_connection(stream, conn, protocol, shared, stop).await;
}

async fn serve_connection<S>(
    stream: S,
    conn: ConnectionInfo,
    protocol: Protocol,
    shared: &Shared,
    mut stop: watch::Receiver<bool>,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let client = conn.client;
    let gateways = Arc::clone(&shared.gateways);
    let settings = Arc::clone(&shared.settings);
    let service = service_fn(move |request: hyper::Request<Incoming>| {
        handle(
            request,
            conn.clone(),
            gateways.current(),
            Arc::clone(&settings),
        )
    });
    let builder = builder(&shared.settings, protocol);
    let connection = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
    tokio::pin!(connection);
    let result = tokio::select! {
        result = connection.as_mut() => result,
        _ = stop.changed() => {
            connection.as_mut().graceful_shutdown();
            connection.await
        }
    };
    if let Err(error) = result {
        tracing::debug!(%client, %error, "client connection ended with an error");
    }
}

/// hyper's connection settings: the HTTP/1.1 limits, and HTTP/2 limits chosen so that one client
/// cannot take more than its share (docs/tls.md#http2-limits).
fn builder(settings: &ServerSettings, protocol: Protocol) -> auto::Builder<TokioExecutor> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(settings.header_read_timeout)
        .max_buf_size(settings.max_header_bytes.max(8192));
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_concurrent_streams(settings.h2_max_streams)
        .max_header_list_size(settings.max_header_bytes as u32)
        .max_pending_accept_reset_streams(20)
        .max_local_error_reset_streams(1024)
        .keep_alive_interval(settings.h2_keep_alive_interval)
        .keep_alive_timeout(Duration::from_secs(20));
    match protocol {
        Protocol::Http1 => builder.http1_only(),
        Protocol::Http2 => builder.http2_only(),
        Protocol::Either => builder,
    }
}
