//! Choosing the member for an upgrade: the request's own plan, walked as the AJP exchange walks it
//! (`crate::backend::AttemptPlan`), so stickiness, member states, activation and the lb's failover are
//! the lb's and stay there. Each attempt goes to the chosen member's HTTP connector instead of its AJP
//! port, and its outcome is recorded as an AJP attempt's would be: a member that cannot be reached
//! goes into error like one that refuses AJP. Only a connect failure moves on to another member; once
//! the request may have reached Tomcat it is not sent again.

use std::sync::Arc;

use bytes::Bytes;
use http::{Method, Request, Response};
use http_body_util::Empty;
use hyper::body::Incoming;

use super::connect::{Failure, exchange};
use super::endpoint::HttpEndpoint;
use crate::backend::{AttemptPlan, AttemptResult, BackendError};

/// The member that answered, and its response head.
#[derive(Debug)]
pub struct Opened {
    pub response: Response<Incoming>,
    pub endpoint: Arc<HttpEndpoint>,
}

/// Walks `plan` until a member's HTTP connector answers. `endpoints[i]` is the connector of the
/// plan's member `i` (index 0 for a plain worker); a member without one is passed over.
pub async fn open(
    plan: &mut dyn AttemptPlan,
    endpoints: &[Option<Arc<HttpEndpoint>>],
    request: &Request<Empty<Bytes>>,
) -> Result<Opened, BackendError> {
    let mut last: Option<BackendError> = None;
    while let Some(attempt) = plan.next(last.as_ref()) {
        if !attempt.pause.is_zero() {
            tokio::time::sleep(attempt.pause).await;
        }
        let Some(endpoint) = endpoints.get(attempt.member_index).cloned().flatten() else {
            // Not the member's fault: it has no HTTP connector configured.
            plan.record(&attempt, AttemptResult::ClientError);
            continue;
        };
        match exchange(&endpoint, copy(request)).await {
            Ok(response) => {
                plan.record(&attempt, AttemptResult::Success { bytes: 0 });
                return Ok(Opened { response, endpoint });
            }
            Err(Failure::Connect(error)) => {
                tracing::warn!(member = %endpoint.worker, %error, "upgrade: member's HTTP connector unreachable");
                endpoint.counters().failed();
                plan.record(&attempt, AttemptResult::Failed(&error));
                last = Some(error);
            }
            Err(Failure::Exchange(error)) => {
                tracing::warn!(member = %endpoint.worker, %error, "upgrade: no response head from the member");
                endpoint.counters().failed();
                plan.record(&attempt, AttemptResult::Failed(&error));
                if !may_resend(request.method(), &error) {
                    return Err(error);
                }
                last = Some(error);
            }
        }
    }
    Err(last.unwrap_or(BackendError::NoMember))
}

/// Whether a request the member may have seen goes to another member after `error`: as for AJP
/// requests, only an idempotent method (an upgrade is almost always a GET), and never after a reply
/// timeout.
fn may_resend(method: &Method, error: &BackendError) -> bool {
    let idempotent = [
        Method::GET,
        Method::HEAD,
        Method::OPTIONS,
        Method::TRACE,
        Method::PUT,
        Method::DELETE,
    ]
    .contains(method);
    idempotent && !matches!(error, BackendError::ReplyTimeout)
}

/// The request again, for another attempt (an empty body, so the head is all there is).
fn copy(request: &Request<Empty<Bytes>>) -> Request<Empty<Bytes>> {
    let mut copy = Request::new(Empty::new());
    *copy.method_mut() = request.method().clone();
    *copy.uri_mut() = request.uri().clone();
    *copy.version_mut() = request.version();
    *copy.headers_mut() = request.headers().clone();
    copy
}
