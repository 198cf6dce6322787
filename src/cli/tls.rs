//! The TLS and HTTP/2 flags that `serve` and `check` share, and loading them into a [`TlsSetup`].

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;

use crate::tls::{CertFiles, TlsSettings, TlsSetup, VerifyClient};

#[derive(Debug, Clone, Default, Args)]
pub struct TlsArgs {
    /// Address to listen on with TLS (HTTP/2 and HTTP/1.1 by ALPN). Repeatable.
    #[arg(long = "listen-tls", value_name = "ADDR")]
    pub listen_tls: Vec<SocketAddr>,
    /// PEM certificate file, the chain after the certificate. Repeatable, paired in order with
    /// --tls-key; SNI picks the pair whose names match, the first is the default.
    #[arg(long = "tls-cert", value_name = "FILE")]
    pub tls_cert: Vec<PathBuf>,
    /// PEM private key of the --tls-cert given in the same position. Repeatable.
    #[arg(long = "tls-key", value_name = "FILE")]
    pub tls_key: Vec<PathBuf>,
    /// PEM file of the CAs client certificates must chain to (SSLCACertificateFile).
    #[arg(long = "tls-client-ca", value_name = "FILE")]
    pub tls_client_ca: Option<PathBuf>,
    /// Whether to ask for a client certificate (SSLVerifyClient).
    #[arg(long = "tls-verify-client", value_enum, default_value_t = VerifyClient::None)]
    pub tls_verify_client: VerifyClient,
    /// Forward the client's certificate chain after its certificate (JkOptions +ForwardSSLCertChain).
    #[arg(long = "tls-forward-chain")]
    pub tls_forward_chain: bool,
    /// How deep the trusted CA may sit above a client certificate (SSLVerifyDepth): 1, httpd's
    /// default, takes certificates issued by a --tls-client-ca CA itself; 2 allows one intermediate.
    #[arg(long = "tls-verify-depth", value_name = "N", default_value_t = 1)]
    pub tls_verify_depth: usize,
    /// On the plain listeners, also accept HTTP/2 with prior knowledge (h2c).
    #[arg(long = "h2c")]
    pub h2c: bool,
}

impl TlsArgs {
    /// Whether any TLS flag was given.
    pub fn wanted(&self) -> bool {
        !self.listen_tls.is_empty() || !self.tls_cert.is_empty() || !self.tls_key.is_empty()
    }

    /// Loads the certificates when TLS is wanted; the error names the file or the flag.
    pub fn load(&self) -> Result<Option<Arc<TlsSetup>>, String> {
        if !self.wanted() {
            return Ok(None);
        }
        if self.listen_tls.is_empty() {
            return Err("--tls-cert/--tls-key given without --listen-tls ADDR".into());
        }
        if self.tls_cert.len() != self.tls_key.len() {
            return Err(format!(
                "{} --tls-cert but {} --tls-key: give them in pairs",
                self.tls_cert.len(),
                self.tls_key.len()
            ));
        }
        let certs = self
            .tls_cert
            .iter()
            .zip(&self.tls_key)
            .map(|(cert, key)| CertFiles {
                cert: cert.clone(),
                key: key.clone(),
            })
            .collect();
        let settings = TlsSettings {
            certs,
            client_ca: self.tls_client_ca.clone(),
            verify_client: self.tls_verify_client,
            forward_chain: self.tls_forward_chain,
            verify_depth: self.tls_verify_depth,
        };
        TlsSetup::load(settings)
            .map(|setup| Some(Arc::new(setup)))
            .map_err(|e| e.to_string())
    }
}
