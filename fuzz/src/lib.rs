//! The checks behind each fuzz target, in one place so that they also run on stable: the main crate's
//! `tests/fuzz_corpora.rs` includes this file and replays every seed corpus through the same functions.
//!
//! A check panics exactly when the codec breaks a promise: it panicked itself, read past a frame, decoded
//! something that does not re-encode to the same bytes, or decoded differently when the input arrived in
//! pieces.

/// The configuration targets (`workers_properties`, `uriworkermap`, `uri_normalize`); replayed on
/// stable by `tests/config_fuzz_corpora.rs`.
pub mod config;

use ajpgate::ajp::codes::{self, HEADER_LEN};
use ajpgate::ajp::frame::split_frame;
use ajpgate::ajp::{
    Attribute, ClientCodec, Direction, ForwardRequest, FromContainer, HeaderName, MethodCode,
    SendBodyChunk, SendHeaders, ServerCodec, ToContainer,
};
use arbitrary::{Result, Unstructured};
use bytes::{Bytes, BytesMut};
use tokio_util::codec::Decoder;

/// Packet-size limits the checks run under: the default and the largest.
const LIMITS: [usize; 2] = [codes::DEFAULT_MAX_PACKET_SIZE, codes::MAX_MAX_PACKET_SIZE];

/// Splits `data` into frames; calls `check(frame, payload)` for each whole one.
fn each_frame(data: &[u8], direction: Direction, max: usize, mut check: impl FnMut(&[u8], Bytes)) {
    let mut buf = BytesMut::from(data);
    let mut offset = 0;
    while let Ok(Some(payload)) = split_frame(&mut buf, direction, max) {
        let frame_len = HEADER_LEN + payload.len();
        assert!(
            frame_len <= max,
            "frame longer than max_packet_size accepted"
        );
        check(&data[offset..offset + frame_len], payload);
        offset += frame_len;
    }
}

/// Feeds `data` to a decoder in pieces of the sizes `data` itself suggests, collecting what it yields.
fn decode_in_pieces<D: Decoder>(
    mut decoder: D,
    data: &[u8],
) -> Vec<std::result::Result<D::Item, String>>
where
    D::Error: std::fmt::Display,
{
    let step = usize::from(data.first().copied().unwrap_or(1)).max(1);
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    for piece in data.chunks(step) {
        buf.extend_from_slice(piece);
        loop {
            match decoder.decode(&mut buf) {
                Ok(Some(item)) => out.push(Ok(item)),
                Ok(None) => break,
                Err(err) => {
                    out.push(Err(err.to_string()));
                    return out;
                }
            }
        }
    }
    if let Err(err) = decoder.decode_eof(&mut buf) {
        out.push(Err(err.to_string()));
    }
    out
}

/// Decoding the same bytes whole and in pieces gives the same messages and the same error.
fn same_in_pieces<D: Decoder + Clone>(decoder: D, data: &[u8])
where
    D::Item: PartialEq + std::fmt::Debug,
    D::Error: std::fmt::Display,
{
    let whole = {
        let mut d = decoder.clone();
        let mut buf = BytesMut::from(data);
        let mut out = Vec::new();
        loop {
            match d.decode_eof(&mut buf) {
                Ok(Some(item)) => out.push(Ok(item)),
                Ok(None) => break,
                Err(err) => {
                    out.push(Err(err.to_string()));
                    break;
                }
            }
        }
        out
    };
    assert_eq!(
        whole,
        decode_in_pieces(decoder, data),
        "piecewise decoding differs"
    );
}

/// Fuzz target `to_container`: bytes a web server might send to a container.
pub fn to_container(data: &[u8]) {
    for max in LIMITS {
        each_frame(data, Direction::ToContainer, max, |frame, payload| {
            let decoded = [
                ToContainer::decode_message(payload.clone()),
                ToContainer::decode_body(payload),
            ];
            for message in decoded.into_iter().flatten() {
                let mut out = BytesMut::new();
                message
                    .encode(&mut out, max)
                    .expect("a decoded message re-encodes");
                assert_eq!(&out[..], frame, "re-encoding differs from the input");
            }
        });
        same_in_pieces(ServerCodec::new(max), data);
    }
    let (_, _) = ajpgate::cli::decode::decode_capture(data, codes::DEFAULT_MAX_PACKET_SIZE);
}

/// Fuzz target `from_container`: bytes a (possibly hostile) container might send back.
pub fn from_container(data: &[u8]) {
    for max in LIMITS {
        each_frame(data, Direction::FromContainer, max, |frame, payload| {
            if let Ok(message) = FromContainer::decode(payload) {
                let mut out = BytesMut::new();
                message
                    .encode(&mut out, max)
                    .expect("a decoded message re-encodes");
                assert_eq!(&out[..], frame, "re-encoding differs from the input");
            }
        });
        same_in_pieces(ClientCodec::new(max), data);
    }
    let (_, _) = ajpgate::cli::decode::decode_capture(data, codes::DEFAULT_MAX_PACKET_SIZE);
}

