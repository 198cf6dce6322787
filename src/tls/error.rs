//! Why a TLS setup could not be loaded. Every case names the file, so a start-up or reload error says
//! which one to fix.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("{path}: cannot read: {source}")]
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: not PEM: no {what} found")]
    NotPem { path: PathBuf, what: &'static str },
    #[error("{path}: {why}")]
    BadCertificate { path: PathBuf, why: String },
    #[error("{path}: unusable private key: {why}")]
    BadKey { path: PathBuf, why: String },
    #[error("{key}: the key does not match the certificate in {cert}")]
    KeyMismatch { cert: PathBuf, key: PathBuf },
    #[error("{path}: no usable CA certificate for client verification: {why}")]
    BadClientCa { path: PathBuf, why: String },
    #[error("TLS setup: {0}")]
    Setup(String),
}
