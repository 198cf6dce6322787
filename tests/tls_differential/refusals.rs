//! Client certificates that must never reach Tomcat: one from a CA the servers do not trust (with
//! `SSLVerifyClient require` and `optional`), one for the wrong purpose, one whose chain is
//! incomplete, and none at all where one is required; and one too large for an AJP packet. Both servers must
//! refuse the handshake, and the client must see the same refusal (the same TLS alert).

use crate::bed::{Policy, bed};
use crate::compare::{View, differential};
use crate::support::curl::Curl;

fn refused(view: &View) {
    assert_ne!(view["client.exit"], "0", "{view:#?}");
    assert_eq!(view["client.status"], "0", "no response at all: {view:#?}");
    assert!(!view.keys().any(|k| k.starts_with("page.")), "{view:#?}");
}

#[test]
fn an_untrusted_client_certificate_is_refused_by_both() {
    let pki = &bed().pki;
    for (policy, tls12) in [
        (Policy::Require, false),
        (Policy::Require, true),
        (Policy::OptionalChain, false),
        (Policy::OptionalChain, true),
    ] {
        let mut c = Curl::new("one.test", "/app/ssl.jsp", &pki.root);
        c.client = Some(pki.stranger.clone());
        c.tls12 = tls12;
        let case = format!(
            "untrusted-{policy:?}-{}",
            if tls12 { "tls12" } else { "tls13" }
        );
        let (httpd, gate) = differential(&case, policy, &c);
        refused(&httpd);
        refused(&gate);
    }
}

#[test]
fn a_chain_that_does_not_verify_is_refused_by_both() {
    let pki = &bed().pki;
    // A server certificate (extendedKeyUsage serverAuth only), and the client's leaf without the
    // intermediate the server needs to reach the root.
    let cases = [
        ("wrong-usage", &pki.two),
        ("missing-intermediate", &pki.client_leaf_only),
    ];
    for (case, pair) in cases {
        let mut c = Curl::new("one.test", "/app/ssl.jsp", &pki.root);
        c.client = Some(pair.clone());
        let (httpd, gate) = differential(case, Policy::Require, &c);
        refused(&httpd);
        refused(&gate);
    }
}

#[test]
fn a_required_certificate_left_out_is_refused_by_both() {
    for tls12 in [false, true] {
        let mut c = Curl::new("one.test", "/app/ssl.jsp", &bed().pki.root);
        c.tls12 = tls12;
        let case = format!("require-missing-{}", if tls12 { "tls12" } else { "tls13" });
        let (httpd, gate) = differential(&case, Policy::Require, &c);
        refused(&httpd);
        refused(&gate);
    }
}

/// httpd's default `SSLVerifyDepth 1` refuses a client certificate issued by an intermediate below
/// the trusted root, and so does ajpgate's default `--tls-verify-depth 1`.
#[test]
fn the_default_verify_depth_refuses_an_intermediates_certificate_on_both() {
    let pki = &bed().pki;
    let mut c = Curl::new("one.test", "/app/ssl.jsp", &pki.root);
    c.client = Some(pki.client.clone());
    let (httpd, gate) = differential("depth-1", Policy::RequireDepth1, &c);
    refused(&httpd);
    refused(&gate);
}

/// A verified certificate whose PEM does not fit in one 8 KiB AJP packet: mod_jk cannot marshal the
/// request and httpd answers 413; so does ajpgate. Tomcat sees nothing.
#[test]
fn a_certificate_too_large_for_an_ajp_packet_gets_413_from_both() {
    let pki = &bed().pki;
    let size = std::fs::metadata(&pki.big_client.cert).unwrap().len();
    assert!(size > 10_000, "the certificate file is only {size} bytes");
    let mut c = Curl::new("one.test", "/app/ssl.jsp", &pki.root);
    c.client = Some(pki.big_client.clone());
    let (httpd, gate) = differential("big-cert", Policy::Require, &c);
    for view in [&httpd, &gate] {
        assert_eq!(view["client.status"], "413", "{view:#?}");
        assert!(!view.keys().any(|k| k.starts_with("page.")), "{view:#?}");
    }
}
