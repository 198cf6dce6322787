//! The fake AJP13 container (`ajpgate::fakeajp`) seen from the web-server end, as the gateway will see it.
//!
//! Each test talks to a real fake backend on 127.0.0.1:0 through `Framed<TcpStream, ClientCodec>`, playing
//! mod_jk's part by hand: it sends FORWARD_REQUESTs and body packets the way mod_jk does and checks that
//! the backend answers the way Tomcat 10.1 does, and that every `/fault/...` page produces exactly the
//! broken bytes it promises. Every wait is bounded, so a missing reply fails a test instead of hanging it.

use std::time::{Duration, Instant};

use ajpgate::ajp::{
    Attribute, ClientCodec, CodecError, ErrorKind, ForwardRequest, FromContainer, HeaderName,
    MethodCode, SendHeaders, ToContainer,
};
use ajpgate::fakeajp::{FakeBackend, FakeConfig, Fnv1a64, PATTERN};
use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio_util::codec::Framed;

type Client = Framed<TcpStream, ClientCodec>;

/// Longest wait for something that should happen; only reached when a test is about to fail.
const WAIT: Duration = Duration::from_secs(5);
/// How long "no answer" is waited for.
const QUIET: Duration = Duration::from_millis(150);
/// Largest request-body chunk mod_jk sends and Tomcat asks for at max_packet_size 8192.
const BODY_CHUNK: usize = 8186;

async fn start(config: FakeConfig) -> FakeBackend {
    FakeBackend::start(config).await.expect("bind 127.0.0.1:0")
}

async fn backend() -> FakeBackend {
    start(FakeConfig::default()).await
}

async fn connect(backend: &FakeBackend) -> Client {
    connect_with(backend, ClientCodec::default()).await
}

async fn connect_with(backend: &FakeBackend, codec: ClientCodec) -> Client {
    let stream = TcpStream::connect(backend.addr()).await.expect("connect");
    Framed::new(stream, codec)
}

/// A FORWARD_REQUEST as mod_jk builds it: `uri` may carry `?query`, headers are coded where mod_jk codes
/// them. GET/HEAD requests get mod_jk's `Content-Length: 0` unless one is given.
fn request(method: &str, uri: &str, headers: &[(&str, &str)]) -> ForwardRequest {
    let (path, query) = match uri.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (uri, None),
    };
    let mut headers: Vec<(HeaderName, Bytes)> = headers
        .iter()
        .map(|(name, value)| {
            (
                HeaderName::for_request(name.as_bytes()),
                Bytes::copy_from_slice(value.as_bytes()),
            )
        })
        .collect();
    headers.insert(
        0,
        (
            HeaderName::for_request(b"Host"),
            Bytes::from_static(b"www.example.com"),
        ),
    );
    let method_code = MethodCode::for_name(method.as_bytes());
    let mut attributes = Vec::new();
    if let Some(query) = query {
        attributes.push(Attribute::QueryString(Bytes::copy_from_slice(
            query.as_bytes(),
        )));
    }
    if method_code == MethodCode::STORED {
        attributes.push(Attribute::StoredMethod(Bytes::copy_from_slice(
            method.as_bytes(),
        )));
    }
    let mut request = ForwardRequest {
        method: method_code,
        protocol: Some(Bytes::from_static(b"HTTP/1.1")),
        req_uri: Some(Bytes::copy_from_slice(path.as_bytes())),
        remote_addr: Some(Bytes::from_static(b"192.0.2.10")),
        remote_host: None,
        server_name: Some(Bytes::from_static(b"www.example.com")),
        server_port: 80,
        is_ssl: false,
        headers,
        attributes,
    };
    if matches!(method, "GET" | "HEAD") && request.content_length().is_none() {
        request.headers.push((
            HeaderName::for_request(b"Content-Length"),
            Bytes::from_static(b"0"),
        ));
    }
    request
}

fn get(uri: &str) -> ForwardRequest {
    request("GET", uri, &[])
}

