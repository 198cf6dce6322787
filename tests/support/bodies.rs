//! Test bodies: stream.jsp's download pattern, checked piece by piece, and a pseudo-random upload
//! generated on the fly, with its checksums.

use std::io::Write;
use std::pin::Pin;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Frame, SizeHint};

/// stream.jsp's byte i.
pub const ALPHABET: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";

/// Checks a download against stream.jsp's pattern piece by piece, without keeping it.
pub struct PatternCheck {
    pub offset: u64,
    reference: Vec<u8>,
}

impl Default for PatternCheck {
    fn default() -> Self {
        Self::new()
    }
}

impl PatternCheck {
    pub fn new() -> Self {
        let reference = (0..36 * 2048)
            .map(|i| ALPHABET[i % 36])
            .collect::<Vec<u8>>();
        Self {
            offset: 0,
            reference,
        }
    }

    /// Feeds the next piece; Err with the first bad offset.
    pub fn feed(&mut self, mut data: &[u8]) -> Result<(), String> {
        let window = self.reference.len() - 36;
        while !data.is_empty() {
            let start = (self.offset % 36) as usize;
            let n = data.len().min(window);
            if data[..n] != self.reference[start..start + n] {
                let bad = (0..n)
                    .find(|&i| data[i] != self.reference[start + i])
                    .unwrap();
                return Err(format!(
                    "byte {} is {:?}, expected {:?}",
                    self.offset + bad as u64,
                    data[bad] as char,
                    self.reference[start + bad] as char
                ));
            }
            self.offset += n as u64;
            data = &data[n..];
        }
        Ok(())
    }
}

/// 64 KiB of xorshift noise; an upload's page p is this block rotated by p × 7919, so moved, lost or
/// repeated pieces change the checksum.
fn noise_block() -> &'static [u8] {
    static BLOCK: OnceLock<Vec<u8>> = OnceLock::new();
    BLOCK.get_or_init(|| {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut out = Vec::with_capacity(65536);
        while out.len() < 65536 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            out.extend_from_slice(&x.to_le_bytes());
        }
        out
    })
}

/// Fills `buf` with the upload bytes at `offset`.
pub fn fill_noise(mut offset: u64, mut buf: &mut [u8]) {
    let block = noise_block();
    while !buf.is_empty() {
        let page = offset / 65536;
        let in_page = (offset % 65536) as usize;
        let rotation = (page * 7919 % 65536) as usize;
        let start = (in_page + rotation) % 65536;
        let n = buf.len().min(65536 - in_page).min(65536 - start);
        buf[..n].copy_from_slice(&block[start..start + n]);
        offset += n as u64;
        buf = &mut buf[n..];
    }
}

pub fn noise(len: usize) -> Vec<u8> {
    let mut v = vec![0; len];
    fill_noise(0, &mut v);
    v
}

/// A request body of `total` noise bytes generated as it is sent, in frames whose sizes cycle
/// through `frames`. With `known_length` hyper sends Content-Length, otherwise chunked.
pub struct NoiseBody {
    total: u64,
    sent: u64,
    frames: Vec<usize>,
    next: usize,
    known_length: bool,
}

impl NoiseBody {
    pub fn new(total: u64, frames: &[usize], known_length: bool) -> Self {
        assert!(!frames.is_empty() && frames.iter().all(|&f| f > 0));
        Self {
            total,
            sent: 0,
            frames: frames.to_vec(),
            next: 0,
            known_length,
        }
    }
}

impl http_body::Body for NoiseBody {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        if this.sent >= this.total {
            return Poll::Ready(None);
        }
        let size = this.frames[this.next % this.frames.len()];
        this.next += 1;
        let n = (this.total - this.sent).min(size as u64) as usize;
        let mut buf = vec![0; n];
        fill_noise(this.sent, &mut buf);
        this.sent += n as u64;
        Poll::Ready(Some(Ok(Frame::data(Bytes::from(buf)))))
    }

    fn is_end_stream(&self) -> bool {
        self.known_length && self.sent >= self.total
    }

    fn size_hint(&self) -> SizeHint {
        if self.known_length {
            SizeHint::with_exact(self.total - self.sent)
        } else {
            SizeHint::default()
        }
    }
}

/// CRC-32 (8 hex digits, as body.jsp prints it) and SHA-256 of the first `len` noise bytes, computed by
/// python3's zlib and hashlib (fast, independent of the code under test).
pub fn noise_checksums(len: u64) -> (String, String) {
    let mut child = Command::new("python3")
        .arg("-c")
        .arg(
            "import sys, zlib, hashlib\n\
             c, h = 0, hashlib.sha256()\n\
             while True:\n\
             \x20   b = sys.stdin.buffer.read(1 << 20)\n\
             \x20   if not b: break\n\
             \x20   c = zlib.crc32(b, c); h.update(b)\n\
             print('%08x %s' % (c & 0xffffffff, h.hexdigest()))\n",
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 for checksums");
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let mut buf = vec![0; 1 << 20];
        let mut offset = 0u64;
        while offset < len {
            let n = (len - offset).min(buf.len() as u64) as usize;
            fill_noise(offset, &mut buf[..n]);
            stdin.write_all(&buf[..n]).unwrap();
            offset += n as u64;
        }
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let (crc, sha) = text
        .trim()
        .split_once(' ')
        .expect("python3 checksum output");
    (crc.to_string(), sha.to_string())
}
