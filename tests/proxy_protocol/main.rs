//! Real client addresses behind a balancer (docs/proxy-protocol.md), end to end against a real
//! Tomcat 10.1 whose echo.jsp prints what the servlet saw (`getRemoteAddr`, `isSecure`, the scheme):
//! * haproxy (`send-proxy`, `send-proxy-v2`, `option forwardfor`) in front of ajpgate, the client a
//!   curl bound to another loopback address (all of 127.0.0.0/8 is local);
//! * raw sockets for what haproxy never sends: malformed and stalled headers, a PROXY header from an
//!   unlisted peer (bound to 127.0.0.2), forged `X-Forwarded-For` from an untrusted one.

#[path = "../support/mod.rs"]
mod support;

mod access_log;
mod forwarded;
mod haproxy;
mod raw;
mod remoteip;
mod tls;

use std::net::SocketAddr;
use std::time::Duration;

use ajpgate::http::client_addr::{ClientAddrSettings, TrustedProxies, parse_network};
use ajpgate::http::server::ServerSettings;
use support::Gate;
use support::raw_http::{RawResponse, read_response, request_bytes};
use support::tomcat::shared_tomcat;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

use haproxy::{Haproxy, curl_from, line};

const MOUNT: &str = "/app/*=node1";

fn nets(list: &[&str]) -> Vec<ipnet::IpNet> {
    list.iter().map(|n| parse_network(n).unwrap()).collect()
}

/// ajpgate in front of the shared Tomcat with these client-address settings.
async fn gate(client_addr: ClientAddrSettings) -> Gate {
    let tomcat = shared_tomcat();
    let settings = ServerSettings {
        client_addr,
        ..ServerSettings::default()
    };
    Gate::start_with(&tomcat.workers_properties(&[]), &[MOUNT], settings).await
}

/// PROXY headers required from 127.0.0.1 (header timeout 1 s); no forwarding headers believed.
fn proxy_from_loopback_one() -> ClientAddrSettings {
    ClientAddrSettings {
        proxy_protocol_from: nets(&["127.0.0.1"]),
        proxy_header_timeout: Duration::from_secs(1),
        ..ClientAddrSettings::default()
    }
}

/// X-Forwarded-For / -Proto believed from 127.0.0.1 and 10.0.0.0/8 (internal), 192.0.2.0/24 (trusted).
fn forwarded_from_loopback_one() -> ClientAddrSettings {
    ClientAddrSettings {
        proxies: TrustedProxies {
            internal: nets(&["127.0.0.1", "10.0.0.0/8"]),
            trusted: nets(&["192.0.2.0/24"]),
        },
        ..ClientAddrSettings::default()
    }
}

/// A connection from `from` (a loopback address) to `addr`.
async fn connect_from(from: [u8; 4], addr: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::from((from, 0))).unwrap();
    socket.connect(addr).await.unwrap()
}

/// Sends `bytes` from `from` and reads one response.
async fn exchange_from(
    from: [u8; 4],
    addr: SocketAddr,
    bytes: &[u8],
) -> Result<RawResponse, String> {
    let mut stream = connect_from(from, addr).await;
    stream.write_all(bytes).await.map_err(|e| e.to_string())?;
    tokio::time::timeout(Duration::from_secs(30), read_response(&mut stream, false))
        .await
        .map_err(|_| "no response within 30 s".to_string())?
}

/// Sends `bytes` from `from` and reads until the server closes (at most 30 s): what came back.
async fn until_closed(from: [u8; 4], addr: SocketAddr, bytes: &[u8]) -> Vec<u8> {
    let mut stream = connect_from(from, addr).await;
    let _ = stream.write_all(bytes).await;
    let mut out = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut out)).await;
    assert!(read.is_ok(), "the connection was not closed within 30 s");
    out
}

