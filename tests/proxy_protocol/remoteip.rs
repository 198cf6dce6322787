//! Differential: the same X-Forwarded-For lists through httpd + mod_remoteip + mod_jk and through
//! ajpgate, to the same Tomcat, with the same proxy lists (internal 127.0.0.1 and 10.0.0.0/8, trusted
//! 192.0.2.0/24). Tomcat's `getRemoteAddr()` must agree. Entries that are host names are left out:
//! mod_remoteip would look them up in DNS (ajpgate treats them as invalid; see the unit tests).

use support::modjk::Httpd;

use super::*;

const REMOTEIP_CONF: &str = "LoadModule remoteip_module /usr/lib/apache2/modules/mod_remoteip.so\n\
    RemoteIPHeader X-Forwarded-For\n\
    RemoteIPInternalProxy 127.0.0.1 10.0.0.0/8\n\
    RemoteIPTrustedProxy 192.0.2.0/24\n\
    JkMount /app/* node1\n";

/// (peer, X-Forwarded-For header lines)
const CASES: &[([u8; 4], &[&str])] = &[
    ([127, 0, 0, 1], &["203.0.113.9"]),
    ([127, 0, 0, 1], &["198.51.100.1, 203.0.113.9, 10.1.1.1"]),
    ([127, 0, 0, 1], &["10.9.9.9, 192.0.2.5"]),
    ([127, 0, 0, 1], &["198.51.100.7, 192.0.2.5"]),
    ([127, 0, 0, 1], &["127.0.0.9, 192.0.2.5"]),
    ([127, 0, 0, 1], &["fd00::1, 192.0.2.5"]),
    ([127, 0, 0, 1], &["2001:db8::1, 192.0.2.5"]),
    ([127, 0, 0, 1], &["10.2.2.2"]),
    ([127, 0, 0, 1], &[" , 203.0.113.9"]),
    ([127, 0, 0, 1], &["203.0.113.9,"]),
    ([127, 0, 0, 1], &["2001:db8::1"]),
    ([127, 0, 0, 1], &["198.51.100.1", "203.0.113.9"]),
    ([127, 0, 0, 2], &["203.0.113.9"]),
    ([127, 0, 0, 2], &["198.51.100.1, 10.1.1.1"]),
];

fn request(xff: &[&str]) -> Vec<u8> {
    let mut headers = vec![("Host", "gate.test")];
    headers.extend(xff.iter().map(|v| ("X-Forwarded-For", *v)));
    request_bytes("GET", "/app/echo.jsp", &headers, b"")
}

#[tokio::test(flavor = "multi_thread")]
async fn tomcat_sees_the_client_mod_remoteip_would_give_it() {
    support::bounded(300, async {
        let tomcat = shared_tomcat();
        let workers = tomcat.workers_properties(&[]);
        let httpd =
            tokio::task::spawn_blocking(move || Httpd::start(&workers, None, REMOTEIP_CONF))
                .await
                .unwrap();
        let gate = gate(forwarded_from_loopback_one()).await;
        for (peer, xff) in CASES {
            let via_httpd = exchange_from(*peer, httpd.addr, &request(xff))
                .await
                .unwrap();
            let via_gate = exchange_from(*peer, gate.addr, &request(xff))
                .await
                .unwrap();
            assert_eq!(
                via_httpd.status,
                200,
                "httpd: {}\n{}",
                via_httpd.text(),
                httpd.mod_jk_log()
            );
            assert_eq!(via_gate.status, 200, "ajpgate: {}", via_gate.text());
            for key in ["remoteAddr", "remoteHost"] {
                assert_eq!(
                    via_gate.line(key),
                    via_httpd.line(key),
                    "{key} for X-Forwarded-For {xff:?} from {peer:?}"
                );
            }
            // A client taken from the header has no known port: both send 0 (else each its own socket's).
            let port_zero = |r: &RawResponse| r.line("remotePort").as_deref() == Some("0");
            assert_eq!(
                port_zero(&via_gate),
                port_zero(&via_httpd),
                "remotePort for {xff:?} from {peer:?}"
            );
        }
        gate.shutdown().await;
    })
    .await;
}

/// A second port whose virtual host requires PROXY headers (127.0.0.2 excepted); httpd.sh's own
/// readiness check uses the main port.
fn proxy_conf(port: u16) -> String {
    format!(
        "LoadModule remoteip_module /usr/lib/apache2/modules/mod_remoteip.so\n\
         Listen 127.0.0.1:{port}\n\
         <VirtualHost 127.0.0.1:{port}>\n\
         RemoteIPProxyProtocol On\n\
         RemoteIPProxyProtocolExceptions 127.0.0.2\n\
         JkMount /app/* node1\n\
         </VirtualHost>\n"
    )
}

