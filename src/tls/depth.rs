//! `--tls-verify-depth`: httpd's `SSLVerifyDepth` on top of rustls' client-certificate verifier.
//!
//! mod_ssl refuses a client chain whose trust anchor sits deeper than the depth (modules/ssl/
//! ssl_engine_kernel.c, `ssl_callback_SSLVerify`: "Certificate Chain too long"): the client
//! certificate is at depth 0, each CA above it one more. So depth 1, httpd's default, takes only
//! certificates issued by a CA of `--tls-client-ca` itself; depth 2 allows one intermediate. webpki
//! has no such limit, so after it has verified the chain this wrapper walks the certificate's
//! issuers through the intermediates the client sent until it reaches a trusted CA, and counts.

use std::sync::Arc;

use rustls::client::danger::HandshakeSignatureValid;
use rustls::pki_types::{CertificateDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{CertificateError, DigitallySignedStruct, DistinguishedName, Error, SignatureScheme};
use x509_parser::prelude::{FromDer, X509Certificate};

#[derive(Debug)]
pub struct DepthLimited {
    inner: Arc<dyn ClientCertVerifier>,
    /// The largest depth a trust anchor may have (`SSLVerifyDepth`).
    depth: usize,
    /// The subjects of the trusted CAs, DER.
    anchors: Vec<Vec<u8>>,
}

impl DepthLimited {
    pub fn new(inner: Arc<dyn ClientCertVerifier>, depth: usize, anchors: Vec<Vec<u8>>) -> Self {
        DepthLimited {
            inner,
            depth,
            anchors,
        }
    }
}

/// (subject, issuer) of a certificate, DER; `None` when it does not parse.
fn names(cert: &CertificateDer<'_>) -> Option<(Vec<u8>, Vec<u8>)> {
    let (_, parsed) = X509Certificate::from_der(cert.as_ref()).ok()?;
    Some((
        parsed.subject().as_raw().to_vec(),
        parsed.issuer().as_raw().to_vec(),
    ))
}

/// The depth of the trust anchor above `end_entity`: 1 when a trusted CA issued it, one more for
/// each intermediate on the way. When the issuers cannot be followed, every intermediate sent counts.
pub fn anchor_depth(
    end_entity: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    anchors: &[Vec<u8>],
) -> usize {
    let worst = intermediates.len() + 1;
    let Some((_, mut issuer)) = names(end_entity) else {
        return worst;
    };
    let presented: Vec<(Vec<u8>, Vec<u8>)> = intermediates.iter().filter_map(names).collect();
    for depth in 1..=worst {
        if anchors.contains(&issuer) {
            return depth;
        }
        match presented.iter().find(|(subject, _)| *subject == issuer) {
            Some((_, next)) => issuer = next.clone(),
            None => return worst,
        }
    }
    worst
}

impl ClientCertVerifier for DepthLimited {
    fn offer_client_auth(&self) -> bool {
        self.inner.offer_client_auth()
    }

    fn client_auth_mandatory(&self) -> bool {
        self.inner.client_auth_mandatory()
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        self.inner.root_hint_subjects()
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, Error> {
        let verified = self
            .inner
            .verify_client_cert(end_entity, intermediates, now)?;
        if anchor_depth(end_entity, intermediates, &self.anchors) > self.depth {
            let why = "certificate chain longer than --tls-verify-depth allows";
            return Err(Error::InvalidCertificate(CertificateError::Other(
                rustls::OtherError(Arc::new(ChainTooLong(why))),
            )));
        }
        Ok(verified)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

#[derive(Debug)]
struct ChainTooLong(&'static str);

impl std::fmt::Display for ChainTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for ChainTooLong {}
