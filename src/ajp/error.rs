//! Errors of the AJP13 codec.
//!
//! Decoding separates two situations that callers must treat differently:
//! * **incomplete** — the bytes so far are a valid prefix of a packet; wait for more. This is not an
//!   error: the framing functions return `Ok(None)`.
//! * **invalid** — no amount of further bytes can make this a valid packet. This is a [`ProtocolError`]
//!   with a [`ErrorKind`] naming the exact defect and the byte offset where it was found, counted from the
//!   first magic byte of the frame. A connection that produced one must be closed, never reused.

use std::fmt;

/// A packet that violates AJP13. `offset` counts from the start of the frame (its first magic byte).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} (at byte {offset} of the packet)")]
pub struct ProtocolError {
    pub kind: ErrorKind,
    pub offset: usize,
}

impl ProtocolError {
    pub fn new(kind: ErrorKind, offset: usize) -> Self {
        Self { kind, offset }
    }
}

/// Which field of a message a defect was found in, for messages a person can act on.
pub type Field = &'static str;

/// Every way a byte sequence can fail to be an AJP13 packet.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ErrorKind {
    /// The first byte that differs from the magic; the error's offset says which of the two it is.
    #[error("bad magic: byte 0x{found:02x} where 0x{expected:02x} belongs (not an AJP13 packet)")]
    BadMagic { found: u8, expected: u8 },
    #[error("packet of {length} bytes is longer than max_packet_size {max}")]
    FrameTooLong { length: usize, max: usize },
    #[error("stream ended inside a packet: {have} of {need} bytes present")]
    TruncatedFrame { have: usize, need: usize },
    #[error("empty packet where a message was expected")]
    EmptyPayload,
    #[error("unknown message type 0x{code:02x}")]
    UnknownMessageType { code: u8 },
    #[error("message type 0x{code:02x} is not valid in this direction")]
    WrongDirection { code: u8 },
    #[error("{field} runs past the end of the packet")]
    FieldPastPayload { field: Field },
    #[error("{field}: string of {length} bytes runs past the end of the packet")]
    StringPastPayload { field: Field, length: usize },
    #[error("{field}: string is not terminated by NUL (found 0x{found:02x})")]
    MissingNul { field: Field, found: u8 },
    #[error("{field}: null string where a value is required")]
    NullString { field: Field },
    #[error("{field}: boolean byte 0x{value:02x} is neither 0 nor 1")]
    InvalidBoolean { field: Field, value: u8 },
    #[error("header count {count} cannot fit in the {remaining} bytes left in the packet")]
    HeaderCountBeyondPayload { count: usize, remaining: usize },
    #[error("coded header 0x{code:04x} is out of range")]
    CodedHeaderOutOfRange { code: u16 },
    #[error("unknown method code {code}")]
    UnknownMethod { code: u8 },
    #[error("method code 0xff without a stored_method attribute")]
    MissingStoredMethod,
    #[error("unknown attribute code 0x{code:02x}")]
    UnknownAttribute { code: u8 },
    #[error("attribute list is not terminated by 0xff")]
    MissingTerminator,
    #[error("chunk length {length} is larger than the {available} bytes the packet carries")]
    ChunkTooLong { length: usize, available: usize },
    #[error("{count} junk bytes after the end of the message")]
    TrailingBytes { count: usize },
    #[error("status code 0 in SEND_HEADERS")]
    ZeroStatus,
}

/// Why a message could not be encoded. The output buffer is left as it was before the call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// The whole packet would exceed max_packet_size. For a FORWARD_REQUEST this is mod_jk's HTTP 413.
    #[error("packet of {size} bytes exceeds max_packet_size {max}")]
    PacketTooLarge { size: usize, max: usize },
    #[error("{field}: string of {length} bytes cannot be encoded (at most 65534)")]
    StringTooLong { field: Field, length: usize },
    #[error("{count} headers cannot be encoded (at most 65535)")]
    TooManyHeaders { count: usize },
    #[error("coded header index {index} is out of range for this direction")]
    CodedHeaderOutOfRange { index: u8 },
    #[error("header name of {length} bytes would be read as a coded header")]
    HeaderNameTooLong { length: usize },
}

/// What a tokio-util codec reports: a protocol violation or an I/O failure of the transport.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    #[error(transparent)]
    Protocol(#[from] ProtocolError),
    #[error(transparent)]
    Encode(#[from] EncodeError),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Direction of a packet on the wire; each has its own magic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Web server (ajpgate, mod_jk) to container (Tomcat): magic `12 34`.
    ToContainer,
    /// Container to web server: magic `41 42` ("AB").
    FromContainer,
}

impl Direction {
    pub fn magic(self) -> [u8; 2] {
        match self {
            Self::ToContainer => super::codes::MAGIC_TO_CONTAINER,
            Self::FromContainer => super::codes::MAGIC_FROM_CONTAINER,
        }
    }

    /// The direction whose magic `bytes` start with, if any.
    pub fn from_magic(bytes: &[u8]) -> Option<Self> {
        [Self::ToContainer, Self::FromContainer]
            .into_iter()
            .find(|d| bytes.starts_with(&d.magic()))
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::ToContainer => "to-container",
            Self::FromContainer => "from-container",
        }
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