/// The next message, or what ended the stream; panics if nothing comes within [`WAIT`].
async fn next(client: &mut Client) -> Option<Result<FromContainer, CodecError>> {
    tokio::time::timeout(WAIT, client.next())
        .await
        .expect("no reply within 5 s")
}

async fn recv(client: &mut Client) -> FromContainer {
    match next(client).await {
        Some(Ok(message)) => message,
        other => panic!("expected a message, got {other:?}"),
    }
}

/// Asserts that nothing at all arrives for [`QUIET`].
async fn assert_quiet(client: &mut Client) {
    let got = tokio::time::timeout(QUIET, client.next()).await;
    assert!(got.is_err(), "expected silence, got {got:?}");
}

async fn send(client: &mut Client, message: ToContainer) {
    client.send(message).await.expect("send");
}

async fn cping(client: &mut Client) {
    send(client, ToContainer::CPing).await;
    assert_eq!(recv(client).await, FromContainer::CPong);
}

/// Everything the backend sent for one request.
#[derive(Debug, Default)]
struct Response {
    headers: Option<SendHeaders>,
    body: Vec<u8>,
    /// Data length of every SEND_BODY_CHUNK, flushes (0) included.
    chunks: Vec<usize>,
    /// The `requested` of every GET_BODY_CHUNK.
    body_requests: Vec<u16>,
    reuse: Option<bool>,
}

impl Response {
    fn status(&self) -> u16 {
        self.headers.as_ref().expect("SEND_HEADERS").status
    }

    fn header(&self, name: &str) -> Option<String> {
        let headers = self.headers.as_ref()?;
        headers
            .headers
            .iter()
            .find(|(n, _)| SendHeaders::header_name(n).eq_ignore_ascii_case(name.as_bytes()))
            .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
    }

    fn text(&self) -> String {
        String::from_utf8(self.body.clone()).expect("UTF-8 body")
    }

    /// The value of a `key: value` line of a text body.
    fn line(&self, key: &str) -> Option<String> {
        let prefix = format!("{key}: ");
        self.text()
            .lines()
            .find_map(|l| l.strip_prefix(&prefix).map(str::to_owned))
    }
}

/// Sends `request` and `body` as mod_jk does (an unasked first packet when Content-Length > 0, then one
/// packet per GET_BODY_CHUNK, an empty packet once the body is exhausted) and collects the response up to
/// END_RESPONSE.
async fn exchange(client: &mut Client, request: ForwardRequest, body: &[u8]) -> Response {
    let unasked = request.content_length().is_some_and(|l| l > 0);
    send(client, ToContainer::ForwardRequest(Box::new(request))).await;
    let mut rest = body;
    if unasked {
        let (first, tail) = rest.split_at(rest.len().min(BODY_CHUNK));
        send(client, ToContainer::Body(Bytes::copy_from_slice(first))).await;
        rest = tail;
    }
    let mut response = Response::default();
    loop {
        match recv(client).await {
            FromContainer::GetBodyChunk { requested } => {
                response.body_requests.push(requested);
                let n = rest.len().min(BODY_CHUNK).min(usize::from(requested));
                let (chunk, tail) = rest.split_at(n);
                rest = tail;
                let packet = if chunk.is_empty() {
                    ToContainer::EndOfBody
                } else {
                    ToContainer::Body(Bytes::copy_from_slice(chunk))
                };
                send(client, packet).await;
            }
            FromContainer::SendHeaders(headers) => {
                assert!(response.headers.is_none(), "second SEND_HEADERS");
                response.headers = Some(headers);
            }
            FromContainer::SendBodyChunk(chunk) => {
                assert!(chunk.trailing_nul, "Tomcat ends every chunk with a NUL");
                response.chunks.push(chunk.data.len());
                response.body.extend_from_slice(&chunk.data);
            }
            FromContainer::EndResponse { reuse } => {
                response.reuse = Some(reuse);
                return response;
            }
            FromContainer::CPong => panic!("CPONG in the middle of a response"),
        }
    }
}

