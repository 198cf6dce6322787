//! An HTTP request becomes a FORWARD_REQUEST the way mod_jk builds one (docs/ajp13.md#forward-request-layout).
//!
//! Faithful to mod_jk: every request header is forwarded, in order, coded where mod_jk codes it. A body-less
//! request gets `content-length: 0`; a chunked one loses its Content-Length. The query string goes only in
//! its attribute. The req_attributes AJP_REMOTE_PORT, AJP_LOCAL_ADDR and JK_LB_ACTIVATION are always sent.
//!
//! Where ajpgate differs, on purpose:
//! * Header names reach Tomcat lower-case, as hyper reads them. Tomcat compares names case-insensitively.
//! * Repeated request headers stay separate instead of being merged with ", " the way httpd merges them.
//!   Merging breaks repeated Cookie headers.
//! * Requests whose framing could smuggle a second request are refused with 400: conflicting
//!   Content-Length values, or a transfer coding other than chunked. (httpd refuses these before mod_jk
//!   runs.) For Content-Length together with `Transfer-Encoding: chunked`, hyper applies RFC 9112 §6.1
//!   before this code sees the request: the body is read as chunked, the Content-Length is dropped, and
//!   the client connection is closed after the response. Tomcat never sees both.
//!
//! Only the attributes listed above are ever added: nothing the client sends becomes an attribute.

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http::header::{CONTENT_LENGTH, COOKIE, HOST, TRANSFER_ENCODING};
use http::request::Parts;
use http::{Method, Version};

use crate::ajp::{Attribute, ForwardRequest, HeaderName, MethodCode};
use crate::backend::BodyKind;
use crate::config::{NormalizeError, latin1, normalize};
use crate::tls::TlsFacts;

/// The facts of the client connection: its addresses and, over TLS, the handshake's.
#[derive(Debug, Clone)]
pub struct ConnectionInfo {
    /// The client as ajpgate believes it: the socket's peer, or what a listed balancer's PROXY header
    /// or a trusted proxy's `X-Forwarded-For` said (see `super::client_addr`). Tomcat's `remote_addr`.
    pub client: SocketAddr,
    /// Where the HTTP request came from: the socket's peer, or the client a listed balancer's PROXY
    /// header named (an L4 balancer is not an HTTP hop). `X-Forwarded-For` walks start here, and a
    /// proxy appending to that header appends this address.
    pub peer: SocketAddr,
    pub local: SocketAddr,
    pub tls: Option<Arc<TlsFacts>>,
    /// A trusted balancer's or proxy's word on whether the client used TLS to it (PROXY v2 SSL TLV,
    /// `X-Forwarded-Proto`); when given it decides `is_ssl` instead of this socket.
    pub secure_by_proxy: Option<bool>,
}

impl ConnectionInfo {
    /// A connection whose peer is the client.
    pub fn direct(client: SocketAddr, local: SocketAddr, tls: Option<Arc<TlsFacts>>) -> Self {
        Self {
            client,
            peer: client,
            local,
            tls,
            secure_by_proxy: None,
        }
    }

    /// Whether the client's connection is secure: TLS to ajpgate, or to a trusted proxy that says so.
    pub fn is_tls(&self) -> bool {
        self.secure_by_proxy.unwrap_or(self.tls.is_some())
    }
}

/// Per-worker values that go into every request.
#[derive(Debug, Clone, Default)]
pub struct ForwardSettings<'a> {
    /// The worker's secret, already in wire form.
    pub secret: Option<&'a Bytes>,
    pub route: Option<&'a str>,
    /// `ACT`, `DIS` or `STP`.
    pub activation: &'a str,
    /// `server_name` when the client named no host: the chosen virtual host's ServerName, as httpd
    /// gives it to mod_jk; without one, the local address.
    pub server_name: Option<&'a str>,
}

impl ForwardSettings<'_> {
    /// No secret and no route, activation ACT: a plan puts in the values of the worker each attempt
    /// goes to (see `crate::gateway::Forward::plan`).
    pub const FOR_PLAN: ForwardSettings<'static> = ForwardSettings {
        secret: None,
        route: None,
        activation: "ACT",
        server_name: None,
    };
}

