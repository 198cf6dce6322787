//! The container's reply: SEND_HEADERS and SEND_BODY_CHUNK (docs/ajp13.md#response-processing, docs/tomcat.md#response-body).
//!
//! These decoders face a backend that may be broken or hostile (CVE-2026-28780 was a heap overflow in
//! mod_proxy_ajp's response parser), so every count and length is checked against the bytes received.

use bytes::Bytes;

use super::codes::{self, MessageType};
use super::error::{EncodeError, ErrorKind, ProtocolError};
use super::request::{HeaderName, read_headers, write_headers};
use super::wire::{Reader, Result, Writer};

/// SEND_HEADERS: status, optional reason phrase (Tomcat sends the number, e.g. `"200"`), headers in order.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SendHeaders {
    pub status: u16,
    pub reason: Option<Bytes>,
    pub headers: Vec<(HeaderName, Bytes)>,
}

impl SendHeaders {
    /// Canonical or literal name of a response header.
    pub fn header_name(name: &HeaderName) -> &[u8] {
        match name {
            HeaderName::Coded(index) => {
                codes::response_header_name(*index).unwrap_or("").as_bytes()
            }
            HeaderName::Named(name) => name,
        }
    }

    pub(crate) fn read(r: &mut Reader) -> Result<Self> {
        let status_at = r.offset();
        let status = r.u16("status")?;
        if status == 0 {
            return Err(ProtocolError::new(ErrorKind::ZeroStatus, status_at));
        }
        let reason = r.string("reason")?;
        let headers = read_headers(r, codes::response_header_name)?;
        Ok(Self {
            status,
            reason,
            headers,
        })
    }

    pub(crate) fn write(&self, w: &mut Writer) -> std::result::Result<(), EncodeError> {
        w.u8(MessageType::SendHeaders as u8);
        w.u16(self.status);
        w.string(self.reason.as_deref(), "reason")?;
        write_headers(w, &self.headers, codes::response_header_name)
    }
}

/// SEND_BODY_CHUNK: response body bytes. Empty data means "flush" (Tomcat's `ajpFlush`).
///
/// Tomcat ends the chunk with a NUL that no length counts (`03 len data 00`); mod_jk tolerates its
/// absence. Both forms decode; anything else after the data is junk and rejected.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SendBodyChunk {
    pub data: Bytes,
    /// Whether the data is followed by Tomcat's NUL byte.
    pub trailing_nul: bool,
}

impl SendBodyChunk {
    /// A chunk as Tomcat writes it.
    pub fn new(data: Bytes) -> Self {
        Self {
            data,
            trailing_nul: true,
        }
    }

    pub(crate) fn read(r: &mut Reader) -> Result<Self> {
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
        let trailing_nul = match r.remaining() {
            0 => false,
            1 => {
                let at = r.offset();
                match r.u8("chunk terminator")? {
                    0 => true,
                    _ => {
                        return Err(ProtocolError::new(
                            ErrorKind::TrailingBytes { count: 1 },
                            at,
                        ));
                    }
                }
            }
            count => return Err(r.error(ErrorKind::TrailingBytes { count })),
        };
        Ok(Self { data, trailing_nul })
    }

    pub(crate) fn write(&self, w: &mut Writer) -> std::result::Result<(), EncodeError> {
        w.u8(MessageType::SendBodyChunk as u8);
        let length = u16::try_from(self.data.len()).map_err(|_| EncodeError::PacketTooLarge {
            size: self.data.len(),
            max: usize::from(u16::MAX),
        })?;
        w.u16(length);
        w.bytes(&self.data);
        if self.trailing_nul {
            w.u8(0);
        }
        Ok(())
    }
}