fn body_of(length: usize) -> Vec<u8> {
    (0..length).map(|i| (i * 7 % 251) as u8).collect()
}

/// Polls until `condition` holds (the backend notices closes asynchronously).
async fn eventually(what: &str, condition: impl Fn() -> bool) {
    let deadline = Instant::now() + WAIT;
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn assert_protocol_error(got: Option<Result<FromContainer, CodecError>>, want: &ErrorKind) {
    match got {
        Some(Err(CodecError::Protocol(err))) => assert_eq!(&err.kind, want),
        other => panic!("expected {want:?}, got {other:?}"),
    }
}

// ---- well-behaved pages ----

#[tokio::test]
async fn cping_is_answered_with_cpong_before_and_between_requests() {
    let backend = backend().await;
    let mut client = connect(&backend).await;
    cping(&mut client).await;
    cping(&mut client).await;
    let response = exchange(&mut client, get("/"), b"").await;
    assert_eq!(response.status(), 200);
    cping(&mut client).await;
    let stats = backend.stats();
    assert_eq!(stats.cpings_received(), 3);
    assert_eq!(stats.cpings_answered(), 3);
}

#[tokio::test]
async fn echo_shows_the_forwarded_fields() {
    let backend = backend().await;
    let mut client = connect(&backend).await;
    let mut req = request(
        "GET",
        "/echo?a=1&b=%20",
        &[
            ("User-Agent", "curl/8.0"),
            ("X-Custom", "one"),
            ("x-custom", "two"),
        ],
    );
    req.is_ssl = true;
    req.server_port = 443;
    req.attributes.push(Attribute::ReqAttribute {
        name: Bytes::from_static(b"AJP_REMOTE_PORT"),
        value: Bytes::from_static(b"51234"),
    });
    req.attributes.push(Attribute::SslKeySize(256));
    let response = exchange(&mut client, req, b"").await;

    let headers = response.headers.as_ref().unwrap();
    assert_eq!(headers.status, 200);
    assert_eq!(
        headers.reason.as_deref(),
        Some(&b"200"[..]),
        "Tomcat's reason"
    );
    // X-Fake-Node first and literal; Content-Type and Content-Length coded, as Tomcat codes them.
    assert_eq!(
        headers.headers[0],
        (
            HeaderName::Named(Bytes::from_static(b"X-Fake-Node")),
            Bytes::from_static(b"node1")
        )
    );
    assert_eq!(headers.headers[1].0, HeaderName::Coded(0x01));
    assert_eq!(headers.headers[2].0, HeaderName::Coded(0x03));
    assert_eq!(
        response.header("Content-Type").as_deref(),
        Some("text/plain")
    );
    assert_eq!(
        response.header("Content-Length"),
        Some(response.body.len().to_string())
    );
    assert!(
        response.body_requests.is_empty(),
        "Content-Length 0: no body read"
    );
    assert_eq!(response.reuse, Some(true));

    let expected = "method: GET\nuri: /echo\nquery: a=1&b=%20\nprotocol: HTTP/1.1\n\
        remote_addr: 192.0.2.10\nremote_host: <null>\nserver_name: www.example.com\n\
        server_port: 443\nis_ssl: true\nheader.host: www.example.com\n\
        header.user-agent: curl/8.0\nheader.x-custom: one\nheader.x-custom: two\n\
        header.content-length: 0\nattr.query_string: a=1&b=%20\n\
        attr.req_attribute.AJP_REMOTE_PORT: 51234\nattr.ssl_key_size: 256\nbody_length: 0\n\
        body_fnv1a64: cbf29ce484222325\n";
    assert_eq!(response.text(), expected);
}

#[tokio::test]
async fn post_with_content_length_is_read_the_tomcat_way() {
    let backend = backend().await;
    let mut client = connect(&backend).await;
    let body = body_of(20000);
    let req = request("POST", "/upload", &[("Content-Length", "20000")]);
    let response = exchange(&mut client, req, &body).await;
    // 8186 unasked, 8186 and 3628 asked for, then one more ask answered with the empty packet
    // (a servlet reading to EOF, docs/tomcat.md#request-bodies rule 4).
    assert_eq!(response.body_requests, [8186, 8186, 8186]);
    assert_eq!(response.status(), 200);
    assert_eq!(response.line("length").as_deref(), Some("20000"));
    assert_eq!(response.line("fnv1a64"), Some(Fnv1a64::of(&body).hex()));
    assert_eq!(response.reuse, Some(true));
    assert_eq!(backend.stats().body_bytes_received(), 20000);
    // The connection is still in step: the next message is read as a message, not as a body packet.
    cping(&mut client).await;
}

#[tokio::test]
async fn read_cl_stops_at_content_length_like_form_parsing() {
    let backend = backend().await;
    let mut client = connect(&backend).await;
    let body = body_of(20000);
    let req = request("POST", "/upload?read=cl", &[("Content-Length", "20000")]);
    let response = exchange(&mut client, req, &body).await;
    assert_eq!(response.body_requests, [8186, 8186]);
    assert_eq!(response.line("length").as_deref(), Some("20000"));
    assert_eq!(response.line("fnv1a64"), Some(Fnv1a64::of(&body).hex()));
    cping(&mut client).await;
}

#[tokio::test]
async fn chunked_upload_is_asked_for_before_every_packet() {
    let backend = backend().await;
    let mut client = connect(&backend).await;
    let body = body_of(30000);
    // No Content-Length: mod_jk sends no unasked packet, Tomcat asks for each one.
    let req = request("POST", "/upload", &[("Transfer-Encoding", "chunked")]);
    let response = exchange(&mut client, req, &body).await;
    // 8186 * 3 + 5442, then the empty packet.
    assert_eq!(response.body_requests, [8186; 5]);
    assert_eq!(response.line("length").as_deref(), Some("30000"));
    assert_eq!(response.line("fnv1a64"), Some(Fnv1a64::of(&body).hex()));

    // An empty chunked body: one ask, answered empty.
    let req = request("POST", "/upload", &[("Transfer-Encoding", "chunked")]);
    let response = exchange(&mut client, req, b"").await;
    assert_eq!(response.body_requests, [8186]);
    assert_eq!(response.line("length").as_deref(), Some("0"));
}

#[tokio::test]
async fn an_ignored_body_costs_only_the_unasked_packet() {
    let backend = backend().await;
    let mut client = connect(&backend).await;
    let body = body_of(20000);
    let req = request("POST", "/bytes?n=10", &[("Content-Length", "20000")]);
    let response = exchange(&mut client, req, &body).await;
    assert!(
        response.body_requests.is_empty(),
        "rule 8: never asks for more"
    );
    assert_eq!(response.body, b"0123456789");
    assert_eq!(response.reuse, Some(true));
    assert_eq!(backend.stats().body_bytes_received(), 8186);
    cping(&mut client).await;
}

#[tokio::test]
async fn bytes_arrive_in_full_chunks() {
    let backend = backend().await;
    let mut client = connect(&backend).await;
    let response = exchange(&mut client, get("/bytes?n=102400"), b"").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.header("Content-Length"), None, "only with cl=1");
    assert_eq!(response.chunks.len(), 13);
    assert!(response.chunks[..12].iter().all(|&c| c == 8184));
    assert_eq!(response.chunks.iter().sum::<usize>(), 102400);
    let expected: Vec<u8> = (0..102400).map(|i| PATTERN[i % 36]).collect();
    assert!(response.body == expected, "pattern bytes");
    assert_eq!(response.reuse, Some(true));
}

