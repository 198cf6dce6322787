//! AJP13 primitive types (docs/ajp13.md#primitive-encodings): byte, boolean, int16 and the length-prefixed, NUL-terminated
//! string whose length 0xFFFF means null.
//!
//! [`Reader`] reads them from one packet's payload and checks every length against what was *received*,
//! never against a buffer's capacity (mod_jk's reader trusts the terminator; this one does not). Strings
//! come back as `Bytes` slices of the payload, so decoding copies no bytes.
//!
//! [`Writer`] builds one whole packet in place and patches the length at the end, refusing anything that
//! would not fit in `max_packet_size`.

use bytes::{BufMut, Bytes, BytesMut};

use super::codes::HEADER_LEN;
use super::error::{EncodeError, ErrorKind, Field, ProtocolError};

/// Length value that encodes a null string.
const NULL_STRING: u16 = 0xFFFF;

/// Cursor over one packet payload. Offsets in errors count from the frame start.
pub(crate) struct Reader {
    payload: Bytes,
    pos: usize,
}

pub(crate) type Result<T> = std::result::Result<T, ProtocolError>;

impl Reader {
    pub fn new(payload: Bytes) -> Self {
        Self { payload, pos: 0 }
    }

    /// Offset of the next unread byte from the start of the frame.
    pub fn offset(&self) -> usize {
        HEADER_LEN + self.pos
    }

    pub fn remaining(&self) -> usize {
        self.payload.len() - self.pos
    }

    pub fn error(&self, kind: ErrorKind) -> ProtocolError {
        ProtocolError::new(kind, self.offset())
    }

    fn take(&mut self, n: usize, field: Field) -> Result<Bytes> {
        if n > self.remaining() {
            return Err(self.error(ErrorKind::FieldPastPayload { field }));
        }
        let bytes = self.payload.slice(self.pos..self.pos + n);
        self.pos += n;
        Ok(bytes)
    }

    pub fn u8(&mut self, field: Field) -> Result<u8> {
        let byte = *self
            .payload
            .get(self.pos)
            .ok_or_else(|| self.error(ErrorKind::FieldPastPayload { field }))?;
        self.pos += 1;
        Ok(byte)
    }

    pub fn peek_u16(&self, field: Field) -> Result<u16> {
        match self.payload.get(self.pos..self.pos + 2) {
            Some(b) => Ok(u16::from_be_bytes([b[0], b[1]])),
            None => Err(self.error(ErrorKind::FieldPastPayload { field })),
        }
    }

    pub fn u16(&mut self, field: Field) -> Result<u16> {
        let value = self.peek_u16(field)?;
        self.pos += 2;
        Ok(value)
    }

    /// A boolean byte; anything but 0 or 1 is rejected so that decoding and encoding stay exact inverses.
    pub fn bool(&mut self, field: Field) -> Result<bool> {
        let start = self.offset();
        match self.u8(field)? {
            0 => Ok(false),
            1 => Ok(true),
            value => Err(ProtocolError::new(
                ErrorKind::InvalidBoolean { field, value },
                start,
            )),
        }
    }

    /// Raw bytes of a given length (body data).
    pub fn bytes(&mut self, n: usize, field: Field) -> Result<Bytes> {
        self.take(n, field)
    }

    /// A nullable string.
    pub fn string(&mut self, field: Field) -> Result<Option<Bytes>> {
        let start = self.offset();
        let length = self.u16(field)?;
        if length == NULL_STRING {
            return Ok(None);
        }
        let length = usize::from(length);
        if length + 1 > self.remaining() {
            return Err(ProtocolError::new(
                ErrorKind::StringPastPayload { field, length },
                start,
            ));
        }
        let value = self.take(length, field)?;
        let nul_at = self.offset();
        match self.u8(field)? {
            0 => Ok(Some(value)),
            found => Err(ProtocolError::new(
                ErrorKind::MissingNul { field, found },
                nul_at,
            )),
        }
    }

    /// A string that must not be null.
    pub fn required_string(&mut self, field: Field) -> Result<Bytes> {
        let start = self.offset();
        self.string(field)?
            .ok_or_else(|| ProtocolError::new(ErrorKind::NullString { field }, start))
    }

    /// Succeeds only when the whole payload was consumed.
    pub fn finish(self) -> Result<()> {
        match self.remaining() {
            0 => Ok(()),
            count => Err(self.error(ErrorKind::TrailingBytes { count })),
        }
    }
}

/// Builds one packet at the end of a `BytesMut`. Nothing is left behind if encoding fails.
pub(crate) struct Writer<'a> {
    dst: &'a mut BytesMut,
    start: usize,
}

