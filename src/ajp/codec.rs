//! tokio-util codecs for the two ends of an AJP13 connection.
//!
//! * [`ClientCodec`] is the web-server end (ajpgate, like mod_jk): it writes [`ToContainer`] and reads
//!   [`FromContainer`].
//! * [`ServerCodec`] is the container end (Tomcat, or the test suite's fake backend): it reads
//!   [`ToContainer`] and writes [`FromContainer`]. It tracks, as Tomcat does, when a request-body packet is
//!   due, which is the only way to tell a body packet from a message (see [`super::message`]).
//!
//! Both return `Ok(None)` while a packet is incomplete and an error for anything invalid, including a
//! stream that ends inside a packet.

use bytes::BytesMut;
use tokio_util::codec::{Decoder, Encoder};

use super::codes::{self, DEFAULT_MAX_PACKET_SIZE};
use super::error::{CodecError, Direction};
use super::frame::{split_frame, truncated};
use super::message::{FromContainer, ToContainer};

fn eof<T>(
    src: &mut BytesMut,
    decoded: Result<Option<T>, CodecError>,
) -> Result<Option<T>, CodecError> {
    match decoded? {
        None if !src.is_empty() => Err(truncated(src).into()),
        other => Ok(other),
    }
}

/// The web-server end of a connection.
#[derive(Debug, Clone)]
pub struct ClientCodec {
    max_packet_size: usize,
}

impl ClientCodec {
    pub fn new(max_packet_size: usize) -> Self {
        Self { max_packet_size }
    }

    pub fn max_packet_size(&self) -> usize {
        self.max_packet_size
    }
}

impl Default for ClientCodec {
    fn default() -> Self {
        Self::new(DEFAULT_MAX_PACKET_SIZE)
    }
}

impl Decoder for ClientCodec {
    type Item = FromContainer;
    type Error = CodecError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Self::Item>, Self::Error> {
        match split_frame(src, Direction::FromContainer, self.max_packet_size)? {
            Some(payload) => Ok(Some(FromContainer::decode(payload)?)),
            None => Ok(None),
        }
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<Self::Item>, Self::Error> {
        let decoded = self.decode(src);
        eof(src, decoded)
    }
}

impl Encoder<ToContainer> for ClientCodec {
    type Error = CodecError;

    fn encode(&mut self, item: ToContainer, dst: &mut BytesMut) -> Result<(), Self::Error> {
        Ok(item.encode(dst, self.max_packet_size)?)
    }
}

/// The container end of a connection.
#[derive(Debug, Clone)]
pub struct ServerCodec {
    max_packet_size: usize,
    /// Body packets the peer owes us: the unsolicited first one, plus one per GET_BODY_CHUNK sent.
    body_packets_due: usize,
}

impl ServerCodec {
    pub fn new(max_packet_size: usize) -> Self {
        Self {
            max_packet_size,
            body_packets_due: 0,
        }
    }

    /// Whether the next packet will be read as a request-body packet.
    pub fn body_packet_due(&self) -> bool {
        self.body_packets_due > 0
    }
}

impl Default for ServerCodec {
    fn default() -> Self {
        Self::new(DEFAULT_MAX_PACKET_SIZE)
    }
}

/// Whether a FORWARD_REQUEST announces a body that the web server sends without being asked
/// (Content-Length > 0; docs/tomcat.md#request-bodies rule 1).
pub fn sends_initial_body_packet(request: &super::ForwardRequest) -> bool {
    request.content_length().is_some_and(|length| length > 0)
}

impl Decoder for ServerCodec {
    type Item = ToContainer;
    type Error = CodecError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Self::Item>, Self::Error> {
        let Some(payload) = split_frame(src, Direction::ToContainer, self.max_packet_size)? else {
            return Ok(None);
        };
        if self.body_packets_due > 0 {
            self.body_packets_due -= 1;
            return Ok(Some(ToContainer::decode_body(payload)?));
        }
        let message = ToContainer::decode_message(payload)?;
        if let ToContainer::ForwardRequest(request) = &message {
            self.body_packets_due = usize::from(sends_initial_body_packet(request));
        }
        Ok(Some(message))
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<Self::Item>, Self::Error> {
        let decoded = self.decode(src);
        eof(src, decoded)
    }
}

impl Encoder<FromContainer> for ServerCodec {
    type Error = CodecError;