#[tokio::test]
async fn bytes_with_chunk_size_flushes_and_length() {
    let backend = backend().await;
    let mut client = connect(&backend).await;
    let response = exchange(
        &mut client,
        get("/bytes?n=2500&chunk=1000&flush=1&cl=1"),
        b"",
    )
    .await;
    assert_eq!(response.chunks, [1000, 0, 1000, 0, 500, 0]);
    assert_eq!(response.header("Content-Length").as_deref(), Some("2500"));
    assert_eq!(
        &response.body[..40],
        b"0123456789abcdefghijklmnopqrstuvwxyz0123"
    );

    // A chunk size above the packet's room is cut to it; HEAD gets headers only.
    let response = exchange(&mut client, get("/bytes?n=9000&chunk=65535"), b"").await;
    assert_eq!(response.chunks, [8184, 816]);
    let head = request("HEAD", "/bytes?n=9000&cl=1", &[]);
    let response = exchange(&mut client, head, b"").await;
    assert!(response.chunks.is_empty());
    assert_eq!(response.header("Content-Length").as_deref(), Some("9000"));
    let head = request("HEAD", &format!("/bytes?n={}", u64::MAX), &[]);
    let response = exchange(&mut client, head, b"").await;
    assert!(
        response.chunks.is_empty(),
        "HEAD ends at once, whatever n says"
    );
}

