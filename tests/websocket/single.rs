//! One ajp13 worker on the shared Tomcat. Without `http_port` an upgrade goes over AJP as a normal
//! request, which is what mod_jk does, and Tomcat 10.1 answers it 500 (AJP cannot upgrade:
//! `AbstractProcessor.doHttpUpgrade` throws "HTTP upgrade is not supported by this protocol"). With it,
//! Tomcat's refusals come back as they are, and a silent tunnel is closed after the idle timeout.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use futures_util::StreamExt;

use crate::client::{connect, next_message, open, whoami};
use crate::support::raw_http::{raw_exchange, request_bytes};
use crate::support::tomcat::{ROUTE, shared_tomcat};
use crate::support::{Gate, bounded};

fn upgrade_request(path: &str, version: &str) -> Vec<u8> {
    request_bytes(
        "GET",
        path,
        &[
            ("Host", "gate.test"),
            ("Connection", "Upgrade"),
            ("Upgrade", "websocket"),
            ("Sec-WebSocket-Version", version),
            ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
        ],
        b"",
    )
}

async fn gate(extra: &[&str]) -> Gate {
    let tomcat = tokio::task::spawn_blocking(shared_tomcat).await.unwrap();
    let mut properties = tomcat.workers_properties(&[]);
    for line in extra {
        properties.push_str(&line.replace("HTTP_PORT", &tomcat.http_port.to_string()));
        properties.push('\n');
    }
    Gate::start(&properties, &[&format!("/app/*={ROUTE}")]).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_http_port_an_upgrade_goes_over_ajp_as_with_mod_jk() {
    bounded(120, async {
        let gate = gate(&[]).await;
        let (response, _) = raw_exchange(gate.addr, &upgrade_request("/app/ws/echo", "13"), false)
            .await
            .unwrap();
        assert_eq!(response.status, 500, "{}", response.text());
        assert!(
            response
                .text()
                .contains("HTTP upgrade is not supported by this protocol"),
            "{}",
            response.text()
        );
        let error = connect(gate.addr, "/app/ws/echo", None).await.unwrap_err();
        assert!(error.contains("500"), "{error}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_are_relayed_and_silent_tunnels_time_out() {
    bounded(120, async {
        let gate = gate(&[
            "ajpgate.ajp13.node1.http_port=HTTP_PORT",
            "ajpgate.ajp13.node1.upgrade_idle_timeout=2",
        ])
        .await;
        // A version Tomcat does not speak: its 426 and the version it wants come back unchanged.
        let (response, _) = raw_exchange(gate.addr, &upgrade_request("/app/ws/echo", "7"), false)
            .await
            .unwrap();
        assert_eq!(response.status, 426, "{}", response.text());
        assert_eq!(response.header("sec-websocket-version"), Some("13"));
        // A page that does not upgrade answers as a page, through the HTTP connector.
        let (response, _) =
            raw_exchange(gate.addr, &upgrade_request("/app/session.jsp", "13"), false)
                .await
                .unwrap();
        assert_eq!(response.status, 200, "{}", response.text());
        assert!(
            response.text().contains("node: node1"),
            "{}",
            response.text()
        );

        let mut ws = open(gate.addr, "/app/ws/echo", None).await;
        // The tunnel's idle clock starts at the last byte it relays, whoami's answer: take the time
        // before asking, so that "2 s after" cannot be measured from a later instant.
        let started = Instant::now();
        assert_eq!(whoami(&mut ws).await.node, ROUTE);
        // Nothing moves now; ajpgate closes both sides after 2 s (tungstenite's own pings are off).
        let end = tokio::time::timeout(Duration::from_secs(30), ws.next()).await;
        let end = end.expect("the idle timeout closed the tunnel within 30 s");
        assert!(
            !matches!(end, Some(Ok(ref m)) if m.is_text() || m.is_binary()),
            "{end:?}"
        );
        assert!(started.elapsed() >= Duration::from_secs(2));
        assert!(next_message(&mut ws).await.is_none());
        let status = crate::support::get(gate.addr, "/app/session.jsp").await;
        assert_eq!(status.status, 200, "ordinary requests still go over AJP");
        // An h2c upgrade (curl --http2 on plain http) is an ordinary request: AJP, HTTP/1.1 answer.
        let elected = || gate.worker(ROUTE).stats().elected.load(Ordering::Relaxed);
        let before = elected();
        let h2c = request_bytes(
            "GET",
            "/app/session.jsp",
            &[
                ("Host", "gate.test"),
                ("Connection", "Upgrade, HTTP2-Settings"),
                ("Upgrade", "h2c"),
                ("HTTP2-Settings", "AAMAAABkAARAAAAAAAIAAAAA"),
            ],
            b"",
        );
        let (response, _) = raw_exchange(gate.addr, &h2c, false).await.unwrap();
        assert_eq!(
            (response.version.as_str(), response.status),
            ("HTTP/1.1", 200)
        );
        assert_eq!(elected(), before + 1, "it went over AJP");
    })
    .await;
}
