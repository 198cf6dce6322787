//! Which requests are upgrades, and the heads that cross the relay.
//!
//! A request is an upgrade when it names a protocol in `Upgrade` and lists `upgrade` in `Connection`
//! (RFC 9110 §7.8: a server ignores an `Upgrade` its `Connection` does not name). The member gets the
//! client's head with the hop-by-hop fields removed as RFC 9110 §7.6.1 says (`Connection`, the fields it
//! names, `Keep-Alive`, `Proxy-Connection`, `TE`, `Trailer`, `Transfer-Encoding`, `Upgrade`), then
//! `Connection: Upgrade` and the client's `Upgrade` put back, `Host` as the client sent it, the last
//! hop appended to `X-Forwarded-For` and the client's scheme in `X-Forwarded-Proto`.

use std::net::IpAddr;

use bytes::Bytes;
use http::header::{CONNECTION, HOST, TE, TRAILER, TRANSFER_ENCODING, UPGRADE};
use http::request::Parts;
use http::{HeaderMap, HeaderName, HeaderValue, Request, StatusCode};
use http_body_util::Empty;

const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
const X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");
const KEEP_ALIVE: HeaderName = HeaderName::from_static("keep-alive");
const PROXY_CONNECTION: HeaderName = HeaderName::from_static("proxy-connection");

/// What the member is told about the client.
#[derive(Debug, Clone, Copy)]
pub struct Forwarding {
    /// The client as ajpgate believes it (after a trusted PROXY header or proxy).
    pub client: IpAddr,
    /// The socket's peer: the last hop.
    pub peer: IpAddr,
    /// The client's connection is secure (TLS to ajpgate, or a trusted proxy says so).
    pub is_tls: bool,
}

/// The tokens of every `Connection` field, lower-cased.
fn connection_tokens(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().to_ascii_lowercase())
        .filter(|t| !t.is_empty())
        .collect()
}

/// Whether the request asks to switch to a protocol other than `h2c`. An `h2c` upgrade (what
/// `curl --http2` sends on plain http) is an ordinary request that HTTP/1.1 may answer as such
/// (RFC 9113 deprecates it), so it keeps going over AJP like any request.
pub fn is_upgrade(headers: &HeaderMap) -> bool {
    let named = headers
        .get_all(UPGRADE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|p| !p.is_empty() && !p.eq_ignore_ascii_case("h2c"));
    named && connection_tokens(headers).iter().any(|t| t == "upgrade")
}

/// `headers` without the hop-by-hop fields of RFC 9110 §7.6.1.
fn end_to_end(headers: &HeaderMap) -> HeaderMap {
    let listed = connection_tokens(headers);
    let mut out = HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        let hop = [
            &CONNECTION,
            &KEEP_ALIVE,
            &PROXY_CONNECTION,
            &TE,
            &TRAILER,
            &TRANSFER_ENCODING,
            &UPGRADE,
        ]
        .contains(&name)
            || listed.iter().any(|t| t == name.as_str());
        if !hop {
            out.append(name.clone(), value.clone());
        }
    }
    out
}

/// The head the member gets for an upgrade request whose path (re-encoded, as AJP would send it) and
/// query make `target`. The body is empty: only requests without one take this path.
pub fn member_request(
    parts: &Parts,
    target: Bytes,
    forwarding: Forwarding,
) -> Result<Request<Empty<Bytes>>, http::Error> {
    let mut headers = end_to_end(&parts.headers);
    headers.insert(CONNECTION, HeaderValue::from_static("Upgrade"));
    for value in parts.headers.get_all(UPGRADE) {
        headers.append(UPGRADE, value.clone());
    }
    if !headers.contains_key(HOST)
        && let Some(authority) = parts.uri.authority()
    {
        headers.insert(HOST, HeaderValue::from_str(authority.as_str())?);
    }
    let mut chain: Vec<&str> = headers
        .get_all(&X_FORWARDED_FOR)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    // Each hop appends the address it got the request from. Without a chain that is the client
    // (itself, or the one a balancer's PROXY header named); a chain already names the client, so the
    // peer that brought it is the next hop.
    let hop = if chain.is_empty() {
        forwarding.client
    } else {
        forwarding.peer
    }
    .to_string();
    chain.push(&hop);
    let chain = HeaderValue::from_str(&chain.join(", "))?;
    headers.insert(X_FORWARDED_FOR, chain);
    let proto = if forwarding.is_tls { "https" } else { "http" };
    headers.insert(X_FORWARDED_PROTO, HeaderValue::from_static(proto));
    let mut request = Request::builder()
        .method(parts.method.clone())
        .uri(http::Uri::from_maybe_shared(target)?)
        .body(Empty::new())?;
    *request.headers_mut() = headers;
    Ok(request)
}

