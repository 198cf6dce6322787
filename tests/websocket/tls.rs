//! WebSocket over TLS to ajpgate (`wss:`): the relay flushes what rustls buffers, the client's
//! close_notify reaches Tomcat as the end of its direction, and Tomcat is told the scheme was https.

use std::sync::Arc;

use ajpgate::config::Config;
use ajpgate::gateway::Gateway;
use ajpgate::http::listener::Listener;
use ajpgate::http::server::{GatewaySource, ServerSettings, serve};
use ajpgate::tls::{CertFiles, TlsSettings, TlsSetup};
use futures_util::SinkExt;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsConnector;
use tokio_tungstenite::client_async;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::client::{close, connection_ends, echo_bulk, next_message, whoami};
use crate::support::pki::Pki;
use crate::support::tomcat::{ROUTE, shared_tomcat};
use crate::support::{ScratchDir, bounded};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_websocket_over_tls_is_relayed_and_closes_end_to_end() {
    bounded(120, async {
        let tomcat = tokio::task::spawn_blocking(shared_tomcat).await.unwrap();
        let dir = ScratchDir::new("ws-tls");
        let workers = dir.0.join("workers.properties");
        let text = format!(
            "{}ajpgate.ajp13.{ROUTE}.http_port={}\n",
            tomcat.workers_properties(&[]),
            tomcat.http_port
        );
        std::fs::write(&workers, text).unwrap();
        let config = Config::load(&workers, None, &[format!("/app/*={ROUTE}")]).unwrap();
        let pki = tokio::task::spawn_blocking({
            let dir = dir.0.join("pki");
            move || Pki::generate(&dir)
        })
        .await
        .unwrap();
        let cert = CertFiles {
            cert: pki.one.cert.clone(),
            key: pki.one.key.clone(),
        };
        let setup = TlsSetup::load(TlsSettings {
            certs: vec![cert],
            ..TlsSettings::default()
        })
        .unwrap();
        let tcp = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = tcp.local_addr().unwrap();
        let listeners = vec![Listener {
            tcp,
            tls: Some(Arc::new(setup)),
            h2c: false,
        }];
        let source: Arc<dyn GatewaySource> = Arc::new(Arc::new(Gateway::start(config).await));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            let _ = serve(listeners, source, ServerSettings::default(), async {
                let _ = stopped.await;
            })
            .await;
        });

        let mut roots = rustls::RootCertStore::empty();
        for der in CertificateDer::pem_file_iter(&pki.root).unwrap() {
            roots.add(der.unwrap()).unwrap();
        }
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let client = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        // HTTP/1.1 only: a WebSocket needs it (ajpgate offers h2 too).
        let mut client = client;
        client.alpn_protocols = vec![b"http/1.1".to_vec()];
        let connector = TlsConnector::from(Arc::new(client));
        let connect = || async {
            let tcp = TcpStream::connect(addr).await.unwrap();
            let name = ServerName::try_from("one.test").unwrap();
            let tls = connector.connect(name, tcp).await.unwrap();
            let request = "wss://one.test/app/ws/echo".into_client_request().unwrap();
            client_async(request, tls).await.unwrap().0
        };

        let mut ws = connect().await;
        let me = whoami(&mut ws).await;
        assert_eq!(me.node, ROUTE);
        assert_eq!(me.forwarded_proto, "https");
        let (ws, echoed) = echo_bulk(ws, 2 * 1024 * 1024, 48 * 1024).await;
        assert_eq!(echoed, 2 * 1024 * 1024);
        close(ws).await;

        // Tomcat closes: the close frame, then close_notify and the end of the TLS connection.
        let mut ws = connect().await;
        ws.send(Message::text("close")).await.unwrap();
        assert!(matches!(
            next_message(&mut ws).await,
            Some(Message::Close(Some(_)))
        ));
        assert!(next_message(&mut ws).await.is_none());
        connection_ends(&mut ws).await;

        let _ = stop.send(());
        let _ = server.await;
    })
    .await;
}
