//! Handshakes both servers accept: what Tomcat gets must be the same field by field, and right in
//! absolute terms too (a differential alone would pass if both were wrong alike).

use crate::bed::{Policy, bed};
use crate::compare::{View, differential, view};
use crate::support::curl::Curl;

const PAGE: &str = "/app/ssl.jsp";

fn curl(host: &str) -> Curl {
    Curl::new(host, PAGE, &bed().pki.root)
}

fn get<'a>(view: &'a View, key: &str) -> &'a str {
    view.get(key).map(String::as_str).unwrap_or("(absent)")
}

/// What every accepted request shows, whichever side.
fn assert_secure(view: &View, protocol: &str, tls: &str) {
    assert_eq!(get(view, "client.exit"), "0", "{view:#?}");
    assert_eq!(get(view, "client.status"), "200", "{view:#?}");
    assert_eq!(get(view, "client.verify_result"), "0");
    assert_eq!(get(view, "page.secure"), "true");
    assert_eq!(get(view, "page.scheme"), "https");
    assert_eq!(get(view, "page.serverPort"), "<the port connected to>");
    assert_eq!(get(view, "page.protocol"), protocol);
    assert_eq!(get(view, "page.secure_protocol_version"), tls);
    assert_eq!(get(view, "page.key_size.type"), "Integer");
    assert_eq!(get(view, "page.ssl_session_id"), "present");
    assert_eq!(get(view, "page.ssl_session_id.hex"), "true");
}

#[test]
fn tls12_with_a_forced_cipher_over_http11() {
    let mut c = curl("one.test");
    c.tls12 = true;
    c.ciphers = Some("ECDHE-RSA-AES128-GCM-SHA256".into());
    let (httpd, gate) = differential("tls12-cipher-h1", Policy::Plain, &c);
    for view in [&httpd, &gate] {
        assert_secure(view, "HTTP/1.1", "TLSv1.2");
        assert_eq!(get(view, "client.http_version"), "1.1");
        assert_eq!(
            get(view, "page.cipher_suite"),
            "ECDHE-RSA-AES128-GCM-SHA256"
        );
        assert_eq!(get(view, "page.key_size"), "128");
        assert_eq!(get(view, "page.certs"), "absent");
        assert_eq!(get(view, "page.serverName"), "one.test");
    }
}

#[test]
fn tls12_over_h2_with_the_suite_the_client_prefers() {
    let mut c = curl("one.test");
    c.tls12 = true;
    c.http2 = true;
    let (httpd, gate) = differential("tls12-h2", Policy::Plain, &c);
    for view in [&httpd, &gate] {
        assert_secure(view, "HTTP/2.0", "TLSv1.2");
        assert_eq!(get(view, "client.http_version"), "2");
    }
}

#[test]
fn tls13_over_http11() {
    let (httpd, gate) = differential("tls13-h1", Policy::Plain, &curl("one.test"));
    for view in [&httpd, &gate] {
        assert_secure(view, "HTTP/1.1", "TLSv1.3");
        assert!(
            get(view, "page.cipher_suite").starts_with("TLS_"),
            "{view:#?}"
        );
    }
}

#[test]
fn tls13_over_h2() {
    let mut c = curl("one.test");
    c.http2 = true;
    let (httpd, gate) = differential("tls13-h2", Policy::Plain, &c);
    for view in [&httpd, &gate] {
        assert_secure(view, "HTTP/2.0", "TLSv1.3");
        assert_eq!(get(view, "client.http_version"), "2");
    }
}

#[test]
fn sni_chooses_the_second_certificate() {
    let (httpd, gate) = differential("sni-two", Policy::Plain, &curl("two.test"));
    for view in [&httpd, &gate] {
        assert_secure(view, "HTTP/1.1", "TLSv1.3");
        assert!(
            get(view, "client.server_subject").contains("CN=two.test"),
            "{view:#?}"
        );
        assert_eq!(get(view, "page.serverName"), "two.test");
    }
    // And without SNI's help the default one is served.
    let (httpd, gate) = differential("sni-one", Policy::Plain, &curl("one.test"));
    for view in [&httpd, &gate] {
        assert!(
            get(view, "client.server_subject").contains("CN=one.test"),
            "{view:#?}"
        );
    }
}

