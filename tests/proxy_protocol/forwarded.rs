//! X-Forwarded-For and X-Forwarded-Proto written by hand: the right-to-left walk as Tomcat sees its
//! result, and the same headers from an untrusted peer.

use super::*;

fn echo_with(headers: &[(&str, &str)]) -> Vec<u8> {
    let mut all = vec![("Host", "gate.test")];
    all.extend_from_slice(headers);
    request_bytes("GET", "/app/echo.jsp", &all, b"")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_trusted_peers_headers_name_the_client_and_scheme() {
    support::bounded(120, async {
        let gate = gate(forwarded_from_loopback_one()).await;
        // Right to left: 10.1.1.1 is an internal proxy, 203.0.113.9 the client; the forged entry left
        // of it is not believed.
        let xff = "198.51.100.1, 203.0.113.9, 10.1.1.1";
        let request = echo_with(&[("X-Forwarded-For", xff), ("X-Forwarded-Proto", "https")]);
        let response = exchange_from([127, 0, 0, 1], gate.addr, &request)
            .await
            .unwrap();
        expect_lines(
            &response,
            &[
                ("remoteAddr", "203.0.113.9"),
                ("remoteHost", "203.0.113.9"),
                ("remotePort", "0"),
                ("secure", "true"),
                ("scheme", "https"),
                ("serverPort", "443"),
                ("header.x-forwarded-for", xff),
            ],
        );
        // An entry that is not an address stops the walk: the last good one is the client.
        let request = echo_with(&[("X-Forwarded-For", "203.0.113.9, proxy.example, 10.1.1.1")]);
        let response = exchange_from([127, 0, 0, 1], gate.addr, &request)
            .await
            .unwrap();
        expect_lines(
            &response,
            &[("remoteAddr", "10.1.1.1"), ("secure", "false")],
        );
        gate.shutdown().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_untrusted_peers_headers_are_ignored_and_forwarded() {
    support::bounded(120, async {
        let gate = gate(forwarded_from_loopback_one()).await;
        let request = echo_with(&[
            ("X-Forwarded-For", "203.0.113.9"),
            ("X-Forwarded-Proto", "https"),
        ]);
        let response = exchange_from([127, 0, 0, 2], gate.addr, &request)
            .await
            .unwrap();
        expect_lines(
            &response,
            &[
                ("remoteAddr", "127.0.0.2"),
                ("secure", "false"),
                ("scheme", "http"),
                ("header.x-forwarded-for", "203.0.113.9"),
                ("header.x-forwarded-proto", "https"),
            ],
        );
        gate.shutdown().await;
    })
    .await;
}

/// jk-status access control (default: loopback clients only) checks the client a trusted proxy named,
/// as httpd's `Require ip` checks mod_remoteip's client.
#[tokio::test(flavor = "multi_thread")]
async fn status_access_control_checks_the_forwarded_client() {
    support::bounded(120, async {
        let workers = shared_tomcat()
            .workers_properties(&[])
            .replace("worker.list=node1", "worker.list=node1,jkstatus")
            + "worker.jkstatus.type=status\n";
        let settings = ServerSettings {
            client_addr: forwarded_from_loopback_one(),
            ..ServerSettings::default()
        };
        let gate = Gate::start_with(&workers, &[MOUNT, "/jk-status=jkstatus"], settings).await;
        let status = |xff: &'static str| {
            let mut headers = vec![("Host", "gate.test")];
            if !xff.is_empty() {
                headers.push(("X-Forwarded-For", xff));
            }
            request_bytes("GET", "/jk-status?mime=prop", &headers, b"")
        };
        let seen = |from, xff| {
            let addr = gate.addr;
            async move {
                exchange_from(from, addr, &status(xff))
                    .await
                    .unwrap()
                    .status
            }
        };
        assert_eq!(seen([127, 0, 0, 1], "").await, 200);
        assert_eq!(
            seen([127, 0, 0, 1], "203.0.113.9").await,
            403,
            "the client is not loopback"
        );
        assert_eq!(
            seen([127, 0, 0, 2], "203.0.113.9").await,
            200,
            "an untrusted peer's header is ignored"
        );
        gate.shutdown().await;
    })
    .await;
}
