//! The same limits over TLS, where browsers meet them: HTTP/2 chosen by ALPN on `--listen-tls`. The
//! h2 server is built by the same `http2::Builder` as for h2c, so one attack (Rapid Reset with the
//! `h2` client) checks that the TLS path has the limits too; the steady client stays on h2c.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use crate::attack::Target;
use crate::resets::reset_streams;
use crate::support::pki::Pki;
use crate::support::testbed::free_ports;
use crate::support::{ScratchDir, bounded};

/// A TLS client for `one.test` trusting the test root, offering only `h2`.
fn connector(pki: &Pki) -> TlsConnector {
    let mut roots = rustls::RootCertStore::empty();
    for der in CertificateDer::pem_file_iter(&pki.root).unwrap() {
        roots.add(der.unwrap()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec()];
    TlsConnector::from(Arc::new(config))
}

async fn rapid_reset_tls(connector: TlsConnector, addr: SocketAddr) {
    let tcp = TcpStream::connect(addr).await.unwrap();
    let name = ServerName::try_from("one.test").unwrap();
    let tls = connector.connect(name, tcp).await.unwrap();
    assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
    let (send, connection) = h2::client::handshake(tls).await.unwrap();
    reset_streams(send, tokio::spawn(connection)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rapid_reset_over_tls_alpn_h2_gets_goaway() {
    bounded(90, async {
        let dir = ScratchDir::new("h2-abuse-tls");
        let pki = tokio::task::spawn_blocking({
            let dir = dir.0.join("pki");
            move || Pki::generate(&dir)
        })
        .await
        .unwrap();
        let tls_addr = SocketAddr::from(([127, 0, 0, 1], free_ports(1)[0]));
        let target = Target::start_with(vec![
            "--listen-tls".into(),
            tls_addr.to_string(),
            "--tls-cert".into(),
            pki.one.cert.display().to_string(),
            "--tls-key".into(),
            pki.one.key.display().to_string(),
        ])
        .await;
        let connector = connector(&pki);
        target
            .under_attack("rapid reset over TLS", Duration::from_secs(3), move |_| {
                rapid_reset_tls(connector.clone(), tls_addr)
            })
            .await;
    })
    .await;
}
