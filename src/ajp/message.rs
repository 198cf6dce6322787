//! The two message vocabularies of AJP13, one per direction, and their payload (de)serialisation.
//!
//! A to-container payload cannot be classified by itself: request-body packets have no type byte, so a
//! body chunk of 0x0A01 bytes starts with the same byte as a CPING. The receiver has to know whether a body
//! packet is due (Tomcat does: after a FORWARD_REQUEST with Content-Length > 0, and after each
//! GET_BODY_CHUNK it sent). Hence [`ToContainer::decode_message`] and [`ToContainer::decode_body`].

use bytes::{Bytes, BytesMut};

use super::codes::{self, MessageType};
use super::error::{Direction, EncodeError, ErrorKind, ProtocolError};
use super::request::ForwardRequest;
use super::response::{SendBodyChunk, SendHeaders};
use super::wire::{Reader, Writer};

/// Messages from the web server to the container.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ToContainer {
    ForwardRequest(Box<ForwardRequest>),
    /// A request-body packet: int16 chunk length and the data. Empty data (`00 00`) also ends the body.
    Body(Bytes),
    /// The empty packet (`12 34 00 00`) that ends a request body.
    EndOfBody,
    CPing,
    /// Type 0x07; defined, never sent by mod_jk, refused by Tomcat.
    Shutdown,
    /// Type 0x08; AJP14's ping, refused by Tomcat.
    Ping,
}

/// Messages from the container to the web server.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FromContainer {
    SendHeaders(SendHeaders),
    SendBodyChunk(SendBodyChunk),
    EndResponse { reuse: bool },
    GetBodyChunk { requested: u16 },
    CPong,
}

/// Reads the type byte of a typed message; an unknown code is an error. Also returns where the byte
/// stood, for [`wrong_direction`].
fn read_type(r: &mut Reader) -> Result<(MessageType, usize), ProtocolError> {
    if r.remaining() == 0 {
        return Err(r.error(ErrorKind::EmptyPayload));
    }
    let at = r.offset();
    let code = r.u8("message type")?;
    MessageType::from_u8(code)
        .map(|t| (t, at))
        .ok_or_else(|| ProtocolError::new(ErrorKind::UnknownMessageType { code }, at))
}

/// A known message type arriving in the direction it never travels.
fn wrong_direction(message_type: MessageType, at: usize) -> ProtocolError {
    ProtocolError::new(
        ErrorKind::WrongDirection {
            code: message_type as u8,
        },
        at,
    )
}

impl ToContainer {
    /// Decodes a typed message (anything but a body packet) from one frame's payload.
    pub fn decode_message(payload: Bytes) -> Result<Self, ProtocolError> {
        let mut r = Reader::new(payload);
        let (message_type, type_at) = read_type(&mut r)?;
        let message = match message_type {
            MessageType::ForwardRequest => {
                Self::ForwardRequest(Box::new(ForwardRequest::read(&mut r)?))
            }
            MessageType::CPing => Self::CPing,
            MessageType::Shutdown => Self::Shutdown,
            MessageType::Ping => Self::Ping,
            other => return Err(wrong_direction(other, type_at)),
        };
        r.finish()?;
        Ok(message)
    }

    /// Decodes a request-body packet from one frame's payload.
    pub fn decode_body(payload: Bytes) -> Result<Self, ProtocolError> {
        if payload.is_empty() {
            return Ok(Self::EndOfBody);
        }
        let mut r = Reader::new(payload);
        let length_at = r.offset();
        let length = usize::from(r.u16("chunk length")?);
        if length > r.remaining() {
            return Err(ProtocolError::new(
                ErrorKind::ChunkTooLong {
                    length,
                    available: r.remaining(),
                },
                length_at,
            ));
        }
        let data = r.bytes(length, "chunk data")?;
        r.finish()?;
        Ok(Self::Body(data))
    }