/// Why a request cannot be forwarded. The client gets 400 and its connection is closed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RequestError {
    #[error("Content-Length together with Transfer-Encoding")]
    LengthAndChunked,
    #[error("conflicting or invalid Content-Length")]
    BadContentLength,
    #[error("unsupported Transfer-Encoding (only chunked is accepted)")]
    BadTransferEncoding,
    #[error("invalid Host header")]
    BadHost,
}

/// How the client framed its body, after refusing ambiguous framings.
pub fn body_kind(parts: &Parts) -> Result<BodyKind, RequestError> {
    let headers = &parts.headers;
    let chunked = match headers.get_all(TRANSFER_ENCODING).iter().count() {
        0 => false,
        1 => {
            let value = headers
                .get(TRANSFER_ENCODING)
                .map(|v| v.as_bytes())
                .unwrap_or_default();
            if !value.trim_ascii().eq_ignore_ascii_case(b"chunked") {
                return Err(RequestError::BadTransferEncoding);
            }
            true
        }
        _ => return Err(RequestError::BadTransferEncoding),
    };
    let mut length: Option<u64> = None;
    for value in headers.get_all(CONTENT_LENGTH) {
        let parsed = std::str::from_utf8(value.as_bytes())
            .ok()
            .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|s| s.parse::<u64>().ok())
            .ok_or(RequestError::BadContentLength)?;
        if length.is_some_and(|l| l != parsed) {
            return Err(RequestError::BadContentLength);
        }
        length = Some(parsed);
    }
    match (chunked, length) {
        (true, Some(_)) => Err(RequestError::LengthAndChunked),
        (true, None) => Ok(BodyKind::Chunked),
        (false, Some(0) | None) => Ok(BodyKind::Empty),
        (false, Some(n)) => Ok(BodyKind::Length(n)),
    }
}

/// [`body_kind`], and for HTTP/2, whose requests need no Content-Length: a body that does not end with
/// the headers (`ends_with_head` false) has an unknown length and is forwarded as a chunked one is.
pub fn framing(parts: &Parts, ends_with_head: bool) -> Result<BodyKind, RequestError> {
    let kind = body_kind(parts)?;
    let unknown_length = parts.version == Version::HTTP_2
        && !ends_with_head
        && !parts.headers.contains_key(CONTENT_LENGTH);
    Ok(if unknown_length {
        BodyKind::Chunked
    } else {
        kind
    })
}

/// The host the client named: the Host field, else the target's authority (HTTP/2, absolute form).
pub fn named_host(parts: &Parts) -> Result<Option<&str>, RequestError> {
    let field = parts.headers.get(HOST);
    let field = field
        .map(|h| h.to_str().map_err(|_| RequestError::BadHost))
        .transpose()?;
    Ok(field.or_else(|| parts.uri.authority().map(|a| a.as_str())))
}

/// Host name and port as the client addressed them: `server_name` and `server_port`; without a
/// host, `fallback_name` (else the local address) and the scheme's port.
fn server_name_and_port(
    parts: &Parts,
    conn: &ConnectionInfo,
    fallback_name: Option<&str>,
) -> Result<(Bytes, u16), RequestError> {
    // Without a port the client meant the scheme's default, which is what httpd reports to mod_jk.
    let default_port = if conn.is_tls() { 443 } else { 80 };
    let Some(host) = named_host(parts)? else {
        let name = fallback_name.map_or_else(|| conn.local.ip().to_string(), str::to_owned);
        return Ok((Bytes::from(name), default_port));
    };
    let authority: http::uri::Authority = host.parse().map_err(|_| RequestError::BadHost)?;
    let port = authority.port_u16().unwrap_or(default_port);
    Ok((Bytes::copy_from_slice(authority.host().as_bytes()), port))
}

fn protocol(version: Version) -> &'static str {
    match version {
        Version::HTTP_09 => "HTTP/0.9",
        Version::HTTP_10 => "HTTP/1.0",
        Version::HTTP_2 => "HTTP/2.0",
        Version::HTTP_3 => "HTTP/3.0",
        _ => "HTTP/1.1",
    }
}

