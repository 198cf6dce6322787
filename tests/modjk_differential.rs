//! Differential test: the same requests, byte for byte, through a private httpd + mod_jk 1.2.48 and
//! through ajpgate, both in front of the same real Tomcat 10.1 with the same workers.properties.
//! Compared: what the servlet saw (echo.jsp's lines, key by key), the response status, reason phrase,
//! headers and body.
//!
//! Normalised before comparing, because they differ per connection: the client's port (checked to be
//! the real one first), each server's listen port where the request did not name one, session ids and
//! times that Tomcat makes up, and the Date header. Every other difference must be listed in
//! [`EXPECTED_DIFFERENCES`] with its reason; the test fails on any difference not listed there and on
//! any listed difference that no longer occurs.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;

use support::bodies::noise;
use support::httpd::Httpd;
use support::raw_http::{RawResponse, raw_exchange_built, request_bytes};
use support::tomcat::{ENCODED_ECHO, NAMES_PAGE, SECRET, shared_tomcat};
use support::{Gate, bounded};

/// (case, key, why). Case `*` means: in any case (a difference of the products, not of one request).
/// Keys: `version`, `status`, `reason`, `interim`, `resp.<header>`, `body` (a body that is not
/// `key: value` lines), or a key of the page's lines (`uri`, `header.x-dup`, `name`, ...;
/// `header-names` is the order of echo.jsp's header lines).
const EXPECTED_DIFFERENCES: &[(&str, &str, &str)] = &[
    // Every response.
    (
        "*",
        "reason",
        "Tomcat's AJP reason is the status digits and mod_jk passes it on (\"200 200\"); ajpgate sends the standard phrase. For its own 413 httpd says \"Request Entity Too Large\", hyper \"Payload Too Large\"",
    ),
    (
        "*",
        "resp.server",
        "httpd adds its Server header; ajpgate adds none",
    ),
    // Request headers.
    (
        "header-name-case",
        "name",
        "header names reach Tomcat lower-case through ajpgate (hyper), in the client's case through mod_jk; names are case-insensitive",
    ),
    (
        "headers-repeated",
        "header.x-dup",
        "httpd merges repeated request headers with \", \"; ajpgate forwards each line (merging breaks repeated Cookie headers)",
    ),
    (
        "headers-repeated",
        "header.cookie",
        "same: two Cookie lines stay two",
    ),
    (
        "headers-repeated",
        "headerCount",
        "same: the unmerged lines count separately",
    ),
    (
        "headers-repeated",
        "header-names",
        "same: the unmerged lines are listed separately",
    ),
    (
        "cookies-repeated",
        "header.cookie",
        "httpd merges two Cookie lines into \"a=1, JSESSIONID=...\"",
    ),
    (
        "cookies-repeated",
        "requestedSessionId",
        "Tomcat rejects httpd's merged Cookie header as invalid and loses the session id; ajpgate's two lines keep it",
    ),
    (
        "cookies-repeated",
        "headerCount",
        "the unmerged lines count separately",
    ),
    (
        "cookies-repeated",
        "header-names",
        "the unmerged lines are listed separately",
    ),
    // Answers the front ends make themselves.
    (
        "not-mounted",
        "body",
        "each front end's own 404 page (httpd: HTML, ajpgate: one text line)",
    ),
    ("not-mounted", "resp.content-type", "same"),
    ("not-mounted", "resp.content-length", "same"),
    (
        "packet-one-byte-over",
        "body",
        "each front end's own 413 page",
    ),
    ("packet-one-byte-over", "resp.content-type", "same"),
    ("packet-one-byte-over", "resp.content-length", "same"),
    (
        "too-many-headers-for-a-packet",
        "body",
        "each front end's own 413 page",
    ),
    ("too-many-headers-for-a-packet", "resp.content-type", "same"),
    (
        "too-many-headers-for-a-packet",
        "resp.content-length",
        "same",
    ),
    // Client connection handling.
    (
        "http10-without-host",
        "version",
        "httpd answers an HTTP/1.0 request with HTTP/1.1, hyper with HTTP/1.0; both allowed (RFC 9110 §6.2)",
    ),
    (
        "http10-without-host",
        "resp.connection",
        "httpd says Connection: close; hyper just closes, which HTTP/1.0 without keep-alive implies",
    ),
    (
        "status-500-senderror",
        "resp.connection",
        "httpd closes the client connection after a 500 (ap_status_drops_connection); ajpgate keeps it",
    ),
];

