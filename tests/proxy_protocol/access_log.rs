//! The access log names the real client, not the balancer: the `ajpgate::access` lines of this test
//! binary are captured by a subscriber installed once.

use std::io::Write;
use std::sync::{Mutex, Once};

use super::*;

static LINES: Mutex<Vec<u8>> = Mutex::new(Vec::new());

struct Capture;

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LINES.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn capture_access_log() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let subscriber = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("ajpgate::access=info"))
            .with_ansi(false)
            .with_writer(|| Capture)
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");
    });
}

/// The captured access lines that contain `needle`.
fn access_lines_with(needle: &str) -> Vec<String> {
    let text = String::from_utf8_lossy(&LINES.lock().unwrap()).into_owned();
    text.lines()
        .filter(|l| l.contains("ajpgate::access") && l.contains(needle))
        .map(str::to_owned)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_access_log_shows_the_client_a_proxy_header_or_trusted_proxy_named() {
    capture_access_log();
    support::bounded(120, async {
        let gate = gate(proxy_from_loopback_one()).await;
        let path = "/app/access-log-proxy/../echo.jsp";
        let mut request = b"PROXY TCP4 198.51.100.77 127.0.0.1 40077 80\r\n".to_vec();
        request.extend(request_bytes("GET", path, &[("Host", "gate.test")], b""));
        let response = exchange_from([127, 0, 0, 1], gate.addr, &request)
            .await
            .unwrap();
        assert_eq!(response.status, 200);
        gate.shutdown().await;

        let gate = gate_forwarded().await;
        let path_xff = "/app/access-log-xff/../echo.jsp";
        let request = request_bytes(
            "GET",
            path_xff,
            &[("Host", "gate.test"), ("X-Forwarded-For", "203.0.113.77")],
            b"",
        );
        let response = exchange_from([127, 0, 0, 1], gate.addr, &request)
            .await
            .unwrap();
        assert_eq!(response.status, 200);
        gate.shutdown().await;

        // The line is logged when the exchange ends, which may be just after the response.
        support::eventually("both access lines", || {
            access_lines_with(path).len() == 1 && access_lines_with(path_xff).len() == 1
        })
        .await;
        let proxied = &access_lines_with(path)[0];
        assert!(proxied.contains("client=198.51.100.77:40077"), "{proxied}");
        let forwarded = &access_lines_with(path_xff)[0];
        assert!(forwarded.contains("client=203.0.113.77:0"), "{forwarded}");
    })
    .await;
}

async fn gate_forwarded() -> Gate {
    gate(forwarded_from_loopback_one()).await
}