#[tokio::test]
async fn larger_packet_size_gives_larger_chunks_and_asks() {
    let config = FakeConfig {
        max_packet_size: 16384,
        ..FakeConfig::default()
    };
    let backend = start(config).await;
    let mut client = connect_with(&backend, ClientCodec::new(16384)).await;
    let response = exchange(&mut client, get("/bytes?n=20000"), b"").await;
    assert_eq!(response.chunks, [16376, 3624]);
    let req = request("POST", "/upload", &[("Transfer-Encoding", "chunked")]);
    let response = exchange(&mut client, req, b"abc").await;
    assert_eq!(response.body_requests, [16378, 16378]);
}

#[tokio::test]
async fn secret_mismatch_gets_tomcats_403_and_the_connection_stays_open() {
    let config = FakeConfig {
        secret: Some("s3cret".into()),
        ..FakeConfig::default()
    };
    let backend = start(config).await;
    let mut client = connect(&backend).await;

    let response = exchange(&mut client, get("/echo"), b"").await;
    let headers = response.headers.as_ref().unwrap();
    assert_eq!(headers.status, 403);
    assert_eq!(headers.reason.as_deref(), Some(&b"403"[..]));
    assert_eq!(
        response.header("Content-Type").as_deref(),
        Some("text/html;charset=utf-8")
    );
    assert_eq!(response.header("Content-Language").as_deref(), Some("en"));
    assert_eq!(response.header("X-Fake-Node"), None, "the webapp never ran");
    assert_eq!(response.chunks.len(), 1);
    assert!(response.text().contains("HTTP Status 403"));
    assert_eq!(
        response.header("Content-Length"),
        Some(response.body.len().to_string())
    );
    assert_eq!(response.reuse, Some(false));

    // Tomcat does not close after reuse=0: CPING still works, and so would another request.
    cping(&mut client).await;
    let mut wrong = get("/echo");
    wrong
        .attributes
        .push(Attribute::Secret(Bytes::from_static(b"guess")));
    assert_eq!(exchange(&mut client, wrong, b"").await.status(), 403);

    let mut right = get("/echo");
    right
        .attributes
        .push(Attribute::Secret(Bytes::from_static(b"s3cret")));
    let response = exchange(&mut client, right, b"").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.line("attr.secret").as_deref(), Some("<present>"));
    assert!(!response.text().contains("s3cret"));
    assert_eq!(response.reuse, Some(true));
    assert_eq!(backend.stats().requests_for("/echo"), 3);
}

