//! One request's path: read its path, route it, plan its attempts, run them and stream the answer
//! back; an upgrade request branches off to `super::upgrade` after routing. The exchange runs in this task until the response head is known; the response body then drives
//! the rest of it.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Instant;

use http::{Request, Response, StatusCode};
use hyper::body::{Body, Incoming};
use tokio::sync::{mpsc, oneshot};

use super::access_log::AccessInfo;
use super::request::{
    ConnectionInfo, ForwardSettings, forward_request, framing, is_idempotent, named_host,
    request_path,
};
use super::response::{ExchangeTask, GatewayBody, ServiceResult, error_page, status_reply};
use super::settings::ServerSettings;
use super::upgrade;
use crate::backend::{AttemptPlan, MethodFacts, RequestFacts, ResponseSink, run_exchange};
use crate::gateway::{Gateway, Refusal, Route};
use crate::static_files::{StaticReply, StaticRequest};
use crate::status::StatusRequest;

/// One request: read its path, route it, plan its attempts, run them and stream the answer back.
pub(super) async fn handle(
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
    let kind = match framing(&parts, body.is_end_stream()) {
        Ok(kind) => kind,
        Err(error) => return refuse(&mut info, StatusCode::BAD_REQUEST, true, &error.to_string()),
    };
    let path = match request_path(parts.uri.path()) {
        Ok(path) => path,
        Err(error) => return refuse(&mut info, error.status(), false, &error.to_string()),
    };
    // Route: the virtual host by local address and Host, then its mount table; a path no mount
    // matches is served from the document root when there is one (`crate::static_files`).
    let host = named_host(&parts).unwrap_or(None);
    let server = gateway.server_for(conn.local, host);
    if !server.allows(&path.mapped, conn.client.ip(), conn.local.ip()) {
        let why = "client denied by server configuration";
        return refuse(&mut info, StatusCode::FORBIDDEN, false, why);
    }
    let forward = match server.route(&path.mapped) {
        Route::Forward(forward) => forward,
        Route::Status(status) => {
            // Answered here; its access control sees the same normalised path the mapping used.
            let request = StatusRequest {
                parts: &parts,
                client: conn.client.ip(),
                local: conn.local,
                is_tls: conn.is_tls(),
                path: &path.mapped,
            };
            let reply = status.handle(gateway.as_ref(), request).await;
            info.log_refused(reply.status(), "-", started);
            return Ok(status_reply(reply));
        }
        Route::Refuse(refusal) => {
            if let (Refusal::NO_MOUNT, Some(files)) = (refusal, &settings.static_files) {
                let request = StaticRequest {
                    method: &parts.method,
                    headers: &parts.headers,
                    path: &path.forwarded,
                    query: parts.uri.query(),
                    host,
                    is_tls: conn.is_tls(),
                };
                return Ok(static_reply(files.serve(&request), &info, started));
            }
            return refuse(&mut info, refusal.status, false, refusal.reason);
        }
    };
    info.worker = forward.worker_name().to_owned();
    // Upgrade: AJP cannot carry one, so it goes to the chosen member's HTTP connector when the
    // worker has one; without one it goes over AJP below, as with mod_jk.
    if forward.relays_upgrades() && upgrade::wanted(&parts, kind) {
        return Ok(upgrade::serve(parts, &forward, path, &conn, info, started).await);
    }
    // Plan: the FORWARD_REQUEST as mod_jk builds it; the plan adds each worker's own values.
    let forward_settings = ForwardSettings {
        server_name: server.name,
        ..ForwardSettings::FOR_PLAN
    };
    let request = forward_request(&parts, path.forwarded, kind, &conn, &forward_settings);
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

/// A static file's answer as a response; its body streams through the same channel a backend's does.
fn static_reply(reply: StaticReply, info: &AccessInfo, started: Instant) -> Response<GatewayBody> {
    let (status, headers, body) = match reply {
        StaticReply::File {
            status,
            headers,
            body,
        } => (status, headers, body),
        StaticReply::Page {
            status,
            headers,
            reason,
        } => {
            info.log_refused(status, reason, started);
            let mut response = error_page(status, false);
            response.headers_mut().extend(headers);
            return response;
        }
    };
    info.log_refused(status, "-", started);
    let mut response = if body.is_empty() {
        Response::new(GatewayBody::Full(None))
    } else {
        let (tx, rx) = mpsc::channel(4);
        let exchange = ExchangeTask::new(body.send(tx));
        Response::new(GatewayBody::Stream {
            chunks: rx,
            exchange,
        })
    };
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    response
}
