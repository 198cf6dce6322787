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
