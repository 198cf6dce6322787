//! The numbers AJP13 puts on the wire: magics, message types, method codes, coded header names and
//! attribute codes (docs/ajp13.md#message-types, Tomcat's `Constants.java`).
//!
//! Every table is a plain `match` so that an unknown code is an ordinary `None`, never an index past an
//! array.

/// Magic of a packet sent by the web server (ajpgate) to the container (Tomcat).
pub const MAGIC_TO_CONTAINER: [u8; 2] = [0x12, 0x34];
/// Magic of a packet sent by the container to the web server: `"AB"`.
pub const MAGIC_FROM_CONTAINER: [u8; 2] = [0x41, 0x42];

/// Frame header: two magic bytes and an int16 payload length.
pub const HEADER_LEN: usize = 4;

/// Default `max_packet_size` of mod_jk and Tomcat (`packetSize`).
pub const DEFAULT_MAX_PACKET_SIZE: usize = 8192;
/// Smallest `max_packet_size` mod_jk and Tomcat accept.
pub const MIN_MAX_PACKET_SIZE: usize = 8192;
/// Largest `max_packet_size` mod_jk accepts.
pub const MAX_MAX_PACKET_SIZE: usize = 65536;

/// Largest request-body data one body packet can carry: frame header and the int16 chunk length.
pub const fn max_request_body_chunk(max_packet_size: usize) -> usize {
    max_packet_size - HEADER_LEN - 2
}

/// Largest response-body data one SEND_BODY_CHUNK can carry: frame header, type, int16 length, NUL.
pub const fn max_response_body_chunk(max_packet_size: usize) -> usize {
    max_packet_size - HEADER_LEN - 4
}

/// Message type byte (first payload byte) of every typed AJP13 message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum MessageType {
    ForwardRequest = 0x02,
    SendBodyChunk = 0x03,
    SendHeaders = 0x04,
    EndResponse = 0x05,
    GetBodyChunk = 0x06,
    Shutdown = 0x07,
    Ping = 0x08,
    CPong = 0x09,
    CPing = 0x0A,
}

impl MessageType {
    pub fn from_u8(code: u8) -> Option<Self> {
        Some(match code {
            0x02 => Self::ForwardRequest,
            0x03 => Self::SendBodyChunk,
            0x04 => Self::SendHeaders,
            0x05 => Self::EndResponse,
            0x06 => Self::GetBodyChunk,
            0x07 => Self::Shutdown,
            0x08 => Self::Ping,
            0x09 => Self::CPong,
            0x0A => Self::CPing,
            _ => return None,
        })
    }

    /// The name `ajpgate decode` prints.
    pub fn name(self) -> &'static str {
        match self {
            Self::ForwardRequest => "FORWARD_REQUEST",
            Self::SendBodyChunk => "SEND_BODY_CHUNK",
            Self::SendHeaders => "SEND_HEADERS",
            Self::EndResponse => "END_RESPONSE",
            Self::GetBodyChunk => "GET_BODY_CHUNK",
            Self::Shutdown => "SHUTDOWN",
            Self::Ping => "PING",
            Self::CPong => "CPONG",
            Self::CPing => "CPING",
        }
    }
}

/// Method byte value meaning "the real method is in the stored_method attribute".
pub const METHOD_STORED: u8 = 0xFF;

/// The 27 HTTP methods AJP13 codes as one byte (code 1 = OPTIONS … 27 = MKACTIVITY).
const METHODS: [&str; 27] = [
    "OPTIONS",
    "GET",
    "HEAD",
    "POST",
    "PUT",
    "DELETE",
    "TRACE",
    "PROPFIND",
    "PROPPATCH",
    "MKCOL",
    "COPY",
    "MOVE",
    "LOCK",
    "UNLOCK",
    "ACL",
    "REPORT",
    "VERSION-CONTROL",
    "CHECKIN",
    "CHECKOUT",
    "UNCHECKOUT",
    "SEARCH",
    "MKWORKSPACE",
    "UPDATE",
    "LABEL",
    "MERGE",
    "BASELINE-CONTROL",
    "MKACTIVITY",
];

/// Name of a coded method, `None` for 0, 28..=255.
pub fn method_name(code: u8) -> Option<&'static str> {
    METHODS.get(usize::from(code).checked_sub(1)?).copied()
}

/// Code of a method name. Exact and case-sensitive, as in mod_jk: `get` is not GET.
pub fn method_code(name: &[u8]) -> Option<u8> {
    METHODS
        .iter()
        .position(|m| m.as_bytes() == name)
        .map(|i| i as u8 + 1)
}

/// High byte of an int16 that stands for a coded header name instead of a string length.
pub const CODED_HEADER_PREFIX: u8 = 0xA0;

