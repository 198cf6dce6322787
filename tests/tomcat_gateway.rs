//! Acceptance tests of the gateway against a real Tomcat 10.1 (issue 3): a private Tomcat base from
//! `tests/testbed` whose AJP connector requires the secret, the JSP webapp, and ajpgate in process
//! (and once as an `ajpgate serve` subprocess, for its memory).
//!
//! One Tomcat is shared by the tests of this binary (started on first use, killed at exit); the test
//! that stops and restarts Tomcat has its own. Tests on the shared Tomcat run one at a time
//! ([`SERIAL`]): the connection count of the pooling test must see only its own connections, and the
//! large transfers should not compete for the two cores.

mod support;

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Request, StatusCode};
use http_body_util::{BodyExt, Full};
use support::tomcat::{
    ENCODED_ECHO, GateProcess, KeepAlive, NAMES_PAGE, NoiseBody, PatternCheck, ROUTE, RawResponse,
    SECRET, Tomcat, bounded, noise, noise_checksums, proc_status_kb, raw_exchange,
    raw_exchange_built, reset_peak_rss, shared_tomcat,
};
use support::{Gate, send, try_send};

static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const MOUNT: &str = "/app/*=node1";

async fn gate_for(tomcat: &Tomcat, extra: &[&str]) -> Gate {
    Gate::start(&tomcat.workers_properties(extra), &[MOUNT]).await
}

/// Sends raw bytes to the gateway; the response and the client's port.
async fn raw(gate: &Gate, request: &[u8]) -> (RawResponse, u16) {
    let head = request.starts_with(b"HEAD ");
    raw_exchange(gate.addr, request, head)
        .await
        .unwrap_or_else(|e| panic!("{e}\nrequest: {}", String::from_utf8_lossy(request)))
}

