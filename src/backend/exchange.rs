//! One request and its response over one backend connection: the AJP13 conversation of
//! docs/ajp13.md#request-body, with retries that cannot duplicate work.
//!
//! The conversation, from ajpgate's side:
//! 1. send FORWARD_REQUEST and, for a body of known length, the first body packet without being asked;
//! 2. answer each GET_BODY_CHUNK with one body packet (empty at the end of the body);
//! 3. pass SEND_HEADERS and SEND_BODY_CHUNKs to the client as they come;
//! 4. on END_RESPONSE with reuse=1 the connection goes back to the pool; on anything else it is closed.
//!
//! Retries (another connection, `retries` attempts, `retry_interval` apart) happen only while they are
//! safe. No body packet beyond the first may have been consumed, and no response byte may have reached
//! the client. After that, the request may have reached the application, so a failure is retried only
//! for idempotent methods and only if `recovery_options` allows. mod_jk by default retries even after
//! part of a response was sent and can append a second response to it; ajpgate never does.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use http_body::Body;
use tokio::sync::{mpsc, oneshot};

use super::body::{BodyKind, ClientBody, ClientBodyError};
use super::error::BackendError;
use super::plan::{AttemptPlan, AttemptResult};
use super::pool::Lease;
use super::response_head::{ResponseHead, response_head};
use super::retry::{MethodFacts, Progress, may_retry};
use super::stats::WorkerStats;
use super::worker::{AjpWorker, WorkerSettings};
use crate::ajp::codes::max_request_body_chunk;
use crate::ajp::{EncodeError, ForwardRequest, FromContainer, SendHeaders, ToContainer};

/// What the exchange needs to know about the request.
#[derive(Debug, Clone)]
pub struct RequestFacts {
    pub body_kind: BodyKind,
    pub method: MethodFacts,
    /// How long the client may leave its body stalled.
    pub client_body_timeout: Duration,
    /// The mount rule's `reply_timeout` extension, replacing the worker's (zero: none).
    pub reply_timeout: Option<Duration>,
}

/// Why a request got no backend response.
#[derive(Debug, thiserror::Error)]
pub enum ExchangeError {
    #[error(transparent)]
    Backend(#[from] BackendError),
    #[error(transparent)]
    Client(#[from] ClientBodyError),
}

impl ExchangeError {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Backend(e) => e.status(),
            Self::Client(ClientBodyError::Timeout(_)) => StatusCode::REQUEST_TIMEOUT,
            Self::Client(_) => StatusCode::BAD_REQUEST,
        }
    }
}

type HeadSender = oneshot::Sender<Result<ResponseHead, ExchangeError>>;

/// Where the response goes: the head once, then body data. Capacity bounds how much of a response
/// ajpgate holds for a slow client; past it, ajpgate stops reading and TCP pushes back on Tomcat.
pub struct ResponseSink {
    pub head: HeadSender,
    pub body: mpsc::Sender<Result<Bytes, io::Error>>,
}

/// How the exchange ended, for the access log and the counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Completed,
    /// The client's fault (bad body, went away): never counted against the backend.
    ClientError,
    BackendError,
}

#[derive(Debug)]
pub struct Report {
    pub outcome: Outcome,
    pub status: Option<StatusCode>,
    pub attempts: u32,
    pub bytes_from_client: u64,
    pub bytes_to_client: u64,
    pub backend_time: Duration,
    pub error: Option<String>,
}

impl Report {
    fn empty() -> Report {
        Report {
            outcome: Outcome::Completed,
            status: None,
            attempts: 0,
            bytes_from_client: 0,
            bytes_to_client: 0,
            backend_time: Duration::ZERO,
            error: None,
        }
    }
}

/// The end of one attempt.
enum AttemptEnd {
    Done,
    ClientGone,
    ClientBody(ClientBodyError),
    Failed(BackendError),
}

/// What a backend message means for the attempt in progress.
enum Step {
    Continue,
    End(AttemptEnd),
    /// The client left while the response was on its way (see [`finish_without_client`]).
    ClientLeft,
}

