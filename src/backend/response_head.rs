//! SEND_HEADERS becomes the status and headers the client sees: the counterpart of the FORWARD_REQUEST
//! builder in `crate::http::request`.

use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};

use crate::ajp::SendHeaders;

/// Status and headers for the client.
#[derive(Debug)]
pub struct ResponseHead {
    pub status: StatusCode,
    pub headers: HeaderMap,
}

/// Hop-by-hop headers are the connection's business, not the backend's (RFC 9110 §7.6.1).
const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "proxy-authenticate",
];

/// Turns SEND_HEADERS into what the client sees. Headers HTTP cannot carry are dropped with a warning,
/// as Tomcat itself drops unencodable ones.
pub fn response_head(headers: &SendHeaders, worker: &str, conn: u64) -> ResponseHead {
    let status = StatusCode::from_u16(headers.status).unwrap_or_else(|_| {
        tracing::warn!(
            worker,
            conn,
            status = headers.status,
            "invalid status from backend, sending 502"
        );
        StatusCode::BAD_GATEWAY
    });
    let mut map = HeaderMap::with_capacity(headers.headers.len());
    for (name, value) in &headers.headers {
        let raw_name = SendHeaders::header_name(name);
        let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(raw_name),
            HeaderValue::from_bytes(value),
        ) else {
            tracing::warn!(worker, conn, header = %String::from_utf8_lossy(raw_name), "dropping a response header HTTP cannot carry");
            continue;
        };
        if HOP_BY_HOP.contains(&name.as_str()) {
            continue;
        }
        map.append(name, value);
    }
    // A 1xx, 204 or 304 has no content (RFC 9110 §8.6, §15.4.5); Tomcat still announces the error page
    // it did not send. httpd drops these headers too.
    if status.is_informational() || matches!(status.as_u16(), 204 | 304) {
        map.remove(http::header::CONTENT_LENGTH);
        map.remove(http::header::CONTENT_TYPE);
    }
    ResponseHead {
        status,
        headers: map,
    }
}