const HOST: &str = "diff.test:8080";

struct Case {
    name: &'static str,
    /// The request, built once the client's port is known (for the packet-size edge).
    build: Box<dyn Fn(u16) -> Vec<u8> + Send + Sync>,
    head: bool,
    /// Whether the body is echo.jsp-style `key: value` lines.
    echo: bool,
}

fn req(method: &str, target: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut with_host = vec![("Host", HOST)];
    with_host.extend_from_slice(headers);
    request_bytes(method, target, &with_host, body)
}

fn fixed(name: &'static str, bytes: Vec<u8>) -> Case {
    let head = bytes.starts_with(b"HEAD ");
    // Every page but these answers with `key: value` lines, compared line by line.
    let echo = {
        let line = String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).into_owned();
        !head
            && !["/status.jsp", "/stream.jsp", "/elsewhere"]
                .iter()
                .any(|page| line.contains(page))
    };
    Case {
        name,
        build: Box::new(move |_| bytes.clone()),
        head,
        echo,
    }
}

/// FORWARD_REQUEST payload size for `GET /app/echo.jsp` with Host and `X-Big: <n bytes>` and the
/// appended `content-length: 0` (docs/ajp13.md#forward-request-layout): 8188 is the most that fits.
fn x_big_for_full_packet(client_port: u16) -> usize {
    let s = |v: &str| 2 + v.len() + 1;
    let fixed = 2
        + s("HTTP/1.1")
        + s("/app/echo.jsp")
        + s("127.0.0.1")
        + 2
        + s("diff.test")
        + 2
        + 1
        + 2
        + (2 + s(HOST))
        + (s("X-Big") + s(""))
        + (2 + s("0"))
        + (1 + s(SECRET))
        + (1 + s("AJP_REMOTE_PORT") + s(&client_port.to_string()))
        + (1 + s("AJP_LOCAL_ADDR") + s("127.0.0.1"))
        + (1 + s("JK_LB_ACTIVATION") + s("ACT"))
        + 1;
    8188 - fixed
}

