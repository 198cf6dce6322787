//! The PROXY protocol, versions 1 (text) and 2 (binary), as an L4 balancer sends it before anything
//! else on a connection: who the client was (docs/proxy-protocol.md#the-proxy-header).
//!
//! Hand-written rather than a crate: the header is small and fully specified (haproxy's
//! `doc/proxy-protocol.txt`), and the reader must consume exactly the header's bytes from the socket, so
//! that what follows (a TLS ClientHello, an HTTP/2 preface the h2c sniffer peeks at) is left untouched.
//! [`parse`] is pure and tested with proptest; [`read_header`] peeks, parses and then reads exactly the
//! header's length.
//!
//! Accepted: v1 `TCP4`/`TCP6`/`UNKNOWN`; v2 `PROXY` over TCP/IPv4 and TCP/IPv6, and its `PP2_TYPE_SSL`
//! TLV (the client spoke TLS to the balancer). v2 `LOCAL`, v1 `UNKNOWN` and the families a receiver need
//! not support (UNSPEC, UNIX, UDP) mean "use the socket's addresses", as the specification asks.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

/// The v2 signature (`\r\n\r\n\0\r\nQUIT\n`).
pub const V2_SIGNATURE: &[u8; 12] = b"\r\n\r\n\0\r\nQUIT\n";
const V1_PREFIX: &[u8] = b"PROXY ";
/// A v1 line is at most 107 bytes, CRLF included (the specification's bound).
const V1_MAX: usize = 107;
/// The largest v2 header accepted: the fixed 16 bytes, addresses and TLVs. Balancers send a few dozen
/// bytes of TLVs (AWS adds a VPC endpoint id); a longer header is refused rather than buffered.
pub const V2_MAX: usize = 1024;
/// `PP2_TYPE_SSL` and its `PP2_CLIENT_SSL` bit.
const PP2_TYPE_SSL: u8 = 0x20;
const PP2_CLIENT_SSL: u8 = 0x01;

/// What a PROXY header says about the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxyHeader {
    /// The balancer relayed a client: its address, and the address it connected to.
    Proxied {
        source: SocketAddr,
        destination: SocketAddr,
        /// v2 with a `PP2_TYPE_SSL` TLV whose client bit is set: the client used TLS to the balancer.
        ssl: bool,
    },
    /// v2 `LOCAL` (the balancer's own health check), v1 `UNKNOWN`, or an address family ajpgate does
    /// not relay: the socket's addresses stand.
    Local,
}

/// Why a connection's opening bytes are not an acceptable PROXY header.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProxyError {
    #[error("the connection does not start with a PROXY header")]
    Missing,
    #[error("PROXY v1 line without CRLF within 107 bytes")]
    V1TooLong,
    #[error("PROXY v1 line malformed: {0}")]
    V1Malformed(&'static str),
    #[error("PROXY v2 version {0} is not 2")]
    V2Version(u8),
    #[error("PROXY v2 command {0} is neither LOCAL nor PROXY")]
    V2Command(u8),
    #[error("PROXY v2 header of {0} bytes is longer than {V2_MAX}")]
    V2TooLong(usize),
    #[error("PROXY v2 address block shorter than its family needs")]
    V2ShortAddresses,
    #[error("PROXY v2 TLV runs past the header")]
    V2BadTlv,
    #[error("the connection closed inside the PROXY header")]
    Closed,
    #[error("no complete PROXY header within {0:?}")]
    TimedOut(Duration),
    #[error("reading the PROXY header: {0}")]
    Io(String),
}

/// The outcome of parsing what has arrived so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    /// A whole header of `len` bytes.
    Complete { header: ProxyHeader, len: usize },
    /// What arrived is the start of a header; more is needed.
    Incomplete,
}

/// Parses a PROXY header at the start of `input` (which may go on past it).
pub fn parse(input: &[u8]) -> Result<Parsed, ProxyError> {
    if starts_like(input, V2_SIGNATURE) {
        if input.len() < V2_SIGNATURE.len() {
            return Ok(Parsed::Incomplete);
        }
        return parse_v2(input);
    }
    if starts_like(input, V1_PREFIX) {
        if input.len() < V1_PREFIX.len() {
            return Ok(Parsed::Incomplete);
        }
        return parse_v1(input);
    }
    Err(ProxyError::Missing)
}

