//! One request/response exchange on a connection, with Tomcat's rules for bodies and responses built in.
//!
//! Every page of the fake backend goes through [`Answer`], so the Tomcat behaviours a gateway depends
//! on live in one place instead of being repeated (and forgotten) per page:
//!
//! * **Request body** (docs/tomcat.md#request-bodies): with Content-Length > 0 the first body packet arrives unasked;
//!   every further packet is asked for with GET_BODY_CHUNK(max_packet_size − 6); an empty packet ends the
//!   body. Reading "to the end" asks once more after Content-Length bytes arrived, as a servlet reading its
//!   input stream to EOF makes Tomcat do (rule 4); `stop_at_content_length` instead stops there, as form
//!   parsing does (rule 9). Without a Content-Length every read is asked for (rule 7).
//! * **Unread body** (rule 8): a page that ignores the body still consumes the one unasked packet before
//!   END_RESPONSE(reuse=1), and never asks for more. With reuse=0 it is left unread, as Tomcat 10.1.60
//!   does, so the gateway has to close the connection.
//! * **Responses** (§1.13–1.14): reason phrase = the status digits, header names coded exactly as Tomcat
//!   codes them, body cut into SEND_BODY_CHUNKs of at most max_packet_size − 8 bytes each written and
//!   flushed at once, and no body packets at all for HEAD, 1xx, 204, 205 and 304.

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio_util::codec::Framed;

use super::fnv::Fnv1a64;
use super::shared::Shared;
use crate::ajp::codes::{max_request_body_chunk, max_response_body_chunk};
use crate::ajp::{
    Attribute, CodecError, ForwardRequest, FromContainer, HeaderName, MethodCode, SendBodyChunk,
    SendHeaders, ServerCodec, ToContainer,
};

/// A connection as the container end sees it.
pub(crate) type Conn = Framed<TcpStream, ServerCodec>;

/// Why an exchange ended the connection early.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ServeError {
    #[error(transparent)]
    Codec(#[from] CodecError),
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error("the peer closed the connection in the middle of a request")]
    PeerClosed,
}

impl ServeError {
    /// Whether the peer sent bytes that are not AJP13 (counted in `Stats::protocol_errors`).
    pub fn is_protocol_error(&self) -> bool {
        matches!(self, Self::Codec(CodecError::Protocol(_)))
    }
}

pub(crate) type Result<T> = std::result::Result<T, ServeError>;

/// What the connection does once a page is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum After {
    /// Read the next message (the normal case, also after END_RESPONSE reuse=0, as Tomcat does).
    KeepAlive,
    /// Close the socket (FIN).
    Close,
    /// Abort the socket (RST).
    Reset,
    /// Never send another byte; read and discard until the peer closes.
    Silence,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Body {
    /// More may come; `remaining` is what Content-Length still announces (`None`: no Content-Length).
    Open { remaining: Option<u64> },
    /// The end was seen (or there was no body).
    Done,
}

/// One FORWARD_REQUEST being answered.
pub(crate) struct Answer<'a> {
    conn: &'a mut Conn,
    pub shared: &'a Shared,
    pub request: ForwardRequest,
    body: Body,
    /// See the module docs: stop asking once Content-Length bytes arrived.
    pub stop_at_content_length: bool,
    /// Cleared by `send_headers` for responses that carry no body (HEAD, 1xx, 204, 205, 304).
    body_allowed: bool,
}

impl<'a> Answer<'a> {
    pub fn new(conn: &'a mut Conn, shared: &'a Shared, request: ForwardRequest) -> Self {
        let body = match request.content_length() {
            Some(0) => Body::Done,
            remaining => Body::Open { remaining },
        };
        Self {
            conn,
            shared,
            request,
            body,
            stop_at_content_length: false,
            body_allowed: true,
        }
    }

    /// The raw query string attribute, `""` when absent.
    pub fn query(&self) -> String {
        self.request
            .attributes
            .iter()
            .find_map(|a| match a {
                Attribute::QueryString(q) => Some(String::from_utf8_lossy(q).into_owned()),
                _ => None,
            })
            .unwrap_or_default()
    }

    fn route(&self) -> &str {
        &self.shared.config.route
    }

    // ---- request body ----

    /// The next piece of request body, `None` at its end.
    pub async fn read_body_chunk(&mut self) -> Result<Option<Bytes>> {
        let Body::Open { remaining } = self.body else {
            return Ok(None);
        };
        if !self.conn.codec().body_packet_due() {
            if self.stop_at_content_length && remaining == Some(0) {
                self.body = Body::Done;
                return Ok(None);
            }
            let requested =
                u16::try_from(max_request_body_chunk(self.shared.config.max_packet_size))
                    .unwrap_or(u16::MAX);
            self.conn
                .send(FromContainer::GetBodyChunk { requested })
                .await?;
        }
        match self.read_body_packet().await? {
            Some(data) => {
                self.body = Body::Open {
                    remaining: remaining.map(|r| r.saturating_sub(data.len() as u64)),
                };
                Ok(Some(data))
            }
            None => {
                self.body = Body::Done;
                Ok(None)
            }
        }
    }