#[tokio::test]
async fn session_cookie_names_the_route_and_counts_hits() {
    let backend = backend().await;
    let mut client = connect(&backend).await;

    let first = exchange(&mut client, get("/session"), b"").await;
    let cookie = first.header("Set-Cookie").expect("Set-Cookie");
    let id = cookie
        .strip_prefix("JSESSIONID=")
        .and_then(|c| c.strip_suffix("; Path=/; HttpOnly"))
        .unwrap_or_else(|| panic!("cookie {cookie:?}"));
    let (hex, route) = id.split_once('.').unwrap();
    assert_eq!(route, "node1");
    assert_eq!(hex.len(), 32);
    assert!(
        hex.chars()
            .all(|c| c.is_ascii_digit() || ('A'..='F').contains(&c))
    );
    // Coded as Tomcat codes Set-Cookie.
    let headers = &first.headers.as_ref().unwrap().headers;
    assert!(headers.iter().any(|(n, _)| *n == HeaderName::Coded(0x07)));
    assert_eq!(first.line("node").as_deref(), Some("node1"));
    assert_eq!(first.line("session").as_deref(), Some(id));
    assert_eq!(first.line("hits").as_deref(), Some("1"));

    let cookie_header = format!("other=1; JSESSIONID={id}");
    let again = request("GET", "/session", &[("Cookie", &cookie_header)]);
    let again = exchange(&mut client, again, b"").await;
    assert_eq!(again.header("Set-Cookie"), None);
    assert_eq!(again.line("session").as_deref(), Some(id));
    assert_eq!(again.line("hits").as_deref(), Some("2"));

    let by_path = get(&format!("/session;jsessionid={id}"));
    let by_path = exchange(&mut client, by_path, b"").await;
    assert_eq!(by_path.line("hits").as_deref(), Some("3"));

    // Another node's id is unknown here: a new session, as Tomcat does without JvmRouteBinderValve.
    let foreign = request(
        "GET",
        "/session",
        &[(
            "Cookie",
            "JSESSIONID=0123456789ABCDEF0123456789ABCDEF.node2",
        )],
    );
    let foreign = exchange(&mut client, foreign, b"").await;
    assert!(foreign.header("Set-Cookie").is_some());
    assert_ne!(foreign.line("session").as_deref(), Some(id));
    assert_eq!(foreign.line("hits").as_deref(), Some("1"));
    assert_eq!(backend.stats().requests_for("/session"), 4);
}

#[tokio::test]
async fn default_page_names_the_route_and_counts() {
    let config = FakeConfig {
        route: "node7".into(),
        ..FakeConfig::default()
    };
    let backend = start(config).await;
    let mut client = connect(&backend).await;
    let first = exchange(&mut client, get("/app/index.jsp"), b"").await;
    assert_eq!(
        first.header("Content-Type").as_deref(),
        Some("text/html;charset=UTF-8")
    );
    assert_eq!(first.header("X-Fake-Node").as_deref(), Some("node7"));
    let html = first.text();
    assert!(html.contains("node: node7"), "{html}");
    assert!(html.contains("path: /app/index.jsp"), "{html}");
    assert!(html.contains("hits: 1"), "{html}");
    let second = exchange(&mut client, get("/other"), b"").await;
    assert!(second.text().contains("hits: 2"));
}

#[tokio::test]
async fn keep_alive_serves_many_requests_on_one_connection() {
    let backend = backend().await;
    let mut client = connect(&backend).await;
    for path in ["/", "/echo", "/bytes?n=100", "/session", "/x"] {
        let response = exchange(&mut client, get(path), b"").await;
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.reuse, Some(true), "{path}");
    }
    let stats = backend.stats();
    assert_eq!(stats.connections_accepted(), 1);
    assert_eq!(stats.forward_requests(), 5);
}

