//! A TLS listener's setup: the certificate pairs, the client-certificate policy, and the rustls
//! configuration built from them. A reload (SIGHUP) builds a new configuration from the same files and
//! swaps it in only if every file still loads; handshakes in progress and open connections keep the one
//! they started with.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use rustls::RootCertStore;
use rustls::crypto::CryptoProvider;
use rustls::server::WebPkiClientVerifier;
use x509_parser::prelude::FromDer;

use super::depth::DepthLimited;
use rustls::server::danger::ClientCertVerifier;
use tokio_rustls::TlsAcceptor;

use super::certs::{CertFiles, LoadedCert, read_certificates};
use super::error::TlsError;
use super::sni::SniResolver;

/// httpd's `SSLVerifyClient`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum VerifyClient {
    /// No client certificate is asked for.
    #[default]
    None,
    /// One is asked for; a client may send none, but one it sends must verify.
    Optional,
    /// A verified client certificate is required for the handshake to finish.
    Require,
}

/// What the command line says about TLS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsSettings {
    /// The first pair is the default certificate.
    pub certs: Vec<CertFiles>,
    pub client_ca: Option<PathBuf>,
    pub verify_client: VerifyClient,
    /// Forward the client's chain after its certificate (`JkOptions +ForwardSSLCertChain`).
    pub forward_chain: bool,
    /// How deep the trusted CA may sit above a client certificate (`SSLVerifyDepth`, 1 by default:
    /// issued by a CA of `client_ca` itself).
    pub verify_depth: usize,
}

impl Default for TlsSettings {
    fn default() -> Self {
        TlsSettings {
            certs: Vec::new(),
            client_ca: None,
            verify_client: VerifyClient::None,
            forward_chain: false,
            verify_depth: 1,
        }
    }
}

/// The loaded setup that TLS listeners share.
#[derive(Debug)]
pub struct TlsSetup {
    settings: TlsSettings,
    current: RwLock<Loaded>,
}

#[derive(Debug, Clone)]
struct Loaded {
    config: Arc<rustls::ServerConfig>,
    certs: Vec<Arc<LoadedCert>>,
}

impl TlsSetup {
    pub fn load(settings: TlsSettings) -> Result<Self, TlsError> {
        let loaded = build(&settings)?;
        Ok(Self {
            settings,
            current: RwLock::new(loaded),
        })
    }

    /// The acceptor for the next handshake.
    pub fn acceptor(&self) -> TlsAcceptor {
        TlsAcceptor::from(Arc::clone(&self.read().config))
    }

    pub fn forward_chain(&self) -> bool {
        self.settings.forward_chain
    }

    /// Re-reads every file. On an error the old setup stays and the error says which file failed.
    pub fn reload(&self) -> Result<(), TlsError> {
        let loaded = build(&self.settings)?;
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = loaded;
        Ok(())
    }

    /// The loaded certificates, default first.
    pub fn certificates(&self) -> Vec<Arc<LoadedCert>> {
        self.read().certs.clone()
    }

    /// Lines for `ajpgate check` and the start-up log.
    pub fn describe(&self, now: i64) -> Vec<String> {
        let mut lines = Vec::new();
        for (i, cert) in self.certificates().iter().enumerate() {
            let role = if i == 0 { " (default)" } else { "" };
            let expired = if cert.expired_at(now) { " EXPIRED" } else { "" };
            lines.push(format!(
                "certificate {}{role}: {} names=[{}] not_after={}{expired}",
                cert.files.cert.display(),
                cert.subject,
                cert.names.join(", "),
                chrono::DateTime::from_timestamp(cert.not_after, 0)
                    .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
                    .unwrap_or_default(),
            ));
        }
        let ca = self.settings.client_ca.as_ref();
        lines.push(format!(
            "client certificates: {:?}{}{}",
            self.settings.verify_client,
            ca.map(|p| format!(", CA {}", p.display()))
                .unwrap_or_default(),
            if self.settings.forward_chain {
                ", chain forwarded"
            } else {
                ""
            },
        ));
        lines.push("protocols: TLSv1.2 TLSv1.3; ALPN h2, http/1.1".into());
        lines
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Loaded> {
        self.current.read().unwrap_or_else(|e| e.into_inner())
    }
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

fn build(settings: &TlsSettings) -> Result<Loaded, TlsError> {
    if settings.certs.is_empty() {
        return Err(TlsError::Setup(
            "a TLS listener needs --tls-cert FILE --tls-key FILE".into(),
        ));
    }
    let provider = provider();
    let certs = settings
        .certs
        .iter()
        .map(|files| LoadedCert::load(files, &provider).map(Arc::new))
        .collect::<Result<Vec<_>, _>>()?;
    let now = chrono::Utc::now().timestamp();
    for cert in certs.iter().filter(|c| c.expired_at(now)) {
        tracing::warn!(file = %cert.files.cert.display(), "the certificate has expired");
    }
    let verifier = client_verifier(settings, &provider)?;
    let builder = rustls::ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_protocol_versions(&[&rustls::version::TLS12, &rustls::version::TLS13])
        .map_err(|e| TlsError::Setup(e.to_string()))?;
    let mut config = match verifier {
        Some(verifier) => builder.with_client_cert_verifier(verifier),
        None => builder.with_no_client_auth(),
    }
    .with_cert_resolver(Arc::new(SniResolver::new(
        certs.clone(),
        provider.cipher_suites.clone(),
    )));
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Loaded {
        config: Arc::new(config),
        certs,
    })
}

fn client_verifier(
    settings: &TlsSettings,
    provider: &Arc<CryptoProvider>,
) -> Result<Option<Arc<dyn ClientCertVerifier>>, TlsError> {
    let ca = match (settings.verify_client, &settings.client_ca) {
        (VerifyClient::None, _) => return Ok(None),
        (_, Some(ca)) => ca,
        (_, None) => {
            return Err(TlsError::Setup(
                "--tls-verify-client optional|require needs --tls-client-ca FILE".into(),
            ));
        }
    };
    let bad = |why: String| TlsError::BadClientCa {
        path: ca.clone(),
        why,
    };
    let mut roots = RootCertStore::empty();
    let mut anchors = Vec::new();
    for cert in read_certificates(ca)? {
        if let Ok((_, parsed)) = x509_parser::prelude::X509Certificate::from_der(cert.as_ref()) {
            anchors.push(parsed.subject().as_raw().to_vec());
        }
        roots.add(cert).map_err(|e| bad(e.to_string()))?;
    }
    let builder =
        WebPkiClientVerifier::builder_with_provider(Arc::new(roots), Arc::clone(provider));
    let builder = match settings.verify_client {
        VerifyClient::Optional => builder.allow_unauthenticated(),
        _ => builder,
    };
    let verifier = builder.build().map_err(|e| bad(e.to_string()))?;
    let limited = DepthLimited::new(verifier, settings.verify_depth, anchors);
    Ok(Some(Arc::new(limited)))
}