/// Builds the FORWARD_REQUEST for `parts`, sending `req_uri` as the path (see [`forwarded_uri`]).
pub fn forward_request(
    parts: &Parts,
    req_uri: Bytes,
    kind: BodyKind,
    conn: &ConnectionInfo,
    settings: &ForwardSettings<'_>,
) -> Result<ForwardRequest, RequestError> {
    let (server_name, server_port) = server_name_and_port(parts, conn, settings.server_name)?;
    let method = MethodCode::for_name(parts.method.as_str().as_bytes());

    let mut headers = Vec::with_capacity(parts.headers.len() + 2);
    let h2 = parts.version == Version::HTTP_2;
    if h2 && !parts.headers.contains_key(HOST) {
        // HTTP/2 carries the host in `:authority`; Tomcat reads a Host header (as mod_http2 makes one).
        if let Some(authority) = parts.uri.authority() {
            headers.push((
                HeaderName::for_request(b"host"),
                Bytes::copy_from_slice(authority.as_str().as_bytes()),
            ));
        }
    }
    for (name, value) in &parts.headers {
        if name == CONTENT_LENGTH && kind == BodyKind::Chunked || h2 && name == COOKIE {
            continue;
        }
        headers.push((
            HeaderName::for_request(name.as_str().as_bytes()),
            Bytes::copy_from_slice(value.as_bytes()),
        ));
    }
    if h2 && parts.headers.contains_key(COOKIE) {
        headers.push((HeaderName::for_request(b"cookie"), merged_cookies(parts)));
    }
    if kind == BodyKind::Empty && !parts.headers.contains_key(CONTENT_LENGTH) {
        headers.push((
            HeaderName::for_request(b"content-length"),
            Bytes::from_static(b"0"),
        ));
    }

    let mut attributes = Vec::with_capacity(8);
    if let Some(secret) = settings.secret {
        attributes.push(Attribute::Secret(secret.clone()));
    }
    if let Some(query) = parts.uri.query() {
        attributes.push(Attribute::QueryString(Bytes::copy_from_slice(
            query.as_bytes(),
        )));
    }
    if let Some(route) = settings.route {
        attributes.push(Attribute::Route(crate::config::latin1_bytes(route).into()));
    }
    if let Some(tls) = &conn.tls {
        push_tls_attributes(&mut attributes, tls);
    }
    if method == MethodCode::STORED {
        attributes.push(Attribute::StoredMethod(Bytes::copy_from_slice(
            parts.method.as_str().as_bytes(),
        )));
    }
    let req_attribute = |name: &'static str, value: String| Attribute::ReqAttribute {
        name: Bytes::from_static(name.as_bytes()),
        value: Bytes::from(value),
    };
    if let Some(tls) = &conn.tls {
        attributes.push(req_attribute("AJP_SSL_PROTOCOL", tls.protocol.to_owned()));
    }
    attributes.push(req_attribute(
        "AJP_REMOTE_PORT",
        conn.client.port().to_string(),
    ));
    attributes.push(req_attribute("AJP_LOCAL_ADDR", conn.local.ip().to_string()));
    attributes.push(req_attribute(
        "JK_LB_ACTIVATION",
        settings.activation.to_owned(),
    ));

    Ok(ForwardRequest {
        method,
        protocol: Some(Bytes::from_static(protocol(parts.version).as_bytes())),
        req_uri: Some(req_uri),
        remote_addr: Some(Bytes::from(conn.client.ip().to_string())),
        remote_host: None,
        server_name: Some(server_name),
        server_port,
        is_ssl: conn.is_tls(),
        headers,
        attributes,
    })
}

/// HTTP/2 lets a client split Cookie into one field per cookie (RFC 9113 §8.2.3); Tomcat, like an
/// HTTP/1.1 server, expects one header, so they are joined with "; " as mod_http2 joins them.
fn merged_cookies(parts: &Parts) -> Bytes {
    let values: Vec<&[u8]> = parts
        .headers
        .get_all(COOKIE)
        .iter()
        .map(|v| v.as_bytes())
        .collect();
    Bytes::from(values.join(&b"; "[..]))
}

/// The SSL attributes in mod_jk's order (`ajp_marshal_into_msgb`): certificate, cipher, session id,
/// key size. A connection without a client certificate sends no certificate attribute.
fn push_tls_attributes(attributes: &mut Vec<Attribute>, tls: &TlsFacts) {
    if let Some(cert) = &tls.client_cert {
        attributes.push(Attribute::SslCert(cert.clone()));
    }
    attributes.push(Attribute::SslCipher(Bytes::from_static(
        tls.cipher.as_bytes(),
    )));
    if !tls.session_id.is_empty() {
        attributes.push(Attribute::SslSession(Bytes::from(tls.session_id.clone())));
    }
    attributes.push(Attribute::SslKeySize(tls.key_bits));
}

