//! Hand-built HTTP/2 frames on a raw socket (RFC 9113 §4, §6), for what no library client sends:
//! header blocks that never end, streams past the advertised limit, control-frame floods.
//!
//! Header blocks use only HPACK literals without indexing and with a new name (RFC 7541 §6.2.2), so
//! nothing here needs a dynamic table.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::task::JoinHandle;

pub const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

pub const HEADERS: u8 = 0x1;
pub const RST_STREAM: u8 = 0x3;
pub const SETTINGS: u8 = 0x4;
pub const PING: u8 = 0x6;
pub const GOAWAY: u8 = 0x7;
pub const CONTINUATION: u8 = 0x9;

pub const END_STREAM: u8 = 0x1;
pub const ACK: u8 = 0x1;
pub const END_HEADERS: u8 = 0x4;

/// RFC 9113 §7 error codes the tests expect.
pub const PROTOCOL_ERROR: u32 = 0x1;
pub const REFUSED_STREAM: u32 = 0x7;
pub const ENHANCE_YOUR_CALM: u32 = 0xb;

/// One frame: the 9-byte header, then the payload.
pub fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let len = payload.len() as u32;
    let mut out = Vec::with_capacity(9 + payload.len());
    out.extend_from_slice(&len.to_be_bytes()[1..]);
    out.push(kind);
    out.push(flags);
    out.extend_from_slice(&(stream & 0x7fff_ffff).to_be_bytes());
    out.extend_from_slice(payload);
    out
}

pub fn settings(pairs: &[(u16, u32)]) -> Vec<u8> {
    let mut payload = Vec::new();
    for (id, value) in pairs {
        payload.extend_from_slice(&id.to_be_bytes());
        payload.extend_from_slice(&value.to_be_bytes());
    }
    frame(SETTINGS, 0, 0, &payload)
}

pub fn ping(data: u64) -> Vec<u8> {
    frame(PING, 0, 0, &data.to_be_bytes())
}

/// An HPACK integer with an `prefix`-bit prefix (RFC 7541 §5.1); `first` holds the pattern bits.
fn hpack_int(out: &mut Vec<u8>, first: u8, prefix: u32, mut value: usize) {
    let max = (1usize << prefix) - 1;
    if value < max {
        out.push(first | value as u8);
        return;
    }
    out.push(first | max as u8);
    value -= max;
    while value >= 128 {
        out.push((value % 128) as u8 | 0x80);
        value /= 128;
    }
    out.push(value as u8);
}

/// A literal header field without indexing, new name, no Huffman coding (RFC 7541 §6.2.2).
pub fn literal(out: &mut Vec<u8>, name: &str, value: &[u8]) {
    out.push(0x00);
    hpack_int(out, 0x00, 7, name.len());
    out.extend_from_slice(name.as_bytes());
    hpack_int(out, 0x00, 7, value.len());
    out.extend_from_slice(value);
}

/// The header block of `GET path` over h2c.
pub fn request_block(path: &str) -> Vec<u8> {
    let mut block = Vec::new();
    literal(&mut block, ":method", b"GET");
    literal(&mut block, ":scheme", b"http");
    literal(&mut block, ":path", path.as_bytes());
    literal(&mut block, ":authority", b"gate.test");
    block
}

/// A frame the server sent.
#[derive(Debug, Clone)]
pub struct Frame {
    pub kind: u8,
    pub flags: u8,
    pub stream: u32,
    pub payload: Vec<u8>,
}

impl Frame {
    /// The error code of a RST_STREAM or GOAWAY frame.
    pub fn error_code(&self) -> Option<u32> {
        let at = match self.kind {
            RST_STREAM => 0,
            GOAWAY => 4,
            _ => return None,
        };
        let bytes = self.payload.get(at..at + 4)?;
        Some(u32::from_be_bytes(bytes.try_into().ok()?))
    }
}

