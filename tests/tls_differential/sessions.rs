//! The session id Tomcat gets (`jakarta.servlet.request.ssl_session_id`): the same for every request
//! of a connection, different for another connection, and, where the client resumes its TLS session
//! on a new connection, compared with what mod_ssl's `SSL_SESSION_ID` does.

use crate::bed::{Policy, bed};
use crate::compare::{View, compare_views, view};
use crate::support::curl::{Curl, CurlSeen};

fn session_id(seen: &CurlSeen) -> String {
    seen.body
        .lines()
        .find_map(|l| l.strip_prefix("ssl_session_id.value: "))
        .unwrap_or_else(|| panic!("no session id line: {seen:#?}"))
        .to_owned()
}

/// Two requests in one curl run (one connection, or a resumed session on a second connection) and
/// a third on a fresh curl run: how their ids relate.
fn relations(curl: &Curl, addr: std::net::SocketAddr, reconnect: bool) -> View {
    let pair = curl.run_many(addr, 2, reconnect);
    let fresh = curl.run(addr);
    let mut view = View::new();
    for (i, seen) in pair.iter().chain([&fresh]).enumerate() {
        assert_eq!(seen.status, 200, "request {i}: {seen:#?}");
    }
    let ids: Vec<String> = pair.iter().chain([&fresh]).map(session_id).collect();
    view.insert(
        "client.offered_resumption".into(),
        pair[0].resumed.to_string(),
    );
    view.insert(
        "second_request.same_id".into(),
        (ids[1] == ids[0]).to_string(),
    );
    view.insert(
        "new_curl_run.same_id".into(),
        (ids[2] == ids[0]).to_string(),
    );
    view.insert("id.length".into(), ids[0].len().to_string());
    view
}

#[test]
fn the_session_id_follows_the_connection() {
    let bed = bed();
    for tls12 in [true, false] {
        for reconnect in [false, true] {
            let mut curl = Curl::new("one.test", "/app/ssl.jsp", &bed.pki.root);
            curl.tls12 = tls12;
            let case = format!(
                "session-{}-{}",
                if tls12 { "tls12" } else { "tls13" },
                if reconnect { "resumed" } else { "keep-alive" }
            );
            let httpd = relations(&curl, bed.httpd(Policy::Plain), reconnect);
            let gate = relations(&curl, bed.gate(Policy::Plain), reconnect);
            compare_views(&case, &httpd, &gate);
            for view in [&httpd, &gate] {
                assert_eq!(view["new_curl_run.same_id"], "false", "{case}: {view:#?}");
                if !reconnect {
                    assert_eq!(view["second_request.same_id"], "true", "{case}: {view:#?}");
                }
            }
        }
    }
}

#[test]
fn a_resumed_session_still_forwards_the_client_certificate() {
    let bed = bed();
    for tls12 in [true, false] {
        let mut curl = Curl::new("one.test", "/app/ssl.jsp", &bed.pki.root);
        curl.tls12 = tls12;
        curl.client = Some(bed.pki.client.clone());
        let case = format!("resumed-cert-{}", if tls12 { "tls12" } else { "tls13" });
        let side = |addr: std::net::SocketAddr| {
            let seen = curl.run_many(addr, 2, true);
            assert!(seen[0].resumed, "{case}: curl did not resume: {seen:#?}");
            view(&seen[1], addr.port())
        };
        let httpd = side(bed.httpd(Policy::Require));
        let gate = side(bed.gate(Policy::Require));
        compare_views(&case, &httpd, &gate);
        for view in [&httpd, &gate] {
            assert_eq!(view["page.certs"], "1", "{case}: {view:#?}");
            assert_eq!(view["page.cert.0.serial"], bed.pki.client.serial);
        }
    }
}
