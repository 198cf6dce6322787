//! Where the attempts of one exchange go. The exchange decides whether another attempt is *safe*;
//! a plan decides *where* it goes (the same worker again, or another lb member) and keeps its own books.
//! A plain ajp13 worker's plan lives here; the lb's lives in `crate::balancer`.

use std::sync::Arc;
use std::time::Duration;

use http::{HeaderName, HeaderValue};

use super::error::BackendError;
use super::worker::AjpWorker;
use crate::ajp::ForwardRequest;
use crate::ajp::codes::max_request_body_chunk;

/// Where the attempts of one exchange go. The exchange decides whether another attempt is *safe*; the
/// plan decides *where* it goes (the same worker again, or another lb member) and keeps its own books.
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

/// A plain ajp13 worker's plan: the same worker, up to `retries` times, `retry_interval` apart.
#[derive(Debug)]
pub struct SingleWorker {
    worker: Arc<AjpWorker>,
    forward: ForwardRequest,
    attempts: u32,
}

impl SingleWorker {
    pub fn new(worker: Arc<AjpWorker>, forward: ForwardRequest) -> Self {
        Self {
            worker,
            forward,
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