    fn encode(&mut self, item: FromContainer, dst: &mut BytesMut) -> Result<(), Self::Error> {
        item.encode(dst, self.max_packet_size)?;
        if matches!(item, FromContainer::GetBodyChunk { .. }) {
            self.body_packets_due += 1;
        }
        Ok(())
    }
}

/// Checks a configured `max_packet_size` the way mod_jk normalises it: rounded up to a multiple of 1024
/// and clamped to 8192..=65536.
pub fn normalise_max_packet_size(value: usize) -> usize {
    value
        .div_ceil(1024)
        .saturating_mul(1024)
        .clamp(codes::MIN_MAX_PACKET_SIZE, codes::MAX_MAX_PACKET_SIZE)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    #[test]
    fn server_codec_reads_the_initial_body_packet_then_messages() {
        // POST with Content-Length: 3, then its body, then a CPING on the kept-alive connection.
        let mut request = crate::ajp::tests_support::sample_request();
        request.headers[3].1 = Bytes::from_static(b"3");
        let mut wire = BytesMut::new();
        for m in [
            ToContainer::ForwardRequest(Box::new(request)),
            ToContainer::Body(Bytes::from_static(b"abc")),
            ToContainer::CPing,
        ] {
            m.encode(&mut wire, 8192).unwrap();
        }
        let mut codec = ServerCodec::default();
        assert!(matches!(
            codec.decode(&mut wire).unwrap(),
            Some(ToContainer::ForwardRequest(_))
        ));
        assert!(codec.body_packet_due());
        assert_eq!(
            codec.decode(&mut wire).unwrap(),
            Some(ToContainer::Body(Bytes::from_static(b"abc")))
        );
        assert_eq!(codec.decode(&mut wire).unwrap(), Some(ToContainer::CPing));
        assert_eq!(codec.decode_eof(&mut wire).unwrap(), None);
    }

    #[test]
    fn server_codec_expects_a_body_packet_after_get_body_chunk() {
        let mut codec = ServerCodec::default();
        let mut out = BytesMut::new();
        codec
            .encode(FromContainer::GetBodyChunk { requested: 8186 }, &mut out)
            .unwrap();
        assert_eq!(&out[..], b"AB\x00\x03\x06\x1f\xfa");
        // 0x0A as a body packet's first byte must not be taken for a CPING.
        let mut wire = BytesMut::from(&b"\x12\x34\x00\x02\x00\x00"[..]);
        assert_eq!(
            codec.decode(&mut wire).unwrap(),
            Some(ToContainer::Body(Bytes::new()))
        );
    }

    #[test]
    fn eof_inside_a_packet_is_an_error() {
        let mut codec = ClientCodec::default();
        let mut wire = BytesMut::from(&b"AB\x00\x02\x05"[..]);
        assert!(codec.decode(&mut wire).unwrap().is_none());
        assert!(matches!(
            codec.decode_eof(&mut wire),
            Err(CodecError::Protocol(_))
        ));
    }

    #[test]
    fn max_packet_size_is_normalised_like_mod_jk() {
        assert_eq!(normalise_max_packet_size(0), 8192);
        assert_eq!(normalise_max_packet_size(8193), 9216);
        assert_eq!(normalise_max_packet_size(16000), 16384);
        assert_eq!(normalise_max_packet_size(65536), 65536);
        assert_eq!(normalise_max_packet_size(100_000), 65536);
        assert_eq!(normalise_max_packet_size(usize::MAX), 65536);
    }
}
