//! The client's request body, read only as fast as the backend asks for it.
//!
//! AJP moves a request body in packets of at most `max_packet_size - 6` bytes. The first one is pushed
//! unasked when the length is known; every later one answers a GET_BODY_CHUNK. This reader hands out
//! such pieces from whatever frame sizes the HTTP layer delivers, holding at most one packet's worth. A
//! whole body is never buffered.

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http_body::Body;
use http_body_util::BodyExt;

use super::connection::within;

/// How the client framed its body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    /// No body (Content-Length 0 or absent on a request without Transfer-Encoding).
    Empty,
    /// Content-Length.
    Length(u64),
    /// Transfer-Encoding: chunked; the length is unknown until the end.
    Chunked,
}

/// Why the client's body could not be read. The client gets 400 (or 408), never the backend the blame.
#[derive(Debug, thiserror::Error)]
pub enum ClientBodyError {
    #[error("client body ended after {read} of {expected} bytes")]
    Short { read: u64, expected: u64 },
    #[error("client body read failed: {0}")]
    Read(String),
    #[error("client sent no body data for {0:?}")]
    Timeout(Duration),
}

pub struct ClientBody<B> {
    body: Option<B>,
    kind: BodyKind,
    leftover: Bytes,
    read: u64,
    idle_timeout: Duration,
}

impl<B> ClientBody<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: std::fmt::Display,
{
    pub fn new(body: B, kind: BodyKind, idle_timeout: Duration) -> Self {
        Self {
            body: (kind != BodyKind::Empty).then_some(body),
            kind,
            leftover: Bytes::new(),
            read: 0,
            idle_timeout,
        }
    }

    /// Body bytes handed out so far.
    pub fn bytes_read(&self) -> u64 {
        self.read
    }

    fn remaining(&self) -> Option<u64> {
        match self.kind {
            BodyKind::Empty => Some(0),
            BodyKind::Length(length) => Some(length - self.read),
            BodyKind::Chunked => None,
        }
    }

    /// The next frame of data from the client; `None` at the end of the body.
    async fn next_data(&mut self) -> Result<Option<Bytes>, ClientBodyError> {
        let Some(body) = self.body.as_mut() else {
            return Ok(None);
        };
        loop {
            let frame = match within(self.idle_timeout, body.frame()).await {
                Err(_) => return Err(ClientBodyError::Timeout(self.idle_timeout)),
                Ok(None) => {
                    self.body = None;
                    return Ok(None);
                }
                Ok(Some(Err(e))) => return Err(ClientBodyError::Read(e.to_string())),
                Ok(Some(Ok(frame))) => frame,
            };
            // Trailers carry no data; AJP has no way to forward them.
            if let Ok(data) = frame.into_data()
                && !data.is_empty()
            {
                return Ok(Some(data));
            }
        }
    }

    /// Up to `max` bytes for one body packet; empty at the end of the body.
    ///
    /// With a known length it waits until `min(max, remaining)` bytes are there, as mod_jk does. For a chunked
    /// body it returns what the client sent so far (at least one byte), so interactive streams keep moving.
    pub async fn read_packet(&mut self, max: usize) -> Result<Bytes, ClientBodyError> {
        let want = match self.remaining() {
            Some(remaining) => usize::try_from(remaining).unwrap_or(usize::MAX).min(max),
            None => max,
        };
        if want == 0 {
            return Ok(Bytes::new());
        }
        let mut packet = BytesMut::new();
        loop {
            if self.leftover.is_empty() {
                match self.next_data().await? {
                    Some(data) => self.leftover = data,
                    None => break,
                }
            }
            let take = self.leftover.len().min(want - packet.len());
            let piece = self.leftover.split_to(take);
            if packet.is_empty() && (piece.len() == want || self.kind == BodyKind::Chunked) {
                // The common case: one frame covers the packet; no copy.
                self.read += piece.len() as u64;
                return Ok(piece);
            }
            packet.extend_from_slice(&piece);
            if packet.len() == want || self.kind == BodyKind::Chunked {
                break;
            }
        }
        self.read += packet.len() as u64;
        if let BodyKind::Length(expected) = self.kind
            && packet.len() < want
        {
            return Err(ClientBodyError::Short {
                read: self.read,
                expected,
            });
        }
        Ok(packet.freeze())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body::Frame;
    use http_body_util::StreamBody;

    fn body(
        pieces: &[&'static [u8]],
    ) -> impl Body<Data = Bytes, Error = std::convert::Infallible> + Unpin {
        let frames: Vec<Result<Frame<Bytes>, std::convert::Infallible>> = pieces
            .iter()
            .map(|p| Ok(Frame::data(Bytes::from_static(p))))
            .collect();
        StreamBody::new(futures_util::stream::iter(frames))
    }

    #[tokio::test]
    async fn known_length_fills_packets_across_frames() {
        let mut b = ClientBody::new(
            body(&[b"abc", b"defg", b"hi"]),
            BodyKind::Length(9),
            Duration::ZERO,
        );
        assert_eq!(b.read_packet(4).await.unwrap(), &b"abcd"[..]);
        assert_eq!(b.read_packet(4).await.unwrap(), &b"efgh"[..]);
        assert_eq!(b.read_packet(4).await.unwrap(), &b"i"[..]);
        assert_eq!(b.read_packet(4).await.unwrap(), &b""[..]);
        assert_eq!(b.bytes_read(), 9);
    }

    #[tokio::test]
    async fn short_body_is_a_client_error() {
        let mut b = ClientBody::new(body(&[b"abc"]), BodyKind::Length(10), Duration::ZERO);
        assert!(matches!(
            b.read_packet(8).await,
            Err(ClientBodyError::Short {
                read: 3,
                expected: 10
            })
        ));
    }

    #[tokio::test]
    async fn chunked_hands_out_what_arrived() {
        let mut b = ClientBody::new(
            body(&[b"abc", b"defghij"]),
            BodyKind::Chunked,
            Duration::ZERO,
        );
        assert_eq!(b.read_packet(5).await.unwrap(), &b"abc"[..]);
        assert_eq!(b.read_packet(5).await.unwrap(), &b"defgh"[..]);
        assert_eq!(b.read_packet(5).await.unwrap(), &b"ij"[..]);
        assert_eq!(b.read_packet(5).await.unwrap(), &b""[..]);
    }

    #[tokio::test]
    async fn empty_body_reads_nothing() {
        let mut b = ClientBody::new(body(&[b"ignored"]), BodyKind::Empty, Duration::ZERO);
        assert_eq!(b.read_packet(5).await.unwrap(), &b""[..]);
    }
}