/// Request header names coded 0xA001..=0xA00E (index 1..=14).
const REQUEST_HEADERS: [&str; 14] = [
    "Accept",
    "Accept-Charset",
    "Accept-Encoding",
    "Accept-Language",
    "Authorization",
    "Connection",
    "Content-Type",
    "Content-Length",
    "Cookie",
    "Cookie2",
    "Host",
    "Pragma",
    "Referer",
    "User-Agent",
];

/// Canonical name of coded request header 0xA0`index`.
pub fn request_header_name(index: u8) -> Option<&'static str> {
    REQUEST_HEADERS
        .get(usize::from(index).checked_sub(1)?)
        .copied()
}

/// The code index mod_jk would use for a request header name, compared case-insensitively.
///
/// mod_jk never codes `Accept-Charset`, `Accept-Encoding` or `Accept-Language` (a 6-byte comparison quirk
/// since 1.2.25, docs/ajp13.md#request-header-codes); ajpgate does the same so that Tomcat sees byte-identical requests.
pub fn request_header_index(name: &[u8]) -> Option<u8> {
    let index = REQUEST_HEADERS
        .iter()
        .position(|h| h.as_bytes().eq_ignore_ascii_case(name))? as u8
        + 1;
    match index {
        2..=4 => None,
        i => Some(i),
    }
}

/// Response header names coded 0xA001..=0xA00B (index 1..=11).
const RESPONSE_HEADERS: [&str; 11] = [
    "Content-Type",
    "Content-Language",
    "Content-Length",
    "Date",
    "Last-Modified",
    "Location",
    "Set-Cookie",
    "Set-Cookie2",
    "Servlet-Engine",
    "Status",
    "WWW-Authenticate",
];

/// Canonical name of coded response header 0xA0`index`.
pub fn response_header_name(index: u8) -> Option<&'static str> {
    RESPONSE_HEADERS
        .get(usize::from(index).checked_sub(1)?)
        .copied()
}

/// The code index Tomcat uses for a response header name: exact, case-sensitive match (docs/tomcat.md#response-headers).
pub fn response_header_index(name: &[u8]) -> Option<u8> {
    RESPONSE_HEADERS
        .iter()
        .position(|h| h.as_bytes() == name)
        .map(|i| i as u8 + 1)
}

/// Attribute codes of a FORWARD_REQUEST (docs/ajp13.md#attributes).
pub mod attr {
    pub const CONTEXT: u8 = 0x01;
    pub const SERVLET_PATH: u8 = 0x02;
    pub const REMOTE_USER: u8 = 0x03;
    pub const AUTH_TYPE: u8 = 0x04;
    pub const QUERY_STRING: u8 = 0x05;
    pub const ROUTE: u8 = 0x06;
    pub const SSL_CERT: u8 = 0x07;
    pub const SSL_CIPHER: u8 = 0x08;
    pub const SSL_SESSION: u8 = 0x09;
    pub const REQ_ATTRIBUTE: u8 = 0x0A;
    pub const SSL_KEY_SIZE: u8 = 0x0B;
    pub const SECRET: u8 = 0x0C;
    pub const STORED_METHOD: u8 = 0x0D;
    /// Not an attribute: the byte that ends the attribute list and the message.
    pub const ARE_DONE: u8 = 0xFF;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn method_table_matches_the_reference() {
        assert_eq!(method_name(1), Some("OPTIONS"));
        assert_eq!(method_name(2), Some("GET"));
        assert_eq!(method_name(27), Some("MKACTIVITY"));
        assert_eq!(method_name(0), None);
        assert_eq!(method_name(28), None);
        assert_eq!(method_name(METHOD_STORED), None);
        for code in 1..=27u8 {
            assert_eq!(
                method_code(method_name(code).unwrap().as_bytes()),
                Some(code)
            );
        }
        assert_eq!(method_code(b"get"), None);
        assert_eq!(method_code(b"PATCH"), None);
    }

    #[test]
    fn request_header_coding_follows_mod_jk() {
        assert_eq!(request_header_index(b"accept"), Some(0x01));
        assert_eq!(request_header_index(b"Accept-Language"), None);
        assert_eq!(request_header_index(b"accept-encoding"), None);
        assert_eq!(request_header_index(b"CONTENT-LENGTH"), Some(0x08));
        assert_eq!(request_header_index(b"user-agent"), Some(0x0E));
        assert_eq!(request_header_index(b"X-Foo"), None);
        assert_eq!(request_header_name(0x0B), Some("Host"));
        assert_eq!(request_header_name(0x0F), None);
        assert_eq!(request_header_name(0), None);
    }

    #[test]
    fn response_header_coding_is_case_sensitive_like_tomcat() {
        assert_eq!(response_header_index(b"Set-Cookie"), Some(0x07));
        assert_eq!(response_header_index(b"set-cookie"), None);
        assert_eq!(response_header_name(0x0B), Some("WWW-Authenticate"));
        assert_eq!(response_header_name(0x0C), None);
    }
}
