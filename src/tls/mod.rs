//! TLS termination, as mod_ssl did it in front of mod_jk: certificates chosen by SNI, client
//! certificates verified as `SSLVerifyClient` says, and the handshake's facts in the form Tomcat got
//! them from mod_jk (docs/tls.md).
//!
//! Built on rustls with the aws-lc-rs provider. The submodules are private; the types other layers use are
//! re-exported here.
//!
//! * `setup` — the settings, the rustls configuration built from them, and its reload.
//! * `certs` — one certificate/key pair from PEM files, checked.
//! * `sni` — which pair a handshake gets.
//! * `facts` — what the handshake tells Tomcat.
//! * `error` — why a setup could not be loaded, naming the file.

mod certs;
mod depth;
mod error;
mod facts;
mod setup;
mod sni;

pub use certs::{CertFiles, LoadedCert};
pub use error::TlsError;
pub use facts::{TlsFacts, pem_chain};
pub use setup::{TlsSettings, TlsSetup, VerifyClient};
