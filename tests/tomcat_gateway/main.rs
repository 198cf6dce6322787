//! Acceptance tests of the gateway against a real Tomcat 10.1 (issue 3): a private Tomcat base from
//! `tests/testbed` whose AJP connector requires the secret, the JSP webapp, and ajpgate in process
//! (and once as an `ajpgate serve` subprocess, for its memory).
//!
//! One Tomcat is shared by the tests of this binary (started on first use, killed at exit); the test
//! that stops and restarts Tomcat has its own. Tests on the shared Tomcat run one at a time
//! ([`SERIAL`]): the connection count of the pooling test must see only its own connections, and the
//! large transfers should not compete for the two cores.

#[path = "../support/mod.rs"]
mod support;

mod failures;
mod pooling;
mod transfers;

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Request, StatusCode};
use http_body_util::{BodyExt, Full};
use support::bodies::{NoiseBody, PatternCheck, noise, noise_checksums};
use support::process::{GateProcess, proc_status_kb, reset_peak_rss};
use support::raw_http::{KeepAlive, RawResponse, raw_exchange, raw_exchange_built, request_bytes};
use support::tomcat::{ENCODED_ECHO, NAMES_PAGE, ROUTE, SECRET, Tomcat, shared_tomcat};
use support::{Gate, bounded, send, try_send};

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
                &request_bytes(
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
            &request_bytes("HEAD", "/app/echo.jsp", &[("Host", host)], b""),
        )
        .await;
        assert_eq!(seen.status, 200);
        assert!(seen.body.is_empty());
        assert_eq!(seen.header("x-testbed-node"), Some(ROUTE));

        // A form POST: Tomcat parses the body into parameters after the query's.
        let (seen, _) = raw(
            &gate,
            &request_bytes(
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
            let (seen, _) = raw(&gate, &request_bytes("GET", target, &[("Host", host)], b"")).await;
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
            let (seen, _) = raw(
                &gate,
                &request_bytes("GET", &target, &[("Host", host)], b""),
            )
            .await;
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
        let (seen, client_port) =
            raw(&gate, &request_bytes("GET", "/app/echo.jsp", &refs, b"")).await;
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
            &request_bytes(
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
            &request_bytes("GET", "/app/echo.jsp", &[("Host", "Example.TEST")], b""),
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
        let (first, _) = raw(
            &gate,
            &request_bytes("GET", "/app/session.jsp", &[host], b""),
        )
        .await;
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
            &request_bytes("GET", "/app/session.jsp", &[host, ("Cookie", &pair)], b""),
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
            &request_bytes(
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