#[test]
fn a_required_client_certificate_reaches_tomcat_alone() {
    let pki = &bed().pki;
    for (case, tls12, http2) in [
        ("require-tls13-h1", false, false),
        ("require-tls12-h2", true, true),
    ] {
        let mut c = curl("one.test");
        c.client = Some(pki.client.clone());
        c.tls12 = tls12;
        c.http2 = http2;
        let (httpd, gate) = differential(case, Policy::Require, &c);
        for view in [&httpd, &gate] {
            assert_secure(
                view,
                if http2 { "HTTP/2.0" } else { "HTTP/1.1" },
                if tls12 { "TLSv1.2" } else { "TLSv1.3" },
            );
            assert_eq!(get(view, "page.certs"), "1", "{case}: {view:#?}");
            assert_eq!(
                get(view, "page.cert.0.subject"),
                "CN=client one,OU=people,O=ajpgate tests"
            );
            assert_eq!(
                get(view, "page.cert.0.issuer"),
                "CN=test intermediate CA,O=ajpgate tests"
            );
            assert_eq!(get(view, "page.cert.0.serial"), pki.client.serial);
        }
    }
}

#[test]
fn forward_chain_sends_the_intermediate_after_the_leaf() {
    let pki = &bed().pki;
    for (case, tls12, http2) in [
        ("chain-tls12-cipher-h1", true, false),
        ("chain-tls13-h2", false, true),
    ] {
        let mut c = curl("one.test");
        c.client = Some(pki.client.clone());
        c.tls12 = tls12;
        c.http2 = http2;
        if tls12 {
            c.ciphers = Some("ECDHE-RSA-AES128-GCM-SHA256".into());
        }
        let (httpd, gate) = differential(case, Policy::OptionalChain, &c);
        for view in [&httpd, &gate] {
            assert_eq!(get(view, "client.status"), "200", "{case}: {view:#?}");
            assert_eq!(get(view, "page.certs"), "2", "{case}: {view:#?}");
            assert_eq!(get(view, "page.cert.0.serial"), pki.client.serial);
            assert_eq!(
                get(view, "page.cert.1.subject"),
                "CN=test intermediate CA,O=ajpgate tests"
            );
            assert_eq!(
                get(view, "page.cert.1.issuer"),
                "CN=test root CA,O=ajpgate tests"
            );
        }
    }
}

#[test]
fn an_optional_client_certificate_may_be_left_out() {
    let (httpd, gate) = differential("optional-none", Policy::OptionalChain, &curl("one.test"));
    for view in [&httpd, &gate] {
        assert_secure(view, "HTTP/1.1", "TLSv1.3");
        assert_eq!(get(view, "page.certs"), "absent");
    }
}

#[test]
fn every_cipher_family_gets_its_openssl_name_and_key_size() {
    // (case, server name: RSA or ECDSA certificate, TLS 1.2?, suite, bits)
    let suites = [
        (
            "tls12-chacha",
            "one.test",
            true,
            "ECDHE-RSA-CHACHA20-POLY1305",
            "256",
        ),
        (
            "tls12-ecdsa-aes128",
            "ec.test",
            true,
            "ECDHE-ECDSA-AES128-GCM-SHA256",
            "128",
        ),
        (
            "tls12-ecdsa-aes256",
            "ec.test",
            true,
            "ECDHE-ECDSA-AES256-GCM-SHA384",
            "256",
        ),
        (
            "tls12-ecdsa-chacha",
            "ec.test",
            true,
            "ECDHE-ECDSA-CHACHA20-POLY1305",
            "256",
        ),
        (
            "tls13-aes128",
            "one.test",
            false,
            "TLS_AES_128_GCM_SHA256",
            "128",
        ),
        (
            "tls13-chacha",
            "one.test",
            false,
            "TLS_CHACHA20_POLY1305_SHA256",
            "256",
        ),
        (
            "tls13-ecdsa",
            "ec.test",
            false,
            "TLS_AES_256_GCM_SHA384",
            "256",
        ),
    ];
    for (case, host, tls12, suite, bits) in suites {
        let mut c = curl(host);
        c.tls12 = tls12;
        if tls12 {
            c.ciphers = Some(suite.into());
        } else {
            c.tls13_ciphers = Some(suite.into());
        }
        let (httpd, gate) = differential(case, Policy::Plain, &c);
        for view in [&httpd, &gate] {
            assert_eq!(get(view, "page.cipher_suite"), suite, "{case}: {view:#?}");
            assert_eq!(get(view, "page.key_size"), bits, "{case}");
        }
    }
}

#[test]
fn a_host_header_without_a_port_names_the_default_https_port() {
    let mut c = curl("one.test");
    c.host_header = Some("one.test".into());
    let (httpd, gate) = differential("host-without-port", Policy::Plain, &c);
    for view in [&httpd, &gate] {
        assert_eq!(get(view, "client.status"), "200", "{view:#?}");
        assert_eq!(get(view, "page.serverName"), "one.test");
    }
    assert_eq!(get(&gate, "page.serverPort"), "443");
}

