//! One request and its response over one backend connection: the AJP13 conversation of modjk.md
//! §1.10–1.11, with retries that cannot duplicate work.
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
use std::sync::atomic::Ordering;
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
use super::retry::{Progress, may_retry};
use super::worker::AjpWorker;
use crate::ajp::codes::max_request_body_chunk;
use crate::ajp::{FromContainer, ToContainer};

/// What the retry rules need to know about the request.
#[derive(Debug, Clone)]
pub struct RequestFacts {
    pub body_kind: BodyKind,
    pub is_head: bool,
    /// GET, HEAD, OPTIONS, TRACE, PUT, DELETE (RFC 9110 §9.2.2).
    pub idempotent: bool,
    pub is_get: bool,
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

/// Where the response goes: the head once, then body data. Capacity bounds how much of a response
/// ajpgate holds for a slow client; past it, ajpgate stops reading and TCP pushes back on Tomcat.
pub struct ResponseSink {
    pub head: oneshot::Sender<Result<ResponseHead, ExchangeError>>,
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

fn empty_report() -> Report {
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

/// The end of one attempt.
enum AttemptEnd {
    Done,
    ClientGone,
    ClientBody(ClientBodyError),
    Failed(BackendError),
}

/// Runs the exchange to its end. Never panics; every failure is reported through `sink` and the result.
pub async fn run<B>(
    mut plan: impl AttemptPlan,
    request: RequestFacts,
    body: B,
    mut sink: ResponseSink,
) -> Report
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: std::fmt::Display,
{
    let started = Instant::now();
    let mut body = ClientBody::new(body, request.body_kind, request.client_body_timeout);
    let mut report = empty_report();
    let mut head = Some(sink.head);

    // The first body packet is read once and kept, so that a retry can send it again.
    let initial = match request.body_kind {
        BodyKind::Length(expected) => match body.read_packet(plan.initial_chunk_limit()).await {
            Ok(data) if !data.is_empty() => Some(data),
            Ok(_) => {
                let error = ClientBodyError::Short { read: 0, expected };
                return fail_before_head(report, head, error.into(), Outcome::ClientError);
            }
            Err(error) => {
                return fail_before_head(report, head, error.into(), Outcome::ClientError);
            }
        },
        BodyKind::Empty | BodyKind::Chunked => None,
    };

    let mut progress = Progress::default();
    let mut last_error: Option<BackendError> = None;
    let mut last_worker: Option<Arc<AjpWorker>> = None;
    let end = loop {
        let Some(attempt) = plan.next(last_error.as_ref()) else {
            break AttemptEnd::Failed(last_error.take().unwrap_or(BackendError::NoMember));
        };
        if !attempt.pause.is_zero() {
            tokio::time::sleep(attempt.pause).await;
        }
        report.attempts += 1;
        let worker = Arc::clone(&attempt.worker);
        last_worker = Some(Arc::clone(&worker));
        let config = worker.settings();
        let stats = worker.stats();
        stats.elected.fetch_add(1, Ordering::Relaxed);

        let mut packets = bytes::BytesMut::new();
        let encoded = ToContainer::ForwardRequest(Box::new(attempt.forward.clone()))
            .encode(&mut packets, config.max_packet_size())
            .and_then(|()| match &initial {
                Some(data) => {
                    ToContainer::Body(data.clone()).encode(&mut packets, config.max_packet_size())
                }
                None => Ok(()),
            });
        if let Err(e) = encoded {
            plan.record(&attempt, AttemptResult::ClientError);
            stats.client_errors.fetch_add(1, Ordering::Relaxed);
            return fail_before_head(
                report,
                head,
                BackendError::Encode(e).into(),
                Outcome::ClientError,
            );
        }

        let busy = stats.busy.fetch_add(1, Ordering::Relaxed) + 1;
        stats.max_busy.fetch_max(busy, Ordering::Relaxed);
        let busy_guard = BusyGuard(&stats.busy);
        let attempt_started = Instant::now();
        let sent_before = report.bytes_to_client;
        let end = if config.busy_limit > 0 && busy > config.busy_limit as usize {
            AttemptEnd::Failed(BackendError::BusyLimit)
        } else {
            attempt_on(
                &worker,
                &packets.freeze(),
                &attempt.extra_headers,
                &request,
                &mut body,
                &mut head,
                &mut sink.body,
                &mut progress,
                &mut report,
            )
            .await
        };
        drop(busy_guard);
        let attempt_time = attempt_started.elapsed();
        report.backend_time += attempt_time;
        stats.backend_time.observe(attempt_time);
        match &end {
            AttemptEnd::Done => plan.record(
                &attempt,
                AttemptResult::Success {
                    bytes: report.bytes_to_client - sent_before + body.bytes_read(),
                },
            ),
            AttemptEnd::ClientGone | AttemptEnd::ClientBody(_) => {
                plan.record(&attempt, AttemptResult::ClientError)
            }
            AttemptEnd::Failed(error) => plan.record(&attempt, AttemptResult::Failed(error)),
        }
        match end {
            AttemptEnd::Failed(error)
                if may_retry(&error, &progress, &request, config.recovery_options) =>
            {
                tracing::warn!(worker = worker.name(), attempt = report.attempts, %error, "request failed; trying again");
                progress.reached_backend = false;
                last_error = Some(error);
            }
            end => break end,
        }
    };
    report.bytes_from_client = body.bytes_read();
    let stats = last_worker.as_ref().map(|w| w.stats());
    let count = |pick: fn(&super::stats::WorkerStats) -> &std::sync::atomic::AtomicU64, n: u64| {
        if let Some(stats) = stats {
            pick(stats).fetch_add(n, Ordering::Relaxed);
        }
    };
    count(|s| &s.transferred, report.bytes_from_client);
    count(|s| &s.read, report.bytes_to_client);
    match end {
        AttemptEnd::Done => {}
        AttemptEnd::ClientGone => {
            report.outcome = Outcome::ClientError;
            report.error = Some("client closed the connection".into());
            count(|s| &s.client_errors, 1);
        }
        AttemptEnd::ClientBody(error) => {
            report.outcome = Outcome::ClientError;
            count(|s| &s.client_errors, 1);
            report.error = Some(error.to_string());
            match head.take() {
                Some(head) => {
                    let error = ExchangeError::Client(error);
                    report.status = Some(error.status());
                    let _ = head.send(Err(error));
                }
                None => {
                    let _ = sink
                        .body
                        .send(Err(io::Error::other("client body failed")))
                        .await;
                }
            }
        }
        AttemptEnd::Failed(error) => {
            report.outcome = Outcome::BackendError;
            count(|s| &s.errors, 1);
            if matches!(error, BackendError::ReplyTimeout) {
                count(|s| &s.reply_timeouts, 1);
            }
            report.error = Some(error.to_string());
            match head.take() {
                Some(head) => {
                    report.status = Some(error.status());
                    let _ = head.send(Err(error.into()));
                }
                // Headers already went out: the only honest signal left is to cut the response short.
                None => {
                    let _ = sink
                        .body
                        .send(Err(io::Error::other(error.to_string())))
                        .await;
                }
            }
        }
    }
    if let Some(worker) = &last_worker {
        worker
            .stats()
            .record_outcome(report.outcome == Outcome::BackendError);
    }
    report.backend_time = report.backend_time.min(started.elapsed());
    report
}

struct BusyGuard<'a>(&'a std::sync::atomic::AtomicUsize);

impl Drop for BusyGuard<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

fn fail_before_head(
    mut report: Report,
    head: Option<oneshot::Sender<Result<ResponseHead, ExchangeError>>>,
    error: ExchangeError,
    outcome: Outcome,
) -> Report {
    report.outcome = outcome;
    report.status = Some(error.status());
    report.error = Some(error.to_string());
    if let Some(head) = head {
        let _ = head.send(Err(error));
    }
    report
}

/// One try on one connection.
#[allow(clippy::too_many_arguments)]
async fn attempt_on<B>(
    worker: &AjpWorker,
    forward: &Bytes,
    extra_headers: &[(HeaderName, HeaderValue)],
    request: &RequestFacts,
    body: &mut ClientBody<B>,
    head: &mut Option<oneshot::Sender<Result<ResponseHead, ExchangeError>>>,
    body_out: &mut mpsc::Sender<Result<Bytes, io::Error>>,
    progress: &mut Progress,
    report: &mut Report,
) -> AttemptEnd
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: std::fmt::Display,
{
    let config = worker.settings();
    let reply_timeout = request.reply_timeout.unwrap_or(config.reply_timeout);
    let mut lease: Lease = match worker.pool().acquire().await {
        Ok(lease) => lease,
        Err(e) => return AttemptEnd::Failed(e),
    };
    let connection = match lease.connection().await {
        Ok(c) => c,
        Err(e) => return AttemptEnd::Failed(e),
    };
    let conn_id = connection.id();
    if let Err(e) = connection.write_raw(forward).await {
        lease.discard();
        return AttemptEnd::Failed(e);
    }
    progress.reached_backend = true;
    let max_chunk = max_request_body_chunk(config.max_packet_size());
    // HEAD, 1xx, 204 and 304 have no body in HTTP, whatever a backend sends.
    let mut body_allowed = !request.is_head;
    loop {
        let message = match lease.connection().await {
            Ok(c) => c.receive(reply_timeout).await,
            Err(e) => Err(e),
        };
        let message = match message {
            Ok(m) => m,
            Err(e) => {
                lease.discard();
                return AttemptEnd::Failed(e);
            }
        };
        match message {
            FromContainer::SendHeaders(headers) => {
                if progress.head_sent {
                    lease.discard();
                    return AttemptEnd::Failed(BackendError::DuplicateHeaders);
                }
                if let Some(status) = fail_on_status(&config.fail_on_status, headers.status) {
                    lease.discard();
                    return AttemptEnd::Failed(BackendError::FailOnStatus(status));
                }
                if headers.status < 200 || matches!(headers.status, 204 | 304) {
                    body_allowed = false;
                }
                let mut response = response_head(&headers, worker.name(), conn_id);
                for (name, value) in extra_headers {
                    response.headers.append(name.clone(), value.clone());
                }
                report.status = Some(response.status);
                progress.head_sent = true;
                if let Some(head) = head.take()
                    && head.send(Ok(response)).is_err()
                {
                    finish_without_client(lease, reply_timeout).await;
                    return AttemptEnd::ClientGone;
                }
            }
            FromContainer::SendBodyChunk(chunk) => {
                if !progress.head_sent {
                    // mod_jk starts a 200 response with no headers when body arrives first.
                    progress.head_sent = true;
                    report.status = Some(StatusCode::OK);
                    if let Some(head) = head.take() {
                        let _ = head.send(Ok(ResponseHead {
                            status: StatusCode::OK,
                            headers: HeaderMap::new(),
                        }));
                    }
                }
                if chunk.data.is_empty() || !body_allowed {
                    continue;
                }
                report.bytes_to_client += chunk.data.len() as u64;
                if body_out.send(Ok(chunk.data)).await.is_err() {
                    finish_without_client(lease, reply_timeout).await;
                    return AttemptEnd::ClientGone;
                }
            }
            FromContainer::GetBodyChunk { requested } => {
                progress.body_consumed = true;
                let max = usize::from(requested).min(max_chunk);
                let packet = match body.read_packet(max).await {
                    Ok(data) if data.is_empty() => ToContainer::EndOfBody,
                    Ok(data) => ToContainer::Body(data),
                    Err(e) => {
                        lease.discard();
                        return AttemptEnd::ClientBody(e);
                    }
                };
                let sent = match lease.connection().await {
                    Ok(c) => c.send(packet).await,
                    Err(e) => Err(e),
                };
                if let Err(e) = sent {
                    lease.discard();
                    return AttemptEnd::Failed(e);
                }
            }
            FromContainer::EndResponse { reuse } => {
                if !progress.head_sent {
                    lease.discard();
                    return AttemptEnd::Failed(BackendError::Unexpected(
                        "END_RESPONSE before SEND_HEADERS",
                    ));
                }
                if reuse {
                    lease.release();
                } else {
                    tracing::debug!(
                        worker = worker.name(),
                        conn = conn_id,
                        "backend asked not to reuse the connection"
                    );
                    lease.discard();
                }
                return AttemptEnd::Done;
            }
            FromContainer::CPong => {
                lease.discard();
                return AttemptEnd::Failed(BackendError::Unexpected("CPONG"));
            }
        }
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
