//! Where one request goes, and the plan its attempts follow. The HTTP layer asks with the request's
//! normalised path and gets a [`Route`]; for a forwarded request it then hands the FORWARD_REQUEST it
//! built to [`Forward::plan`]. Every mount-rule extension that changes how one request is served is
//! applied here, so the HTTP layer never reads mount rules and the backend never reads configuration.

use std::sync::Arc;
use std::time::Duration;

use http::StatusCode;

use crate::ajp::ForwardRequest;
use crate::backend::AjpWorker;
use crate::backend::{AttemptPlan, SingleWorker};
use crate::balancer::{LbWorker, RequestOptions};
use crate::config::MountRule;
use crate::status::StatusWorker;
use crate::upgrade::HttpEndpoint;

/// What answers a request.
#[derive(Debug)]
pub enum Route<'g> {
    /// An ajp13 or lb worker, over AJP.
    Forward(Forward<'g>),
    /// A status worker (jk-status), answered by ajpgate itself.
    Status(&'g Arc<StatusWorker>),
    /// Nothing can serve it.
    Refuse(Refusal),
}

/// A request ajpgate answers itself with an error status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    pub status: StatusCode,
    /// For the access log.
    pub reason: &'static str,
}

impl Refusal {
    pub const NO_MOUNT: Refusal = Refusal {
        status: StatusCode::NOT_FOUND,
        reason: "no mount matches",
    };
    /// mod_jk answers 500 for a mount whose worker is unknown or not in worker.list.
    pub const UNKNOWN_WORKER: Refusal = Refusal {
        status: StatusCode::INTERNAL_SERVER_ERROR,
        reason: "mount names an unknown or unlisted worker",
    };

    /// A worker that exists but cannot serve (see `Target::Unavailable`).
    pub fn unavailable(reason: &'static str) -> Refusal {
        Refusal {
            status: StatusCode::SERVICE_UNAVAILABLE,
            reason,
        }
    }
}

/// A request that goes to a backend: the rule that matched and the worker it names.
#[derive(Debug)]
pub struct Forward<'g> {
    rule: &'g MountRule,
    worker: Backend<'g>,
    /// The HTTP connectors for upgrades, by member index (see [`Forward::http_endpoints`]).
    endpoints: &'g [Option<Arc<HttpEndpoint>>],
}

#[derive(Debug)]
enum Backend<'g> {
    Ajp(&'g Arc<AjpWorker>),
    Lb(&'g Arc<LbWorker>),
}

impl<'g> Forward<'g> {
    pub(super) fn ajp(
        rule: &'g MountRule,
        worker: &'g Arc<AjpWorker>,
        endpoints: &'g [Option<Arc<HttpEndpoint>>],
    ) -> Self {
        Self {
            rule,
            worker: Backend::Ajp(worker),
            endpoints,
        }
    }

    pub(super) fn lb(
        rule: &'g MountRule,
        lb: &'g Arc<LbWorker>,
        endpoints: &'g [Option<Arc<HttpEndpoint>>],
    ) -> Self {
        Self {
            rule,
            worker: Backend::Lb(lb),
            endpoints,
        }
    }

    /// The HTTP connector of each member the plan may choose, by the attempt's `member_index` (one
    /// entry for a plain ajp13 worker); `None` where the member sets no `http_port`.
    pub fn http_endpoints(&self) -> &'g [Option<Arc<HttpEndpoint>>] {
        self.endpoints
    }

    /// Whether upgrades to this worker go to an HTTP connector (some member has one); otherwise they
    /// go over AJP like any request, as with mod_jk.
    pub fn relays_upgrades(&self) -> bool {
        self.endpoints.iter().any(Option::is_some)
    }

    /// The worker the mount rule names.
    pub fn worker_name(&self) -> &'g str {
        &self.rule.worker
    }

    /// The rule's `reply_timeout` extension, which replaces the worker's for this request.
    pub fn reply_timeout(&self) -> Option<Duration> {
        self.rule.extensions.reply_timeout
    }

    /// The plan for one request. `forward` carries no per-worker values (secret, route, activation
    /// other than ACT): the plan puts in the values of the worker each attempt goes to.
    pub fn plan(&self, forward: ForwardRequest) -> Box<dyn AttemptPlan> {
        match self.worker {
            Backend::Ajp(worker) => Box::new(SingleWorker::new(Arc::clone(worker), &forward)),
            Backend::Lb(lb) => {
                let ext = &self.rule.extensions;
                let options = RequestOptions {
                    activation_overrides: lb.activation_overrides(
                        &ext.active,
                        &ext.disabled,
                        &ext.stopped,
                    ),
                    sticky_ignore: ext.sticky_ignore,
                    stateless: ext.stateless,
                };
                Box::new(lb.plan(forward, options))
            }
        }
    }
}