fn cases() -> Vec<Case> {
    let form = b"a=1&b=two+words&c=%C3%A9".to_vec();
    let many: Vec<(String, String)> = (0..50)
        .map(|i| (format!("X-Header-{i:02}"), format!("value {i}")))
        .collect();
    let many_refs: Vec<(&str, &str)> = many.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let mut chunked = format!(
        "POST /app/echo.jsp?noparams=1 HTTP/1.1\r\nHost: {HOST}\r\nTransfer-Encoding: chunked\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    let body = noise(20000);
    for piece in body.chunks(7000) {
        chunked.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
        chunked.extend_from_slice(piece);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let mut too_many = format!("GET /app/echo.jsp HTTP/1.1\r\nHost: {HOST}\r\n");
    for i in 0..90 {
        too_many.push_str(&format!("X-Many-{i:03}: {}\r\n", "v".repeat(80)));
    }
    too_many.push_str("\r\n");
    let octet = ("Content-Type", "application/octet-stream");

    let mut cases = vec![
        fixed("get", req("GET", "/app/echo.jsp", &[], b"")),
        fixed(
            "get-query",
            req("GET", "/app/echo.jsp?a=1&a=2&b=%20x&c&d=%C3%A9+y", &[], b""),
        ),
        fixed("get-empty-query", req("GET", "/app/echo.jsp?", &[], b"")),
        fixed("head", req("HEAD", "/app/echo.jsp", &[], b"")),
        fixed(
            "post-form",
            req(
                "POST",
                "/app/echo.jsp",
                &[("Content-Type", "application/x-www-form-urlencoded")],
                &form,
            ),
        ),
        fixed(
            "put-binary",
            req("PUT", "/app/echo.jsp", &[octet], &noise(5000)),
        ),
        fixed("delete", req("DELETE", "/app/echo.jsp", &[], b"")),
        fixed(
            "patch",
            req(
                "PATCH",
                "/app/echo.jsp?noparams=1",
                &[("Content-Type", "application/json")],
                b"{\"op\":\"replace\"}",
            ),
        ),
        fixed("options", req("OPTIONS", "/app/echo.jsp", &[], b"")),
        fixed(
            "lock",
            req(
                "LOCK",
                "/app/echo.jsp",
                &[("Content-Type", "text/xml"), ("Depth", "0")],
                b"<?xml version=\"1.0\"?><lockinfo xmlns=\"DAV:\"/>",
            ),
        ),
        fixed("unknown-method", req("FOO", "/app/echo.jsp", &[], b"")),
        fixed("path-encoded", req("GET", ENCODED_ECHO, &[], b"")),
        fixed(
            "path-encoded-lowercase-hex",
            req("GET", "/app/a%20b/%c3%a9/echo.jsp", &[], b""),
        ),
        fixed(
            "path-encoded-unreserved",
            req("GET", "/app/ech%6F.jsp", &[], b""),
        ),
        fixed(
            "path-parameter-escapes",
            req("GET", "/app/echo.jsp;p=%3B%2C%20x%7E", &[], b""),
        ),
        fixed(
            "path-dot-segment",
            req("GET", "/app/x/../echo.jsp", &[], b""),
        ),
        fixed("path-double-slash", req("GET", "/app//echo.jsp", &[], b"")),
        fixed("headers-50", req("GET", "/app/echo.jsp", &many_refs, b"")),
        fixed(
            "headers-repeated",
            req(
                "GET",
                "/app/echo.jsp",
                &[
                    ("X-Dup", "first"),
                    ("Accept", "text/plain"),
                    ("X-Dup", "second"),
                    ("Cookie", "a=1"),
                    ("Cookie", "b=2"),
                ],
                b"",
            ),
        ),
        fixed(
            "headers-case-empty-nonascii",
            req(
                "GET",
                "/app/echo.jsp",
                &[
                    ("X-MiXeD-CaSe", "v"),
                    ("X-Empty", ""),
                    ("X-Latin", "caf\u{e9}"),
                    ("Accept-Language", "fr-CH, fr;q=0.9"),
                    ("Accept-Encoding", "gzip"),
                    ("User-Agent", "differential/1"),
                    ("Referer", "http://elsewhere.test/x"),
                ],
                b"",
            ),
        ),
        fixed(
            "cookies-repeated",
            req(
                "GET",
                "/app/echo.jsp",
                &[("Cookie", "a=1"), ("Cookie", "JSESSIONID=0123ABCD.node1")],
                b"",
            ),
        ),
        fixed(
            "header-name-case",
            req(
                "GET",
                NAMES_PAGE,
                &[
                    ("X-MiXeD-CaSe", "v"),
                    ("ACCEPT", "*/*"),
                    ("content-TYPE", "a/b"),
                ],
                b"",
            ),
        ),
        fixed(
            "cookie-session-id",
            req(
                "GET",
                "/app/echo.jsp",
                &[("Cookie", "a=1; JSESSIONID=0123ABCD.node1; b=2")],
                b"",
            ),
        ),
        fixed(
            "basic-auth",
            req(
                "GET",
                "/app/echo.jsp",
                &[("Authorization", "Basic YWxpY2U6c2VjcmV0")],
                b"",
            ),
        ),
        fixed("chunked-upload", chunked),
        fixed(
            "expect-100-continue",
            req(
                "POST",
                "/app/echo.jsp?noparams=1",
                &[octet, ("Expect", "100-continue")],
                &noise(3000),
            ),
        ),
        fixed(
            "host-without-port",
            b"GET /app/echo.jsp HTTP/1.1\r\nHost: diff.test\r\n\r\n".to_vec(),
        ),
        fixed(
            "http10-without-host",
            b"GET /app/echo.jsp HTTP/1.0\r\n\r\n".to_vec(),
        ),
        fixed("session-new", req("GET", "/app/session.jsp", &[], b"")),
        fixed(
            "status-404-page",
            req("GET", "/app/status.jsp?code=404", &[], b""),
        ),
        fixed(
            "status-500-senderror",
            req("GET", "/app/status.jsp?code=500&senderror=1", &[], b""),
        ),
        fixed(
            "status-302-location",
            req("GET", "/app/status.jsp?code=302&location=/app/x", &[], b""),
        ),
        fixed(
            "status-204",
            req("GET", "/app/status.jsp?code=204", &[], b""),
        ),
        fixed(
            "status-304",
            req("GET", "/app/status.jsp?code=304", &[], b""),
        ),
        fixed(
            "status-headers-cookies",
            req(
                "GET",
                "/app/status.jsp?code=200&h=X-A:1&h=X-A:2&cookie=c1=v1&cookie=c2=v2",
                &[],
                b"",
            ),
        ),
        fixed(
            "stream-no-length",
            req("GET", "/app/stream.jsp?n=20000", &[], b""),
        ),
        fixed(
            "stream-content-length",
            req("GET", "/app/stream.jsp?n=20000&cl=1", &[], b""),
        ),
        fixed("not-mounted", req("GET", "/elsewhere/x", &[], b"")),
        fixed("too-many-headers-for-a-packet", too_many.into_bytes()),
    ];
    for (name, extra) in [("packet-exactly-full", 0usize), ("packet-one-byte-over", 1)] {
        cases.push(Case {
            name,
            build: Box::new(move |port| {
                let n = x_big_for_full_packet(port) + extra;
                req("GET", "/app/echo.jsp", &[("X-Big", &"b".repeat(n))], b"")
            }),
            head: false,
            echo: true,
        });
    }
    cases
}

/// What one front end produced for one case, normalised; key → values.
type View = BTreeMap<String, Vec<String>>;

fn view(case: &Case, response: &RawResponse, client_port: u16, listen_port: u16) -> View {
    let mut out: View = BTreeMap::new();
    let mut put = |k: &str, v: String| out.entry(k.to_string()).or_default().push(v);
    let echo = case.echo && response.status == 200;
    put("version", response.version.clone());
    put("status", response.status.to_string());
    put("reason", response.reason.clone());
    put("interim", format!("{:?}", response.interim));
    for (name, value) in &response.headers {
        let value = match name.as_str() {
            "date" => continue,
            // The lines of the body are compared one by one instead.
            "content-length" if echo => "<echo body length>".to_string(),
            _ => normalise_ids(value),
        };
        put(&format!("resp.{name}"), value);
    }
    if !echo {
        put("body", normalise_ids(&response.text()));
        return out;
    }
    let mut names = Vec::new();
    for (key, value) in response.lines() {
        let value = match key.as_str() {
            "remotePort" if value == client_port.to_string() => "<client port>".to_string(),
            "localPort" | "serverPort" if value == listen_port.to_string() => {
                "<listen port>".to_string()
            }
            "requestURL" | "header.host" => {
                value.replace(&format!(":{listen_port}"), ":<listen port>")
            }
            "session.creationTime" => "<time>".to_string(),
            _ => normalise_ids(&value),
        };
        if let Some(name) = key.strip_prefix("header.") {
            names.push(name.to_string());
        }
        put(&key, value);
    }
    out.insert("header-names".into(), names);
    out
}

/// Session ids are random: `<32 hex>` → `<id>`.
fn normalise_ids(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    while i < bytes.len() {
        let run = bytes[i..]
            .iter()
            .take_while(|b| b.is_ascii_hexdigit() && !b.is_ascii_lowercase())
            .count();
        if run == 32 {
            out.push_str("<id>");
            i += 32;
        } else {
            let n = run.max(1);
            out.push_str(&String::from_utf8_lossy(&bytes[i..i + n]));
            i += n;
        }
    }
    out
}

async fn exchange(addr: SocketAddr, case: &Case) -> (RawResponse, u16) {
    raw_exchange_built(addr, |port| (case.build)(port), case.head)
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", case.name))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_requests_through_mod_jk_and_ajpgate_differ_only_as_documented() {
    bounded(240, async {
        let tomcat = shared_tomcat();
        let workers = tomcat.workers_properties(&[]);
        let httpd = Httpd::start_new("differential", &workers, "JkMount /app/* node1\n");
        let gate = Gate::start(&workers, &["/app/*=node1"]).await;

        let mut observed: BTreeMap<(String, String), (Vec<String>, Vec<String>)> = BTreeMap::new();
        let cases = cases();
        for case in &cases {
            let (by_modjk, modjk_port) = exchange(httpd.addr(), case).await;
            let (by_gate, gate_port) = exchange(gate.addr, case).await;
            let a = view(case, &by_modjk, modjk_port, httpd.port);
            let b = view(case, &by_gate, gate_port, gate.addr.port());
            let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for key in keys {
                let (va, vb) = (a.get(key), b.get(key));
                if va != vb {
                    observed.insert(
                        (case.name.to_string(), key.clone()),
                        (
                            va.cloned().unwrap_or_default(),
                            vb.cloned().unwrap_or_default(),
                        ),
                    );
                }
            }
        }

        let all_cases: Vec<&str> = cases.iter().map(|c| c.name).collect();
        let mut expected: BTreeSet<(String, String)> = BTreeSet::new();
        let wildcard: BTreeSet<&str> = EXPECTED_DIFFERENCES
            .iter()
            .filter(|(case, _, _)| *case == "*")
            .map(|(_, key, _)| *key)
            .collect();
        for (case, key, _) in EXPECTED_DIFFERENCES {
            if *case != "*" {
                assert!(all_cases.contains(case), "table names unknown case {case}");
                expected.insert((case.to_string(), key.to_string()));
            }
        }
        let found: BTreeSet<(String, String)> = observed.keys().cloned().collect();
        let mut report = String::new();
        for key in &wildcard {
            if !found.iter().any(|(_, k)| k == key) {
                report.push_str(&format!("LISTED BUT GONE * / {key}\n"));
            }
        }
        let unexpected = found
            .iter()
            .filter(|(_, key)| !wildcard.contains(key.as_str()))
            .filter(|d| !expected.contains(*d));
        for (case, key) in unexpected {
            let (a, b) = &observed[&(case.clone(), key.clone())];
            report.push_str(&format!(
                "UNEXPECTED {case} / {key}:\n    mod_jk:  {a:?}\n    ajpgate: {b:?}\n"
            ));
        }
        for (case, key) in expected.difference(&found) {
            report.push_str(&format!("LISTED BUT GONE {case} / {key}\n"));
        }
        println!("{} cases; {} differences:", cases.len(), found.len());
        for ((case, key), (a, b)) in &observed {
            println!("  {case} / {key}: mod_jk {a:?} | ajpgate {b:?}");
        }
        assert!(
            report.is_empty(),
            "mod_jk and ajpgate differ outside EXPECTED_DIFFERENCES:\n{report}\n(httpd logs: {}; \
         AJPGATE_KEEP_TESTBED=1 keeps them)",
            httpd.dir.join("logs").display()
        );
        gate.shutdown().await;
        drop(httpd);
    })
    .await;
}
