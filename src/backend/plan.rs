//! Where the attempts of one exchange go. The exchange decides whether another attempt is *safe*;
//! a plan decides *where* it goes (the same worker again, or another lb member) and keeps its own books.
//! A plain ajp13 worker's plan lives here; the lb's lives in `crate::balancer`.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderName, HeaderValue};

use super::error::BackendError;
use super::worker::AjpWorker;
use crate::ajp::codes::max_request_body_chunk;
use crate::ajp::{Attribute, ForwardRequest};
use crate::vocabulary::Activation;

/// The plan of one exchange (see the module docs).
pub trait AttemptPlan: Send {
    /// Largest first body packet every worker the plan may choose can take.
    fn initial_chunk_limit(&self) -> usize;
    /// The next attempt, or `None` when the plan has nothing left to try.
    fn next(&mut self, last_error: Option<&BackendError>) -> Option<Attempt>;
    /// How an attempt ended.
    fn record(&mut self, attempt: &Attempt, result: AttemptResult<'_>);
}

/// One try: which worker, with which FORWARD_REQUEST (its secret, route and activation), after what pause.
#[derive(Debug)]
pub struct Attempt {
    pub worker: Arc<AjpWorker>,
    pub forward: ForwardRequest,
    pub pause: Duration,
    /// Added to the response if this attempt produces it (the lb's set_session_cookie).
    pub extra_headers: Vec<(HeaderName, HeaderValue)>,
    /// Which lb member this attempt goes to (its index in the lb's member table); 0 for a plain worker.
    pub member_index: usize,
}

/// How one attempt ended, as a plan sees it.
#[derive(Debug, Clone, Copy)]
pub enum AttemptResult<'a> {
    Success {
        bytes: u64,
    },
    /// The client's fault; never held against the backend.
    ClientError,
    Failed(&'a BackendError),
}

impl<P: AttemptPlan + ?Sized> AttemptPlan for Box<P> {
    fn initial_chunk_limit(&self) -> usize {
        (**self).initial_chunk_limit()
    }

    fn next(&mut self, last_error: Option<&BackendError>) -> Option<Attempt> {
        (**self).next(last_error)
    }

    fn record(&mut self, attempt: &Attempt, result: AttemptResult<'_>) {
        (**self).record(attempt, result)
    }
}

/// `base` with one worker's own values, in mod_jk's attribute order: the secret first, the route after
/// the query string, the activation in the `JK_LB_ACTIVATION` req_attribute. Any secret or route
/// `base` carried is replaced.
pub fn for_worker(
    base: &ForwardRequest,
    secret: Option<&Bytes>,
    route: Option<Bytes>,
    activation: Activation,
) -> ForwardRequest {
    let mut request = base.clone();
    let mut attributes = Vec::with_capacity(request.attributes.len() + 2);
    if let Some(secret) = secret {
        attributes.push(Attribute::Secret(secret.clone()));
    }
    for attribute in request.attributes.drain(..) {
        match attribute {
            Attribute::Secret(_) | Attribute::Route(_) => {}
            Attribute::ReqAttribute { name, .. } if &name[..] == b"JK_LB_ACTIVATION" => {
                attributes.push(Attribute::ReqAttribute {
                    name,
                    value: activation.as_str().into(),
                });
            }
            other => attributes.push(other),
        }
    }
    if let Some(route) = route {
        let route_at = attributes
            .iter()
            .position(|a| {
                !matches!(
                    a,
                    Attribute::Secret(_)
                        | Attribute::RemoteUser(_)
                        | Attribute::AuthType(_)
                        | Attribute::QueryString(_)
                )
            })
            .unwrap_or(attributes.len());
        attributes.insert(route_at, Attribute::Route(route));
    }
    request.attributes = attributes;
    request
}

/// A plain ajp13 worker's plan: the same worker, up to `retries` times, `retry_interval` apart.
#[derive(Debug)]
pub struct SingleWorker {
    worker: Arc<AjpWorker>,
    forward: ForwardRequest,
    attempts: u32,
}

impl SingleWorker {
    /// `base` carries no per-worker values; the worker's secret goes in here (see [`for_worker`]).
    pub fn new(worker: Arc<AjpWorker>, base: &ForwardRequest) -> Self {
        let secret = worker.settings().secret.clone();
        Self {
            forward: for_worker(base, secret.as_ref(), None, Activation::Active),
            worker,
            attempts: 0,
        }
    }
}

impl AttemptPlan for SingleWorker {
    fn initial_chunk_limit(&self) -> usize {
        max_request_body_chunk(self.worker.settings().max_packet_size())
    }

    fn next(&mut self, _last_error: Option<&BackendError>) -> Option<Attempt> {
        let settings = self.worker.settings();
        if self.attempts >= settings.retries {
            return None;
        }
        let pause = if self.attempts == 0 {
            Duration::ZERO
        } else {
            settings.retry_interval
        };
        self.attempts += 1;
        Some(Attempt {
            worker: Arc::clone(&self.worker),
            forward: self.forward.clone(),
            pause,
            extra_headers: Vec::new(),
            member_index: 0,
        })
    }

    fn record(&mut self, _attempt: &Attempt, _result: AttemptResult<'_>) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ajp::tests_support::sample_request;

    fn kinds(request: &ForwardRequest) -> Vec<String> {
        request
            .attributes
            .iter()
            .map(|a| match a {
                Attribute::Secret(v) => format!("secret={}", String::from_utf8_lossy(v)),
                Attribute::Route(v) => format!("route={}", String::from_utf8_lossy(v)),
                Attribute::QueryString(_) => "query".into(),
                Attribute::ReqAttribute { name, value } => format!(
                    "{}={}",
                    String::from_utf8_lossy(name),
                    String::from_utf8_lossy(value)
                ),
                other => format!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn worker_values_go_where_mod_jk_puts_them_and_replace_earlier_ones() {
        let secret = Bytes::from_static(b"s3");
        let lb = for_worker(
            &sample_request(),
            Some(&secret),
            Some(Bytes::from_static(b"node2")),
            Activation::Disabled,
        );
        assert_eq!(
            kinds(&lb),
            [
                "secret=s3",
                "query",
                "route=node2",
                "AJP_REMOTE_PORT=51234",
                "AJP_LOCAL_ADDR=10.0.0.5",
                "JK_LB_ACTIVATION=DIS"
            ]
        );
        let again = for_worker(&lb, None, None, Activation::Active);
        assert_eq!(
            kinds(&again),
            [
                "query",
                "AJP_REMOTE_PORT=51234",
                "AJP_LOCAL_ADDR=10.0.0.5",
                "JK_LB_ACTIVATION=ACT"
            ]
        );
    }
}