/// Fuzz target `round_trip`: a message built from the input encodes, and decodes back to itself.
pub fn round_trip(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok(max) = u.choose(&LIMITS).copied() else {
        return;
    };
    match u.arbitrary::<bool>() {
        Ok(true) => {
            let Ok(message) = arbitrary_to_container(&mut u) else {
                return;
            };
            let mut out = BytesMut::new();
            if message.encode(&mut out, max).is_err() {
                assert!(out.is_empty(), "a failed encode left bytes behind");
                return;
            }
            let payload = split_frame(&mut out, Direction::ToContainer, max)
                .expect("encoder output frames")
                .expect("encoder output is whole");
            assert!(out.is_empty());
            let decoded = match message {
                ToContainer::Body(_) | ToContainer::EndOfBody => ToContainer::decode_body(payload),
                _ => ToContainer::decode_message(payload),
            };
            assert_eq!(decoded.as_ref(), Ok(&message));
        }
        Ok(false) => {
            let Ok(message) = arbitrary_from_container(&mut u) else {
                return;
            };
            let mut out = BytesMut::new();
            if message.encode(&mut out, max).is_err() {
                assert!(out.is_empty(), "a failed encode left bytes behind");
                return;
            }
            let payload = split_frame(&mut out, Direction::FromContainer, max)
                .expect("encoder output frames")
                .expect("encoder output is whole");
            assert_eq!(FromContainer::decode(payload).as_ref(), Ok(&message));
        }
        Err(_) => {}
    }
}

fn bytes(u: &mut Unstructured) -> Result<Bytes> {
    // Mostly short strings, sometimes long ones that overflow a packet.
    let len = if u.ratio(1, 16)? {
        u.int_in_range(0..=70_000)?
    } else {
        u.int_in_range(0..=40)?
    };
    let len = len.min(u.len());
    Ok(Bytes::copy_from_slice(u.bytes(len)?))
}

fn opt_bytes(u: &mut Unstructured) -> Result<Option<Bytes>> {
    Ok(if u.ratio(1, 8)? {
        None
    } else {
        Some(bytes(u)?)
    })
}

fn header_name(u: &mut Unstructured, codes: u8) -> Result<HeaderName> {
    Ok(if u.arbitrary()? {
        HeaderName::Coded(u.int_in_range(1..=codes)?)
    } else {
        HeaderName::Named(bytes(u)?)
    })
}

fn headers(u: &mut Unstructured, codes: u8) -> Result<Vec<(HeaderName, Bytes)>> {
    let count = u.int_in_range(0..=20)?;
    (0..count)
        .map(|_| Ok((header_name(u, codes)?, bytes(u)?)))
        .collect()
}

fn attribute(u: &mut Unstructured) -> Result<Attribute> {
    Ok(match u.int_in_range(0..=12)? {
        0 => Attribute::Context(bytes(u)?),
        1 => Attribute::ServletPath(bytes(u)?),
        2 => Attribute::RemoteUser(bytes(u)?),
        3 => Attribute::AuthType(bytes(u)?),
        4 => Attribute::QueryString(bytes(u)?),
        5 => Attribute::Route(bytes(u)?),
        6 => Attribute::SslCert(bytes(u)?),
        7 => Attribute::SslCipher(bytes(u)?),
        8 => Attribute::SslSession(bytes(u)?),
        9 => Attribute::ReqAttribute {
            name: bytes(u)?,
            value: bytes(u)?,
        },
        10 => Attribute::SslKeySize(u.arbitrary()?),
        11 => Attribute::Secret(bytes(u)?),
        _ => Attribute::StoredMethod(bytes(u)?),
    })
}

/// Any valid FORWARD_REQUEST: a coded method, or 0xFF with a stored_method attribute.
pub fn arbitrary_forward_request(u: &mut Unstructured) -> Result<ForwardRequest> {
    let code = u.int_in_range(1..=28)?;
    let method = MethodCode::from_u8(if code == 28 { 0xFF } else { code }).expect("valid code");
    let mut attributes: Vec<Attribute> = (0..u.int_in_range(0..=12)?)
        .map(|_| attribute(u))
        .collect::<Result<_>>()?;
    if method == MethodCode::STORED {
        attributes.push(Attribute::StoredMethod(bytes(u)?));
    }
    Ok(ForwardRequest {
        method,
        protocol: opt_bytes(u)?,
        req_uri: opt_bytes(u)?,
        remote_addr: opt_bytes(u)?,
        remote_host: opt_bytes(u)?,
        server_name: opt_bytes(u)?,
        server_port: u.arbitrary()?,
        is_ssl: u.arbitrary()?,
        headers: headers(u, 14)?,
        attributes,
    })
}

pub fn arbitrary_to_container(u: &mut Unstructured) -> Result<ToContainer> {
    Ok(match u.int_in_range(0..=5)? {
        0 | 1 => ToContainer::ForwardRequest(Box::new(arbitrary_forward_request(u)?)),
        2 => ToContainer::Body(bytes(u)?),
        3 => ToContainer::EndOfBody,
        4 => ToContainer::CPing,
        _ => u
            .choose(&[ToContainer::Shutdown, ToContainer::Ping])?
            .clone(),
    })
}

pub fn arbitrary_from_container(u: &mut Unstructured) -> Result<FromContainer> {
    Ok(match u.int_in_range(0..=4)? {
        0 => FromContainer::SendHeaders(SendHeaders {
            status: u.int_in_range(1..=u16::MAX)?,
            reason: opt_bytes(u)?,
            headers: headers(u, 11)?,
        }),
        1 => FromContainer::SendBodyChunk(SendBodyChunk {
            data: bytes(u)?,
            trailing_nul: u.arbitrary()?,
        }),
        2 => FromContainer::EndResponse {
            reuse: u.arbitrary()?,
        },
        3 => FromContainer::GetBodyChunk {
            requested: u.arbitrary()?,
        },
        _ => FromContainer::CPong,
    })
}