#[tokio::test]
async fn slow_pages_pause_where_they_say() {
    let backend = backend().await;
    let mut client = connect(&backend).await;
    let started = Instant::now();
    let response = exchange(&mut client, get("/slow?ms=100"), b"").await;
    assert!(started.elapsed() >= Duration::from_millis(100));
    assert_eq!(response.text(), "slept 100 ms\n");

    send(
        &mut client,
        ToContainer::ForwardRequest(Box::new(get("/slow-body?ms=100"))),
    )
    .await;
    assert!(matches!(
        recv(&mut client).await,
        FromContainer::SendHeaders(_)
    ));
    let FromContainer::SendBodyChunk(first) = recv(&mut client).await else {
        panic!("first chunk")
    };
    assert_eq!(&first.data[..], b"first part\n");
    let FromContainer::SendBodyChunk(flush) = recv(&mut client).await else {
        panic!("flush")
    };
    assert!(flush.data.is_empty());
    let paused = Instant::now();
    let FromContainer::SendBodyChunk(rest) = recv(&mut client).await else {
        panic!("rest")
    };
    assert!(paused.elapsed() >= Duration::from_millis(90));
    assert_eq!(&rest.data[..], b"second part\n");
    assert_eq!(
        recv(&mut client).await,
        FromContainer::EndResponse { reuse: true }
    );
}

#[tokio::test]
async fn stats_count_connections_requests_and_errors() {
    let backend = backend().await;
    let stats = backend.stats();
    {
        let mut a = connect(&backend).await;
        let mut b = connect(&backend).await;
        exchange(&mut a, get("/x"), b"").await;
        exchange(&mut a, get("/x"), b"").await;
        exchange(&mut b, get("/y;jsessionid=A.node1"), b"").await;
        cping(&mut b).await;
        assert_eq!(stats.connections_accepted(), 2);
        assert_eq!(stats.connections_open(), 2);
    }
    eventually("both connections to close", || {
        stats.connections_open() == 0
    })
    .await;
    assert_eq!(stats.forward_requests(), 3);
    assert_eq!(stats.requests_for("/x"), 2);
    assert_eq!(
        stats.requests_for("/y"),
        1,
        "path parameters are not part of the path"
    );
    assert_eq!(stats.requests_by_path().len(), 2);
    assert_eq!(stats.cpings_answered(), 1);
    assert_eq!(stats.protocol_errors(), 0);

    // Not AJP at all: the backend closes without a reply and counts a protocol error.
    let mut raw = TcpStream::connect(backend.addr()).await.unwrap();
    raw.write_all(b"GET / HTTP/1.1\r\n\r\n").await.unwrap();
    let mut client = Framed::new(raw, ClientCodec::default());
    assert!(next(&mut client).await.is_none());
    assert_eq!(stats.protocol_errors(), 1);

    // A message Tomcat refuses (SHUTDOWN): closed without a reply, but not a decoding error.
    let mut client = connect(&backend).await;
    send(&mut client, ToContainer::Shutdown).await;
    assert!(next(&mut client).await.is_none());
    assert_eq!(stats.protocol_errors(), 1);
    assert_eq!(stats.connections_accepted(), 4);
    let json = stats.to_json();
    assert_eq!(json["forward_requests"], 3);
    assert_eq!(json["requests_by_path"]["/x"], 2);
}

#[tokio::test]
async fn unanswered_cping_when_configured_but_requests_still_served() {
    let config = FakeConfig {
        answer_cping: false,
        ..FakeConfig::default()
    };
    let backend = start(config).await;
    let mut client = connect(&backend).await;
    send(&mut client, ToContainer::CPing).await;
    assert_quiet(&mut client).await;
    let response = exchange(&mut client, get("/"), b"").await;
    assert_eq!(response.status(), 200);
    let stats = backend.stats();
    assert_eq!(stats.cpings_received(), 1);
    assert_eq!(stats.cpings_answered(), 0);
}

#[tokio::test]
async fn shutdown_closes_everything() {
    let backend = backend().await;
    let mut client = connect(&backend).await;
    cping(&mut client).await;
    backend.shutdown().await;
    assert!(next(&mut client).await.is_none(), "open connection closed");
    assert_eq!(backend.stats().connections_open(), 0);
    assert!(
        TcpStream::connect(backend.addr()).await.is_err(),
        "no longer listening"
    );
    backend.shutdown().await;
}

// ---- faults ----

mod faults;
