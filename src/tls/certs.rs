//! One certificate/key pair from PEM files, checked the way a start-up should check it: the files can be
//! read, hold PEM, the key matches the leaf certificate. The leaf's DNS names drive SNI (see
//! [`super::sni`]); its validity gives the expiry warning.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::crypto::CryptoProvider;
use rustls::sign::CertifiedKey;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::{FromDer, X509Certificate};

use super::error::TlsError;

/// A certificate chain and its key, as `--tls-cert FILE --tls-key FILE` named them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// A loaded pair: what the handshake serves, and what SNI and `check` need to know about it.
#[derive(Debug)]
pub struct LoadedCert {
    pub files: CertFiles,
    pub key: Arc<CertifiedKey>,
    /// DNS names of the leaf (subjectAltName, or the subject CN when it has none), lower-case.
    pub names: Vec<String>,
    pub subject: String,
    /// Seconds since the epoch.
    pub not_after: i64,
}

impl LoadedCert {
    pub fn load(files: &CertFiles, provider: &CryptoProvider) -> Result<Self, TlsError> {
        let chain = read_certificates(&files.cert)?;
        let key_pem = read(&files.key)?;
        let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|_| TlsError::NotPem {
            path: files.key.clone(),
            what: "PRIVATE KEY block",
        })?;
        let (names, subject, not_after) = describe_leaf(&files.cert, &chain[0])?;
        let signing_key = provider
            .key_provider
            .load_private_key(key)
            .map_err(|error| TlsError::BadKey {
                path: files.key.clone(),
                why: error.to_string(),
            })?;
        let certified = CertifiedKey::new(chain, signing_key);
        match certified.keys_match() {
            Ok(()) | Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::Unknown)) => {}
            Err(_) => {
                return Err(TlsError::KeyMismatch {
                    cert: files.cert.clone(),
                    key: files.key.clone(),
                });
            }
        }
        Ok(Self {
            files: files.clone(),
            key: Arc::new(certified),
            names,
            subject,
            not_after,
        })
    }

    /// True once the leaf's notAfter has passed at `now` (seconds since the epoch).
    pub fn expired_at(&self, now: i64) -> bool {
        self.not_after < now
    }
}

/// Every CERTIFICATE block of a PEM file, in order (leaf first for a served chain).
pub fn read_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let pem = read(path)?;
    let certificates: Vec<_> = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<_, _>>()
        .map_err(|error| TlsError::BadCertificate {
            path: path.to_owned(),
            why: format!("unreadable PEM: {error}"),
        })?;
    if certificates.is_empty() {
        return Err(TlsError::NotPem {
            path: path.to_owned(),
            what: "CERTIFICATE block",
        });
    }
    Ok(certificates)
}

fn read(path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::Unreadable {
        path: path.to_owned(),
        source,
    })
}

fn describe_leaf(
    path: &Path,
    leaf: &CertificateDer<'_>,
) -> Result<(Vec<String>, String, i64), TlsError> {
    let (_, parsed) =
        X509Certificate::from_der(leaf.as_ref()).map_err(|error| TlsError::BadCertificate {
            path: path.to_owned(),
            why: format!("not an X.509 certificate: {error}"),
        })?;
    let mut names = Vec::new();
    if let Ok(Some(san)) = parsed.subject_alternative_name() {
        for name in &san.value.general_names {
            if let GeneralName::DNSName(dns) = name {
                names.push(dns.to_ascii_lowercase());
            }
        }
    }
    if names.is_empty() {
        names.extend(
            parsed
                .subject()
                .iter_common_name()
                .filter_map(|cn| cn.as_str().ok())
                .map(str::to_ascii_lowercase),
        );
    }
    let not_after = parsed.validity().not_after.timestamp();
    Ok((names, parsed.subject().to_string(), not_after))
}
