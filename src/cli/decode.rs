//! `ajpgate decode [FILE]`: prints the AJP13 packets of a one-direction capture as JSON lines.
//!
//! The direction comes from the first magic. A to-container capture is ambiguous where request-body
//! packets are (they have no type byte; see [`crate::ajp::message`]), and without the other direction we
//! cannot see Tomcat's GET_BODY_CHUNKs. So the reader follows the request's own framing, as mod_jk writes
//! it: after a FORWARD_REQUEST with Content-Length N > 0, body packets until N bytes are seen plus an
//! optional empty end packet; with no Content-Length (a chunked request), body packets until an empty one.
//! A packet that is not a well-formed body packet where one may come is read as a message (Tomcat need not
//! read a body at all).

use std::io::{self, Read, Write};
use std::path::Path;

use bytes::{Bytes, BytesMut};
use serde_json::{Map, Value, json};

use crate::ajp::frame::{split_frame, truncated};
use crate::ajp::{
    Attribute, Direction, ForwardRequest, FromContainer, Message, ProtocolError, SendHeaders,
    ToContainer,
};

/// Body packets the reader may see next in a to-container capture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyExpected {
    None,
    /// Content-Length bytes still to come; then at most one empty packet.
    Remaining(u64),
    /// Chunked: body packets until an empty one.
    UntilEmpty,
}

/// One packet or the error that stopped decoding, with the stream offset of its first byte.
pub type Decoded = Result<(usize, Message), (usize, ProtocolError)>;

/// Reads every packet of a capture in one direction.
pub struct CaptureReader {
    buf: BytesMut,
    offset: usize,
    max_packet_size: usize,
    direction: Option<Direction>,
    body: BodyExpected,
    failed: bool,
}

impl CaptureReader {
    pub fn new(capture: &[u8], max_packet_size: usize) -> Self {
        Self {
            buf: BytesMut::from(capture),
            offset: 0,
            max_packet_size,
            direction: Direction::from_magic(capture),
            body: BodyExpected::None,
            failed: false,
        }
    }

    pub fn direction(&self) -> Option<Direction> {
        self.direction
    }

    fn read_to_container(&mut self, payload: Bytes) -> Result<ToContainer, ProtocolError> {
        let message = match self.body {
            BodyExpected::None => ToContainer::decode_message(payload)?,
            // All announced bytes arrived: only the optional empty end packet is still body.
            BodyExpected::Remaining(0) => match ToContainer::decode_body(payload.clone()) {
                Ok(end @ ToContainer::EndOfBody) => end,
                Ok(ToContainer::Body(data)) if data.is_empty() => ToContainer::Body(data),
                _ => ToContainer::decode_message(payload)?,
            },
            // A body packet is due, but Tomcat may have ignored the body and a new message follow.
            // When neither reading works, the body packet's defect is the one to report.
            BodyExpected::Remaining(_) | BodyExpected::UntilEmpty => {
                match ToContainer::decode_body(payload.clone()) {
                    Ok(body) => body,
                    Err(body_error) => {
                        ToContainer::decode_message(payload).map_err(|_| body_error)?
                    }
                }
            }
        };
        self.body = match (&message, self.body) {
            (ToContainer::ForwardRequest(request), _) => expected_body(request),
            (ToContainer::Body(data), BodyExpected::Remaining(left)) if !data.is_empty() => {
                BodyExpected::Remaining(left.saturating_sub(data.len() as u64))
            }
            (ToContainer::Body(data), BodyExpected::UntilEmpty) if !data.is_empty() => {
                BodyExpected::UntilEmpty
            }
            _ => BodyExpected::None,
        };
        Ok(message)
    }
}

fn expected_body(request: &ForwardRequest) -> BodyExpected {
    if request.header_values("Content-Length").next().is_none() {
        return BodyExpected::UntilEmpty;
    }
    match request.content_length() {
        Some(length) if length > 0 => BodyExpected::Remaining(length),
        _ => BodyExpected::None,
    }
}

impl Iterator for CaptureReader {
    type Item = Decoded;

    fn next(&mut self) -> Option<Decoded> {
        if self.failed || self.buf.is_empty() {
            return None;
        }
        let start = self.offset;
        let fail = |this: &mut Self, err: ProtocolError| {
            this.failed = true;
            Some(Err((start, err)))
        };
        let Some(direction) = self.direction else {
            let err = crate::ajp::frame::frame_length(
                &self.buf,
                Direction::ToContainer,
                self.max_packet_size,
            )
            .and_then(|_| {
                crate::ajp::frame::frame_length(
                    &self.buf,
                    Direction::FromContainer,
                    self.max_packet_size,
                )
            })
            .err()
            .unwrap_or_else(|| truncated(&self.buf));
            return fail(self, err);
        };
        let payload = match split_frame(&mut self.buf, direction, self.max_packet_size) {
            Ok(Some(payload)) => payload,
            Ok(None) => {
                let err = truncated(&self.buf);
                return fail(self, err);
            }
            Err(err) => return fail(self, err),
        };
        self.offset += crate::ajp::codes::HEADER_LEN + payload.len();
        let message = match direction {
            Direction::ToContainer => self.read_to_container(payload).map(Message::ToContainer),
            Direction::FromContainer => FromContainer::decode(payload).map(Message::FromContainer),
        };
        match message {
            Ok(message) => Some(Ok((start, message))),
            Err(err) => fail(self, err),
        }
    }
}