/// The member's response fields for the client: all of a 101's (its `Connection` and `Upgrade` are the
/// switch itself), the end-to-end ones of any other status.
pub fn response_headers(status: StatusCode, headers: &HeaderMap) -> HeaderMap {
    if status == StatusCode::SWITCHING_PROTOCOLS {
        headers.clone()
    } else {
        end_to_end(headers)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts_of(headers: &[(&str, &str)]) -> Parts {
        let mut builder = Request::get("/chat?room=1");
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        builder.body(()).unwrap().into_parts().0
    }

    #[test]
    fn an_upgrade_needs_both_fields() {
        let yes = parts_of(&[
            ("connection", "keep-alive, Upgrade"),
            ("upgrade", "websocket"),
        ]);
        assert!(is_upgrade(&yes.headers));
        assert!(!is_upgrade(&parts_of(&[("upgrade", "websocket")]).headers));
        assert!(!is_upgrade(&parts_of(&[("connection", "upgrade")]).headers));
        let blank = parts_of(&[("connection", "upgrade"), ("upgrade", " ")]);
        assert!(!is_upgrade(&blank.headers));
        let h2c = parts_of(&[
            ("connection", "Upgrade, HTTP2-Settings"),
            ("upgrade", "h2c"),
        ]);
        assert!(!is_upgrade(&h2c.headers), "h2c stays an ordinary request");
        let both = parts_of(&[("connection", "upgrade"), ("upgrade", "h2c, websocket")]);
        assert!(is_upgrade(&both.headers));
    }

    #[test]
    fn hop_by_hop_fields_go_and_the_upgrade_stays() {
        let parts = parts_of(&[
            ("host", "app.test"),
            ("connection", "Upgrade, X-Secret"),
            ("upgrade", "websocket"),
            ("x-secret", "hop"),
            ("keep-alive", "timeout=5"),
            ("te", "trailers"),
            ("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="),
            ("x-forwarded-for", "10.0.0.1"),
            ("x-forwarded-proto", "https"),
        ]);
        let forwarding = Forwarding {
            client: "10.0.0.1".parse().unwrap(),
            peer: "192.0.2.7".parse().unwrap(),
            is_tls: false,
        };
        let request =
            member_request(&parts, Bytes::from_static(b"/chat?room=1"), forwarding).unwrap();
        let h = request.headers();
        assert_eq!(request.uri(), "/chat?room=1");
        assert_eq!(h["host"], "app.test");
        assert_eq!(h["connection"], "Upgrade");
        assert_eq!(h["upgrade"], "websocket");
        assert_eq!(h["sec-websocket-key"], "dGhlIHNhbXBsZSBub25jZQ==");
        assert_eq!(
            h["x-forwarded-for"], "10.0.0.1, 192.0.2.7",
            "the peer that brought it"
        );
        assert_eq!(h["x-forwarded-proto"], "http", "the scheme ajpgate saw");
        for gone in ["x-secret", "keep-alive", "te"] {
            assert!(!h.contains_key(gone), "{gone}");
        }
        let direct = member_request(
            &parts_of(&[("upgrade", "websocket"), ("connection", "upgrade")]),
            Bytes::from_static(b"/"),
            Forwarding {
                client: "198.51.100.1".parse().unwrap(),
                peer: "192.0.2.7".parse().unwrap(),
                is_tls: true,
            },
        )
        .unwrap();
        assert_eq!(
            direct.headers()["x-forwarded-for"],
            "198.51.100.1",
            "a balancer's client"
        );
        assert_eq!(direct.headers()["x-forwarded-proto"], "https");
    }

    #[test]
    fn a_refusal_loses_its_hop_by_hop_fields_and_a_switch_keeps_them() {
        let mut headers = HeaderMap::new();
        headers.insert(CONNECTION, HeaderValue::from_static("upgrade"));
        headers.insert(UPGRADE, HeaderValue::from_static("websocket"));
        headers.insert("content-type", HeaderValue::from_static("text/plain"));
        let switched = response_headers(StatusCode::SWITCHING_PROTOCOLS, &headers);
        assert_eq!(switched.len(), 3);
        let refused = response_headers(StatusCode::BAD_REQUEST, &headers);
        assert_eq!(refused.len(), 1);
        assert!(refused.contains_key("content-type"));
    }
}