/// Runs the exchange to its end. Never panics; every failure is reported through `sink` and the result.
pub async fn run<B>(
    mut plan: impl AttemptPlan,
    request: RequestFacts,
    body: B,
    sink: ResponseSink,
) -> Report
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: std::fmt::Display,
{
    let mut exchange = Exchange {
        request: &request,
        body: ClientBody::new(body, request.body_kind, request.client_body_timeout),
        head: Some(sink.head),
        body_out: sink.body,
        progress: Progress::default(),
        report: Report::empty(),
    };
    let started = Instant::now();
    // The first body packet is read once and kept, so that a retry can send it again.
    let initial = match exchange.read_initial_body(plan.initial_chunk_limit()).await {
        Ok(initial) => initial,
        Err(error) => return exchange.fail_before_head(error.into(), Outcome::ClientError),
    };
    let (end, last_worker) = match exchange.attempts(&mut plan, initial).await {
        Ok(ended) => ended,
        Err(error) => return exchange.fail_before_head(error, Outcome::ClientError),
    };
    let mut report = exchange.finish(end, last_worker.as_deref()).await;
    report.backend_time = report.backend_time.min(started.elapsed());
    report
}

/// One exchange in progress: what [`run`]'s attempts share.
struct Exchange<'r, B> {
    request: &'r RequestFacts,
    body: ClientBody<B>,
    /// Taken when the head goes out (or the error that replaces it).
    head: Option<HeadSender>,
    body_out: mpsc::Sender<Result<Bytes, io::Error>>,
    progress: Progress,
    report: Report,
}

impl<B> Exchange<'_, B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: std::fmt::Display,
{
    async fn read_initial_body(&mut self, limit: usize) -> Result<Option<Bytes>, ClientBodyError> {
        match self.request.body_kind {
            BodyKind::Length(expected) => match self.body.read_packet(limit).await? {
                data if data.is_empty() => Err(ClientBodyError::Short { read: 0, expected }),
                data => Ok(Some(data)),
            },
            BodyKind::Empty | BodyKind::Chunked => Ok(None),
        }
    }

    /// Tries the plan's attempts until one ends in a way that must not be retried. A request that
    /// cannot be encoded for a worker is the client's fault and ends the exchange at once.
    async fn attempts(
        &mut self,
        plan: &mut impl AttemptPlan,
        initial: Option<Bytes>,
    ) -> Result<(AttemptEnd, Option<Arc<AjpWorker>>), ExchangeError> {
        let mut last_error: Option<BackendError> = None;
        let mut last_worker: Option<Arc<AjpWorker>> = None;
        loop {
            let Some(attempt) = plan.next(last_error.as_ref()) else {
                let error = last_error.take().unwrap_or(BackendError::NoMember);
                return Ok((AttemptEnd::Failed(error), last_worker));
            };
            if !attempt.pause.is_zero() {
                tokio::time::sleep(attempt.pause).await;
            }
            self.report.attempts += 1;
            let worker = Arc::clone(&attempt.worker);
            last_worker = Some(Arc::clone(&worker));
            let settings = worker.settings();
            worker.stats().elected.fetch_add(1, Ordering::Relaxed);
            let packets = match encode(&attempt.forward, initial.as_ref(), &settings) {
                Ok(packets) => packets,
                Err(error) => {
                    plan.record(&attempt, AttemptResult::ClientError);
                    worker.stats().client_errors.fetch_add(1, Ordering::Relaxed);
                    return Err(BackendError::Encode(error).into());
                }
            };
            let sent_before = self.report.bytes_to_client;
            let end = self
                .timed_attempt(&worker, &settings, &packets, &attempt.extra_headers)
                .await;
            let result = match &end {
                AttemptEnd::Done => AttemptResult::Success {
                    bytes: self.report.bytes_to_client - sent_before + self.body.bytes_read(),
                },
                AttemptEnd::ClientGone | AttemptEnd::ClientBody(_) => AttemptResult::ClientError,
                AttemptEnd::Failed(error) => AttemptResult::Failed(error),
            };
            plan.record(&attempt, result);
            match end {
                AttemptEnd::Failed(error)
                    if may_retry(
                        &error,
                        &self.progress,
                        &self.request.method,
                        settings.recovery_options,
                    ) =>
                {
                    tracing::warn!(worker = worker.name(), attempt = self.report.attempts, %error, "request failed; trying again");
                    self.progress.reached_backend = false;
                    last_error = Some(error);
                }
                end => return Ok((end, last_worker)),
            }
        }
    }