/// Whether `input` and `prefix` agree on their common length.
fn starts_like(input: &[u8], prefix: &[u8]) -> bool {
    let n = input.len().min(prefix.len());
    input[..n] == prefix[..n]
}

fn parse_v1(input: &[u8]) -> Result<Parsed, ProxyError> {
    // The CR must leave room for its LF within the 107 bytes.
    let window = &input[..input.len().min(V1_MAX - 1)];
    let Some(cr) = window.iter().position(|&b| b == b'\r') else {
        return if input.len() >= V1_MAX - 1 {
            Err(ProxyError::V1TooLong)
        } else {
            Ok(Parsed::Incomplete)
        };
    };
    match input.get(cr + 1) {
        None => return Ok(Parsed::Incomplete),
        Some(b'\n') => {}
        Some(_) => return Err(ProxyError::V1Malformed("CR not followed by LF")),
    }
    let len = cr + 2;
    let line = std::str::from_utf8(&input[V1_PREFIX.len()..cr])
        .map_err(|_| ProxyError::V1Malformed("not ASCII"))?;
    let header = v1_fields(line)?;
    Ok(Parsed::Complete { header, len })
}

/// `TCP4 src dst sport dport`, `TCP6 …`, or `UNKNOWN` followed by anything.
fn v1_fields(line: &str) -> Result<ProxyHeader, ProxyError> {
    if line == "UNKNOWN" || line.starts_with("UNKNOWN ") {
        return Ok(ProxyHeader::Local);
    }
    let fields: Vec<&str> = line.split(' ').collect();
    let [family, source, destination, source_port, destination_port] = fields[..] else {
        return Err(ProxyError::V1Malformed("not five fields after PROXY"));
    };
    let (source, destination): (IpAddr, IpAddr) = match family {
        "TCP4" => (
            v1_address::<Ipv4Addr>(source)?.into(),
            v1_address::<Ipv4Addr>(destination)?.into(),
        ),
        "TCP6" => (
            v1_address::<Ipv6Addr>(source)?.into(),
            v1_address::<Ipv6Addr>(destination)?.into(),
        ),
        _ => {
            return Err(ProxyError::V1Malformed(
                "family is not TCP4, TCP6 or UNKNOWN",
            ));
        }
    };
    Ok(ProxyHeader::Proxied {
        source: SocketAddr::new(source, v1_port(source_port)?),
        destination: SocketAddr::new(destination, v1_port(destination_port)?),
        ssl: false,
    })
}

fn v1_address<A: std::str::FromStr>(text: &str) -> Result<A, ProxyError> {
    text.parse()
        .map_err(|_| ProxyError::V1Malformed("address does not match its family"))
}

/// A port in decimal, 0 to 65535, without sign or leading zeros.
fn v1_port(text: &str) -> Result<u16, ProxyError> {
    let digits = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    if !digits || text.len() > 1 && text.starts_with('0') {
        return Err(ProxyError::V1Malformed("port is not a decimal number"));
    }
    text.parse()
        .map_err(|_| ProxyError::V1Malformed("port is larger than 65535"))
}

fn parse_v2(input: &[u8]) -> Result<Parsed, ProxyError> {
    let Some(&version_command) = input.get(12) else {
        return Ok(Parsed::Incomplete);
    };
    if version_command >> 4 != 2 {
        return Err(ProxyError::V2Version(version_command >> 4));
    }
    let command = version_command & 0x0F;
    if command > 1 {
        return Err(ProxyError::V2Command(command));
    }
    let Some(fixed) = input.get(..16) else {
        return Ok(Parsed::Incomplete);
    };
    let len = 16 + usize::from(u16::from_be_bytes([fixed[14], fixed[15]]));
    if len > V2_MAX {
        return Err(ProxyError::V2TooLong(len));
    }
    let Some(body) = input.get(16..len) else {
        return Ok(Parsed::Incomplete);
    };
    let header = if command == 0 {
        // LOCAL: the receiver must ignore the address block and use the socket's addresses.
        ProxyHeader::Local
    } else {
        v2_addresses(fixed[13], body)?
    };
    Ok(Parsed::Complete { header, len })
}

