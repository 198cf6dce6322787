//! Certificate reload of an `ajpgate serve` process (SIGHUP), what `apachectl graceful` is to httpd:
//! a keep-alive connection opened before the reload goes on with its handshake, a new handshake gets
//! the new certificate, and a broken new file is refused while the running certificate stays. A new
//! client CA file takes effect for the next handshake too.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::client::conn::http1::SendRequest;
use rustls::pki_types::{CertificateDer, ServerName, pem::PemObject};
use tokio::net::TcpStream;

use crate::bed::bed;
use crate::gate::{TlsGate, tls_flags};
use crate::support::ScratchDir;
use crate::support::curl::Curl;

/// A TLS client connection kept open (rustls client, hyper HTTP/1.1), and the serial of the
/// certificate it was served.
struct KeptAlive {
    sender: SendRequest<Empty<Bytes>>,
    served_serial: String,
}

async fn connect(addr: SocketAddr, root: &Path) -> KeptAlive {
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_file(root).unwrap())
        .unwrap();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let tcp = TcpStream::connect(addr).await.unwrap();
    let name = ServerName::try_from("one.test").unwrap();
    let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .expect("TLS handshake");
    let leaf = tls.get_ref().1.peer_certificates().unwrap()[0].clone();
    let (sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tls))
            .await
            .unwrap();
    tokio::spawn(connection);
    KeptAlive {
        sender,
        served_serial: serial_of(leaf.as_ref()),
    }
}

fn serial_of(der: &[u8]) -> String {
    use x509_parser::prelude::{FromDer, X509Certificate};
    let (_, cert) = X509Certificate::from_der(der).unwrap();
    cert.raw_serial_as_string()
        .replace(':', "")
        .trim_start_matches('0')
        .to_uppercase()
}

impl KeptAlive {
    /// GET ssl.jsp on this connection; the status and body.
    async fn get(&mut self) -> (u16, String) {
        let request = http::Request::get("/app/ssl.jsp")
            .header("host", "one.test")
            .body(Empty::new())
            .unwrap();
        let response = self
            .sender
            .send_request(request)
            .await
            .expect("a response on the kept connection");
        let status = response.status().as_u16();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8_lossy(&body).into_owned())
    }
}

fn new_handshake_subject(gate: &TlsGate, root: &Path) -> String {
    let seen = Curl::new("one.test", "/app/ssl.jsp", root).run(gate.addr);
    assert_eq!(seen.status, 200, "{seen:#?}");
    seen.server_subject
}

#[test]
fn sighup_swaps_the_certificate_for_new_handshakes_only() {
    let bed = bed();
    let pki = &bed.pki;
    let dir = ScratchDir::new("tls-reload");
    let (cert, key) = (dir.0.join("served.pem"), dir.0.join("served.key"));
    std::fs::copy(&pki.one.cert, &cert).unwrap();
    std::fs::copy(&pki.one.key, &key).unwrap();
    let mut gate = TlsGate::start(&bed.workers, &tls_flags(&[(&cert, &key)], &[]));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(crate::support::bounded(60, async {
        let mut kept = connect(gate.addr, &pki.root).await;
        assert_eq!(kept.served_serial, pki.one.serial);
        let (status, before) = kept.get().await;
        assert_eq!(status, 200, "{before}");

        let reissued = pki.server_cert(
            "one-reissued",
            "/O=ajpgate tests/OU=reissued/CN=one.test",
            "one.test",
        );
        std::fs::copy(&reissued.cert, &cert).unwrap();
        std::fs::copy(&reissued.key, &key).unwrap();
        gate.sighup_and_wait("certificates reloaded");
        let (status, after) = kept.get().await;
        assert_eq!(
            status, 200,
            "the connection opened before the reload goes on: {after}"
        );
        assert_eq!(before, after, "same connection, same TLS facts");
        let subject = new_handshake_subject(&gate, &pki.root);
        assert!(
            subject.contains("OU=reissued"),
            "a new handshake gets the new certificate: {subject}"
        );
        let fresh = connect(gate.addr, &pki.root).await;
        assert_eq!(fresh.served_serial, reissued.serial);

        std::fs::write(
            &cert,
            "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n",
        )
        .unwrap();
        gate.sighup_and_wait("certificate reload (SIGHUP) refused");
        assert!(gate.is_running(), "a broken file must not stop the process");
        let subject = new_handshake_subject(&gate, &pki.root);
        assert!(
            subject.contains("OU=reissued"),
            "the running certificate stays: {subject}"
        );
        let (status, _) = kept.get().await;
        assert_eq!(status, 200, "the oldest connection still goes on");
    }));
}

#[test]
fn sighup_rereads_the_client_ca_file() {
    let bed = bed();
    let pki = &bed.pki;
    let dir = ScratchDir::new("tls-reload-ca");
    let ca = dir.0.join("client-ca.pem");
    std::fs::copy(&pki.root, &ca).unwrap();
    let ca_flag = ca.display().to_string();
    let flags = tls_flags(
        &[(&pki.one.cert, &pki.one.key)],
        &[
            "--tls-client-ca",
            &ca_flag,
            "--tls-verify-client",
            "require",
            "--tls-verify-depth",
            "2",
        ],
    );
    let gate = TlsGate::start(&bed.workers, &flags);
    let with_cert = |client: &crate::support::pki::Pair| {
        let mut curl = Curl::new("one.test", "/app/ssl.jsp", &pki.root);
        curl.client = Some(client.clone());
        curl.run(gate.addr)
    };
    assert_eq!(with_cert(&pki.client).status, 200);
    assert_eq!(
        with_cert(&pki.stranger).status,
        0,
        "the stranger's CA is not trusted yet"
    );

    std::fs::copy(&pki.other_root, &ca).unwrap();
    gate.sighup_and_wait("certificates reloaded");
    let stranger = with_cert(&pki.stranger);
    assert_eq!(stranger.status, 200, "{stranger:#?}");
    assert!(
        stranger
            .body
            .contains("cert.0.subject: CN=stranger,O=elsewhere"),
        "{}",
        stranger.body
    );
    let refused = with_cert(&pki.client);
    assert_eq!(refused.status, 0, "the old CA is gone: {refused:#?}");
    assert!(refused.error.contains("unknown ca"), "{refused:#?}");
}
