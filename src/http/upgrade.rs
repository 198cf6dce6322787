//! The upgrade branch of a request's path: a request with `Upgrade` on a worker whose members have an
//! HTTP connector goes there instead of over AJP (docs/websocket.md). The member comes from the same
//! plan AJP would follow; its 101 is answered to the client, and a task then relays the bytes until
//! the tunnel ends. Any other answer is passed on as it is. HTTP/2 requests never take this branch
//! (extended CONNECT, RFC 8441, is not supported).

use std::time::Instant;

use bytes::{Bytes, BytesMut};
use http::request::Parts;
use http::{Response, StatusCode, Version};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::upgrade::OnUpgrade;
use hyper_util::rt::TokioIo;
use tokio::sync::mpsc;

use super::access_log::{ACCESS_TARGET, AccessInfo};
use super::request::{ConnectionInfo, ForwardSettings, RequestPath, forward_request};
use super::response::{ExchangeTask, GatewayBody, error_page};
use crate::backend::BodyKind;
use crate::gateway::Forward;
use crate::upgrade::{Forwarding, HttpEndpoint, Opened, RelayEnd};
use std::sync::Arc;

/// Whether this request takes the upgrade branch: HTTP/1.1, `Upgrade` named in `Connection`, no body,
/// and a connection hyper can hand over after a 101.
pub(super) fn wanted(parts: &Parts, kind: BodyKind) -> bool {
    parts.version == Version::HTTP_11
        && matches!(kind, BodyKind::Empty)
        && crate::upgrade::is_upgrade(&parts.headers)
        && parts.extensions.get::<OnUpgrade>().is_some()
}

/// One upgrade request, from choosing the member to the response the client gets.
pub(super) async fn serve(
    mut parts: Parts,
    forward: &Forward<'_>,
    path: RequestPath,
    conn: &ConnectionInfo,
    info: AccessInfo,
    started: Instant,
) -> Response<GatewayBody> {
    let refuse = |status: StatusCode, why: &str| {
        info.log_refused(status, why, started);
        error_page(status, status.is_client_error())
    };
    // The plan reads the session from the FORWARD_REQUEST, exactly as for an AJP request.
    let ajp = forward_request(
        &parts,
        path.forwarded.clone(),
        BodyKind::Empty,
        conn,
        &ForwardSettings::FOR_PLAN,
    );
    let mut plan = match ajp {
        Ok(request) => forward.plan(request),
        Err(error) => return refuse(StatusCode::BAD_REQUEST, &error.to_string()),
    };
    let forwarding = Forwarding {
        client: conn.client.ip(),
        peer: conn.peer.ip(),
        is_tls: conn.is_tls(),
    };
    let head = match crate::upgrade::member_request(&parts, target(&path, &parts), forwarding) {
        Ok(head) => head,
        Err(error) => return refuse(StatusCode::BAD_REQUEST, &error.to_string()),
    };
    let opened = crate::upgrade::open(plan.as_mut(), forward.http_endpoints(), &head).await;
    drop(plan);
    let Opened {
        mut response,
        endpoint,
    } = match opened {
        Ok(opened) => opened,
        Err(error) => return refuse(error.status(), &error.to_string()),
    };
    let status = response.status();
    let headers = crate::upgrade::response_headers(status, response.headers());
    info.log_refused(status, &format!("upgrade via {}", endpoint.worker), started);
    if status != StatusCode::SWITCHING_PROTOCOLS {
        endpoint.counters().refused();
        let (tx, rx) = mpsc::channel(4);
        let body = response.into_body();
        let mut reply = Response::new(GatewayBody::Stream {
            chunks: rx,
            exchange: ExchangeTask::new(pass_body(body, tx)),
        });
        *reply.status_mut() = status;
        *reply.headers_mut() = headers;
        return reply;
    }
    let member = hyper::upgrade::on(&mut response);
    let client = parts.extensions.remove::<OnUpgrade>();
    let label = format!("{} {}", conn.client, parts.uri.path());
    tokio::spawn(async move {
        let (Some(client), Ok(member)) = (client, member.await) else {
            tracing::warn!(%label, "upgrade: the member's connection was not handed over");
            return;
        };
        tunnel(client, member, endpoint, label).await;
    });
    let mut reply = Response::new(GatewayBody::Full(None));
    *reply.status_mut() = status;
    *reply.headers_mut() = headers;
    reply
}

/// The request target the member gets: the path as AJP would send it, and the query.
fn target(path: &RequestPath, parts: &Parts) -> Bytes {
    let mut target = BytesMut::from(&path.forwarded[..]);
    if let Some(query) = parts.uri.query() {
        target.extend_from_slice(b"?");
        target.extend_from_slice(query.as_bytes());
    }
    target.freeze()
}

/// Relays once hyper has handed over the client's connection (after it wrote the 101).
async fn tunnel(
    client: OnUpgrade,
    member: hyper::upgrade::Upgraded,
    endpoint: Arc<HttpEndpoint>,
    label: String,
) {
    let client = match client.await {
        Ok(client) => client,
        Err(error) => {
            tracing::debug!(%label, %error, "upgrade: the client left before the switch");
            return;
        }
    };
    let counters = endpoint.counters();
    let open = counters.opened();
    let relayed = crate::upgrade::relay(
        TokioIo::new(client),
        TokioIo::new(member),
        endpoint.idle_timeout,
        counters,
    )
    .await;
    drop(open);
    let why = match &relayed.end {
        RelayEnd::Closed => "closed".to_string(),
        RelayEnd::IdleTimeout => "idle timeout".to_string(),
        RelayEnd::Broken(error) => error.to_string(),
    };
    tracing::info!(
        target: ACCESS_TARGET,
        tunnel = %label,
        worker = %endpoint.worker,
        bytes_in = relayed.to_backend,
        bytes_out = relayed.to_client,
        end = %why,
        "tunnel ended"
    );
}

/// Streams a refusal's body from the member to the client; an error cuts it short.
async fn pass_body(mut body: Incoming, tx: mpsc::Sender<Result<Bytes, std::io::Error>>) {
    while let Some(frame) = body.frame().await {
        let item = match frame {
            Ok(frame) => match frame.into_data() {
                Ok(data) => Ok(data),
                Err(_) => continue, // trailers: not passed on
            },
            Err(error) => Err(std::io::Error::other(error)),
        };
        let failed = item.is_err();
        if tx.send(item).await.is_err() || failed {
            return;
        }
    }
}