fn request(method: &str, target: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("{method} {target} HTTP/1.1\r\n").into_bytes();
    for (name, value) in headers {
        out.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
    }
    if !body.is_empty() {
        out.extend_from_slice(format!("Content-Length: {}\r\n", body.len()).as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    out
}

#[track_caller]
fn expect_lines(response: &RawResponse, expected: &[(&str, &str)]) {
    let text = response.text();
    assert_eq!(response.status, 200, "status; body:\n{text}");
    for (key, value) in expected {
        assert_eq!(
            response.line(key).as_deref(),
            Some(*value),
            "line {key:?} in:\n{text}"
        );
    }
}

// -------------------------------------------------------------------------------------------------
// 1. What the servlet sees.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_servlet_sees_the_request_as_the_client_sent_it() {
    bounded(180, async {
        let _serial = SERIAL.lock().await;
        let tomcat = shared_tomcat();
        let gate = gate_for(tomcat, &[]).await;
        let host = "www.example.test:8443";

        // Methods, with and without bodies; the body arrives intact.
        let body = noise(3000);
        let (_, sha) = noise_checksums(3000);
        for method in [
            "GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "LOCK", "FOO",
        ] {
            let with_body = matches!(method, "POST" | "PUT" | "PATCH" | "LOCK");
            let (seen, _) = raw(
                &gate,
                &request(
                    method,
                    "/app/echo.jsp",
                    &[("Host", host), ("Content-Type", "application/octet-stream")],
                    if with_body { &body } else { b"" },
                ),
            )
            .await;
            let length = if with_body { "3000" } else { "0" };
            expect_lines(
                &seen,
                &[
                    ("method", method),
                    ("uri", "/app/echo.jsp"),
                    ("query", "(null)"),
                    ("protocol", "HTTP/1.1"),
                    ("contentLength", length),
                    ("body.length", length),
                ],
            );
            if with_body {
                expect_lines(&seen, &[("body.sha256", &sha)]);
            }
            assert_eq!(seen.header("x-testbed-node"), Some(ROUTE));
        }
        // HEAD: headers only.
        let (seen, _) = raw(
            &gate,
            &request("HEAD", "/app/echo.jsp", &[("Host", host)], b""),
        )
        .await;
        assert_eq!(seen.status, 200);
        assert!(seen.body.is_empty());
        assert_eq!(seen.header("x-testbed-node"), Some(ROUTE));

        // A form POST: Tomcat parses the body into parameters after the query's.
        let (seen, _) = raw(
            &gate,
            &request(
                "POST",
                "/app/echo.jsp?a=q",
                &[
                    ("Host", host),
                    ("Content-Type", "application/x-www-form-urlencoded"),
                ],
                b"a=1&b=two+words&c=%C3%A9",
            ),
        )
        .await;
        expect_lines(
            &seen,
            &[
                ("method", "POST"),
                ("contentType", "application/x-www-form-urlencoded"),
                ("param.b", "two words"),
                ("param.c", "\u{e9}"),
                ("body.length", "0"),
            ],
        );
        assert_eq!(seen.values("param.a"), ["q", "1"]);

        // Encoded paths: Tomcat gets the path ajpgate mapped, re-encoded as mod_jk's ForwardURIProxy
        // does (upper-case hex, unreserved characters literal), and decodes it (UTF-8) for mapping.
        for (target, uri, servlet_path) in [
            (ENCODED_ECHO, ENCODED_ECHO, "/a b/\u{e9}/echo.jsp"),
            (
                "/app/a%20b/%c3%a9/echo.jsp",
                "/app/a%20b/%C3%A9/echo.jsp",
                "/a b/\u{e9}/echo.jsp",
            ),
            ("/app/ech%6F.jsp", "/app/echo.jsp", "/echo.jsp"),
            (
                "/app/echo.jsp;v=a%20b",
                "/app/echo.jsp;v=a%20b",
                "/echo.jsp",
            ),
            ("/app/x/../echo.jsp", "/app/echo.jsp", "/echo.jsp"),
            ("/app//echo.jsp", "/app/echo.jsp", "/echo.jsp"),
        ] {
            let (seen, _) = raw(&gate, &request("GET", target, &[("Host", host)], b"")).await;
            expect_lines(
                &seen,
                &[
                    ("uri", uri),
                    ("contextPath", "/app"),
                    ("servletPath", servlet_path),
                    ("requestURL", &format!("http://{host}{uri}")),
                ],
            );
        }

        // Query strings: none, empty, repeated keys, encoded values; forwarded raw.
        for (query, params) in [
            ("", vec![]),
            (
                "a=1&a=2&a=&b",
                vec![("a", "1"), ("a", "2"), ("a", ""), ("b", "")],
            ),
            (
                "q=%C3%A9+x%26y&sp=a%20b&plus=1%2B1",
                vec![("q", "\u{e9} x&y"), ("sp", "a b"), ("plus", "1+1")],
            ),
        ] {
            let target = format!("/app/echo.jsp?{query}");
            let (seen, _) = raw(&gate, &request("GET", &target, &[("Host", host)], b"")).await;
            expect_lines(&seen, &[("query", query), ("uri", "/app/echo.jsp")]);
            let got: Vec<(String, String)> = seen
                .lines()
                .into_iter()
                .filter_map(|(k, v)| Some((k.strip_prefix("param.")?.to_string(), v)))
                .collect();
            let want: Vec<(String, String)> = params
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            assert_eq!(got, want, "parameters of ?{query}");
        }

        // 50 headers, a repeated header, cookies, Basic credentials: all arrive, in order, unmerged.
        let mut headers: Vec<(String, String)> = vec![("Host".into(), host.into())];
        for i in 0..50 {
            headers.push((format!("X-Header-{i:02}"), format!("value {i}")));
        }
        headers.push(("X-Dup".into(), "first".into()));
        headers.push(("X-Dup".into(), "second".into()));
        headers.push(("Cookie".into(), "a=1; JSESSIONID=0123ABCD.node1".into()));
        headers.push(("Cookie".into(), "b=2".into()));
        headers.push(("Authorization".into(), "Basic YWxpY2U6c2VjcmV0".into()));
        headers.push(("X-MiXeD-CaSe".into(), "v".into()));
        let refs: Vec<(&str, &str)> = headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let (seen, client_port) = raw(&gate, &request("GET", "/app/echo.jsp", &refs, b"")).await;
        let client_port = client_port.to_string();
        expect_lines(
            &seen,
            &[
                ("headerOrder", "arrival"),
                ("headerCount", &(headers.len() + 1).to_string()),
                ("requestedSessionId", "0123ABCD.node1"),
                ("remoteUser", "(null)"),
                ("authType", "(null)"),
                ("remoteAddr", "127.0.0.1"),
                ("remoteHost", "127.0.0.1"),
                ("remotePort", &client_port),
                ("localAddr", "127.0.0.1"),
                ("serverName", "www.example.test"),
                ("serverPort", "8443"),
                ("scheme", "http"),
                ("secure", "false"),
                ("attr.JK_LB_ACTIVATION", "ACT"),
            ],
        );
        let got: Vec<(String, String)> = seen
            .lines()
            .into_iter()
            .filter_map(|(k, v)| Some((k.strip_prefix("header.")?.to_string(), v)))
            .collect();
        let mut want: Vec<(String, String)> = headers
            .iter()
            .map(|(n, v)| (n.to_ascii_lowercase(), v.clone()))
            .collect();
        want.push(("content-length".into(), "0".into()));
        assert_eq!(got, want, "headers as Tomcat received them");
        // echo.jsp prints names lower-cased; this page shows them as Tomcat holds them. Through ajpgate
        // they arrive lower-case (mod_jk keeps the client's spelling; see the differential test).
        let (seen, _) = raw(
            &gate,
            &request(
                "GET",
                NAMES_PAGE,
                &[("Host", host), ("X-MiXeD-CaSe", "v"), ("User-AGENT", "t")],
                b"",
            ),
        )
        .await;
        assert_eq!(
            seen.values("name"),
            ["host", "x-mixed-case", "user-agent", "content-length"]
        );

        // Host without a port, and no Host at all (HTTP/1.0): as with mod_jk, server_port is the scheme's
        // default port, and with no Host the server name is ajpgate's local address.
        let (seen, _) = raw(
            &gate,
            &request("GET", "/app/echo.jsp", &[("Host", "Example.TEST")], b""),
        )
        .await;
        expect_lines(
            &seen,
            &[
                ("serverName", "Example.TEST"),
                // Tomcat takes the scheme's default port when Host has none; the port the client
                // connected to arrives as AJP's server_port, which Tomcat calls the local port.
                ("serverPort", "80"),
                ("localPort", "80"),
                ("requestURL", "http://Example.TEST/app/echo.jsp"),
            ],
        );
        let (seen, _) = raw(&gate, b"GET /app/echo.jsp HTTP/1.0\r\n\r\n").await;
        expect_lines(
            &seen,
            &[
                ("protocol", "HTTP/1.0"),
                ("serverName", "127.0.0.1"),
                ("serverPort", "80"),
                ("requestURL", "http://127.0.0.1/app/echo.jsp"),
            ],
        );
        gate.shutdown().await;
    })
    .await;
}

// -------------------------------------------------------------------------------------------------
// 2. Sessions.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_cookie_carries_the_route_and_the_session_sticks() {
    bounded(120, async {
        let _serial = SERIAL.lock().await;
        let gate = gate_for(shared_tomcat(), &[]).await;
        let host = ("Host", "gate.test");
        let (first, _) = raw(&gate, &request("GET", "/app/session.jsp", &[host], b"")).await;
        assert_eq!(first.status, 200, "{}", first.text());
        let cookie = first
            .header("set-cookie")
            .expect("a Set-Cookie")
            .to_string();
        let pair = cookie.split(';').next().unwrap().trim().to_string();
        let id = pair.strip_prefix("JSESSIONID=").expect("JSESSIONID");
        assert!(
            id.ends_with(".node1"),
            "session id {id:?} (Set-Cookie {cookie:?})"
        );
        assert_eq!(id.len(), 32 + ".node1".len(), "{id}");
        assert!(cookie.contains("Path=/app"), "{cookie}");
        expect_lines(
            &first,
            &[
                ("session.new", "true"),
                ("hits", "1"),
                ("session.route", ROUTE),
            ],
        );
        let (second, _) = raw(
            &gate,
            &request("GET", "/app/session.jsp", &[host, ("Cookie", &pair)], b""),
        )
        .await;
        expect_lines(
            &second,
            &[
                ("session.id", id),
                ("session.new", "false"),
                ("hits", "2"),
                ("requestedSessionIdValid", "true"),
                ("requestedSessionIdFromCookie", "true"),
            ],
        );
        assert!(second.header("set-cookie").is_none());
        // The id in the path (URL rewriting) works too.
        let (third, _) = raw(
            &gate,
            &request(
                "GET",
                &format!("/app/session.jsp;jsessionid={id}"),
                &[host],
                b"",
            ),
        )
        .await;
        expect_lines(
            &third,
            &[
                ("session.id", id),
                ("hits", "3"),
                ("requestedSessionIdFromURL", "true"),
            ],
        );
        gate.shutdown().await;
    })
    .await;
}

