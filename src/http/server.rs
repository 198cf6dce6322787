//! The HTTP front end: serves the listeners (see [`super::listener`]), turns each request into a
//! backend exchange, and shuts down gracefully.
//!
//! Slow clients cannot hold the server. The request head must arrive within `header_read_timeout`, and a
//! stalled request body fails after `client_body_timeout`. Concurrent client connections are capped at
//! `max_connections`; past the cap, new connections wait in the kernel's accept queue.

use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Semaphore, watch};
use tokio_util::task::TaskTracker;

use super::listener::{Listener, Shared, accept_loop};
pub use super::settings::{GatewaySource, ServerSettings};

/// Serves on `listeners` until `shutdown` completes, then lets in-flight requests finish for up to
/// `shutdown_grace`.
pub async fn serve(
    listeners: Vec<impl Into<Listener>>,
    gateways: Arc<dyn GatewaySource>,
    settings: ServerSettings,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let (stop_tx, stop_rx) = watch::channel(false);
    let connections = TaskTracker::new();
    let grace = settings.shutdown_grace;
    let shared = Arc::new(Shared {
        gateways,
        slots: Arc::new(Semaphore::new(settings.max_connections.max(1))),
        settings: Arc::new(settings),
        connections: connections.clone(),
    });
    let mut acceptors = Vec::new();
    acceptors.push(tokio::spawn(keep_a_timer_due(stop_rx.clone())));
    for listener in listeners {
        let listener = listener.into();
        let kind = match (&listener.tls, listener.h2c) {
            (Some(_), _) => "TLS (h2, http/1.1)",
            (None, true) => "plain (http/1.1, h2c)",
            (None, false) => "plain (http/1.1)",
        };
        tracing::info!(address = %listener.tcp.local_addr()?, kind, "listening");
        acceptors.push(tokio::spawn(accept_loop(
            listener,
            Arc::clone(&shared),
            stop_rx.clone(),
        )));
    }
    shutdown.await;
    tracing::info!("shutting down: no new connections; finishing requests in flight");
    let _ = stop_tx.send(true);
    for acceptor in acceptors {
        let _ = acceptor.await;
    }
    connections.close();
    if tokio::time::timeout(grace, connections.wait())
        .await
        .is_err()
    {
        tracing::warn!(
            ?grace,
            "requests still running at the end of the grace period were cut off"
        );
    }
    Ok(())
}

/// Keeps a timer due within the next second until shutdown. hyper arms a header-read timeout each time
/// a connection goes idle; if no earlier timer exists, tokio must wake its I/O driver to move the
/// deadline forward (an eventfd write and an extra epoll round per request, measurable at low
/// concurrency). With this one ticking, a new 20-second timeout is never the earliest.
async fn keep_a_timer_due(mut stop: watch::Receiver<bool>) {
    let mut ticks = tokio::time::interval(Duration::from_secs(1));
    loop {
        tokio::select! {
            _ = stop.changed() => return,
            _ = ticks.tick() => {}
        }
    }
}