/// Bytes as a JSON string: UTF-8 when valid, otherwise each byte as its ISO-8859-1 character (which is
/// how Tomcat reads header bytes).
pub fn text(bytes: &[u8]) -> Value {
    match std::str::from_utf8(bytes) {
        Ok(s) => Value::String(s.to_owned()),
        Err(_) => Value::String(bytes.iter().map(|&b| char::from(b)).collect()),
    }
}

fn opt_text(bytes: &Option<Bytes>) -> Value {
    bytes.as_deref().map_or(Value::Null, text)
}

fn attribute_json(attribute: &Attribute) -> Value {
    match attribute {
        Attribute::ReqAttribute { name, value } => {
            json!({"name": "req_attribute", "key": text(name), "value": text(value)})
        }
        Attribute::SslKeySize(size) => json!({"name": "ssl_key_size", "value": size}),
        other => json!({
            "name": other.name(),
            "value": other.string_value().map_or(Value::Null, |v| text(v)),
        }),
    }
}

fn forward_request_json(request: &ForwardRequest) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert(
        "method".into(),
        request.method_name().map_or(Value::Null, text),
    );
    m.insert("protocol".into(), opt_text(&request.protocol));
    m.insert("req_uri".into(), opt_text(&request.req_uri));
    m.insert("remote_addr".into(), opt_text(&request.remote_addr));
    m.insert("remote_host".into(), opt_text(&request.remote_host));
    m.insert("server_name".into(), opt_text(&request.server_name));
    m.insert("server_port".into(), request.server_port.into());
    m.insert("is_ssl".into(), request.is_ssl.into());
    let headers = request
        .headers
        .iter()
        .map(|(name, value)| json!([text(ForwardRequest::header_name(name)), text(value)]))
        .collect();
    m.insert("headers".into(), Value::Array(headers));
    let attributes = request.attributes.iter().map(attribute_json).collect();
    m.insert("attributes".into(), Value::Array(attributes));
    m
}

fn send_headers_json(headers: &SendHeaders) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("status".into(), headers.status.into());
    m.insert("message".into(), opt_text(&headers.reason));
    let list = headers
        .headers
        .iter()
        .map(|(name, value)| json!([text(SendHeaders::header_name(name)), text(value)]))
        .collect();
    m.insert("headers".into(), Value::Array(list));
    m
}

/// The JSON object `ajpgate decode` prints for one message.
pub fn message_json(message: &Message) -> Value {
    let mut m = Map::new();
    m.insert("direction".into(), message.direction().name().into());
    let (type_name, fields) = match message {
        Message::ToContainer(to) => (
            to.type_name(),
            match to {
                ToContainer::ForwardRequest(request) => forward_request_json(request),
                ToContainer::Body(data) => {
                    Map::from_iter([("data_length".into(), data.len().into())])
                }
                ToContainer::EndOfBody => Map::from_iter([
                    ("data_length".into(), 0.into()),
                    ("empty_packet".into(), true.into()),
                ]),
                ToContainer::CPing | ToContainer::Shutdown | ToContainer::Ping => Map::new(),
            },
        ),
        Message::FromContainer(from) => (
            from.type_name(),
            match from {
                FromContainer::SendHeaders(headers) => send_headers_json(headers),
                FromContainer::SendBodyChunk(chunk) => {
                    Map::from_iter([("data_length".into(), chunk.data.len().into())])
                }
                FromContainer::EndResponse { reuse } => {
                    Map::from_iter([("reuse".into(), (*reuse).into())])
                }
                FromContainer::GetBodyChunk { requested } => {
                    Map::from_iter([("requested_length".into(), (*requested).into())])
                }
                FromContainer::CPong => Map::new(),
            },
        ),
    };
    m.insert("type".into(), type_name.into());
    m.extend(fields);
    Value::Object(m)
}

/// A capture that did not decode to the end.
#[derive(Debug, thiserror::Error)]
pub enum DecodeFailure {
    #[error("cannot read {path}: {source}")]
    Read { path: String, source: io::Error },
    #[error("malformed packet at byte {offset} of the input: {error}")]
    Malformed { offset: usize, error: ProtocolError },
    #[error(transparent)]
    Write(#[from] io::Error),
}

/// Decodes a whole capture into JSON values, stopping at the first malformed packet.
pub fn decode_capture(
    capture: &[u8],
    max_packet_size: usize,
) -> (Vec<Value>, Option<DecodeFailure>) {
    let mut values = Vec::new();
    for decoded in CaptureReader::new(capture, max_packet_size) {
        match decoded {
            Ok((_, message)) => values.push(message_json(&message)),
            Err((start, error)) => {
                let offset = start + error.offset;
                return (values, Some(DecodeFailure::Malformed { offset, error }));
            }
        }
    }
    (values, None)
}

/// Runs the subcommand: prints the packets that decode, then the error if any.
pub fn run(
    input: Option<&Path>,
    max_packet_size: usize,
    out: &mut impl Write,
) -> Result<(), DecodeFailure> {
    let mut capture = Vec::new();
    let read = match input {
        Some(path) => std::fs::File::open(path).and_then(|mut f| f.read_to_end(&mut capture)),
        None => io::stdin().lock().read_to_end(&mut capture),
    };
    read.map_err(|source| DecodeFailure::Read {
        path: input.map_or("standard input".into(), |p| p.display().to_string()),
        source,
    })?;
    let (values, failure) = decode_capture(&capture, max_packet_size);
    for value in values {
        writeln!(out, "{value}")?;
    }
    out.flush()?;
    failure.map_or(Ok(()), Err)
}
