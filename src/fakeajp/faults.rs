//! `/fault/<name>`: a backend that misbehaves on purpose, one way per name.
//!
//! A gateway's error handling is the part real Tomcat almost never exercises, so each failure mode a
//! container (or a broken network, or a wrong port) can produce is one page here. What each one sends, and
//! what a correct gateway does about it, is in the table of the [module docs](super). Malformed packets
//! are written with [`Answer::send_raw`], because the codec cannot produce invalid bytes.

use bytes::Bytes;

use super::answer::{After, Answer, Result};
use super::uri::query_number;

/// Builds a from-container frame around `payload` (magic `AB`, int16 length), whatever the payload says.
fn frame(payload: &[u8]) -> Vec<u8> {
    let length = u16::try_from(payload.len()).unwrap_or(u16::MAX);
    let mut out = Vec::with_capacity(payload.len() + 4);
    out.extend_from_slice(b"AB");
    out.extend_from_slice(&length.to_be_bytes());
    out.extend_from_slice(payload);
    out
}

/// SEND_BODY_CHUNK "hello" with its NUL, then 4 bytes no length accounts for.
pub(crate) const JUNK_AFTER_CHUNK: &[u8] = b"\x03\x00\x05hello\x00junk";
/// SEND_BODY_CHUNK announcing 4096 data bytes and carrying 5 (and the NUL).
pub(crate) const WRONG_LENGTH: &[u8] = b"\x03\x10\x00hello\x00";
/// What an HTTP server answers; starts with `H`, not the magic `AB`.
pub(crate) const GARBAGE: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";

fn text_headers() -> Vec<(crate::ajp::HeaderName, Bytes)> {
    vec![Answer::header("Content-Type", "text/plain")]
}

/// Answers `/fault/<fault>`; an unknown name gets a 404 naming it, so a typo in a test is not
/// mistaken for a fault that did nothing.
pub(crate) async fn respond(ex: &mut Answer<'_>, fault: &str, query: &str) -> Result<After> {
    match fault {
        "reset-mid-body" => {
            ex.send_headers(200, text_headers()).await?;
            ex.send_chunk(Bytes::from_static(b"partial body, then a reset\n"))
                .await?;
            Ok(After::Reset)
        }
        "junk-after-chunk" => bad_chunk(ex, JUNK_AFTER_CHUNK).await,
        "wrong-length" => bad_chunk(ex, WRONG_LENGTH).await,
        "reuse0" => {
            let headers = vec![
                Answer::header("Content-Type", "text/plain"),
                Answer::header("Content-Length", "7"),
            ];
            ex.send_headers(200, headers).await?;
            ex.send_chunk(Bytes::from_static(b"reuse0\n")).await?;
            ex.finish(false).await?;
            Ok(After::KeepAlive)
        }
        "double-headers" => {
            ex.send_headers(200, text_headers()).await?;
            ex.send_headers(200, text_headers()).await?;
            ex.send_chunk(Bytes::from_static(b"double headers\n"))
                .await?;
            ex.finish(true).await?;
            Ok(After::KeepAlive)
        }
        "no-end" => {
            ex.send_headers(200, text_headers()).await?;
            ex.send_chunk(Bytes::from_static(b"no end\n")).await?;
            Ok(After::Silence)
        }
        "close-before-headers" | "fail-after-body" => {
            ex.read_body_to_end().await?;
            Ok(After::Close)
        }
        "status" => {
            let status = query_number(query, "code")
                .and_then(|code| u16::try_from(code).ok())
                .unwrap_or(500);
            let text = format!("status {status}\n");
            ex.reply(status, "text/plain", Vec::new(), text).await
        }
        "garbage" => {
            ex.send_raw(GARBAGE).await?;
            Ok(After::Silence)
        }
        unknown => {
            let text = format!("unknown fault {unknown:?}\n");
            ex.reply(404, "text/plain", Vec::new(), text).await
        }
    }
}

/// Headers, one malformed SEND_BODY_CHUNK, then a normal END_RESPONSE(reuse=1): only the packet is wrong.
async fn bad_chunk(ex: &mut Answer<'_>, payload: &[u8]) -> Result<After> {
    ex.send_headers(200, text_headers()).await?;
    ex.send_raw(&frame(payload)).await?;
    ex.finish(true).await?;
    Ok(After::KeepAlive)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ajp::{ErrorKind, FromContainer};

    fn decode(payload: &[u8]) -> ErrorKind {
        let framed = frame(payload);
        FromContainer::decode(Bytes::copy_from_slice(&framed[4..]))
            .unwrap_err()
            .kind
    }

    #[test]
    fn malformed_packets_are_rejected_for_the_promised_reason() {
        assert_eq!(
            decode(JUNK_AFTER_CHUNK),
            ErrorKind::TrailingBytes { count: 5 }
        );
        assert_eq!(
            decode(WRONG_LENGTH),
            ErrorKind::ChunkTooLong {
                length: 4096,
                available: 6
            }
        );
    }
}
