//! Which certificate a handshake gets. First the candidates by name: the pairs whose names match the
//! client's SNI exactly, else those whose wildcard (`*.example.com`, one label) matches, else the
//! default ones (the first pair, and any other pair with the same names). httpd does the same with
//! name-based virtual hosts: an unknown or absent name gets the first vhost of the address.
//!
//! Then, among the candidates, the one the client can use: several pairs for one name (an RSA and an
//! ECDSA certificate, as a vhost with two `SSLCertificateFile`s holds them) are chosen in the order of
//! the client's signature schemes, skipping a key no offered suite can use (a TLS 1.2 client that
//! offers only ECDHE-RSA suites gets the RSA certificate). mod_ssl chooses the same way, by what the
//! client supports (tests/tls_differential, the dual-certificate cases). With no usable candidate the
//! first one is served and the handshake fails as it would have.
//!
//! rustls' own `ResolvesServerCertUsingSni` fails the handshake when SNI is absent, which old clients
//! and IP-address URLs hit, so this resolver is written here.

use std::sync::Arc;

use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls::{CipherSuite, SignatureScheme, SupportedCipherSuite};

use super::certs::LoadedCert;

#[derive(Debug)]
pub struct SniResolver {
    certs: Vec<Arc<LoadedCert>>,
    /// The suites the server offers, to tell which keys an offer can use.
    suites: Vec<SupportedCipherSuite>,
}

impl SniResolver {
    /// `certs` must not be empty; the first is the default.
    pub fn new(certs: Vec<Arc<LoadedCert>>, suites: Vec<SupportedCipherSuite>) -> Self {
        Self { certs, suites }
    }

    /// The pair for a client that sent `server_name` (SNI as sent; `None` without SNI) and offers
    /// these signature schemes (in its order of preference) and suites.
    pub fn choose(
        &self,
        server_name: Option<&str>,
        schemes: &[SignatureScheme],
        offered: &[CipherSuite],
    ) -> Option<&Arc<LoadedCert>> {
        let names: Vec<&[String]> = self.certs.iter().map(|c| c.names.as_slice()).collect();
        let candidates: Vec<&Arc<LoadedCert>> = candidates(&names, server_name)
            .into_iter()
            .map(|i| &self.certs[i])
            .collect();
        let usable = |cert: &LoadedCert, scheme: SignatureScheme| {
            cert.key.key.choose_scheme(&[scheme]).is_some() && self.has_suite_for(cert, offered)
        };
        schemes
            .iter()
            .find_map(|&scheme| candidates.iter().find(|c| usable(c, scheme)).copied())
            .or_else(|| candidates.first().copied())
    }

    /// Whether the client offers a suite the server has that can use `cert`'s key: any TLS 1.3 suite,
    /// or a TLS 1.2 one of the key's algorithm.
    fn has_suite_for(&self, cert: &LoadedCert, offered: &[CipherSuite]) -> bool {
        let algorithm = cert.key.key.algorithm();
        self.suites.iter().any(|suite| {
            offered.contains(&suite.suite()) && suite.usable_for_signature_algorithm(algorithm)
        })
    }
}

impl ResolvesServerCert for SniResolver {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        self.choose(
            hello.server_name(),
            hello.signature_schemes(),
            hello.cipher_suites(),
        )
        .map(|c| Arc::clone(&c.key))
    }
}

/// Indexes of the pairs (given by their names, the default first) that `server_name` selects:
/// exact matches, else wildcard matches, else the pairs with the same names as the first.
fn candidates(names: &[&[String]], server_name: Option<&str>) -> Vec<usize> {
    let matching = |accept: &dyn Fn(&String) -> bool| -> Vec<usize> {
        (0..names.len())
            .filter(|&i| names[i].iter().any(accept))
            .collect()
    };
    if let Some(name) = server_name.map(str::to_ascii_lowercase) {
        let exact = matching(&|n| *n == name);
        if !exact.is_empty() {
            return exact;
        }
        let wildcard = matching(&|n| wildcard_matches(n, &name));
        if !wildcard.is_empty() {
            return wildcard;
        }
    }
    match names.first() {
        Some(default) => (0..names.len()).filter(|&i| names[i] == *default).collect(),
        None => Vec::new(),
    }
}

/// `*.example.com` matches `a.example.com`, not `example.com` nor `a.b.example.com` (RFC 6125 §6.4.3).
fn wildcard_matches(pattern: &str, name: &str) -> bool {
    let Some(suffix) = pattern.strip_prefix("*.") else {
        return false;
    };
    match name.split_once('.') {
        Some((label, rest)) => !label.is_empty() && rest == suffix,
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wildcard_covers_exactly_one_label() {
        assert!(wildcard_matches("*.example.com", "a.example.com"));
        assert!(!wildcard_matches("*.example.com", "example.com"));
        assert!(!wildcard_matches("*.example.com", "a.b.example.com"));
        assert!(!wildcard_matches("*.example.com", ".example.com"));
        assert!(!wildcard_matches("www.example.com", "www.example.com"));
    }

    #[test]
    fn candidates_are_exact_then_wildcard_then_the_default_names() {
        let owned = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
        let (a, b, wild) = (owned(&["a.test"]), owned(&["b.test"]), owned(&["*.w.test"]));
        // a.test twice (an RSA and an ECDSA pair), then b.test, then a wildcard.
        let names: Vec<&[String]> = vec![&a, &b, &a, &wild];
        assert_eq!(candidates(&names, Some("A.test")), vec![0, 2]);
        assert_eq!(candidates(&names, Some("b.test")), vec![1]);
        assert_eq!(candidates(&names, Some("x.w.test")), vec![3]);
        assert_eq!(candidates(&names, Some("x.y.w.test")), vec![0, 2]);
        assert_eq!(candidates(&names, None), vec![0, 2]);
        assert_eq!(candidates(&[], Some("a.test")), Vec::<usize>::new());
    }
}