/// What came back for `bytes` sent from `peer`: closed without an answer, a status, or for a 200 the
/// address and port Tomcat saw.
async fn outcome(peer: [u8; 4], addr: SocketAddr, bytes: &[u8]) -> String {
    let answer = until_closed(peer, addr, bytes).await;
    if answer.is_empty() {
        return "closed".into();
    }
    let text = String::from_utf8_lossy(&answer);
    let status = text.split(' ').nth(1).unwrap_or("?");
    if status != "200" {
        return format!("status {status}");
    }
    let address = line(&text, "remoteAddr").unwrap_or("?");
    // The socket's own address comes with its ephemeral port, which differs per connection.
    let port = if address == std::net::Ipv4Addr::from(peer).to_string() {
        "(socket)"
    } else {
        line(&text, "remotePort").unwrap_or("?")
    };
    format!("{address}:{port}")
}

/// The same PROXY headers to httpd with `RemoteIPProxyProtocol On` (127.0.0.2 excepted) and to
/// ajpgate with `--proxy-protocol-from 127.0.0.1`: same outcome, except a v2 UDP header and a bare
/// `PROXY UNKNOWN`, on which httpd closes the connection and ajpgate uses the socket's address
/// (docs/proxy-protocol.md).
#[tokio::test(flavor = "multi_thread")]
async fn proxy_headers_are_read_as_mod_remoteip_reads_them() {
    support::bounded(300, async {
        let tomcat = shared_tomcat();
        let workers = tomcat.workers_properties(&[]);
        let port = support::testbed::free_ports(1)[0];
        let _httpd =
            tokio::task::spawn_blocking(move || Httpd::start(&workers, None, &proxy_conf(port)))
                .await
                .unwrap();
        // The guard above keeps httpd running; its second port is the PROXY one.
        let httpd_addr = SocketAddr::from(([127, 0, 0, 1], port));
        let gate = gate(proxy_from_loopback_one()).await;
        let get = "GET /app/echo.jsp HTTP/1.1\r\nHost: gate.test\r\nConnection: close\r\n\r\n";
        let mut v2 =
            b"\r\n\r\n\0\r\nQUIT\n\x21\x11\x00\x0c\xc6\x33\x64\x07\x7f\x00\x00\x01".to_vec();
        v2.extend_from_slice(&[0x9c, 0x40, 0x00, 0x50]);
        let mut udp = v2.clone();
        udp[13] = 0x12;
        let mut local = v2.clone();
        local[12] = 0x20;
        let cases: Vec<([u8; 4], Vec<u8>)> = vec![
            (
                [127, 0, 0, 1],
                b"PROXY TCP4 198.51.100.7 127.0.0.1 40000 80\r\n".to_vec(),
            ),
            (
                [127, 0, 0, 1],
                b"PROXY TCP6 2001:db8::7 ::1 40001 80\r\n".to_vec(),
            ),
            (
                [127, 0, 0, 1],
                b"PROXY UNKNOWN ffff::1 ::1 1 2\r\n".to_vec(),
            ),
            ([127, 0, 0, 1], v2),
            ([127, 0, 0, 1], local),
            (
                [127, 0, 0, 1],
                b"PROXY TCP4 198.51.100.7 127.0.0.1 x 80\r\n".to_vec(),
            ),
            ([127, 0, 0, 1], Vec::new()),
            (
                [127, 0, 0, 2],
                b"PROXY TCP4 198.51.100.7 127.0.0.1 40000 80\r\n".to_vec(),
            ),
            ([127, 0, 0, 2], Vec::new()),
        ];
        for (peer, header) in cases {
            let bytes = [header.as_slice(), get.as_bytes()].concat();
            let via_httpd = outcome(peer, httpd_addr, &bytes).await;
            let via_gate = outcome(peer, gate.addr, &bytes).await;
            assert_eq!(
                via_gate,
                via_httpd,
                "{:?} from {peer:?}",
                String::from_utf8_lossy(&header)
            );
        }
        // Where they differ, httpd closing the connection and ajpgate keeping the socket's address
        // as the specification asks: a v2 family it does not relay (UDP here: "unsupported
        // protocol"), and the 15-byte "PROXY UNKNOWN\r\n" when a request follows (httpd's first read
        // takes the whole line, the next one the request line too, and it finds "data left over").
        for header in [udp, b"PROXY UNKNOWN\r\n".to_vec()] {
            let bytes = [header.as_slice(), get.as_bytes()].concat();
            let what = String::from_utf8_lossy(&header).into_owned();
            assert_eq!(
                outcome([127, 0, 0, 1], httpd_addr, &bytes).await,
                "closed",
                "{what:?}"
            );
            let via_gate = outcome([127, 0, 0, 1], gate.addr, &bytes).await;
            assert_eq!(via_gate, "127.0.0.1:(socket)", "{what:?}");
        }
        gate.shutdown().await;
    })
    .await;
}