    /// One attempt, counted busy while it runs and timed.
    async fn timed_attempt(
        &mut self,
        worker: &AjpWorker,
        settings: &WorkerSettings,
        packets: &Bytes,
        extra_headers: &[(HeaderName, HeaderValue)],
    ) -> AttemptEnd {
        let stats = worker.stats();
        let busy = stats.busy.fetch_add(1, Ordering::Relaxed) + 1;
        stats.max_busy.fetch_max(busy, Ordering::Relaxed);
        let busy_guard = BusyGuard(&stats.busy);
        let attempt_started = Instant::now();
        let end = if settings.busy_limit > 0 && busy > settings.busy_limit as usize {
            AttemptEnd::Failed(BackendError::BusyLimit)
        } else {
            self.attempt_on(worker, settings, packets, extra_headers)
                .await
        };
        drop(busy_guard);
        let attempt_time = attempt_started.elapsed();
        self.report.backend_time += attempt_time;
        stats.backend_time.observe(attempt_time);
        end
    }

    /// Books the end of the exchange on the last worker tried, and tells the client about a failure.
    async fn finish(mut self, end: AttemptEnd, last_worker: Option<&AjpWorker>) -> Report {
        self.report.bytes_from_client = self.body.bytes_read();
        let stats = last_worker.map(|w| w.stats());
        let count = |pick: fn(&WorkerStats) -> &AtomicU64, n: u64| {
            if let Some(stats) = stats {
                pick(stats).fetch_add(n, Ordering::Relaxed);
            }
        };
        count(|s| &s.transferred, self.report.bytes_from_client);
        count(|s| &s.read, self.report.bytes_to_client);
        match end {
            AttemptEnd::Done => {}
            AttemptEnd::ClientGone => {
                self.report.outcome = Outcome::ClientError;
                self.report.error = Some("client closed the connection".into());
                count(|s| &s.client_errors, 1);
            }
            AttemptEnd::ClientBody(error) => {
                self.report.outcome = Outcome::ClientError;
                count(|s| &s.client_errors, 1);
                self.report.error = Some(error.to_string());
                self.fail(ExchangeError::Client(error), "client body failed")
                    .await;
            }
            AttemptEnd::Failed(error) => {
                self.report.outcome = Outcome::BackendError;
                count(|s| &s.errors, 1);
                if matches!(error, BackendError::ReplyTimeout) {
                    count(|s| &s.reply_timeouts, 1);
                }
                let text = error.to_string();
                self.fail(ExchangeError::Backend(error), &text).await;
                self.report.error = Some(text);
            }
        }
        if let Some(worker) = last_worker {
            let failed = self.report.outcome == Outcome::BackendError;
            worker.stats().record_outcome(failed);
        }
        self.report
    }

    /// Sends the error as the response if the head has not gone out; otherwise the only honest signal
    /// left is to cut the response short.
    async fn fail(&mut self, error: ExchangeError, cut: &str) {
        match self.head.take() {
            Some(head) => {
                self.report.status = Some(error.status());
                let _ = head.send(Err(error));
            }
            None => {
                let _ = self
                    .body_out
                    .send(Err(io::Error::other(cut.to_string())))
                    .await;
            }
        }
    }

    fn fail_before_head(mut self, error: ExchangeError, outcome: Outcome) -> Report {
        self.report.outcome = outcome;
        self.report.status = Some(error.status());
        self.report.error = Some(error.to_string());
        if let Some(head) = self.head.take() {
            let _ = head.send(Err(error));
        }
        self.report
    }

