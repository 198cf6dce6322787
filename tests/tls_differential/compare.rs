//! One request sent the same way (same curl flags, same client certificate) through httpd + mod_ssl +
//! mod_jk and through ajpgate, and the two results compared field by field: what curl saw (exit code,
//! status, HTTP version, verify result, served certificate) and what Tomcat saw (ssl.jsp's lines).
//!
//! Normalised first, because they differ by nature: each server's own port (`serverPort` must be the
//! port the client connected to), the session id's value (its length and shape are compared) and
//! curl's error text for a refused handshake (its shape is compared: which TLS alert it names).
//! Every other difference must be listed in [`EXPECTED_DIFFERENCES`] with its reason; an unlisted
//! difference fails, and so does a listed one that no longer occurs.

use std::collections::{BTreeMap, BTreeSet};

use crate::bed::{Policy, bed};
use crate::support::curl::{Curl, CurlSeen};

/// (case, key, why). docs/tls.md#differences-from-httpd says the same for users.
pub const EXPECTED_DIFFERENCES: &[(&str, &str, &str)] = &[
    (
        "require-missing-tls12",
        "client.error",
        "both refuse the handshake before any request; rustls sends certificate_required (RFC 8446 \
         section 6.2) on TLS 1.2 too, OpenSSL handshake_failure (RFC 5246 section 7.4.6)",
    ),
    (
        "require-missing-tls12",
        "client.exit",
        "the same: curl says 98 (SSL client certificate required) for that alert, 35 for the other",
    ),
    (
        "depth-1",
        "client.error",
        "both refuse the chain before any request; OpenSSL ends the handshake with internal_error for a \
         chain deeper than SSLVerifyDepth, rustls with certificate_unknown (RFC 8446 section 6.2), \
         which names the cause",
    ),
    (
        "big-cert",
        "body",
        "each front end's own 413 page (httpd: HTML, ajpgate: one text line)",
    ),
    (
        "session-tls12-resumed",
        "second_request.same_id",
        "mod_ssl's SSL_SESSION_ID stays the same on a resumed TLS 1.2 session; ajpgate's id is per \
         connection (rustls exposes no session id and no resumption data on TLS 1.2), so a resumed \
         session gets a new one. On TLS 1.3 OpenSSL makes a new id on resumption too, and they agree",
    ),
];

/// The compared view of one side.
pub type View = BTreeMap<String, String>;

/// Runs `curl` against both sides of `policy` and fails on any difference not listed for `case`.
/// Returns (httpd, ajpgate) for the case's own assertions.
pub fn differential(case: &str, policy: Policy, curl: &Curl) -> (View, View) {
    let bed = bed();
    let httpd = view(&curl.run(bed.httpd(policy)), bed.httpd(policy).port());
    let gate = view(&curl.run(bed.gate(policy)), bed.gate(policy).port());
    compare_views(case, &httpd, &gate);
    (httpd, gate)
}

/// Fails on any key whose values differ unless ([`EXPECTED_DIFFERENCES`]) lists it for `case`, and on
/// a listed difference that did not occur.
pub fn compare_views(case: &str, httpd: &View, gate: &View) {
    let keys: BTreeSet<&String> = httpd.keys().chain(gate.keys()).collect();
    let absent = String::from("(absent)");
    let mut unexpected = Vec::new();
    let mut seen_listed = BTreeSet::new();
    for key in keys {
        let (h, g) = (
            httpd.get(key).unwrap_or(&absent),
            gate.get(key).unwrap_or(&absent),
        );
        if h == g {
            continue;
        }
        match EXPECTED_DIFFERENCES
            .iter()
            .find(|(c, k, _)| *c == case && k == key)
        {
            Some(listed) => {
                seen_listed.insert(listed.1);
            }
            None => unexpected.push(format!("  {key}: httpd {h:?}, ajpgate {g:?}")),
        }
    }
    let stale: Vec<_> = EXPECTED_DIFFERENCES
        .iter()
        .filter(|(c, k, _)| *c == case && !seen_listed.contains(k))
        .map(|(_, k, _)| *k)
        .collect();
    assert!(
        unexpected.is_empty() && stale.is_empty(),
        "case {case}: unexpected differences:\n{}\nlisted but not seen: {stale:?}\n\
         httpd: {httpd:#?}\najpgate: {gate:#?}",
        unexpected.join("\n")
    );
}

/// curl's results as `client.*`, ssl.jsp's lines as `page.*`, normalised as the module says.
pub fn view(seen: &CurlSeen, own_port: u16) -> View {
    let mut view = View::new();
    view.insert("client.exit".into(), seen.exit.to_string());
    view.insert("client.status".into(), seen.status.to_string());
    view.insert("client.http_version".into(), seen.http_version.clone());
    view.insert(
        "client.verify_result".into(),
        seen.verify_result.to_string(),
    );
    view.insert("client.server_subject".into(), seen.server_subject.clone());
    view.insert("client.error".into(), error_shape(&seen.error));
    if seen.status == 200 {
        for line in seen.body.lines() {
            let Some((key, value)) = line.split_once(": ") else {
                view.insert(format!("page.unparsed.{line}"), String::new());
                continue;
            };
            let value = match key {
                "serverPort" if value == own_port.to_string() => {
                    "<the port connected to>".to_owned()
                }
                // Random per session by nature; its length and shape are compared.
                "ssl_session_id.value" if value != "(null)" => "<per session>".to_owned(),
                _ => value.to_owned(),
            };
            view.insert(format!("page.{key}"), value);
        }
    } else if !seen.body.is_empty() {
        view.insert("body".into(), seen.body.clone());
    }
    view
}

/// The TLS alert an error names (`alert unknown ca`, `alert certificate required`...), or the error's
/// first words when it names none; empty without an error.
fn error_shape(error: &str) -> String {
    if let Some(at) = error.find("alert ") {
        return error[at..].to_owned();
    }
    error
        .split(':')
        .next()
        .unwrap_or_default()
        .trim()
        .to_owned()
}