impl<'a> Writer<'a> {
    /// Starts a packet with the given magic and a length to be patched by [`Writer::finish`].
    pub fn new(dst: &'a mut BytesMut, magic: [u8; 2]) -> Self {
        let start = dst.len();
        dst.put_slice(&magic);
        dst.put_u16(0);
        Self { dst, start }
    }

    pub fn u8(&mut self, value: u8) {
        self.dst.put_u8(value);
    }

    pub fn u16(&mut self, value: u16) {
        self.dst.put_u16(value);
    }

    pub fn bool(&mut self, value: bool) {
        self.dst.put_u8(u8::from(value));
    }

    pub fn bytes(&mut self, value: &[u8]) {
        self.dst.put_slice(value);
    }

    /// A nullable string: int16 length, bytes, NUL; `None` is 0xFFFF alone.
    pub fn string(
        &mut self,
        value: Option<&[u8]>,
        field: Field,
    ) -> std::result::Result<(), EncodeError> {
        let Some(value) = value else {
            self.dst.put_u16(NULL_STRING);
            return Ok(());
        };
        let length = u16::try_from(value.len())
            .ok()
            .filter(|&l| l != NULL_STRING)
            .ok_or(EncodeError::StringTooLong {
                field,
                length: value.len(),
            })?;
        self.dst.put_u16(length);
        self.dst.put_slice(value);
        self.dst.put_u8(0);
        Ok(())
    }

    /// Patches the payload length, checking the packet fits in `max_packet_size`.
    pub fn finish(self, max_packet_size: usize) -> std::result::Result<(), EncodeError> {
        let size = self.dst.len() - self.start;
        let payload = size - HEADER_LEN;
        match u16::try_from(payload) {
            Ok(len) if size <= max_packet_size => {
                self.dst[self.start + 2..self.start + 4].copy_from_slice(&len.to_be_bytes());
                Ok(())
            }
            _ => {
                self.dst.truncate(self.start);
                Err(EncodeError::PacketTooLarge {
                    size,
                    max: max_packet_size,
                })
            }
        }
    }

    /// Abandons the packet after a field could not be encoded.
    pub fn abort<E>(self, err: E) -> std::result::Result<(), E> {
        self.dst.truncate(self.start);
        Err(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader(bytes: &'static [u8]) -> Reader {
        Reader::new(Bytes::from_static(bytes))
    }

    #[test]
    fn strings_null_empty_and_plain() {
        let mut r = reader(b"\xff\xff\x00\x00\x00\x00\x03abc\x00");
        assert_eq!(r.string("a").unwrap(), None);
        assert_eq!(r.string("b").unwrap(), Some(Bytes::new()));
        assert_eq!(r.string("c").unwrap(), Some(Bytes::from_static(b"abc")));
        r.finish().unwrap();
    }

    #[test]
    fn string_defects_are_named_with_their_offset() {
        let err = reader(b"\x00\x05abc\x00").string("req_uri").unwrap_err();
        assert_eq!(
            err,
            ProtocolError::new(
                ErrorKind::StringPastPayload {
                    field: "req_uri",
                    length: 5
                },
                4
            )
        );
        let err = reader(b"\x00\x03abcX").string("req_uri").unwrap_err();
        assert_eq!(
            err,
            ProtocolError::new(
                ErrorKind::MissingNul {
                    field: "req_uri",
                    found: b'X'
                },
                9
            )
        );
        // The terminator itself missing at the very end.
        let err = reader(b"\x00\x03abc").string("x").unwrap_err();
        assert!(matches!(err.kind, ErrorKind::StringPastPayload { .. }));
        let err = reader(b"\x00").string("x").unwrap_err();
        assert!(matches!(err.kind, ErrorKind::FieldPastPayload { .. }));
    }

    #[test]
    fn writer_round_trips_and_rolls_back_on_overflow() {
        let mut buf = BytesMut::from(&b"keep"[..]);
        let mut w = Writer::new(&mut buf, [0x12, 0x34]);
        w.string(Some(b"abc"), "x").unwrap();
        w.string(None, "y").unwrap();
        w.finish(8192).unwrap();
        assert_eq!(&buf[..], b"keep\x12\x34\x00\x08\x00\x03abc\x00\xff\xff");

        let mut w = Writer::new(&mut buf, [0x12, 0x34]);
        w.bytes(&[0; 9000]);
        assert!(matches!(
            w.finish(8192),
            Err(EncodeError::PacketTooLarge {
                size: 9004,
                max: 8192
            })
        ));
        assert_eq!(buf.len(), 16);

        let mut w = Writer::new(&mut buf, [0x12, 0x34]);
        let long = vec![b'a'; 0xFFFF];
        let err = w.string(Some(&long), "x").unwrap_err();
        w.abort::<()>(()).unwrap_err();
        assert!(matches!(err, EncodeError::StringTooLong { .. }));
        assert_eq!(buf.len(), 16);
    }
}