/// Why a request path cannot be mapped.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PathError {
    /// A `%` not followed by two hex digits: 400, as httpd answers.
    #[error("malformed %-escape in the path")]
    BadEscape,
    /// `%2F` or `%00`: 404, as httpd answers with its default `AllowEncodedSlashes Off`.
    #[error("encoded '/' or NUL in the path")]
    EncodedSlashOrNul,
    /// A `..` segment climbs above `/`: 400.
    #[error("a '..' segment climbs above the root")]
    AboveRoot,
    /// mod_jk's normalisation refused it: 400.
    #[error("{0}")]
    Normalize(NormalizeError),
}

impl PathError {
    pub fn status(&self) -> http::StatusCode {
        match self {
            Self::BadEscape | Self::AboveRoot | Self::Normalize(_) => http::StatusCode::BAD_REQUEST,
            Self::EncodedSlashOrNul => http::StatusCode::NOT_FOUND,
        }
    }
}

/// A request path as ajpgate decides on it, and as Tomcat receives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestPath {
    /// Decoded, dot segments resolved, normalised (CVE-2018-11759), one character per byte as the
    /// configuration was read (so `?` matches one byte, as in mod_jk). Every mapping and access
    /// decision uses this path.
    pub mapped: String,
    /// The same path re-encoded for Tomcat ([`forwarded_uri`]), never a variant it would have to
    /// normalise again.
    pub forwarded: Bytes,
}

/// The path pipeline, run once per request: decode, resolve dot segments, normalise.
pub fn request_path(raw: &str) -> Result<RequestPath, PathError> {
    let decoded = decode_path(raw)?;
    let resolved = resolve_dot_segments(&decoded)?;
    let mapped = normalize(&latin1(&resolved)).map_err(PathError::Normalize)?;
    Ok(RequestPath {
        mapped,
        forwarded: forwarded_uri(&resolved),
    })
}

/// Decodes %-escapes in a request path the way httpd does before mod_jk sees `r->uri`. Mapping and
/// every access decision work on this decoded path, after [`crate::config::normalize`]; the
/// backend receives [`forwarded_uri`] of it.
pub fn decode_path(raw: &str) -> Result<Vec<u8>, PathError> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'%' {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        let hex = bytes.get(i + 1..i + 3).ok_or(PathError::BadEscape)?;
        let value = std::str::from_utf8(hex)
            .ok()
            .and_then(|h| u8::from_str_radix(h, 16).ok())
            .filter(|_| hex.iter().all(u8::is_ascii_hexdigit))
            .ok_or(PathError::BadEscape)?;
        if value == b'/' || value == 0 {
            return Err(PathError::EncodedSlashOrNul);
        }
        out.push(value);
        i += 3;
    }
    Ok(out)
}

/// httpd's own pass over the decoded path before mod_jk sees it (`ap_getparents` and MergeSlashes):
/// `//` merged and `.`/`..` segments removed literally. A segment with `;` parameters is an ordinary
/// segment here; mod_jk strips parameters only afterwards, and doing it in the other order would let
/// `/excluded/;x/..` reach what an exclusion forbids. Climbing above the root is an error (400).
pub fn resolve_dot_segments(decoded: &[u8]) -> Result<Vec<u8>, PathError> {
    let mut segments: Vec<&[u8]> = Vec::new();
    let mut trailing_slash = decoded.ends_with(b"/");
    for segment in decoded.split(|&b| b == b'/').skip(1) {
        match segment {
            b"" => continue,
            b"." => trailing_slash = true,
            b".." => {
                segments.pop().ok_or(PathError::AboveRoot)?;
                trailing_slash = true;
            }
            other => {
                segments.push(other);
                trailing_slash = false;
            }
        }
    }
    if decoded.ends_with(b"/") {
        trailing_slash = true;
    }
    let mut out = Vec::with_capacity(decoded.len());
    for segment in &segments {
        out.push(b'/');
        out.extend_from_slice(segment);
    }
    if segments.is_empty() || trailing_slash {
        out.push(b'/');
    }
    Ok(out)
}