    /// One try on one connection: the conversation of the module docs.
    async fn attempt_on(
        &mut self,
        worker: &AjpWorker,
        settings: &WorkerSettings,
        forward: &Bytes,
        extra_headers: &[(HeaderName, HeaderValue)],
    ) -> AttemptEnd {
        let mut lease: Lease = match worker.pool().acquire().await {
            Ok(lease) => lease,
            Err(e) => return AttemptEnd::Failed(e),
        };
        let conn_id = match lease.connection().await {
            Ok(connection) => connection.id(),
            Err(e) => return AttemptEnd::Failed(e),
        };
        if let Err(e) = send(&mut lease, forward).await {
            lease.discard();
            return AttemptEnd::Failed(e);
        }
        self.progress.reached_backend = true;
        let mut turn = Turn {
            worker,
            settings,
            conn_id,
            reply_timeout: self.request.reply_timeout.unwrap_or(settings.reply_timeout),
            max_chunk: max_request_body_chunk(settings.max_packet_size()),
            // HEAD, 1xx, 204 and 304 have no body in HTTP, whatever a backend sends.
            body_allowed: !self.request.method.is_head,
        };
        loop {
            let message = match lease.connection().await {
                Ok(c) => c.receive(turn.reply_timeout).await,
                Err(e) => Err(e),
            };
            let step = match message {
                Ok(FromContainer::SendHeaders(headers)) => {
                    self.on_headers(&mut turn, &headers, extra_headers)
                }
                Ok(FromContainer::SendBodyChunk(chunk)) => {
                    self.on_body_chunk(&turn, chunk.data).await
                }
                Ok(FromContainer::GetBodyChunk { requested }) => {
                    self.on_get_body_chunk(&mut lease, &turn, requested).await
                }
                Ok(FromContainer::EndResponse { reuse }) => {
                    return self.on_end_response(lease, &turn, reuse);
                }
                Ok(FromContainer::CPong) => {
                    Step::End(AttemptEnd::Failed(BackendError::Unexpected("CPONG")))
                }
                Err(e) => Step::End(AttemptEnd::Failed(e)),
            };
            match step {
                Step::Continue => {}
                Step::End(end) => {
                    lease.discard();
                    return end;
                }
                Step::ClientLeft => {
                    finish_without_client(lease, turn.reply_timeout).await;
                    return AttemptEnd::ClientGone;
                }
            }
        }
    }

    fn on_headers(
        &mut self,
        turn: &mut Turn<'_>,
        headers: &SendHeaders,
        extra_headers: &[(HeaderName, HeaderValue)],
    ) -> Step {
        if self.progress.head_sent {
            return Step::End(AttemptEnd::Failed(BackendError::DuplicateHeaders));
        }
        if let Some(status) = fail_on_status(&turn.settings.fail_on_status, headers.status) {
            return Step::End(AttemptEnd::Failed(BackendError::FailOnStatus(status)));
        }
        if headers.status < 200 || matches!(headers.status, 204 | 304) {
            turn.body_allowed = false;
        }
        let mut response = response_head(headers, turn.worker.name(), turn.conn_id);
        for (name, value) in extra_headers {
            response.headers.append(name.clone(), value.clone());
        }
        self.report.status = Some(response.status);
        self.send_head(response)
    }

    fn send_head(&mut self, response: ResponseHead) -> Step {
        self.progress.head_sent = true;
        match self.head.take().map(|head| head.send(Ok(response))) {
            Some(Err(_)) => Step::ClientLeft,
            _ => Step::Continue,
        }
    }

    async fn on_body_chunk(&mut self, turn: &Turn<'_>, data: Bytes) -> Step {
        if !self.progress.head_sent {
            // mod_jk starts a 200 response with no headers when body arrives first.
            self.report.status = Some(StatusCode::OK);
            let _ = self.send_head(ResponseHead {
                status: StatusCode::OK,
                headers: HeaderMap::new(),
            });
        }
        if data.is_empty() || !turn.body_allowed {
            return Step::Continue;
        }
        self.report.bytes_to_client += data.len() as u64;
        if self.body_out.send(Ok(data)).await.is_err() {
            return Step::ClientLeft;
        }
        Step::Continue
    }

