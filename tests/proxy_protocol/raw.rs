//! PROXY headers written by hand: the cases haproxy never produces, and the untrusted peer.

use super::*;

const V2_SIGNATURE: &[u8] = b"\r\n\r\n\0\r\nQUIT\n";

/// A v2 PROXY header (TCP over IPv4) for 198.51.100.7:40000 → 127.0.0.1:80, with these TLVs.
fn v2_header(command: u8, tlvs: &[u8]) -> Vec<u8> {
    let mut body = vec![198, 51, 100, 7, 127, 0, 0, 1];
    body.extend_from_slice(&40000u16.to_be_bytes());
    body.extend_from_slice(&80u16.to_be_bytes());
    body.extend_from_slice(tlvs);
    let mut out = V2_SIGNATURE.to_vec();
    out.extend_from_slice(&[0x20 | command, 0x11]);
    out.extend_from_slice(&(body.len() as u16).to_be_bytes());
    out.extend_from_slice(&body);
    out
}

fn with_request(header: &[u8]) -> Vec<u8> {
    [header, &echo_request()].concat()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_listed_peers_header_names_the_client_in_every_form() {
    support::bounded(120, async {
        let gate = gate(proxy_from_loopback_one()).await;
        let v1 = with_request(b"PROXY TCP4 198.51.100.7 127.0.0.1 40000 80\r\n");
        let response = exchange_from([127, 0, 0, 1], gate.addr, &v1).await.unwrap();
        expect_lines(
            &response,
            &[
                ("remoteAddr", "198.51.100.7"),
                ("remotePort", "40000"),
                ("secure", "false"),
            ],
        );

        let v1_six = with_request(b"PROXY TCP6 2001:db8::7 ::1 40001 80\r\n");
        let response = exchange_from([127, 0, 0, 1], gate.addr, &v1_six)
            .await
            .unwrap();
        expect_lines(
            &response,
            &[("remoteAddr", "2001:db8::7"), ("remotePort", "40001")],
        );

        let response = exchange_from([127, 0, 0, 1], gate.addr, &with_request(&v2_header(1, &[])))
            .await
            .unwrap();
        expect_lines(
            &response,
            &[
                ("remoteAddr", "198.51.100.7"),
                ("remotePort", "40000"),
                ("secure", "false"),
            ],
        );

        // PP2_TYPE_SSL with the client bit: the client spoke TLS to the balancer.
        let ssl_tlv = [0x20, 0x00, 0x05, 0x01, 0, 0, 0, 0];
        let response = exchange_from(
            [127, 0, 0, 1],
            gate.addr,
            &with_request(&v2_header(1, &ssl_tlv)),
        )
        .await
        .unwrap();
        expect_lines(
            &response,
            &[
                ("remoteAddr", "198.51.100.7"),
                ("secure", "true"),
                ("scheme", "https"),
            ],
        );

        // LOCAL (a health check) and UNKNOWN: the socket's own address stands.
        for header in [v2_header(0, &[]), b"PROXY UNKNOWN\r\n".to_vec()] {
            let response = exchange_from([127, 0, 0, 1], gate.addr, &with_request(&header))
                .await
                .unwrap();
            expect_lines(&response, &[("remoteAddr", "127.0.0.1")]);
        }
        gate.shutdown().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_listed_peer_without_a_valid_header_is_closed_unanswered() {
    support::bounded(120, async {
        let gate = gate(proxy_from_loopback_one()).await;
        for bytes in [
            echo_request(),
            with_request(b"PROXY TCP4 198.51.100.7 127.0.0.1 40000\r\n"),
            with_request(b"PROXY TCP4 ::1 127.0.0.1 1 2\r\n"),
            with_request(&[V2_SIGNATURE, &[0x22, 0x11, 0, 0]].concat()),
            with_request(&v2_header(1, &[0x20, 0x00, 0x09])),
        ] {
            let answer = until_closed([127, 0, 0, 1], gate.addr, &bytes).await;
            assert!(
                answer.is_empty(),
                "{:?} got {:?}",
                String::from_utf8_lossy(&bytes),
                String::from_utf8_lossy(&answer)
            );
        }
        // Half a header, then silence: closed when the header timeout (1 s) runs out.
        let answer = until_closed([127, 0, 0, 1], gate.addr, b"PROXY TCP4 198.51").await;
        assert!(answer.is_empty());
        // The gate still serves.
        let v1 = with_request(b"PROXY TCP4 198.51.100.8 127.0.0.1 40000 80\r\n");
        let response = exchange_from([127, 0, 0, 1], gate.addr, &v1).await.unwrap();
        expect_lines(&response, &[("remoteAddr", "198.51.100.8")]);
        gate.shutdown().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unlisted_peer_is_itself_and_its_proxy_header_is_refused() {
    support::bounded(120, async {
        let gate = gate(proxy_from_loopback_one()).await;
        let response = exchange_from([127, 0, 0, 2], gate.addr, &echo_request())
            .await
            .unwrap();
        expect_lines(&response, &[("remoteAddr", "127.0.0.2")]);
        for header in [
            b"PROXY TCP4 198.51.100.7 127.0.0.1 40000 80\r\n".to_vec(),
            v2_header(1, &[]),
        ] {
            let answer = until_closed([127, 0, 0, 2], gate.addr, &with_request(&header)).await;
            let text = String::from_utf8_lossy(&answer);
            assert!(text.starts_with("HTTP/1.1 400 "), "{text}");
            assert!(!text.contains("198.51.100.7"), "{text}");
        }
        gate.shutdown().await;
    })
    .await;
}

/// A CDN behind an L4 balancer: the PROXY header names the CDN's edge, and the edge's
/// X-Forwarded-For counts only when the edge is a listed proxy.
#[tokio::test(flavor = "multi_thread")]
async fn forwarded_headers_are_walked_from_the_client_the_proxy_header_named() {
    support::bounded(120, async {
        let settings = ClientAddrSettings {
            proxies: TrustedProxies {
                trusted: nets(&["198.51.100.7"]),
                ..TrustedProxies::default()
            },
            ..proxy_from_loopback_one()
        };
        let gate = gate(settings).await;
        let xff = [("Host", "gate.test"), ("X-Forwarded-For", "203.0.113.50")];
        let get = request_bytes("GET", "/app/echo.jsp", &xff, b"");
        for (edge, client) in [
            ("198.51.100.7", "203.0.113.50"),
            ("198.51.100.8", "198.51.100.8"),
        ] {
            let header = format!("PROXY TCP4 {edge} 127.0.0.1 40000 80\r\n");
            let bytes = [header.as_bytes(), &get].concat();
            let response = exchange_from([127, 0, 0, 1], gate.addr, &bytes)
                .await
                .unwrap();
            expect_lines(&response, &[("remoteAddr", client)]);
        }
        gate.shutdown().await;
    })
    .await;
}
