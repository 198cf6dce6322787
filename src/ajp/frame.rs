//! Packet framing: `magic(2) length(2) payload(length)` (docs/ajp13.md#framing).
//!
//! This is the only place that decides whether the bytes buffered so far hold a whole packet. It never
//! looks at the payload, so a frame can be split off before knowing what it means.

use bytes::{Bytes, BytesMut};

use super::codes::HEADER_LEN;
use super::error::{Direction, ErrorKind, ProtocolError};

/// Length of the complete frame at the start of `buf`, `Ok(None)` if more bytes are needed.
///
/// A frame (header included) longer than `max_packet_size` is invalid, as is a wrong magic; both are
/// reported as soon as the offending byte is buffered.
pub fn frame_length(
    buf: &[u8],
    direction: Direction,
    max_packet_size: usize,
) -> Result<Option<usize>, ProtocolError> {
    let magic = direction.magic();
    // Decided byte by byte, so the verdict does not depend on how the bytes were split on arrival.
    for (at, (&found, &expected)) in buf.iter().zip(magic.iter()).enumerate() {
        if found != expected {
            return Err(ProtocolError::new(
                ErrorKind::BadMagic { found, expected },
                at,
            ));
        }
    }
    if buf.len() < HEADER_LEN {
        return Ok(None);
    }
    let length = HEADER_LEN + usize::from(u16::from_be_bytes([buf[2], buf[3]]));
    if length > max_packet_size {
        return Err(ProtocolError::new(
            ErrorKind::FrameTooLong {
                length,
                max: max_packet_size,
            },
            2,
        ));
    }
    Ok((buf.len() >= length).then_some(length))
}

/// Splits the first complete frame off `src` and returns its payload (zero-copy), or `Ok(None)`.
pub fn split_frame(
    src: &mut BytesMut,
    direction: Direction,
    max_packet_size: usize,
) -> Result<Option<Bytes>, ProtocolError> {
    Ok(frame_length(src, direction, max_packet_size)?
        .map(|length| src.split_to(length).freeze().slice(HEADER_LEN..)))
}

/// The error for a stream that ended with `leftover` bytes of an unfinished frame.
pub fn truncated(leftover: &[u8]) -> ProtocolError {
    let need = match leftover {
        [_, _, hi, lo, ..] => HEADER_LEN + usize::from(u16::from_be_bytes([*hi, *lo])),
        _ => HEADER_LEN,
    };
    ProtocolError::new(
        ErrorKind::TruncatedFrame {
            have: leftover.len(),
            need,
        },
        leftover.len(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const TO: Direction = Direction::ToContainer;

    #[test]
    fn incomplete_is_not_invalid() {
        for prefix in [
            &b""[..],
            b"\x12",
            b"\x12\x34",
            b"\x12\x34\x00",
            b"\x12\x34\x00\x02\x00",
        ] {
            assert_eq!(frame_length(prefix, TO, 8192), Ok(None), "{prefix:?}");
        }
        assert_eq!(frame_length(b"\x12\x34\x00\x01\x0a", TO, 8192), Ok(Some(5)));
        assert_eq!(frame_length(b"\x12\x34\x00\x00rest", TO, 8192), Ok(Some(4)));
    }

    #[test]
    fn bad_magic_is_seen_at_the_first_wrong_byte() {
        let err = frame_length(b"A", TO, 8192).unwrap_err();
        assert_eq!(
            err,
            ProtocolError::new(
                ErrorKind::BadMagic {
                    found: 0x41,
                    expected: 0x12
                },
                0
            )
        );
        assert_eq!(
            frame_length(b"AB", TO, 8192).unwrap_err(),
            err,
            "same verdict with more bytes"
        );
        let err = frame_length(b"\x12\x35", TO, 8192).unwrap_err();
        assert_eq!(
            err,
            ProtocolError::new(
                ErrorKind::BadMagic {
                    found: 0x35,
                    expected: 0x34
                },
                1
            )
        );
        assert!(frame_length(b"AB\x00\x01\x09", Direction::FromContainer, 8192).is_ok());
    }

    #[test]
    fn frame_length_limit_counts_the_header() {
        // 8188-byte payload + 4 = 8192: the largest frame allowed by default.
        assert_eq!(frame_length(b"\x12\x34\x1f\xfc", TO, 8192), Ok(None));
        let err = frame_length(b"\x12\x34\x1f\xfd", TO, 8192).unwrap_err();
        assert_eq!(
            err.kind,
            ErrorKind::FrameTooLong {
                length: 8193,
                max: 8192
            }
        );
        assert_eq!(frame_length(b"\x12\x34\xff\xfc", TO, 65536), Ok(None));
    }

    #[test]
    fn split_and_truncated() {
        let mut buf = BytesMut::from(&b"\x12\x34\x00\x01\x0a\x12\x34\x00"[..]);
        assert_eq!(
            split_frame(&mut buf, TO, 8192).unwrap().unwrap(),
            &b"\x0a"[..]
        );
        assert_eq!(split_frame(&mut buf, TO, 8192).unwrap(), None);
        assert_eq!(
            truncated(&buf).kind,
            ErrorKind::TruncatedFrame { have: 3, need: 4 }
        );
        assert_eq!(
            truncated(b"\x12\x34\x00\x09ab").kind,
            ErrorKind::TruncatedFrame { have: 6, need: 13 }
        );
    }
}