/// Reads one frame; `None` at a clean end of the connection.
pub async fn read_frame(read: &mut (impl AsyncRead + Unpin)) -> std::io::Result<Option<Frame>> {
    let mut head = [0u8; 9];
    match read.read_exact(&mut head).await {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let len = u32::from_be_bytes([0, head[0], head[1], head[2]]) as usize;
    let mut payload = vec![0u8; len];
    read.read_exact(&mut payload).await?;
    Ok(Some(Frame {
        kind: head[3],
        flags: head[4],
        stream: u32::from_be_bytes([head[5], head[6], head[7], head[8]]) & 0x7fff_ffff,
        payload,
    }))
}

/// What the server did on a raw connection so far.
#[derive(Debug, Default, Clone)]
pub struct Seen {
    /// The first GOAWAY's error code and when it came.
    pub goaway: Option<(u32, Instant)>,
    /// When the connection ended (EOF or reset), if it did.
    pub closed: Option<Instant>,
    /// RST_STREAM error codes, by stream.
    pub resets: HashMap<u32, u32>,
    /// Streams the server answered with a HEADERS frame.
    pub answered: HashSet<u32>,
    /// Frames seen, by type.
    pub counts: HashMap<u8, u64>,
}

/// A raw HTTP/2 connection after the preface and the SETTINGS exchange. Unless opened with
/// `reading: false`, a task reads what the server sends into a [`Seen`].
pub struct RawConn {
    pub write: OwnedWriteHalf,
    seen: Arc<Mutex<Seen>>,
    /// Owns the read half; aborted on drop, which closes the socket.
    reader: Option<JoinHandle<()>>,
}

impl Drop for RawConn {
    fn drop(&mut self) {
        if let Some(reader) = self.reader.take() {
            reader.abort();
        }
    }
}

impl RawConn {
    /// Connects, sends the preface and `client_settings`, waits for the server's SETTINGS and
    /// acknowledges them. With `reading` false nothing more is read (a peer that lets replies pile up).
    pub async fn open(addr: SocketAddr, client_settings: &[(u16, u32)], reading: bool) -> RawConn {
        let stream = TcpStream::connect(addr).await.unwrap();
        stream.set_nodelay(true).unwrap();
        let (mut read, mut write) = stream.into_split();
        write.write_all(PREFACE).await.unwrap();
        write.write_all(&settings(client_settings)).await.unwrap();
        loop {
            let frame = tokio::time::timeout(Duration::from_secs(5), read_frame(&mut read))
                .await
                .expect("the server's SETTINGS within 5 s")
                .unwrap()
                .expect("the server's SETTINGS before it closed");
            if frame.kind == SETTINGS && frame.flags & ACK == 0 {
                break;
            }
        }
        write
            .write_all(&frame(SETTINGS, ACK, 0, &[]))
            .await
            .unwrap();
        let seen = Arc::new(Mutex::new(Seen::default()));
        let reader = if reading {
            tokio::spawn(watch(read, Arc::clone(&seen)))
        } else {
            tokio::spawn(async move {
                let _unread = read;
                std::future::pending::<()>().await
            })
        };
        RawConn {
            write,
            seen,
            reader: Some(reader),
        }
    }

    /// Sends bytes, waiting at most `limit`; false once the server has closed or reset the
    /// connection, or stopped reading for that long.
    pub async fn send_within(&mut self, bytes: &[u8], limit: Duration) -> bool {
        matches!(
            tokio::time::timeout(limit, self.write.write_all(bytes)).await,
            Ok(Ok(()))
        )
    }

    pub async fn send(&mut self, bytes: &[u8]) -> bool {
        self.send_within(bytes, Duration::from_secs(5)).await
    }

    /// What the server sent so far.
    pub fn seen(&self) -> Seen {
        self.seen.lock().unwrap().clone()
    }

    /// Waits up to `limit` for the server to close, then returns what it sent (`closed` is `None`
    /// if it did not close).
    pub async fn outcome(mut self, limit: Duration) -> Seen {
        if let Some(reader) = self.reader.as_mut() {
            let _ = tokio::time::timeout(limit, reader).await;
        }
        self.seen()
    }
}

async fn watch(mut read: OwnedReadHalf, seen: Arc<Mutex<Seen>>) {
    loop {
        let frame = match read_frame(&mut read).await {
            Ok(Some(frame)) => frame,
            Ok(None) | Err(_) => break,
        };
        let mut seen = seen.lock().unwrap();
        *seen.counts.entry(frame.kind).or_default() += 1;
        match frame.kind {
            GOAWAY if seen.goaway.is_none() => {
                seen.goaway = Some((frame.error_code().unwrap_or(u32::MAX), Instant::now()));
            }
            RST_STREAM => {
                let code = frame.error_code().unwrap_or(u32::MAX);
                seen.resets.insert(frame.stream, code);
            }
            HEADERS => {
                seen.answered.insert(frame.stream);
            }
            _ => {}
        }
    }
    seen.lock().unwrap().closed = Some(Instant::now());
}
