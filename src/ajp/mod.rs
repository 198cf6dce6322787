//! The AJP13 codec: bytes to messages and back, in both directions. Nothing else.
//!
//! This module knows the wire and nothing about policy: no sockets, pools, timeouts or balancing. It is
//! layered so each piece can be read (and fuzzed) on its own:
//!
//! * [`codes`] — the numbers on the wire: magics, message types, method and header code tables.
//! * `wire` — primitive types (int16, boolean, NUL-terminated strings), bounds-checked.
//! * [`frame`] — packet framing; the one place that separates *incomplete* from *invalid*.
//! * [`request`] / [`response`] — FORWARD_REQUEST, SEND_HEADERS and SEND_BODY_CHUNK.
//! * [`message`] — the two message vocabularies, [`ToContainer`] and [`FromContainer`].
//! * [`codec`] — tokio-util codecs for each end of a connection.
//!
//! Guarantees, checked by unit tests, proptest and the fuzz targets in `fuzz/`:
//! * decoding never panics and never reads past the frame it was given;
//! * every malformed input yields a [`ProtocolError`] naming the defect and its byte offset;
//! * `encode(decode(bytes)) == bytes` for every packet that decodes, and `decode(encode(m)) == m`;
//! * decoded strings and body data are `Bytes` slices of the received frame: no copies.

pub mod codec;
pub mod codes;
pub mod error;
pub mod frame;
pub mod message;
pub mod request;
pub mod response;
mod wire;

pub use codec::{ClientCodec, ServerCodec};
pub use error::{CodecError, Direction, EncodeError, ErrorKind, ProtocolError};
pub use message::{FromContainer, Message, ToContainer};
pub use request::{Attribute, ForwardRequest, HeaderName, MethodCode};
pub use response::{SendBodyChunk, SendHeaders};

#[cfg(test)]
pub(crate) mod tests_support {
    use super::*;
    use bytes::Bytes;