#[test]
fn sni_matches_a_wildcard_certificate() {
    let (httpd, gate) = differential("sni-wildcard", Policy::Plain, &curl("a.wild.test"));
    for view in [&httpd, &gate] {
        assert_secure(view, "HTTP/1.1", "TLSv1.3");
        assert!(
            get(view, "client.server_subject").contains("CN=*.wild.test"),
            "{view:#?}"
        );
        assert_eq!(get(view, "page.serverName"), "a.wild.test");
    }
}

#[test]
fn without_sni_the_default_certificate_is_served() {
    // curl sends no SNI for an address; -k because no certificate names 127.0.0.1.
    let mut c = curl("127.0.0.1");
    c.insecure = true;
    let (httpd, gate) = differential("no-sni", Policy::Plain, &c);
    for view in [&httpd, &gate] {
        assert_eq!(get(view, "client.status"), "200", "{view:#?}");
        assert!(
            get(view, "client.server_subject").contains("CN=one.test"),
            "{view:#?}"
        );
        assert_eq!(get(view, "page.serverName"), "127.0.0.1");
    }
}

#[test]
fn an_unknown_name_gets_the_default_certificate() {
    // Neither certificate covers the name, so curl refuses it after the handshake: both must have
    // served the first one (httpd: the first vhost of the address; ajpgate: the first pair).
    let (httpd, gate) = differential("sni-unknown", Policy::Plain, &curl("three.test"));
    for view in [&httpd, &gate] {
        assert_eq!(get(view, "client.exit"), "60", "{view:#?}");
        assert!(
            get(view, "client.server_subject").contains("CN=one.test"),
            "{view:#?}"
        );
    }
}

#[test]
fn a_certificate_nobody_asked_for_is_not_forwarded() {
    let mut c = curl("one.test");
    c.client = Some(bed().pki.client.clone());
    let (httpd, gate) = differential("plain-with-cert", Policy::Plain, &c);
    for view in [&httpd, &gate] {
        assert_secure(view, "HTTP/1.1", "TLSv1.3");
        assert_eq!(get(view, "page.certs"), "absent", "{view:#?}");
    }
}

/// A documented difference rather than a differential: without `SSLOptions +StdEnvVars
/// +ExportCertData` (Debian's default-ssl.conf sets them only for CGI and PHP files) mod_jk has
/// nothing to forward but `is_ssl`; ajpgate always sends the values (docs/tls.md#differences-from-httpd).
#[test]
fn without_ssloptions_httpd_forwards_only_is_ssl_ajpgate_forwards_everything() {
    let mut c = curl("one.test");
    c.client = Some(bed().pki.client.clone());
    let bed = bed();
    let httpd = view(&c.run(bed.httpd(Policy::RequireNoOptions)), 0);
    let gate = view(&c.run(bed.gate(Policy::RequireNoOptions)), 0);
    for view in [&httpd, &gate] {
        assert_eq!(get(view, "client.status"), "200", "{view:#?}");
        assert_eq!(get(view, "page.secure"), "true");
        assert_eq!(get(view, "page.scheme"), "https");
    }
    let absent = [
        ("page.cipher_suite", "(null)"),
        ("page.key_size", "(null)"),
        ("page.secure_protocol_version", "(null)"),
        ("page.ssl_session_id", "absent"),
        ("page.certs", "absent"),
    ];
    for (key, value) in absent {
        assert_eq!(get(&httpd, key), value, "{key}: {httpd:#?}");
        assert_ne!(get(&gate, key), value, "{key}: {gate:#?}");
    }
}

#[test]
fn of_two_certificates_for_one_name_the_one_the_client_can_use_is_served() {
    // (case, TLS 1.2 suites to offer or none for curl's defaults, TLS 1.2?, expected OU)
    let cases = [
        (
            "dual-tls12-ecdsa-only",
            Some("ECDHE-ECDSA-AES128-GCM-SHA256"),
            true,
            "OU=ecdsa",
        ),
        (
            "dual-tls12-rsa-only",
            Some("ECDHE-RSA-AES128-GCM-SHA256"),
            true,
            "OU=rsa",
        ),
        ("dual-tls12-default", None, true, ""),
        ("dual-tls13-default", None, false, ""),
    ];
    for (case, ciphers, tls12, ou) in cases {
        let mut c = curl("dual.test");
        c.tls12 = tls12;
        c.ciphers = ciphers.map(str::to_owned);
        let (httpd, gate) = differential(case, Policy::Plain, &c);
        for view in [&httpd, &gate] {
            assert_eq!(get(view, "client.status"), "200", "{case}: {view:#?}");
            assert!(
                get(view, "client.server_subject").contains(ou),
                "{case}: {view:#?}"
            );
        }
    }
}
