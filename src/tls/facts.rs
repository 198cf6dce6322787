//! What a finished handshake tells Tomcat, in the form mod_ssl exports it and mod_jk forwards it
//! (docs/tls.md#what-tomcat-receives): the OpenSSL cipher name and its key bits, `TLSv1.2`/`TLSv1.3`,
//! a hex session id, and the client certificate as PEM.

use base64::Engine;
use bytes::Bytes;
use rustls::{CipherSuite, ProtocolVersion, ServerConnection};
use rustls_pki_types::CertificateDer;

/// The TLS facts of one client connection, read once after the handshake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFacts {
    /// `TLSv1.2` or `TLSv1.3` (mod_ssl's `SSL_PROTOCOL`).
    pub protocol: &'static str,
    /// OpenSSL's name of the suite (mod_ssl's `SSL_CIPHER`).
    pub cipher: &'static str,
    /// Secret bits the suite uses (mod_ssl's `SSL_CIPHER_USEKEYSIZE`).
    pub key_bits: u16,
    /// 64 lower-case hex digits, unique to the connection (see [`session_id`]).
    pub session_id: String,
    /// The client's certificate as PEM, then, with forward-chain, the chain it sent, each PEM block
    /// right after the other (mod_ssl's `SSL_CLIENT_CERT` + `SSL_CLIENT_CERT_CHAIN_n`, joined by mod_jk).
    pub client_cert: Option<Bytes>,
    /// The SNI name the client sent.
    pub server_name: Option<String>,
    /// ALPN chose `h2`.
    pub h2: bool,
}

impl TlsFacts {
    pub fn of(conn: &ServerConnection, forward_chain: bool) -> Self {
        let (cipher, key_bits) = conn
            .negotiated_cipher_suite()
            .map(|suite| openssl_name(suite.suite()))
            .unwrap_or(("UNKNOWN", 0));
        let protocol = match conn.protocol_version() {
            Some(ProtocolVersion::TLSv1_3) => "TLSv1.3",
            _ => "TLSv1.2",
        };
        let client_cert = conn
            .peer_certificates()
            .and_then(|certs| forwarded(certs, forward_chain));
        Self {
            protocol,
            cipher,
            key_bits,
            session_id: session_id(conn),
            client_cert,
            server_name: conn.server_name().map(str::to_owned),
            h2: conn.alpn_protocol() == Some(b"h2"),
        }
    }
}

/// What `SC_A_SSL_CERT` carries for the chain a client presented (leaf first): the leaf, or with
/// `forward_chain` everything it sent; nothing for an empty chain (rustls reports none today, but a
/// client's input must not be able to make this panic).
fn forwarded(certs: &[CertificateDer<'_>], forward_chain: bool) -> Option<Bytes> {
    let sent = if forward_chain {
        certs
    } else {
        certs.get(..1).unwrap_or_default()
    };
    (!sent.is_empty()).then(|| pem_chain(sent.iter().map(|c| c.as_ref())))
}

/// rustls keeps TLS 1.2 session ids to itself and TLS 1.3 has none on the wire, so the id Tomcat sees is
/// derived from the connection's keys (RFC 5705 exporter): 32 bytes, the same for every request of the
/// connection, different for every connection, and revealing nothing of the keys. Unlike OpenSSL's it
/// does not survive a resumed session.
fn session_id(conn: &ServerConnection) -> String {
    match conn.export_keying_material([0u8; 32], b"EXPERIMENTAL-ajpgate-session-id", None) {
        Ok(bytes) => bytes.iter().map(|b| format!("{b:02x}")).collect(),
        Err(_) => String::new(),
    }
}

/// OpenSSL's name and key bits for each suite rustls offers (`openssl ciphers -V`).
fn openssl_name(suite: CipherSuite) -> (&'static str, u16) {
    match suite {
        CipherSuite::TLS13_AES_128_GCM_SHA256 => ("TLS_AES_128_GCM_SHA256", 128),
        CipherSuite::TLS13_AES_256_GCM_SHA384 => ("TLS_AES_256_GCM_SHA384", 256),
        CipherSuite::TLS13_CHACHA20_POLY1305_SHA256 => ("TLS_CHACHA20_POLY1305_SHA256", 256),
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 => {
            ("ECDHE-ECDSA-AES128-GCM-SHA256", 128)
        }
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 => {
            ("ECDHE-ECDSA-AES256-GCM-SHA384", 256)
        }
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 => ("ECDHE-RSA-AES128-GCM-SHA256", 128),
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 => ("ECDHE-RSA-AES256-GCM-SHA384", 256),
        CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 => {
            ("ECDHE-RSA-CHACHA20-POLY1305", 256)
        }
        CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 => {
            ("ECDHE-ECDSA-CHACHA20-POLY1305", 256)
        }
        _ => ("UNKNOWN", 0),
    }
}

/// DER certificates as PEM blocks (64-column base64), back to back as mod_jk joins them.
pub fn pem_chain<'a>(certs: impl Iterator<Item = &'a [u8]>) -> Bytes {
    let mut pem = String::new();
    for der in certs {
        pem.push_str("-----BEGIN CERTIFICATE-----\n");
        let text = base64::engine::general_purpose::STANDARD.encode(der);
        for line in text.as_bytes().chunks(64) {
            pem.push_str(std::str::from_utf8(line).unwrap_or_default());
            pem.push('\n');
        }
        pem.push_str("-----END CERTIFICATE-----\n");
    }
    Bytes::from(pem)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_suite_rustls_offers_has_its_openssl_name() {
        for suite in rustls::crypto::aws_lc_rs::ALL_CIPHER_SUITES {
            let (name, bits) = openssl_name(suite.suite());
            assert_ne!(name, "UNKNOWN", "{:?}", suite.suite());
            assert!(bits == 128 || bits == 256);
        }
    }

    #[test]
    fn the_leaf_alone_or_the_whole_chain_is_forwarded() {
        let chain = [
            CertificateDer::from(vec![1u8; 10]),
            CertificateDer::from(vec![2u8; 10]),
        ];
        let leaf = forwarded(&chain, false).unwrap();
        let all = forwarded(&chain, true).unwrap();
        let blocks = |pem: &Bytes| {
            std::str::from_utf8(pem)
                .unwrap()
                .matches("BEGIN CERTIFICATE")
                .count()
        };
        assert_eq!((blocks(&leaf), blocks(&all)), (1, 2));
        assert!(all.starts_with(&leaf));
        assert_eq!(forwarded(&[], false), None);
        assert_eq!(forwarded(&[], true), None);
    }

    #[test]
    fn pem_lines_are_64_columns() {
        let pem = pem_chain([&[0u8; 100][..]].into_iter());
        let text = std::str::from_utf8(&pem).unwrap();
        let lines: Vec<_> = text.lines().collect();
        assert_eq!(lines[0], "-----BEGIN CERTIFICATE-----");
        assert_eq!(lines[1].len(), 64);
        assert_eq!(*lines.last().unwrap(), "-----END CERTIFICATE-----");
    }
}
