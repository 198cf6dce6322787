//! Response bodies and the error pages ajpgate itself produces.
//!
//! A streamed body also drives the backend exchange that fills it ([`ExchangeTask`]): the exchange runs in
//! the client connection's own task, so an ordinary request costs no extra task and no cross-task
//! wake-ups. Only when the client leaves early is the exchange handed to a task of its own.

use std::convert::Infallible;
use std::fmt;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::header::{CACHE_CONTROL, CONNECTION, CONTENT_TYPE, PRAGMA, WWW_AUTHENTICATE};
use http::{HeaderValue, Response, StatusCode};
use http_body::{Body, Frame, SizeHint};
use tokio::sync::mpsc;

use crate::status::StatusReply;

/// A backend exchange in progress, run by whoever polls it: first the request handler (until the
/// response head is known), then the response body.
pub struct ExchangeTask(Option<Pin<Box<dyn Future<Output = ()> + Send>>>);

impl ExchangeTask {
    pub fn new(exchange: impl Future<Output = ()> + Send + 'static) -> Self {
        Self(Some(Box::pin(exchange)))
    }

    /// A context for reading what the exchange produced. Only the exchange produces it, and only while
    /// polled by the same task just before, so a waker there would only make the task wake itself:
    /// a needless reschedule, and often a sleeping worker thread woken for nothing.
    pub fn no_wake() -> Context<'static> {
        Context::from_waker(std::task::Waker::noop())
    }

    /// Runs it as far as it can go now; `Ready` once it has ended.
    pub fn poll_run(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let Some(exchange) = self.0.as_mut() else {
            return Poll::Ready(());
        };
        let () = std::task::ready!(exchange.as_mut().poll(cx));
        self.0 = None;
        Poll::Ready(())
    }
}

impl Drop for ExchangeTask {
    /// The client left (or the server is stopping) before the exchange ended: let it finish on its own,
    /// so it sees the client gone, leaves the backend connection in a known state and is logged.
    fn drop(&mut self) {
        if let Some(exchange) = self.0.take()
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            runtime.spawn(exchange);
        }
    }
}

impl fmt::Debug for ExchangeTask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = if self.0.is_some() { "running" } else { "ended" };
        f.debug_tuple("ExchangeTask").field(&state).finish()
    }
}

/// A response body: either fixed bytes, or data streamed from a backend exchange as it arrives.
#[derive(Debug)]
pub enum GatewayBody {
    Full(Option<Bytes>),
    /// An `Err` item cuts the response short: the client sees a truncated body, never a wrong one.
    Stream {
        chunks: mpsc::Receiver<Result<Bytes, io::Error>>,
        /// What fills `chunks`; polled first, so data it has just read goes out at once.
        exchange: ExchangeTask,
    },
}

impl Body for GatewayBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        match self.get_mut() {
            Self::Full(data) => Poll::Ready(data.take().map(|d| Ok(Frame::data(d)))),
            Self::Stream { chunks, exchange } => {
                // The exchange wakes this task when it can go on (its I/O holds `cx`'s waker).
                let _ = exchange.poll_run(cx);
                chunks
                    .poll_recv(&mut ExchangeTask::no_wake())
                    .map(|item| item.map(|r| r.map(Frame::data)))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, Self::Full(None))
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            Self::Full(Some(data)) => SizeHint::with_exact(data.len() as u64),
            Self::Full(None) => SizeHint::with_exact(0),
            Self::Stream { .. } => SizeHint::default(),
        }
    }
}

/// A short plain-text page for a status ajpgate produced itself.
pub fn error_page(status: StatusCode, close: bool) -> Response<GatewayBody> {
    let text = format!(
        "{} {}\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or("Error")
    );
    let mut response = Response::new(GatewayBody::Full(Some(Bytes::from(text))));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    if close {
        // The request's framing is broken or unread; the connection cannot carry another one.
        headers.insert(CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

/// `Infallible` result type for hyper's service function.
pub type ServiceResult = Result<Response<GatewayBody>, Infallible>;

/// The status worker's answer as a response: a page is never cached; a refusal is ajpgate's own error
/// page, with the Basic challenge of a 401.
pub fn status_reply(reply: StatusReply) -> Response<GatewayBody> {
    match reply {
        StatusReply::Page { content_type, body } => {
            let mut response = Response::new(GatewayBody::Full(Some(Bytes::from(body))));
            let headers = response.headers_mut();
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
            headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            headers.insert(PRAGMA, HeaderValue::from_static("no-cache"));
            response
        }
        StatusReply::Refused { status, challenge } => {
            let mut response = error_page(status, false);
            if let Some(challenge) = challenge {
                response.headers_mut().insert(WWW_AUTHENTICATE, challenge);
            }
            response
        }
    }
}
