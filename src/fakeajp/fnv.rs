//! FNV-1a 64: the checksum `/echo` and `/upload` report for a request body.
//!
//! Why FNV and not SHA-256: the fake backend only has to prove that the bytes a client sent are the bytes
//! that arrived (no truncation, reordering or duplication by the gateway), not resist an attacker. FNV-1a
//! is five lines, needs no crate, and streams: each body packet is hashed as it arrives, so an upload of
//! any size is checked without ever being held in memory.

/// An incremental FNV-1a 64-bit hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fnv1a64(u64);

impl Fnv1a64 {
    const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;

    pub fn new() -> Self {
        Self(Self::OFFSET_BASIS)
    }

    /// Feeds more bytes; hashing `a` then `b` equals hashing `a ++ b`.
    pub fn update(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(Self::PRIME);
        }
    }

    pub fn value(&self) -> u64 {
        self.0
    }

    /// The value as 16 lower-case hex digits, the form the fake backend prints.
    pub fn hex(&self) -> String {
        format!("{:016x}", self.0)
    }

    /// Hash of one whole byte string.
    pub fn of(bytes: &[u8]) -> Self {
        let mut hash = Self::new();
        hash.update(bytes);
        hash
    }
}

impl Default for Fnv1a64 {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_test_vectors() {
        assert_eq!(Fnv1a64::of(b"").hex(), "cbf29ce484222325");
        assert_eq!(Fnv1a64::of(b"a").hex(), "af63dc4c8601ec8c");
        assert_eq!(Fnv1a64::of(b"foobar").hex(), "85944171f73967e8");
    }

    #[test]
    fn streaming_equals_one_shot() {
        let mut hash = Fnv1a64::new();
        hash.update(b"foo");
        hash.update(b"");
        hash.update(b"bar");
        assert_eq!(hash, Fnv1a64::of(b"foobar"));
    }
}