/// The address block of a v2 PROXY command, and the TLVs after it.
fn v2_addresses(family_transport: u8, body: &[u8]) -> Result<ProxyHeader, ProxyError> {
    // TCP over IPv4: 4 + 4 address bytes; over IPv6: 16 + 16; then 2 + 2 port bytes.
    let (source, destination, used): (IpAddr, IpAddr, usize) = match family_transport {
        0x11 => {
            let block = body.get(..12).ok_or(ProxyError::V2ShortAddresses)?;
            (
                bytes::<4>(&block[..4]).into(),
                bytes::<4>(&block[4..8]).into(),
                8,
            )
        }
        0x21 => {
            let block = body.get(..36).ok_or(ProxyError::V2ShortAddresses)?;
            (
                bytes::<16>(&block[..16]).into(),
                bytes::<16>(&block[16..32]).into(),
                32,
            )
        }
        // UNSPEC, UNIX, UDP: a receiver falls back to the socket's addresses.
        _ => return Ok(ProxyHeader::Local),
    };
    let port = |at: usize| u16::from_be_bytes([body[at], body[at + 1]]);
    Ok(ProxyHeader::Proxied {
        source: SocketAddr::new(source, port(used)),
        destination: SocketAddr::new(destination, port(used + 2)),
        ssl: client_ssl(&body[used + 4..])?,
    })
}

/// The first `N` bytes of `slice`, which has at least that many.
fn bytes<const N: usize>(slice: &[u8]) -> [u8; N] {
    let mut out = [0u8; N];
    out.copy_from_slice(&slice[..N]);
    out
}

/// Walks the TLVs; true when a `PP2_TYPE_SSL` TLV has the `PP2_CLIENT_SSL` bit.
fn client_ssl(mut tlvs: &[u8]) -> Result<bool, ProxyError> {
    let mut ssl = false;
    while !tlvs.is_empty() {
        let head = tlvs.get(..3).ok_or(ProxyError::V2BadTlv)?;
        let len = usize::from(u16::from_be_bytes([head[1], head[2]]));
        let value = tlvs.get(3..3 + len).ok_or(ProxyError::V2BadTlv)?;
        if head[0] == PP2_TYPE_SSL {
            // client (1 byte), verify (4 bytes), then sub-TLVs.
            let client = *value.first().ok_or(ProxyError::V2BadTlv)?;
            ssl = client & PP2_CLIENT_SSL != 0;
        }
        tlvs = &tlvs[3 + len..];
    }
    Ok(ssl)
}

/// Reads the PROXY header at the start of `stream` within `timeout`, consuming exactly its bytes.
///
/// Looks with `peek` until a whole header is there (waiting a moment when only part of it has
/// arrived), then reads that many bytes. Whatever the peer sent after the header stays unread.
pub async fn read_header(
    stream: &mut TcpStream,
    timeout: Duration,
) -> Result<ProxyHeader, ProxyError> {
    match tokio::time::timeout(timeout, read_header_untimed(stream)).await {
        Ok(result) => result,
        Err(_) => Err(ProxyError::TimedOut(timeout)),
    }
}