    /// Reads the packet the codec expects to be a body packet; `None` for an empty one (end of body).
    async fn read_body_packet(&mut self) -> Result<Option<Bytes>> {
        match self.conn.next().await {
            None => Err(ServeError::PeerClosed),
            Some(Err(err)) => Err(err.into()),
            Some(Ok(ToContainer::Body(data))) if !data.is_empty() => {
                self.shared.stats.body_bytes(data.len());
                Ok(Some(data))
            }
            // An empty chunk, the 4-byte end packet, or (impossible while a body packet is due, since the
            // codec then decodes nothing else) a message: all end the body.
            Some(Ok(_)) => Ok(None),
        }
    }

    /// Reads the whole body, streaming it through a checksum; returns (length, checksum).
    pub async fn read_body_to_end(&mut self) -> Result<(u64, Fnv1a64)> {
        let mut length = 0u64;
        let mut hash = Fnv1a64::new();
        while let Some(data) = self.read_body_chunk().await? {
            length += data.len() as u64;
            hash.update(&data);
        }
        Ok((length, hash))
    }

    // ---- response ----

    /// A header as Tomcat codes its name.
    pub fn header(name: &str, value: impl Into<Bytes>) -> (HeaderName, Bytes) {
        (HeaderName::for_response(name.as_bytes()), value.into())
    }

    /// SEND_HEADERS with `X-Fake-Node` first, then `headers` in order.
    pub async fn send_headers(
        &mut self,
        status: u16,
        headers: Vec<(HeaderName, Bytes)>,
    ) -> Result<()> {
        let mut all = Vec::with_capacity(headers.len() + 1);
        all.push(Self::header("X-Fake-Node", self.route().to_owned()));
        all.extend(headers);
        self.send_headers_exactly(status, all).await
    }

    /// SEND_HEADERS with exactly these headers (the secret check's 403 has no `X-Fake-Node`).
    pub async fn send_headers_exactly(
        &mut self,
        status: u16,
        headers: Vec<(HeaderName, Bytes)>,
    ) -> Result<()> {
        self.body_allowed = self.request.method != MethodCode::HEAD
            && status >= 200
            && !matches!(status, 204 | 205 | 304);
        let headers = SendHeaders {
            status,
            reason: Some(Bytes::from(status.to_string())),
            headers,
        };
        self.conn.send(FromContainer::SendHeaders(headers)).await?;
        Ok(())
    }

    /// Whether the response sent so far may carry body packets (see `send_headers_exactly`).
    pub fn body_allowed(&self) -> bool {
        self.body_allowed
    }

    /// Body bytes, in as many SEND_BODY_CHUNKs as needed, each flushed as Tomcat does.
    pub async fn send_body(&mut self, data: Bytes) -> Result<()> {
        let max = max_response_body_chunk(self.shared.config.max_packet_size);
        let mut rest = data;
        while !rest.is_empty() {
            let chunk = rest.split_to(rest.len().min(max));
            self.send_chunk(chunk).await?;
        }
        Ok(())
    }

    /// One SEND_BODY_CHUNK of at most max_packet_size − 8 bytes; empty = Tomcat's explicit flush.
    pub async fn send_chunk(&mut self, data: Bytes) -> Result<()> {
        if self.body_allowed {
            let chunk = FromContainer::SendBodyChunk(SendBodyChunk::new(data));
            self.conn.send(chunk).await?;
        }
        Ok(())
    }

    /// Headers, body and END_RESPONSE(reuse=1) of an ordinary reply with a Content-Length.
    pub async fn reply(
        &mut self,
        status: u16,
        content_type: &str,
        mut headers: Vec<(HeaderName, Bytes)>,
        body: impl Into<Bytes>,
    ) -> Result<After> {
        let body = body.into();
        headers.push(Self::header("Content-Type", content_type.to_owned()));
        headers.push(Self::header("Content-Length", body.len().to_string()));
        self.send_headers(status, headers).await?;
        self.send_body(body).await?;
        self.finish(true).await?;
        Ok(After::KeepAlive)
    }

    /// END_RESPONSE. With reuse=1 the unasked first body packet is consumed first if nobody read it.
    pub async fn finish(&mut self, reuse: bool) -> Result<()> {
        if reuse && self.conn.codec().body_packet_due() {
            self.read_body_packet().await?;
        }
        self.conn.send(FromContainer::EndResponse { reuse }).await?;
        Ok(())
    }

    /// Bytes written to the socket as they are, after everything queued so far (for malformed packets,
    /// which the codec cannot produce).
    pub async fn send_raw(&mut self, bytes: &[u8]) -> Result<()> {
        self.conn.flush().await?;
        let stream = self.conn.get_mut();
        stream.write_all(bytes).await?;
        stream.flush().await?;
        Ok(())
    }
}