    async fn on_get_body_chunk(
        &mut self,
        lease: &mut Lease,
        turn: &Turn<'_>,
        requested: u16,
    ) -> Step {
        self.progress.body_consumed = true;
        let max = usize::from(requested).min(turn.max_chunk);
        let packet = match self.body.read_packet(max).await {
            Ok(data) if data.is_empty() => ToContainer::EndOfBody,
            Ok(data) => ToContainer::Body(data),
            Err(e) => return Step::End(AttemptEnd::ClientBody(e)),
        };
        let sent = match lease.connection().await {
            Ok(c) => c.send(packet).await,
            Err(e) => Err(e),
        };
        match sent {
            Ok(()) => Step::Continue,
            Err(e) => Step::End(AttemptEnd::Failed(e)),
        }
    }

    /// END_RESPONSE: the connection goes back to the pool only with reuse=1 after a complete head.
    fn on_end_response(&mut self, mut lease: Lease, turn: &Turn<'_>, reuse: bool) -> AttemptEnd {
        if !self.progress.head_sent {
            lease.discard();
            return AttemptEnd::Failed(BackendError::Unexpected(
                "END_RESPONSE before SEND_HEADERS",
            ));
        }
        if reuse {
            lease.release();
        } else {
            tracing::debug!(
                worker = turn.worker.name(),
                conn = turn.conn_id,
                "backend asked not to reuse the connection"
            );
            lease.discard();
        }
        AttemptEnd::Done
    }
}

/// What one attempt runs under.
struct Turn<'w> {
    worker: &'w AjpWorker,
    settings: &'w WorkerSettings,
    conn_id: u64,
    reply_timeout: Duration,
    /// Largest body packet the worker's packet size allows.
    max_chunk: usize,
    body_allowed: bool,
}

/// FORWARD_REQUEST and, for a body of known length, its first body packet, as one write.
fn encode(
    forward: &ForwardRequest,
    initial: Option<&Bytes>,
    settings: &WorkerSettings,
) -> Result<Bytes, EncodeError> {
    let mut packets = bytes::BytesMut::new();
    let max = settings.max_packet_size();
    ToContainer::ForwardRequest(Box::new(forward.clone())).encode(&mut packets, max)?;
    if let Some(data) = initial {
        ToContainer::Body(data.clone()).encode(&mut packets, max)?;
    }
    Ok(packets.freeze())
}

async fn send(lease: &mut Lease, bytes: &Bytes) -> Result<(), BackendError> {
    lease.connection().await?.write_raw(bytes).await
}

struct BusyGuard<'a>(&'a AtomicUsize);

impl Drop for BusyGuard<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// How much of a response is still read after its client left, to keep the backend connection.
const DRAIN_LIMIT: usize = 64 * 1024;

/// The client left during the response. If the rest of it is short (at most [`DRAIN_LIMIT`] body
/// bytes, each packet within `reply_timeout`, no request body wanted), it is read and dropped and the
/// connection goes back to the pool at END_RESPONSE with reuse, as if the client had stayed; anything
/// else closes the connection. Aborted downloads of small pages then cost no reconnect.
async fn finish_without_client(mut lease: Lease, reply_timeout: Duration) {
    let mut drained = 0usize;
    while drained <= DRAIN_LIMIT {
        let message = match lease.connection().await {
            Ok(c) => c.receive(reply_timeout).await,
            Err(e) => Err(e),
        };
        match message {
            Ok(FromContainer::SendBodyChunk(chunk)) => drained += chunk.data.len(),
            Ok(FromContainer::EndResponse { reuse: true }) => {
                lease.release();
                return;
            }
            _ => break,
        }
    }
    lease.discard();
}

/// The fail_on_status entry (positive or "soft" negative) matching `status`.
fn fail_on_status(list: &[i32], status: u16) -> Option<u16> {
    list.iter()
        .any(|&code| code.unsigned_abs() == u32::from(status))
        .then_some(status)
}