async fn read_header_untimed(stream: &mut TcpStream) -> Result<ProxyHeader, ProxyError> {
    let mut seen = vec![0u8; V2_MAX];
    let mut last = 0;
    loop {
        let n = stream
            .peek(&mut seen)
            .await
            .map_err(|e| ProxyError::Io(e.to_string()))?;
        if n == 0 {
            return Err(ProxyError::Closed);
        }
        match parse(&seen[..n])? {
            Parsed::Complete { header, len } => {
                // Nothing else reads the stream until this returns: the bytes peeked are the bytes read.
                let mut consumed = vec![0u8; len];
                stream
                    .read_exact(&mut consumed)
                    .await
                    .map_err(|e| ProxyError::Io(e.to_string()))?;
                return Ok(header);
            }
            Parsed::Incomplete if n == last => {
                // peek returns at once while nothing new has arrived; wait for more.
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            Parsed::Incomplete => last = n,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn v2(command: u8, family: u8, body: &[u8]) -> Vec<u8> {
        let mut out = V2_SIGNATURE.to_vec();
        out.push(0x20 | command);
        out.push(family);
        out.extend_from_slice(&(body.len() as u16).to_be_bytes());
        out.extend_from_slice(body);
        out
    }

    fn v4_block() -> Vec<u8> {
        let mut block = vec![203, 0, 113, 7, 10, 0, 0, 5];
        block.extend_from_slice(&51234u16.to_be_bytes());
        block.extend_from_slice(&443u16.to_be_bytes());
        block
    }

    fn proxied(source: &str, destination: &str, ssl: bool) -> ProxyHeader {
        ProxyHeader::Proxied {
            source: source.parse().unwrap(),
            destination: destination.parse().unwrap(),
            ssl,
        }
    }

    #[test]
    fn v1_tcp4_tcp6_and_unknown() {
        let line = b"PROXY TCP4 203.0.113.7 10.0.0.5 51234 443\r\nGET / HTTP/1.1\r\n";
        assert_eq!(
            parse(line),
            Ok(Parsed::Complete {
                header: proxied("203.0.113.7:51234", "10.0.0.5:443", false),
                len: 43
            })
        );
        let six = b"PROXY TCP6 2001:db8::1 2001:db8::2 1 65535\r\n";
        assert!(matches!(
            parse(six),
            Ok(Parsed::Complete { header, len: 44 }) if header == proxied("[2001:db8::1]:1", "[2001:db8::2]:65535", false)
        ));
        for unknown in [
            &b"PROXY UNKNOWN\r\n"[..],
            b"PROXY UNKNOWN ff::1 ::1 1 2\r\n",
        ] {
            assert_eq!(
                parse(unknown),
                Ok(Parsed::Complete {
                    header: ProxyHeader::Local,
                    len: unknown.len()
                })
            );
        }
    }

    #[test]
    fn v1_malformed_lines_are_refused() {
        for bad in [
            &b"PROXY TCP4 203.0.113.7 10.0.0.5 51234\r\n"[..],
            b"PROXY TCP4 2001:db8::1 10.0.0.5 1 2\r\n",
            b"PROXY TCP6 1.2.3.4 5.6.7.8 1 2\r\n",
            b"PROXY TCP4 1.2.3.4 5.6.7.8 1 65536\r\n",
            b"PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n",
            b"PROXY TCP4 1.2.3.4 5.6.7.8 +1 2\r\n",
            b"PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n",
            b"PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n",
            b"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\rX",
        ] {
            assert!(
                matches!(parse(bad), Err(ProxyError::V1Malformed(_))),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
        let long = [b"PROXY ".as_slice(), &[b'x'; 120]].concat();
        assert_eq!(parse(&long), Err(ProxyError::V1TooLong));
        let longest = [b"PROXY UNKNOWN ".as_slice(), &[b'x'; 91], b"\r\n"].concat();
        assert_eq!(longest.len(), 107);
        assert!(matches!(
            parse(&longest),
            Ok(Parsed::Complete { len: 107, .. })
        ));
        let one_more = [b"PROXY UNKNOWN ".as_slice(), &[b'x'; 92], b"\r\n"].concat();
        assert_eq!(parse(&one_more), Err(ProxyError::V1TooLong));
        assert_eq!(parse(b"GET / HTTP/1.1\r\n"), Err(ProxyError::Missing));
        assert_eq!(parse(b"\x16\x03\x01"), Err(ProxyError::Missing));
    }

    #[test]
    fn v2_proxy_local_and_other_families() {
        let header = v2(1, 0x11, &v4_block());
        assert_eq!(
            parse(&header),
            Ok(Parsed::Complete {
                header: proxied("203.0.113.7:51234", "10.0.0.5:443", false),
                len: 28
            })
        );
        let mut six = vec![0u8; 36];
        six[0] = 0x20;
        six[1] = 0x01;
        six[15] = 1;
        six[31] = 2;
        six[32..34].copy_from_slice(&80u16.to_be_bytes());
        six[34..36].copy_from_slice(&8080u16.to_be_bytes());
        assert!(matches!(
            parse(&v2(1, 0x21, &six)),
            Ok(Parsed::Complete { header, len: 52 }) if header == proxied("[2001::1]:80", "[::2]:8080", false)
        ));
        // LOCAL ignores whatever address block it carries; UNSPEC, UDP and UNIX fall back too.
        for (command, family) in [(0, 0x00), (0, 0x11), (1, 0x00), (1, 0x12), (1, 0x31)] {
            assert_eq!(
                parse(&v2(command, family, &v4_block())),
                Ok(Parsed::Complete {
                    header: ProxyHeader::Local,
                    len: 28
                }),
                "command {command} family {family:#x}"
            );
        }
    }

    #[test]
    fn v2_ssl_tlv_and_refusals() {
        let mut body = v4_block();
        body.extend_from_slice(&[0x04, 0x00, 0x02, b'i', b'd']); // PP2_TYPE_UNIQUE_ID
        body.extend_from_slice(&[0x20, 0x00, 0x05, 0x01, 0, 0, 0, 0]); // SSL, client bit
        let parsed = parse(&v2(1, 0x11, &body));
        assert!(matches!(
            parsed,
            Ok(Parsed::Complete {
                header: ProxyHeader::Proxied { ssl: true, .. },
                ..
            })
        ));
        body.truncate(body.len() - 2);
        assert_eq!(parse(&v2(1, 0x11, &body)), Err(ProxyError::V2BadTlv));
        assert_eq!(
            parse(&v2(1, 0x11, &[1, 2, 3])),
            Err(ProxyError::V2ShortAddresses)
        );
        assert_eq!(
            parse(&v2(2, 0x11, &v4_block())),
            Err(ProxyError::V2Command(2))
        );
        let mut v1_in_v2 = v2(1, 0x11, &v4_block());
        v1_in_v2[12] = 0x11;
        assert_eq!(parse(&v1_in_v2), Err(ProxyError::V2Version(1)));
        let mut long = v2(1, 0x11, &v4_block());
        long[14..16].copy_from_slice(&2000u16.to_be_bytes());
        assert_eq!(parse(&long), Err(ProxyError::V2TooLong(2016)));
    }

    fn any_header() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            (
                any::<[u8; 4]>(),
                any::<[u8; 4]>(),
                any::<u16>(),
                any::<u16>()
            )
                .prop_map(|(s, d, sp, dp)| {
                    format!(
                        "PROXY TCP4 {} {} {sp} {dp}\r\n",
                        Ipv4Addr::from(s),
                        Ipv4Addr::from(d)
                    )
                    .into_bytes()
                }),
            (
                any::<[u8; 16]>(),
                any::<[u8; 16]>(),
                any::<u16>(),
                any::<u16>()
            )
                .prop_map(|(s, d, sp, dp)| {
                    format!(
                        "PROXY TCP6 {} {} {sp} {dp}\r\n",
                        Ipv6Addr::from(s),
                        Ipv6Addr::from(d)
                    )
                    .into_bytes()
                }),
            (
                any::<[u8; 12]>(),
                proptest::collection::vec(any::<u8>(), 0..40)
            )
                .prop_map(|(block, tlv)| {
                    let mut body = block.to_vec();
                    body.extend_from_slice(&[0xE0, 0, tlv.len() as u8]);
                    body.extend_from_slice(&tlv);
                    v2(1, 0x11, &body)
                }),
        ]
    }

    proptest! {
        /// A valid header followed by anything parses to its own length; every proper prefix of it
        /// asks for more.
        #[test]
        fn whole_headers_parse_and_prefixes_wait(header in any_header(), rest in proptest::collection::vec(any::<u8>(), 0..64)) {
            let input = [header.as_slice(), &rest].concat();
            let parsed = parse(&input);
            prop_assert!(matches!(parsed, Ok(Parsed::Complete { len, header: ProxyHeader::Proxied { .. } }) if len == header.len()), "{:?}", parsed);
            for cut in 0..header.len() {
                prop_assert_eq!(parse(&header[..cut]), Ok(Parsed::Incomplete));
            }
        }

        /// Arbitrary bytes never panic, and a complete result never claims more than was given.
        #[test]
        fn arbitrary_bytes_are_safe(prefix in 0usize..3, bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let lead: &[u8] = [&b""[..], b"PROXY ", &V2_SIGNATURE[..]][prefix];
            let input = [lead, &bytes].concat();
            if let Ok(Parsed::Complete { len, .. }) = parse(&input) {
                prop_assert!(len <= input.len());
            }
        }
    }
}
