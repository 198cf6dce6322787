//! Response bodies and the error pages ajpgate itself produces.

use std::convert::Infallible;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::header::{CONNECTION, CONTENT_TYPE};
use http::{HeaderValue, Response, StatusCode};
use http_body::{Body, Frame, SizeHint};
use tokio::sync::mpsc;

/// A response body: either fixed bytes, or data streamed from a backend exchange as it arrives.
#[derive(Debug)]
pub enum GatewayBody {
    Full(Option<Bytes>),
    /// An `Err` item cuts the response short: the client sees a truncated body, never a wrong one.
    Stream(mpsc::Receiver<Result<Bytes, io::Error>>),
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
            Self::Stream(rx) => rx
                .poll_recv(cx)
                .map(|item| item.map(|r| r.map(Frame::data))),
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, Self::Full(None))
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            Self::Full(Some(data)) => SizeHint::with_exact(data.len() as u64),
            Self::Full(None) => SizeHint::with_exact(0),
            Self::Stream(_) => SizeHint::default(),
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
