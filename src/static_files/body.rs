//! A static response body: bytes ajpgate made (multipart framing) and ranges of an open file, sent in
//! order through a bounded channel in chunks of [`CHUNK`] bytes, so a 1 GiB file costs a few chunks of
//! memory, never its size (a single part of at most one chunk is read at once, see [`single`]). Reads
//! run on tokio's blocking pool (`pread` on the open file), as tokio::fs
//! would run them; the file is opened once, before the head is sent, so its validators and its bytes
//! describe the same file even if the name is replaced meanwhile.
//!
//! multipart/byteranges is written byte for byte as httpd's byterange filter writes it: each part is
//! `CRLF--BOUNDARY CRLF Content-type: T CRLF Content-range: bytes F-L/SIZE CRLF CRLF data` (no
//! Content-type line when the file has no type), then `CRLF--BOUNDARY--CRLF`.

use std::fs::File;
use std::hash::{BuildHasher, Hasher};
use std::io;
use std::os::unix::fs::FileExt;
use std::sync::Arc;

use bytes::Bytes;
use tokio::sync::mpsc;

use super::ranges::ByteRange;

/// Bytes read from the file at a time.
pub const CHUNK: usize = 64 * 1024;

/// One piece of a body.
#[derive(Debug, Clone)]
pub enum Piece {
    Bytes(Bytes),
    File { offset: u64, len: u64 },
}

/// What follows the head.
#[derive(Debug)]
pub enum StaticBody {
    Empty,
    File { file: Arc<File>, pieces: Vec<Piece> },
}

impl StaticBody {
    /// Bytes in the body (the Content-Length).
    pub fn len(&self) -> u64 {
        match self {
            Self::Empty => 0,
            Self::File { pieces, .. } => pieces
                .iter()
                .map(|p| match p {
                    Piece::Bytes(b) => b.len() as u64,
                    Piece::File { len, .. } => *len,
                })
                .sum(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Sends the body through `tx`; stops when the receiver is gone. A read error or a file that
    /// shrank sends an `Err`, which cuts the response short: a truncated body, never a wrong one.
    pub async fn send(self, tx: mpsc::Sender<Result<Bytes, io::Error>>) {
        let Self::File { file, pieces } = self else {
            return;
        };
        for piece in pieces {
            let (mut offset, mut left) = match piece {
                Piece::Bytes(bytes) => {
                    if tx.send(Ok(bytes)).await.is_err() {
                        return;
                    }
                    continue;
                }
                Piece::File { offset, len } => (offset, len),
            };
            while left > 0 {
                let want = left.min(CHUNK as u64) as usize;
                let chunk = read_chunk(Arc::clone(&file), offset, want).await;
                let failed = chunk.is_err();
                if let Ok(bytes) = &chunk {
                    offset += bytes.len() as u64;
                    left -= bytes.len() as u64;
                }
                if tx.send(chunk).await.is_err() || failed {
                    return;
                }
            }
        }
    }
}

/// Exactly `want` bytes at `offset`, or an error (also when the file ends first).
async fn read_chunk(file: Arc<File>, offset: u64, want: usize) -> io::Result<Bytes> {
    let read = tokio::task::spawn_blocking(move || {
        let mut buf = vec![0u8; want];
        file.read_exact_at(&mut buf, offset)?;
        Ok::<_, io::Error>(Bytes::from(buf))
    });
    match read.await {
        Ok(result) => result,
        Err(join) => Err(io::Error::other(join.to_string())),
    }
}

/// The whole file, or one part of it. A part of at most [`CHUNK`] bytes is read at once, on the
/// calling thread (like the open and stat before it: a page-cache copy, cheaper than a trip through
/// the blocking pool); a read error there falls back to streaming, which reports it.
pub fn single(file: Arc<File>, range: ByteRange) -> StaticBody {
    if range.count() <= CHUNK as u64 {
        let mut buf = vec![0u8; range.count() as usize];
        if file.read_exact_at(&mut buf, range.first).is_ok() {
            return StaticBody::File {
                file,
                pieces: vec![Piece::Bytes(Bytes::from(buf))],
            };
        }
    }
    StaticBody::File {
        file,
        pieces: vec![Piece::File {
            offset: range.first,
            len: range.count(),
        }],
    }
}

/// A multipart/byteranges body of `parts` and its Content-Type.
pub fn multipart(
    file: Arc<File>,
    parts: &[ByteRange],
    content_type: Option<&str>,
    size: u64,
) -> (StaticBody, String) {
    let boundary = boundary();
    let mut pieces = Vec::with_capacity(parts.len() * 2 + 1);
    for part in parts {
        let type_line = content_type
            .map(|t| format!("Content-type: {t}\r\n"))
            .unwrap_or_default();
        let head = format!(
            "\r\n--{boundary}\r\n{type_line}Content-range: bytes {}-{}/{size}\r\n\r\n",
            part.first, part.last
        );
        pieces.push(Piece::Bytes(Bytes::from(head)));
        pieces.push(Piece::File {
            offset: part.first,
            len: part.count(),
        });
    }
    pieces.push(Piece::Bytes(Bytes::from(format!("\r\n--{boundary}--\r\n"))));
    let header = format!("multipart/byteranges; boundary={boundary}");
    (StaticBody::File { file, pieces }, header)
}

/// 16 hex digits, as long as httpd's; different for every response.
fn boundary() -> String {
    let mut hasher = std::hash::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    format!("{:016x}", hasher.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn multipart_is_framed_as_httpd_frames_it() {
        let path = std::env::temp_dir().join(format!("ajpgate-body-{}", std::process::id()));
        std::fs::write(&path, "hello world\n").unwrap();
        let file = Arc::new(File::open(&path).unwrap());
        let parts = [
            ByteRange { first: 0, last: 1 },
            ByteRange { first: 5, last: 6 },
        ];
        let (body, content_type) = multipart(file, &parts, Some("text/plain"), 12);
        let boundary = content_type.rsplit('=').next().unwrap().to_owned();
        let length = body.len();
        let (tx, mut rx) = mpsc::channel(4);
        tokio::spawn(body.send(tx));
        let mut all = Vec::new();
        while let Some(chunk) = rx.recv().await {
            all.extend_from_slice(&chunk.unwrap());
        }
        let text = String::from_utf8(all).unwrap().replace(&boundary, "B");
        assert_eq!(
            text,
            "\r\n--B\r\nContent-type: text/plain\r\nContent-range: bytes 0-1/12\r\n\r\nhe\
             \r\n--B\r\nContent-type: text/plain\r\nContent-range: bytes 5-6/12\r\n\r\n w\
             \r\n--B--\r\n"
        );
        assert_eq!(length, 186);
        let _ = std::fs::remove_file(path);
    }
}