// -------------------------------------------------------------------------------------------------
// 3. Bodies.

const SIZES: [u64; 6] = [0, 1, 8186, 8187, 1 << 20, 100 << 20];

/// Streams a GET's body through a check of stream.jsp's pattern; never holds the body.
struct Download {
    status: StatusCode,
    content_length: Option<u64>,
    received: u64,
    pattern: Result<(), String>,
    /// When the first and the last data arrived.
    first_data: Option<Instant>,
    done: Instant,
}

async fn download(addr: std::net::SocketAddr, path: &str) -> Download {
    let request = Request::get(path)
        .header("host", "gate.test")
        .body(Full::new(Bytes::new()))
        .unwrap();
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .unwrap();
    tokio::spawn(connection);
    let response = sender.send_request(request).await.expect("response head");
    let status = response.status();
    let content_length = response
        .headers()
        .get("content-length")
        .map(|v| v.to_str().unwrap().parse().unwrap());
    let mut body = response.into_body();
    let mut check = PatternCheck::new();
    let mut pattern = Ok(());
    let mut first_data = None;
    while let Some(frame) = body.frame().await {
        let frame = frame.unwrap_or_else(|e| panic!("{path}: body cut short: {e}"));
        if let Ok(data) = frame.into_data() {
            if data.is_empty() {
                continue;
            }
            first_data.get_or_insert_with(Instant::now);
            if pattern.is_ok() {
                pattern = check.feed(&data);
            }
        }
    }
    Download {
        status,
        content_length,
        received: check.offset,
        pattern,
        first_data,
        done: Instant::now(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_of_every_size_cross_intact_both_ways() {
    bounded(300, async {
    let _serial = SERIAL.lock().await;
    let gate = gate_for(shared_tomcat(), &[]).await;

    for size in SIZES {
        let (crc, sha) = noise_checksums(size);
        for chunked in [false, true] {
            let mut builder = Request::post("/app/body.jsp")
                .header("host", "gate.test")
                .header("content-type", "application/octet-stream");
            builder = if chunked {
                builder.header("transfer-encoding", "chunked")
            } else {
                builder.header("content-length", size)
            };
            // Odd frame sizes for the chunked uploads, so packets and chunks never line up.
            let frames: &[usize] = if chunked {
                &[1000, 8187, 31, 65536, 8186]
            } else {
                &[65536]
            };
            let seen = send(
                gate.addr,
                builder
                    .body(NoiseBody::new(size, frames, !chunked))
                    .unwrap(),
            )
            .await;
            let what = format!("upload of {size} bytes, chunked={chunked}");
            assert_eq!(seen.status, StatusCode::OK, "{what}: {:?}", seen.body);
            let text = seen.text();
            for (key, value) in [
                ("length", size.to_string()),
                ("crc32", crc.clone()),
                ("sha256", sha.clone()),
                ("eof", "true".to_string()),
                (
                    "contentLength",
                    if chunked {
                        "-1".into()
                    } else {
                        size.to_string()
                    },
                ),
            ] {
                assert!(
                    text.contains(&format!("\n{key}: {value}\n")),
                    "{what}: expected {key}: {value} in\n{text}"
                );
            }
            assert_eq!(seen.headers["x-body-crc32"], crc.as_str(), "{what}");
        }
    }

    for size in SIZES {
        for cl in [false, true] {
            let path = format!("/app/stream.jsp?n={size}{}", if cl { "&cl=1" } else { "" });
            let got = download(gate.addr, &path).await;
            assert_eq!(got.status, StatusCode::OK, "{path}");
            assert_eq!(got.pattern, Ok(()), "{path}");
            assert_eq!(got.received, size, "{path}");
            if cl {
                assert_eq!(got.content_length, Some(size), "{path}");
            }
        }
    }

    // A client that waits for "100 Continue" before it sends its body gets it.
    {
        use tokio::io::AsyncWriteExt;
        let size = 100_000;
        let mut stream = tokio::net::TcpStream::connect(gate.addr).await.unwrap();
        stream
            .write_all(
                format!(
                    "POST /app/body.jsp HTTP/1.1\r\nHost: gate.test\r\nContent-Length: {size}\r\n\
                     Expect: 100-continue\r\n\r\n"
                )
                .as_bytes(),
            )
            .await
            .unwrap();
        let mut interim = [0u8; 25];
        tokio::time::timeout(
            Duration::from_secs(30),
            tokio::io::AsyncReadExt::read_exact(&mut stream, &mut interim),
        )
        .await
        .expect("100 Continue before the body is sent")
        .unwrap();
        assert_eq!(&interim[..], b"HTTP/1.1 100 Continue\r\n\r\n");
        stream.write_all(&noise(size)).await.unwrap();
        let seen = support::tomcat::read_response(&mut stream, false)
            .await
            .unwrap();
        assert_eq!(seen.status, 200);
        assert_eq!(seen.line("length"), Some(size.to_string()));
        assert_eq!(seen.line("sha256"), Some(noise_checksums(size as u64).1));
    }

    // Flushed after every small write: every piece arrives, in order.
    let got = download(gate.addr, "/app/stream.jsp?n=100000&chunk=1000&flush=1").await;
    assert_eq!((got.received, got.pattern), (100000, Ok(())));
    // Streamed, not buffered: the first flushed piece reaches the client while the page still waits 3 s
    // before writing the second.
    let got = download(
        gate.addr,
        "/app/stream.jsp?n=2000&chunk=1000&flush=1&delay=3000",
    )
    .await;
    assert_eq!((got.received, got.pattern.clone()), (2000, Ok(())));
    let early = got.done - got.first_data.unwrap();
    assert!(
        early >= Duration::from_millis(1500),
        "the first flushed piece arrived only {early:?} before the end: the response was buffered"
    );
    gate.shutdown().await;
    })
    .await;
}

// -------------------------------------------------------------------------------------------------
// 4. reply_timeout.

fn access_log_count(tomcat: &Tomcat, needle: &str) -> usize {
    let mut count = 0;
    if let Ok(dir) = std::fs::read_dir(tomcat.base.join("logs")) {
        for entry in dir.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with("access") {
                let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
                count += text.matches(needle).count();
            }
        }
    }
    count
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_slower_than_reply_timeout_is_504_and_not_retried() {
    bounded(180, async {
        let _serial = SERIAL.lock().await;
        let tomcat = shared_tomcat();
        let gate = gate_for(tomcat, &["reply_timeout=1000"]).await;
        let token = format!("rt{}", std::process::id());
        let host = ("Host", "gate.test");
        let (seen, _) = raw(
            &gate,
            &request(
                "GET",
                &format!("/app/sleep.jsp?ms=3000&t={token}"),
                &[host],
                b"",
            ),
        )
        .await;
        assert_eq!(seen.status, 504, "{}", seen.text());
        // A response header too large for an AJP packet: Tomcat 10.1.60 logs SEVERE and sends nothing
        // at all, leaving its connection open (docs/tomcat.md#when-tomcat-closes-a-connection); only reply_timeout ends the wait.
        let (seen, _) = raw(
            &gate,
            &request("GET", "/app/status.jsp?code=200&big=9000", &[host], b""),
        )
        .await;
        assert_eq!(seen.status, 504, "{}", seen.text());
        // Within the timeout: fine, on the same gateway.
        let (seen, _) = raw(
            &gate,
            &request("GET", "/app/sleep.jsp?ms=200", &[host], b""),
        )
        .await;
        assert_eq!(
            (seen.status, seen.text()),
            (200, "slept: 200\n".to_string())
        );
        // Headers already sent, then silence past reply_timeout: the client gets the head and a body that
        // ends in an error, never a complete-looking response.
        let request_late = Request::get(format!(
            "/app/sleep.jsp?ms=3000&flushFirst=1&t={token}-late"
        ))
        .header("host", "gate.test")
        .body(Full::new(Bytes::new()))
        .unwrap();
        match try_send(gate.addr, request_late).await {
            Ok(seen) => {
                assert_eq!(seen.status, StatusCode::OK);
                assert!(
                    seen.body.is_err(),
                    "a body cut by reply_timeout must not look complete: {:?}",
                    seen.body
                );
            }
            Err(e) => panic!("the head had been flushed before the timeout, yet none arrived: {e}"),
        }
        // Tomcat saw the slow request once: a request that reached the application is not retried.
        let needle = format!("ms=3000&t={token} ");
        let deadline = Instant::now() + Duration::from_secs(20);
        while access_log_count(tomcat, &needle) == 0 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // The log line is written when the page finishes; give a retry the same time to show up.
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(access_log_count(tomcat, &needle), 1, "Tomcat's access log");
        gate.shutdown().await;
    })
    .await;
}

// -------------------------------------------------------------------------------------------------
// 5. Tomcat goes away and comes back.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tomcat_stopped_is_503_and_restarted_serves_again_without_restarting_ajpgate() {
    bounded(300, async {
        let tomcat = Tomcat::start_new_quick("restart");
        let gate = gate_for(
            &tomcat,
            &["connection_pool_size=4", "connection_acquire_timeout=10000"],
        )
        .await;
        let addr = gate.addr;
        let worker = gate.worker(ROUTE);

        // Pooled connections: four requests in flight at once (each takes 1 s).
        async fn fill_pool(addr: std::net::SocketAddr) {
            let tasks: Vec<_> = (0..4)
                .map(|i| {
                    tokio::spawn(async move {
                        let (seen, _) = raw_exchange(
                            addr,
                            format!("GET /app/sleep.jsp?ms=1000&i={i} HTTP/1.1\r\nHost: h\r\n\r\n")
                                .as_bytes(),
                            false,
                        )
                        .await
                        .unwrap();
                        assert_eq!(seen.status, 200);
                    })
                })
                .collect();
            for task in tasks {
                task.await.unwrap();
            }
        }
        async fn get_status(addr: std::net::SocketAddr, path: &str) -> u16 {
            let (seen, _) = raw_exchange(
                addr,
                format!("GET {path} HTTP/1.1\r\nHost: h\r\n\r\n").as_bytes(),
                false,
            )
            .await
            .unwrap();
            seen.status
        }
        async fn post_status(addr: std::net::SocketAddr, size: usize) -> RawResponse {
            let mut bytes =
                format!("POST /app/body.jsp HTTP/1.1\r\nHost: h\r\nContent-Length: {size}\r\n\r\n")
                    .into_bytes();
            bytes.extend_from_slice(&noise(size));
            raw_exchange(addr, &bytes, false).await.unwrap().0
        }

        // The pool is full of connections to this Tomcat, which goes away and comes back before any
        // request notices. The first requests after the restart must all succeed, POSTs with bodies
        // included.
        fill_pool(addr).await;
        let pooled = worker.pool().counters().open.load(Ordering::Relaxed);
        assert!(
            pooled >= 2,
            "{pooled} pooled connections after four overlapping requests"
        );
        let before = worker.pool().counters().opened.load(Ordering::Relaxed);
        tomcat.stop();
        tomcat.start();
        let mut tasks = Vec::new();
        for i in 0..8 {
            tasks.push(tokio::spawn(async move {
                if i % 2 == 0 {
                    let seen = post_status(addr, 30000).await;
                    assert_eq!(
                        seen.status,
                        200,
                        "POST {i} after the restart: {}",
                        seen.text()
                    );
                    assert!(seen.text().contains("length: 30000\n"), "{}", seen.text());
                } else {
                    assert_eq!(
                        get_status(addr, "/app/echo.jsp").await,
                        200,
                        "GET {i} after the restart"
                    );
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        let reopened = worker.pool().counters().opened.load(Ordering::Relaxed) - before;
        assert!(reopened >= 1, "new connections to the restarted Tomcat");

        // Killed while a request is in flight: that request fails promptly with 502 or 503 (not after
        // the page's 20 s). While Tomcat is down, GET and POST get 503, repeatedly. After a restart the
        // same gateway serves again.
        fill_pool(addr).await;
        let in_flight =
            tokio::spawn(async move { get_status(addr, "/app/sleep.jsp?ms=20000").await });
        tokio::time::sleep(Duration::from_millis(500)).await;
        tomcat.kill();
        let status = tokio::time::timeout(Duration::from_secs(15), in_flight)
            .await
            .expect("the in-flight request ends when Tomcat dies")
            .unwrap();
        assert!(
            matches!(status, 502 | 503),
            "in flight when Tomcat died: {status}"
        );
        for _ in 0..3 {
            assert_eq!(get_status(addr, "/app/echo.jsp").await, 503);
            assert_eq!(post_status(addr, 20000).await.status, 503);
        }
        tomcat.start();
        for _ in 0..5 {
            assert_eq!(get_status(addr, "/app/echo.jsp").await, 200);
            assert_eq!(post_status(addr, 20000).await.status, 200);
        }
        gate.shutdown().await;
    })
    .await;
}

// -------------------------------------------------------------------------------------------------
// 6. Pooling under load.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_requests_use_at_most_pool_size_connections_and_never_mix_responses() {
    bounded(300, async {
    const CLIENTS: usize = 16;
    const PER_CLIENT: usize = 625;
    const POOL: usize = 8;
    let _serial = SERIAL.lock().await;
    let tomcat = shared_tomcat();
    let gate = gate_for(
        tomcat,
        &[
            &format!("connection_pool_size={POOL}"),
            "connection_acquire_timeout=30000",
        ],
    )
    .await;

    // Tomcat's side of its AJP connections, sampled every 20 ms while the load runs.
    let baseline = tomcat.ajp_peer_ports();
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = {
        let stop = Arc::clone(&stop);
        let port = tomcat.ajp_port;
        std::thread::spawn(move || {
            let mut seen = HashSet::new();
            let mut max_at_once = 0;
            loop {
                let now = support::tomcat::established_peers(port);
                let ours: HashSet<u16> = now.difference(&baseline).copied().collect();
                max_at_once = max_at_once.max(ours.len());
                seen.extend(ours);
                if stop.load(Ordering::Relaxed) {
                    return (seen, max_at_once);
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        })
    };

    let started = Instant::now();
    let addr = gate.addr;
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|client| {
            tokio::spawn(async move {
                let mut connection = KeepAlive::connect(addr).await;
                for i in 0..PER_CLIENT {
                    let token = format!("c{client}-r{i}");
                    let query = format!("nobody=1&noparams=1&t={token}");
                    let (status, body) = connection
                        .get(&format!("/app/echo.jsp?{query}"))
                        .await
                        .unwrap_or_else(|e| panic!("{token}: {e}"));
                    let text = String::from_utf8_lossy(&body);
                    assert_eq!(status, StatusCode::OK, "{token}: {text}");
                    assert!(
                        text.contains(&format!("\nquery: {query}\n")),
                        "{token} got someone else's response:\n{text}"
                    );
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let elapsed = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    let (tomcat_side, max_at_once) = sampler.join().unwrap();
    let worker = gate.worker(ROUTE);
    let counters = worker.pool().counters();
    let opened = counters.opened.load(Ordering::Relaxed);
    let max_open = counters.max_open.load(Ordering::Relaxed);
    println!(
        "pooling: {} requests at concurrency {CLIENTS} in {elapsed:?}; connection_pool_size={POOL}; \
         Tomcat saw {} distinct connections (at most {max_at_once} at once, sampled every 20 ms); \
         ajpgate opened {opened} (at most {max_open} open at once)",
        CLIENTS * PER_CLIENT,
        tomcat_side.len()
    );
    assert!(
        tomcat_side.len() <= POOL,
        "Tomcat saw {} connections",
        tomcat_side.len()
    );
    assert!(
        !tomcat_side.is_empty(),
        "the sampler saw no connection at all"
    );
    assert!(opened as usize <= POOL, "ajpgate opened {opened}");
    assert!(max_open <= POOL);
    gate.shutdown().await;
    })
    .await;
}

// -------------------------------------------------------------------------------------------------
// 7. Memory of `ajpgate serve` moving 1 GB each way.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_gigabyte_each_way_through_ajpgate_serve_stays_under_64_mb() {
    bounded(600, async {
    const GB: u64 = 1 << 30;
    const LIMIT_KB: u64 = 64 * 1024;
    let _serial = SERIAL.lock().await;
    let tomcat = shared_tomcat();
    let (crc, sha) = tokio::task::spawn_blocking(|| noise_checksums(GB))
        .await
        .unwrap();
    let gate = GateProcess::start(&tomcat.workers_properties(&[]), &[MOUNT]);
    let pid = gate.pid();
    let at_start = proc_status_kb(pid, "VmHWM");

    let started = Instant::now();
    let got = download(gate.addr, &format!("/app/stream.jsp?n={GB}")).await;
    let download_time = started.elapsed();
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.pattern, Ok(()));
    assert_eq!(got.received, GB);
    let after_download = proc_status_kb(pid, "VmHWM");

    let reset = reset_peak_rss(pid);
    let started = Instant::now();
    let upload = Request::post("/app/body.jsp")
        .header("host", "gate.test")
        .header("content-type", "application/octet-stream")
        .header("content-length", GB)
        .body(NoiseBody::new(GB, &[65536], true))
        .unwrap();
    let seen = send(gate.addr, upload).await;
    let upload_time = started.elapsed();
    let text = seen.text();
    assert_eq!(seen.status, StatusCode::OK, "{text}");
    for line in [
        format!("\nlength: {GB}\n"),
        format!("\ncrc32: {crc}\n"),
        format!("\nsha256: {sha}\n"),
    ] {
        assert!(text.contains(&line), "expected {line:?} in\n{text}");
    }
    let after_upload = proc_status_kb(pid, "VmHWM");
    println!(
        "ajpgate serve (pid {pid}): VmHWM {at_start} kB at start; {after_download} kB after a 1 GiB \
         download ({download_time:?}); {after_upload} kB after a 1 GiB upload ({upload_time:?}){}",
        if reset {
            " (peak reset between the two)"
        } else {
            " (peak not resettable: cumulative)"
        }
    );
    assert!(
        after_download < LIMIT_KB,
        "peak RSS {after_download} kB after the download"
    );
    assert!(
        after_upload < LIMIT_KB,
        "peak RSS {after_upload} kB after the upload"
    );
    })
    .await;
}

// -------------------------------------------------------------------------------------------------
// 8. A request head too large for one AJP packet.

/// Size of the FORWARD_REQUEST payload (without the 4-byte packet header) that mod_jk builds for a GET
/// with these headers, plus the `content-length: 0` it appends (docs/ajp13.md#forward-request-layout).
fn forward_request_payload(
    uri: &str,
    query: Option<&str>,
    server_name: &str,
    headers: &[(&str, &str)],
    client_port: u16,
) -> usize {
    let s = |v: &str| 2 + v.len() + 1;
    let coded = [
        "accept",
        "authorization",
        "connection",
        "content-type",
        "content-length",
        "cookie",
        "cookie2",
        "host",
        "pragma",
        "referer",
        "user-agent",
    ];
    let name = |n: &str| {
        if coded.contains(&n.to_ascii_lowercase().as_str()) {
            2
        } else {
            s(n)
        }
    };
    let mut size = 1 + 1 + s("HTTP/1.1") + s(uri) + s("127.0.0.1") + 2 + s(server_name) + 2 + 1 + 2;
    for (n, v) in headers.iter().chain([("content-length", "0")].iter()) {
        size += name(n) + s(v);
    }
    size += 1 + s(SECRET);
    if let Some(q) = query {
        size += 1 + s(q);
    }
    size += 1 + s("AJP_REMOTE_PORT") + s(&client_port.to_string());
    size += 1 + s("AJP_LOCAL_ADDR") + s("127.0.0.1");
    size += 1 + s("JK_LB_ACTIVATION") + s("ACT");
    size + 1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forward_request_over_8192_bytes_is_413_and_one_that_just_fits_reaches_tomcat() {
    bounded(120, async {
        let _serial = SERIAL.lock().await;
        let gate = gate_for(shared_tomcat(), &[]).await;
        // The largest X-Big for which the packet is exactly 8192 bytes (payload 8188), then one byte more.
        for extra in [0usize, 1] {
            let mut n = 0;
            let (seen, _) = raw_exchange_built(
                gate.addr,
                |port| {
                    let fixed = forward_request_payload(
                        "/app/echo.jsp",
                        Some("nobody=1"),
                        "big.test",
                        &[("Host", "big.test"), ("X-Big", "")],
                        port,
                    );
                    n = 8188 - fixed + extra;
                    request(
                        "GET",
                        "/app/echo.jsp?nobody=1",
                        &[("Host", "big.test"), ("X-Big", &"b".repeat(n))],
                        b"",
                    )
                },
                false,
            )
            .await
            .unwrap();
            if extra == 0 {
                assert_eq!(
                    seen.status,
                    200,
                    "X-Big of {n} bytes makes an 8192-byte packet, which Tomcat accepts:\n{}",
                    seen.text()
                );
                assert_eq!(seen.line("header.x-big").map(|v| v.len()), Some(n));
            } else {
                assert_eq!(
                    seen.status,
                    413,
                    "X-Big of {n} bytes makes an 8193-byte packet:\n{}",
                    seen.text()
                );
            }
        }
        // Too large by the number of headers rather than by one value (90 headers: below hyper's limit
        // of 100 header lines, like httpd's LimitRequestFields).
        let mut bytes = String::from("GET /app/echo.jsp HTTP/1.1\r\nHost: h\r\n");
        for i in 0..90 {
            bytes.push_str(&format!("X-Many-{i:03}: {}\r\n", "v".repeat(80)));
        }
        bytes.push_str("\r\n");
        let (seen, _) = raw(&gate, bytes.as_bytes()).await;
        assert_eq!(seen.status, 413);
        // The gateway is fine afterwards.
        let (seen, _) = raw(&gate, b"GET /app/echo.jsp HTTP/1.1\r\nHost: h\r\n\r\n").await;
        assert_eq!(seen.status, 200);
        gate.shutdown().await;
    })
    .await;
}

// -------------------------------------------------------------------------------------------------
// Responses without a body.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_204_from_tomcat_reaches_the_client_without_content_length() {
    bounded(120, async {
        let _serial = SERIAL.lock().await;
        let gate = gate_for(shared_tomcat(), &[]).await;
        // status.jsp writes "status: 204\n" (12 bytes), so Tomcat's SEND_HEADERS announces
        // Content-Length: 12. RFC 9110 §8.6: a server MUST NOT send Content-Length in a 204 response;
        // httpd + mod_jk drops it (and the Content-Type), see tests/modjk_differential.rs.
        let (seen, _) = raw(
            &gate,
            &request(
                "GET",
                "/app/status.jsp?code=204",
                &[("Host", "gate.test")],
                b"",
            ),
        )
        .await;
        assert_eq!(seen.status, 204);
        assert!(seen.body.is_empty());
        assert_eq!(
            seen.header("content-length"),
            None,
            "a 204 must not carry Content-Length; headers: {:?}",
            seen.headers
        );
        gate.shutdown().await;
    })
    .await;
}
