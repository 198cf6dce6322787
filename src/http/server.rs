//! The HTTP/1.1 front end: accepts client connections, turns each request into a backend exchange, and
//! shuts down gracefully.
//!
//! Slow clients cannot hold the server. The request head must arrive within `header_read_timeout`, and a
//! stalled request body fails after `client_body_timeout`. Concurrent client connections are capped at
//! `max_connections`; past the cap, new connections wait in the kernel's accept queue.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use http::{Request, Response, StatusCode};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, mpsc, oneshot, watch};
use tokio_util::task::TaskTracker;

use super::access_log::AccessInfo;
use super::request::{
    ConnectionInfo, ForwardSettings, body_kind, forward_request, is_idempotent, request_path,
};
use super::response::{ExchangeTask, GatewayBody, ServiceResult, error_page, status_reply};
use crate::backend::AttemptPlan;
use crate::backend::MethodFacts;
use crate::backend::{RequestFacts, ResponseSink, run_exchange};
use crate::gateway::{Gateway, Route};
use crate::status::StatusRequest;

/// Limits of the client side.
#[derive(Debug, Clone)]
pub struct ServerSettings {
    pub header_read_timeout: Duration,
    pub client_body_timeout: Duration,
    pub max_connections: usize,
    /// How long in-flight requests may take to finish after a shutdown signal.
    pub shutdown_grace: Duration,
    /// Largest request head accepted (larger: 431).
    pub max_header_bytes: usize,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(20),
            client_body_timeout: Duration::from_secs(60),
            max_connections: 16384,
            shutdown_grace: Duration::from_secs(30),
            max_header_bytes: 64 * 1024,
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

/// Serves on `listeners` until `shutdown` completes, then lets in-flight requests finish for up to
/// `shutdown_grace`.
pub async fn serve(
    listeners: Vec<TcpListener>,
    gateways: Arc<dyn GatewaySource>,
    settings: ServerSettings,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let (stop_tx, stop_rx) = watch::channel(false);
    let connections = TaskTracker::new();
    let slots = Arc::new(Semaphore::new(settings.max_connections.max(1)));
    let settings = Arc::new(settings);
    let mut acceptors = Vec::new();
    acceptors.push(tokio::spawn(keep_a_timer_due(stop_rx.clone())));
    for listener in listeners {
        tracing::info!(address = %listener.local_addr()?, "listening");
        acceptors.push(tokio::spawn(accept_loop(
            listener,
            Arc::clone(&gateways),
            Arc::clone(&settings),
            Arc::clone(&slots),
            connections.clone(),
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
    if tokio::time::timeout(settings.shutdown_grace, connections.wait())
        .await
        .is_err()
    {
        tracing::warn!(grace = ?settings.shutdown_grace, "requests still running at the end of the grace period were cut off");
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

async fn accept_loop(
    listener: TcpListener,
    gateways: Arc<dyn GatewaySource>,
    settings: Arc<ServerSettings>,
    slots: Arc<Semaphore>,
    connections: TaskTracker,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        let slot = tokio::select! {
            _ = stop.changed() => return,
            slot = Arc::clone(&slots).acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => return,
            },
        };
        let accepted = tokio::select! {
            _ = stop.changed() => return,
            accepted = listener.accept() => accepted,
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
        let local = match stream.local_addr() {
            Ok(local) => local,
            Err(_) => continue,
        };
        let _ = stream.set_nodelay(true);
        let conn = ConnectionInfo {
            client,
            local,
            is_tls: false,
        };
        let gateways = Arc::clone(&gateways);
        let settings = Arc::clone(&settings);
        let mut stop = stop.clone();
        connections.spawn(async move {
            let _slot = slot;
            let service_settings = Arc::clone(&settings);
            let service = service_fn(move |request| {
                handle(request, conn, gateways.current(), Arc::clone(&service_settings))
            });
            let connection = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(settings.header_read_timeout)
                .max_buf_size(settings.max_header_bytes.max(8192))
                .serve_connection(TokioIo::new(stream), service);
            tokio::pin!(connection);
            let result = tokio::select! {
                result = connection.as_mut() => result,
                _ = stop.changed() => {
                    connection.as_mut().graceful_shutdown();
                    connection.await
                }
            };
            if let Err(error) = result {
                tracing::debug!(client = %conn.client, %error, "client connection ended with an error");
            }
        });
    }
}

/// One request: read its path, route it, plan its attempts, run them and stream the answer back.
async fn handle(
    request: Request<Incoming>,
    conn: ConnectionInfo,
    gateway: Arc<Gateway>,
    settings: Arc<ServerSettings>,
) -> ServiceResult {
    let started = Instant::now();
    let (parts, body) = request.into_parts();
    let mut info = AccessInfo::new(&conn, &parts);
    let refuse = |info: &mut AccessInfo, status: StatusCode, close: bool, why: &str| {
        info.log_refused(status, why, started);
        Ok(error_page(status, close))
    };
    // Read: framing first, then the path, decoded and normalised once. Every decision below uses
    // `path.mapped`; Tomcat gets `path.forwarded`.
    let kind = match body_kind(&parts) {
        Ok(kind) => kind,
        Err(error) => return refuse(&mut info, StatusCode::BAD_REQUEST, true, &error.to_string()),
    };
    let path = match request_path(parts.uri.path()) {
        Ok(path) => path,
        Err(error) => return refuse(&mut info, error.status(), false, &error.to_string()),
    };
    // Route. Virtual hosts will choose the mount table by Host here; static files and upgrades
    // become further kinds of route.
    let forward = match gateway.route(&path.mapped) {
        Route::Forward(forward) => forward,
        Route::Status(status) => {
            // Answered here; its access control sees the same normalised path the mapping used.
            let request = StatusRequest {
                parts: &parts,
                client: conn.client.ip(),
                local: conn.local,
                is_tls: conn.is_tls,
                path: &path.mapped,
            };
            let reply = status.handle(gateway.as_ref(), request).await;
            info.log_refused(reply.status(), "-", started);
            return Ok(status_reply(reply));
        }
        Route::Refuse(refusal) => {
            return refuse(&mut info, refusal.status, false, refusal.reason);
        }
    };
    info.worker = forward.worker_name().to_owned();
    // Plan: the FORWARD_REQUEST as mod_jk builds it; the plan adds each worker's own values.
    let request = forward_request(
        &parts,
        path.forwarded,
        kind,
        &conn,
        &ForwardSettings::FOR_PLAN,
    );
    let plan = match request {
        Ok(request) => forward.plan(request),
        Err(error) => return refuse(&mut info, StatusCode::BAD_REQUEST, true, &error.to_string()),
    };
    let facts = RequestFacts {
        body_kind: kind,
        method: MethodFacts {
            is_head: parts.method == http::Method::HEAD,
            is_get: parts.method == http::Method::GET,
            idempotent: is_idempotent(&parts.method),
        },
        client_body_timeout: settings.client_body_timeout,
        reply_timeout: forward.reply_timeout(),
    };
    Ok(run_and_respond(plan, facts, body, info, started).await)
}

/// Runs the exchange in this task until the response head is known; the response body then drives the
/// rest of it (see [`ExchangeTask`]).
async fn run_and_respond(
    plan: Box<dyn AttemptPlan>,
    facts: RequestFacts,
    body: Incoming,
    info: AccessInfo,
    started: Instant,
) -> Response<GatewayBody> {
    let (head_tx, mut head_rx) = oneshot::channel();
    let (body_tx, body_rx) = mpsc::channel(4);
    let sink = ResponseSink {
        head: head_tx,
        body: body_tx,
    };
    let mut exchange = ExchangeTask::new(async move {
        let report = run_exchange(plan, facts, body, sink).await;
        info.log_exchange(&report, started);
    });
    let head = std::future::poll_fn(|cx| {
        // Once the exchange has ended, the head was sent or never will be, so this cannot hang.
        let _ = exchange.poll_run(cx);
        Pin::new(&mut head_rx).poll(&mut ExchangeTask::no_wake())
    })
    .await;
    match head {
        Ok(Ok(head)) => {
            let mut response = Response::new(GatewayBody::Stream {
                chunks: body_rx,
                exchange,
            });
            *response.status_mut() = head.status;
            *response.headers_mut() = head.headers;
            response
        }
        Ok(Err(error)) => {
            let client_fault = error.status().is_client_error();
            error_page(error.status(), client_fault)
        }
        Err(_) => error_page(StatusCode::BAD_GATEWAY, false),
    }
}