fn echo_request() -> Vec<u8> {
    request_bytes("GET", "/app/echo.jsp", &[("Host", "gate.test")], b"")
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

/// haproxy's `send-proxy` and `send-proxy-v2`: Tomcat sees curl's address (127.0.0.3), not haproxy's.
#[tokio::test(flavor = "multi_thread")]
async fn haproxy_proxy_protocol_v1_and_v2_give_tomcat_the_client() {
    support::bounded(300, async {
        let gate = gate(proxy_from_loopback_one()).await;
        let ports = support::testbed::free_ports(2);
        let sections = format!(
            "frontend v1\n  mode http\n  bind 127.0.0.1:{v1}\n  default_backend gate_v1\n\
             backend gate_v1\n  mode http\n  server gate {gate} send-proxy\n\n\
             frontend v2\n  mode tcp\n  bind 127.0.0.1:{v2}\n  default_backend gate_v2\n\
             backend gate_v2\n  mode tcp\n  server gate {gate} send-proxy-v2\n",
            v1 = ports[0],
            v2 = ports[1],
            gate = gate.addr,
        );
        let haproxy = Haproxy::start(&sections, &ports);
        for port in ports.iter().copied() {
            let (status, body) = curl_echo(port).await;
            assert_eq!(status, 200, "{body}\n{}", haproxy.log());
            assert_eq!(line(&body, "remoteAddr"), Some("127.0.0.3"), "{body}");
            assert_eq!(line(&body, "remoteHost"), Some("127.0.0.3"), "{body}");
            assert_eq!(line(&body, "secure"), Some("false"), "{body}");
        }
        gate.shutdown().await;
    })
    .await;
}

/// curl from 127.0.0.3 to echo.jsp through haproxy's `port`.
async fn curl_echo(port: u16) -> (u16, String) {
    let url = format!("http://127.0.0.1:{port}/app/echo.jsp");
    tokio::task::spawn_blocking(move || curl_from("127.0.0.3", &url, &[]))
        .await
        .unwrap()
}

/// haproxy in HTTP mode with `option forwardfor` and X-Forwarded-Proto, from a listed (internal) peer.
#[tokio::test(flavor = "multi_thread")]
async fn haproxy_forwardfor_from_a_trusted_peer_gives_tomcat_the_client() {
    support::bounded(300, async {
        let gate = gate(forwarded_from_loopback_one()).await;
        let ports = support::testbed::free_ports(1);
        let sections = format!(
            "frontend web\n  mode http\n  bind 127.0.0.1:{port}\n  option forwardfor\n  \
             http-request set-header X-Forwarded-Proto https\n  default_backend gate\n\
             backend gate\n  mode http\n  server gate {gate}\n",
            port = ports[0],
            gate = gate.addr,
        );
        let haproxy = Haproxy::start(&sections, &ports);
        let (status, body) = curl_echo(ports[0]).await;
        assert_eq!(status, 200, "{body}\n{}", haproxy.log());
        assert_eq!(
            line(&body, "remoteAddr"),
            Some("127.0.0.3"),
            "{body}\n{}",
            haproxy.log()
        );
        assert_eq!(line(&body, "secure"), Some("true"), "{body}");
        assert_eq!(line(&body, "scheme"), Some("https"), "{body}");
        assert_eq!(
            line(&body, "header.x-forwarded-for"),
            Some("127.0.0.3"),
            "forwarded as received"
        );
        gate.shutdown().await;
    })
    .await;
}

/// `ajpgate check` prints the networks `serve` would believe.
#[test]
fn check_prints_the_trusted_networks() {
    let dir = support::ScratchDir::new("check-client-addr");
    let workers = dir.0.join("workers.properties");
    std::fs::write(
        &workers,
        "worker.list=w\nworker.w.type=ajp13\nworker.w.port=8009\n",
    )
    .unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_ajpgate"))
        .arg("check")
        .arg("-w")
        .arg(&workers)
        .args([
            "--proxy-protocol-from",
            "10.1.0.0/16",
            "--proxy-protocol-from",
            "127.0.0.1",
        ])
        .args(["--trusted-proxy", "192.0.2.0/24", "--internal-proxy", "::1"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for expected in [
        "PROXY protocol required from: 10.1.0.0/16, 127.0.0.1/32 (header timeout 5s)",
        "X-Forwarded-For/-Proto believed from trusted proxies: 192.0.2.0/24",
        "X-Forwarded-For/-Proto believed from internal proxies: ::1/128",
    ] {
        assert!(text.contains(expected), "{expected:?} in:\n{text}");
    }
    let plain = std::process::Command::new(env!("CARGO_BIN_EXE_ajpgate"))
        .arg("check")
        .arg("-w")
        .arg(&workers)
        .output()
        .unwrap();
    let plain_text = String::from_utf8_lossy(&plain.stdout);
    assert!(
        !plain_text.contains("Client address"),
        "nothing listed, nothing shown:\n{plain_text}"
    );
    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_ajpgate"))
        .arg("check")
        .arg("-w")
        .arg(&workers)
        .args(["--trusted-proxy", "proxy.example"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("neither an IP address nor a CIDR network")
    );
}