    /// Appends this message as one packet. On error `dst` is unchanged.
    pub fn encode(&self, dst: &mut BytesMut, max_packet_size: usize) -> Result<(), EncodeError> {
        let mut w = Writer::new(dst, codes::MAGIC_TO_CONTAINER);
        let written = match self {
            Self::ForwardRequest(request) => request.write(&mut w),
            Self::Body(data) => match u16::try_from(data.len()) {
                Ok(length) => {
                    w.u16(length);
                    w.bytes(data);
                    Ok(())
                }
                Err(_) => Err(EncodeError::PacketTooLarge {
                    size: data.len() + 6,
                    max: max_packet_size,
                }),
            },
            Self::EndOfBody => Ok(()),
            Self::CPing => {
                w.u8(MessageType::CPing as u8);
                Ok(())
            }
            Self::Shutdown => {
                w.u8(MessageType::Shutdown as u8);
                Ok(())
            }
            Self::Ping => {
                w.u8(MessageType::Ping as u8);
                Ok(())
            }
        };
        match written {
            Ok(()) => w.finish(max_packet_size),
            Err(err) => w.abort(err),
        }
    }

    /// Name printed by `ajpgate decode`.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::ForwardRequest(_) => MessageType::ForwardRequest.name(),
            Self::Body(_) | Self::EndOfBody => "BODY",
            Self::CPing => MessageType::CPing.name(),
            Self::Shutdown => MessageType::Shutdown.name(),
            Self::Ping => MessageType::Ping.name(),
        }
    }
}

impl FromContainer {
    /// Decodes one frame's payload.
    pub fn decode(payload: Bytes) -> Result<Self, ProtocolError> {
        let mut r = Reader::new(payload);
        let (message_type, type_at) = read_type(&mut r)?;
        let message = match message_type {
            MessageType::SendHeaders => Self::SendHeaders(SendHeaders::read(&mut r)?),
            MessageType::SendBodyChunk => Self::SendBodyChunk(SendBodyChunk::read(&mut r)?),
            MessageType::EndResponse => Self::EndResponse {
                reuse: r.bool("reuse")?,
            },
            MessageType::GetBodyChunk => Self::GetBodyChunk {
                requested: r.u16("requested length")?,
            },
            MessageType::CPong => Self::CPong,
            other => return Err(wrong_direction(other, type_at)),
        };
        r.finish()?;
        Ok(message)
    }

    /// Appends this message as one packet. On error `dst` is unchanged.
    pub fn encode(&self, dst: &mut BytesMut, max_packet_size: usize) -> Result<(), EncodeError> {
        let mut w = Writer::new(dst, codes::MAGIC_FROM_CONTAINER);
        let written = match self {
            Self::SendHeaders(headers) => headers.write(&mut w),
            Self::SendBodyChunk(chunk) => chunk.write(&mut w),
            Self::EndResponse { reuse } => {
                w.u8(MessageType::EndResponse as u8);
                w.bool(*reuse);
                Ok(())
            }
            Self::GetBodyChunk { requested } => {
                w.u8(MessageType::GetBodyChunk as u8);
                w.u16(*requested);
                Ok(())
            }
            Self::CPong => {
                w.u8(MessageType::CPong as u8);
                Ok(())
            }
        };
        match written {
            Ok(()) => w.finish(max_packet_size),
            Err(err) => w.abort(err),
        }
    }

    /// Name printed by `ajpgate decode`.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::SendHeaders(_) => MessageType::SendHeaders.name(),
            Self::SendBodyChunk(_) => MessageType::SendBodyChunk.name(),
            Self::EndResponse { .. } => MessageType::EndResponse.name(),
            Self::GetBodyChunk { .. } => MessageType::GetBodyChunk.name(),
            Self::CPong => MessageType::CPong.name(),
        }
    }
}

/// Either direction's message, for tools that read captures.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Message {
    ToContainer(ToContainer),
    FromContainer(FromContainer),
}

impl Message {
    pub fn direction(&self) -> Direction {
        match self {
            Self::ToContainer(_) => Direction::ToContainer,
            Self::FromContainer(_) => Direction::FromContainer,
        }
    }
}
