//! Which certificate a handshake gets: the pair whose names match the client's SNI exactly, else one
//! whose wildcard (`*.example.com`, one label) matches, else the first pair. httpd does the same with
//! name-based virtual hosts: an unknown or absent name gets the first vhost of the address.
//!
//! rustls' own `ResolvesServerCertUsingSni` fails the handshake when SNI is absent, which old clients
//! and IP-address URLs hit, so this resolver is written here.

use std::sync::Arc;

use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

use super::certs::LoadedCert;

#[derive(Debug)]
pub struct SniResolver {
    certs: Vec<Arc<LoadedCert>>,
}

impl SniResolver {
    /// `certs` must not be empty; the first is the default.
    pub fn new(certs: Vec<Arc<LoadedCert>>) -> Self {
        Self { certs }
    }

    /// The pair for `server_name` (SNI as sent; `None` without SNI).
    pub fn choose(&self, server_name: Option<&str>) -> Option<&Arc<LoadedCert>> {
        let chosen = server_name.map(str::to_ascii_lowercase).and_then(|name| {
            let exact = self.certs.iter().find(|c| c.names.contains(&name));
            exact.or_else(|| {
                self.certs
                    .iter()
                    .find(|c| c.names.iter().any(|n| wildcard_matches(n, &name)))
            })
        });
        chosen.or_else(|| self.certs.first())
    }
}

impl ResolvesServerCert for SniResolver {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        self.choose(hello.server_name()).map(|c| Arc::clone(&c.key))
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
}