/// The path Tomcat receives, built as mod_jk's default `JkOptions +ForwardURIProxy` builds it from
/// httpd's `r->uri` ([`resolve_dot_segments`] of the decoded path): re-encoded so that only
/// `A-Z a-z 0-9 / ~ $ - _ . + ! * ' ( ) , ; : @ & =` stay literal. So Tomcat gets exactly the path
/// ajpgate mapped, and never has to normalise it again.
pub fn forwarded_uri(resolved: &[u8]) -> Bytes {
    let mut out = Vec::with_capacity(resolved.len() + 8);
    for &b in resolved {
        if b.is_ascii_alphanumeric() || b"/~$-_.+!*'(),;:@&=".contains(&b) {
            out.push(b);
        } else {
            out.extend_from_slice(format!("%{b:02X}").as_bytes());
        }
    }
    Bytes::from(out)
}

/// Methods a retry cannot harm (RFC 9110 §9.2.2).
pub fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE | Method::PUT | Method::DELETE
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::Request;

    fn parts(builder: http::request::Builder) -> Parts {
        builder.body(()).unwrap().into_parts().0
    }

    fn conn() -> ConnectionInfo {
        ConnectionInfo::direct(
            "192.0.2.10:51234".parse().unwrap(),
            "10.0.0.5:80".parse().unwrap(),
            None,
        )
    }

    #[test]
    fn get_is_built_like_mod_jk_builds_it() {
        let p = parts(
            Request::get("/app/hello?x=1")
                .header("host", "www.example.com")
                .header("user-agent", "curl/8.0")
                .header("accept", "*/*"),
        );
        let kind = body_kind(&p).unwrap();
        assert_eq!(kind, BodyKind::Empty);
        let settings = ForwardSettings {
            secret: None,
            route: None,
            activation: "ACT",
            server_name: None,
        };
        let request = forward_request(
            &p,
            Bytes::copy_from_slice(p.uri.path().as_bytes()),
            kind,
            &conn(),
            &settings,
        )
        .unwrap();
        // docs/ajp13.md#example-a-plain-get, field for field, including the added content-length: 0.
        assert_eq!(request, crate::ajp::tests_support::sample_request());
    }

    #[test]
    fn secret_query_stored_method_and_always_present_attributes_in_order() {
        let p = parts(
            Request::builder()
                .method("PATCH")
                .uri("/x?")
                .header("host", "h:8080"),
        );
        let settings = ForwardSettings {
            secret: Some(&Bytes::from_static(b"s3cret")),
            route: Some("node1"),
            activation: "DIS",
            server_name: None,
        };
        let r = forward_request(
            &p,
            Bytes::copy_from_slice(p.uri.path().as_bytes()),
            BodyKind::Empty,
            &conn(),
            &settings,
        )
        .unwrap();
        assert_eq!(r.method, MethodCode::STORED);
        assert_eq!(r.server_port, 8080);
        assert_eq!(r.server_name.as_deref(), Some(&b"h"[..]));
        let names: Vec<&str> = r.attributes.iter().map(|a| a.name()).collect();
        assert_eq!(
            names,
            [
                "secret",
                "query_string",
                "route",
                "stored_method",
                "req_attribute",
                "req_attribute",
                "req_attribute"
            ]
        );
        assert_eq!(
            r.attributes[1],
            Attribute::QueryString(Bytes::new()),
            "a bare ? is an empty query"
        );
        assert_eq!(r.method_name(), Some(&b"PATCH"[..]));
    }

    #[test]
    fn no_query_string_attribute_without_a_question_mark() {
        let p = parts(Request::get("/x").header("host", "h"));
        let r = forward_request(
            &p,
            Bytes::copy_from_slice(p.uri.path().as_bytes()),
            BodyKind::Empty,
            &conn(),
            &ForwardSettings::default(),
        )
        .unwrap();
        assert!(
            !r.attributes
                .iter()
                .any(|a| matches!(a, Attribute::QueryString(_)))
        );
    }

    #[test]
    fn client_headers_never_become_attributes() {
        let p = parts(
            Request::get("/x")
                .header("host", "h")
                .header("ajp_remote_port", "1")
                .header("jk_lb_activation", "STP")
                .header("secret", "guess"),
        );
        let r = forward_request(
            &p,
            Bytes::copy_from_slice(p.uri.path().as_bytes()),
            BodyKind::Empty,
            &conn(),
            &ForwardSettings {
                activation: "ACT",
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(r.attributes.len(), 3);
        assert!(
            r.attributes
                .iter()
                .all(|a| matches!(a, Attribute::ReqAttribute { .. }))
        );
        assert_eq!(
            r.headers.len(),
            5,
            "the three odd headers travel as headers"
        );
    }

    #[test]
    fn paths_are_decoded_like_httpd_before_mapping() {
        let text = |p: &str| decode_path(p).map(|b| String::from_utf8(b).unwrap());
        assert_eq!(text("/a%2Eb/%7euser"), Ok("/a.b/~user".into()));
        assert_eq!(text("/%2e%2e/jk-status"), Ok("/../jk-status".into()));
        assert_eq!(decode_path("/a%2Fb"), Err(PathError::EncodedSlashOrNul));
        assert_eq!(decode_path("/a%00"), Err(PathError::EncodedSlashOrNul));
        assert_eq!(decode_path("/a%zz"), Err(PathError::BadEscape));
        assert_eq!(decode_path("/a%2"), Err(PathError::BadEscape));
        assert_eq!(decode_path("/a%+1"), Err(PathError::BadEscape));
        assert_eq!(text("/caf%C3%A9"), Ok("/café".into()));
        assert!(decode_path("/%ff").is_ok());
    }

    #[test]
    fn the_forwarded_uri_is_the_mapped_path_re_encoded_like_mod_jk() {
        let f = |p: &str| forwarded_uri(&resolve_dot_segments(&decode_path(p).unwrap()).unwrap());
        assert_eq!(f("/app/echo.jsp"), "/app/echo.jsp");
        assert_eq!(f("/app/a%20b/%c3%a9/x"), "/app/a%20b/%C3%A9/x");
        assert_eq!(f("/app/ech%6F.jsp"), "/app/echo.jsp");
        assert_eq!(f("/app/x;jsessionid=A.n1"), "/app/x;jsessionid=A.n1");
        assert_eq!(f("/app/%3B%2C%7E"), "/app/;,~");
        assert_eq!(f("/app//x/./y/../z"), "/app/x/z");
        assert_eq!(f("/app/x/"), "/app/x/");
        assert_eq!(f("/app/x/."), "/app/x/");
        assert_eq!(f("/app/x/.."), "/app/");
        assert_eq!(f("/"), "/");
        assert_eq!(f("/a%22b%3Cc"), "/a%22b%3Cc");
        assert_eq!(f("/%ff"), "/%FF");
        // httpd's order: dot segments first, with ";x" an ordinary segment.
        assert_eq!(f("/ex/priv/;x/.."), "/ex/priv/");
        assert_eq!(f("/x/;y/../jk-status"), "/x/jk-status");
        assert_eq!(
            resolve_dot_segments(b"/a/../../b"),
            Err(PathError::AboveRoot)
        );
    }

    #[test]
    fn chunked_loses_content_length_and_smuggling_shapes_are_refused() {
        let p = parts(
            Request::post("/x")
                .header("host", "h")
                .header("transfer-encoding", "chunked"),
        );
        assert_eq!(body_kind(&p), Ok(BodyKind::Chunked));
        let r = forward_request(
            &p,
            Bytes::copy_from_slice(p.uri.path().as_bytes()),
            BodyKind::Chunked,
            &conn(),
            &ForwardSettings::default(),
        )
        .unwrap();
        assert!(r.header_values("content-length").next().is_none());

        let both = parts(
            Request::post("/x")
                .header("transfer-encoding", "chunked")
                .header("content-length", "3"),
        );
        assert_eq!(body_kind(&both), Err(RequestError::LengthAndChunked));
        let two = parts(
            Request::post("/x")
                .header("content-length", "3")
                .header("content-length", "4"),
        );
        assert_eq!(body_kind(&two), Err(RequestError::BadContentLength));
        let same = parts(
            Request::post("/x")
                .header("content-length", "3")
                .header("content-length", "3"),
        );
        assert_eq!(body_kind(&same), Ok(BodyKind::Length(3)));
        let signed = parts(Request::post("/x").header("content-length", "+3"));
        assert_eq!(body_kind(&signed), Err(RequestError::BadContentLength));
        let gzip = parts(Request::post("/x").header("transfer-encoding", "gzip, chunked"));
        assert_eq!(body_kind(&gzip), Err(RequestError::BadTransferEncoding));
    }
}