    /// `GET /app/hello?x=1` exactly as mod_jk sends it (docs/ajp13.md#example-a-plain-get).
    pub fn sample_request() -> ForwardRequest {
        let s = Bytes::from_static;
        ForwardRequest {
            method: MethodCode::GET,
            protocol: Some(s(b"HTTP/1.1")),
            req_uri: Some(s(b"/app/hello")),
            remote_addr: Some(s(b"192.0.2.10")),
            remote_host: None,
            server_name: Some(s(b"www.example.com")),
            server_port: 80,
            is_ssl: false,
            headers: vec![
                (HeaderName::Coded(0x0B), s(b"www.example.com")),
                (HeaderName::Coded(0x0E), s(b"curl/8.0")),
                (HeaderName::Coded(0x01), s(b"*/*")),
                (HeaderName::Coded(0x08), s(b"0")),
            ],
            attributes: vec![
                Attribute::QueryString(s(b"x=1")),
                Attribute::ReqAttribute {
                    name: s(b"AJP_REMOTE_PORT"),
                    value: s(b"51234"),
                },
                Attribute::ReqAttribute {
                    name: s(b"AJP_LOCAL_ADDR"),
                    value: s(b"10.0.0.5"),
                },
                Attribute::ReqAttribute {
                    name: s(b"JK_LB_ACTIVATION"),
                    value: s(b"ACT"),
                },
            ],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::tests_support::sample_request;
    use super::*;
    use bytes::{Bytes, BytesMut};

    /// The hex dump of docs/ajp13.md#example-a-plain-get, byte for byte.
    const MODJK_EXAMPLE: &str = "
        12 34 00 c9 02 02 00 08 48 54 54 50 2f 31 2e 31 00 00 0a 2f 61 70 70 2f 68 65 6c 6c 6f 00 00 0a
        31 39 32 2e 30 2e 32 2e 31 30 00 ff ff 00 0f 77 77 77 2e 65 78 61 6d 70 6c 65 2e 63 6f 6d 00 00
        50 00 00 04 a0 0b 00 0f 77 77 77 2e 65 78 61 6d 70 6c 65 2e 63 6f 6d 00 a0 0e 00 08 63 75 72 6c
        2f 38 2e 30 00 a0 01 00 03 2a 2f 2a 00 a0 08 00 01 30 00 05 00 03 78 3d 31 00 0a 00 0f 41 4a 50
        5f 52 45 4d 4f 54 45 5f 50 4f 52 54 00 00 05 35 31 32 33 34 00 0a 00 0e 41 4a 50 5f 4c 4f 43 41
        4c 5f 41 44 44 52 00 00 08 31 30 2e 30 2e 30 2e 35 00 0a 00 10 4a 4b 5f 4c 42 5f 41 43 54 49 56
        41 54 49 4f 4e 00 00 03 41 43 54 00 ff";

    fn hex(s: &str) -> Vec<u8> {
        s.split_whitespace()
            .map(|b| u8::from_str_radix(b, 16).unwrap())
            .collect()
    }

    fn decode_to(bytes: &[u8]) -> Result<ToContainer, ProtocolError> {
        let mut buf = BytesMut::from(bytes);
        let payload =
            frame::split_frame(&mut buf, Direction::ToContainer, 8192)?.expect("whole frame");
        assert!(buf.is_empty());
        ToContainer::decode_message(payload)
    }

    fn decode_from(bytes: &[u8]) -> Result<FromContainer, ProtocolError> {
        let mut buf = BytesMut::from(bytes);
        let payload =
            frame::split_frame(&mut buf, Direction::FromContainer, 8192)?.expect("whole frame");
        FromContainer::decode(payload)
    }

    #[test]
    fn mod_jk_reference_request_decodes_and_reencodes_byte_for_byte() {
        let wire = hex(MODJK_EXAMPLE);
        let decoded = decode_to(&wire).unwrap();
        assert_eq!(
            decoded,
            ToContainer::ForwardRequest(Box::new(sample_request()))
        );
        let mut out = BytesMut::new();
        decoded.encode(&mut out, 8192).unwrap();
        assert_eq!(&out[..], &wire[..]);
    }

    #[test]
    fn tomcat_fixed_packets() {
        assert_eq!(
            decode_from(b"AB\x00\x01\x09").unwrap(),
            FromContainer::CPong
        );
        assert_eq!(
            decode_from(b"AB\x00\x02\x05\x01").unwrap(),
            FromContainer::EndResponse { reuse: true }
        );
        assert_eq!(
            decode_from(b"AB\x00\x02\x05\x00").unwrap(),
            FromContainer::EndResponse { reuse: false }
        );
        assert_eq!(
            decode_from(b"AB\x00\x04\x03\x00\x00\x00").unwrap(),
            FromContainer::SendBodyChunk(SendBodyChunk::new(Bytes::new()))
        );
        assert_eq!(
            decode_from(b"AB\x00\x03\x06\x1f\xfa").unwrap(),
            FromContainer::GetBodyChunk { requested: 8186 }
        );
        assert_eq!(
            decode_to(b"\x12\x34\x00\x01\x0a").unwrap(),
            ToContainer::CPing
        );
        assert_eq!(
            decode_to(b"\x12\x34\x00\x01\x07").unwrap(),
            ToContainer::Shutdown
        );
        assert_eq!(
            decode_to(b"\x12\x34\x00\x01\x08").unwrap(),
            ToContainer::Ping
        );
    }

    #[test]
    fn send_headers_with_coded_and_named_headers() {
        let wire = b"AB\x00\x2a\x04\x01\x2e\x00\x03302\x00\x00\x02\xa0\x06\x00\x02/x\x00\x00\x0eX-Testbed-Node\x00\x00\x05node1\x00";
        let mut fixed = wire.to_vec();
        let len = (fixed.len() - 4) as u16;
        fixed[2..4].copy_from_slice(&len.to_be_bytes());
        let decoded = decode_from(&fixed).unwrap();
        let FromContainer::SendHeaders(headers) = &decoded else {
            panic!("{decoded:?}")
        };
        assert_eq!(headers.status, 302);
        assert_eq!(headers.reason.as_deref(), Some(&b"302"[..]));
        assert_eq!(SendHeaders::header_name(&headers.headers[0].0), b"Location");
        assert_eq!(
            SendHeaders::header_name(&headers.headers[1].0),
            b"X-Testbed-Node"
        );
        let mut out = BytesMut::new();
        decoded.encode(&mut out, 8192).unwrap();
        assert_eq!(&out[..], &fixed[..]);
    }

    #[test]
    fn body_packets_both_forms() {
        let body = |b: &'static [u8]| ToContainer::decode_body(Bytes::from_static(b));
        assert_eq!(body(b"").unwrap(), ToContainer::EndOfBody);
        assert_eq!(body(b"\x00\x00").unwrap(), ToContainer::Body(Bytes::new()));
        assert_eq!(
            body(b"\x00\x02hi").unwrap(),
            ToContainer::Body(Bytes::from_static(b"hi"))
        );
        assert_eq!(
            body(b"\x00\x03hi").unwrap_err().kind,
            ErrorKind::ChunkTooLong {
                length: 3,
                available: 2
            }
        );
        assert_eq!(
            body(b"\x00\x01hi").unwrap_err().kind,
            ErrorKind::TrailingBytes { count: 1 }
        );
        assert!(matches!(
            body(b"\x00").unwrap_err().kind,
            ErrorKind::FieldPastPayload { .. }
        ));
    }

    #[test]
    fn every_malformed_forward_request_has_its_own_error() {
        let wire = hex(MODJK_EXAMPLE);
        let kind = |bytes: &[u8]| decode_to(bytes).unwrap_err().kind;
        let patched = |at: usize, value: &[u8]| {
            let mut w = wire.clone();
            w[at..at + value.len()].copy_from_slice(value);
            w
        };
        // Method byte 40.
        assert_eq!(
            kind(&patched(5, &[40])),
            ErrorKind::UnknownMethod { code: 40 }
        );
        // Protocol string claims 0x100 bytes.
        assert!(matches!(
            kind(&patched(6, &[0x01, 0x00])),
            ErrorKind::StringPastPayload {
                field: "protocol",
                length: 256
            }
        ));
        // Protocol's NUL replaced.
        assert_eq!(
            kind(&patched(16, b"X")),
            ErrorKind::MissingNul {
                field: "protocol",
                found: b'X'
            }
        );
        // is_ssl byte 2.
        assert_eq!(
            kind(&patched(0x41, &[2])),
            ErrorKind::InvalidBoolean {
                field: "is_ssl",
                value: 2
            }
        );
        // 60000 headers.
        assert!(matches!(
            kind(&patched(0x42, &[0xEA, 0x60])),
            ErrorKind::HeaderCountBeyondPayload { count: 60000, .. }
        ));
        // First header coded 0xA00F.
        assert_eq!(
            kind(&patched(0x44, &[0xA0, 0x0F])),
            ErrorKind::CodedHeaderOutOfRange { code: 0xA00F }
        );
        // Query-string attribute code 0x05 -> 0x0E.
        assert_eq!(
            kind(&patched(0x73, &[0x0E])),
            ErrorKind::UnknownAttribute { code: 0x0E }
        );
        // Terminator removed.
        let mut short = wire[..wire.len() - 1].to_vec();
        short[3] -= 1;
        assert_eq!(kind(&short), ErrorKind::MissingTerminator);
        // Junk after the terminator.
        let mut long = wire.clone();
        long.push(0);
        long[3] += 1;
        assert_eq!(kind(&long), ErrorKind::TrailingBytes { count: 1 });
        // Message types.
        assert_eq!(
            kind(b"\x12\x34\x00\x01\x04"),
            ErrorKind::WrongDirection { code: 4 }
        );
        assert_eq!(
            kind(b"\x12\x34\x00\x01\x42"),
            ErrorKind::UnknownMessageType { code: 0x42 }
        );
        assert_eq!(kind(b"\x12\x34\x00\x00"), ErrorKind::EmptyPayload);
        assert_eq!(
            kind(b"\x12\x34\x00\x02\x0a\x00"),
            ErrorKind::TrailingBytes { count: 1 }
        );
        // Stored method without the attribute.
        assert_eq!(kind(&patched(5, &[0xFF])), ErrorKind::MissingStoredMethod);
    }

    #[test]
    fn every_malformed_container_message_has_its_own_error() {
        let from = |bytes: &[u8]| decode_from(bytes).unwrap_err().kind;
        assert_eq!(
            from(b"AB\x00\x05\x03\x00\x03ab"),
            ErrorKind::ChunkTooLong {
                length: 3,
                available: 2
            }
        );
        assert_eq!(
            from(b"AB\x00\x06\x03\x00\x01a\x00\x00"),
            ErrorKind::TrailingBytes { count: 2 }
        );
        assert_eq!(
            from(b"AB\x00\x05\x03\x00\x01aZ"),
            ErrorKind::TrailingBytes { count: 1 }
        );
        assert_eq!(
            from(b"AB\x00\x01\x05"),
            ErrorKind::FieldPastPayload { field: "reuse" }
        );
        assert_eq!(
            from(b"AB\x00\x01\x02"),
            ErrorKind::WrongDirection { code: 2 }
        );
        assert_eq!(
            from(b"AB\x00\x08\x04\x00\x00\x00\x00\x00\x00\x00"),
            ErrorKind::ZeroStatus
        );
        assert_eq!(
            from(b"AB\x00\x0c\x04\x00\xc8\xff\xff\x00\x01\xa0\x0c\x00\x00\x00"),
            ErrorKind::CodedHeaderOutOfRange { code: 0xA00C }
        );
        assert_eq!(
            from(b"AB\x00\x0c\x04\x00\xc8\xff\xff\x00\x01\xff\xff\x00\x00\x00"),
            ErrorKind::NullString {
                field: "header name"
            }
        );
    }

    #[test]
    fn stored_method_round_trip() {
        let mut request = sample_request();
        request.method = MethodCode::for_name(b"PATCH");
        request
            .attributes
            .push(Attribute::StoredMethod(Bytes::from_static(b"PATCH")));
        assert_eq!(request.method, MethodCode::STORED);
        assert_eq!(request.method_name(), Some(&b"PATCH"[..]));
        let message = ToContainer::ForwardRequest(Box::new(request));
        let mut out = BytesMut::new();
        message.encode(&mut out, 8192).unwrap();
        assert_eq!(decode_to(&out).unwrap(), message);
    }

    #[test]
    fn oversize_request_is_refused_not_truncated() {
        let mut request = sample_request();
        request.headers.push((
            HeaderName::Named(Bytes::from_static(b"Cookie-Monster")),
            Bytes::from(vec![b'c'; 8200]),
        ));
        let mut out = BytesMut::new();
        let err = ToContainer::ForwardRequest(Box::new(request.clone()))
            .encode(&mut out, 8192)
            .unwrap_err();
        assert!(matches!(err, EncodeError::PacketTooLarge { max: 8192, .. }));
        assert!(out.is_empty());
        ToContainer::ForwardRequest(Box::new(request))
            .encode(&mut out, 16384)
            .unwrap();
    }
}
