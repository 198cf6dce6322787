//! The PROXY header before TLS and before HTTP/2: haproxy in TCP mode passes the client's TLS (or
//! h2c) through with `send-proxy-v2` / `send-proxy`, and ajpgate reads the header first. And haproxy
//! terminating TLS itself, saying so with `send-proxy-v2-ssl`.

use std::sync::Arc;

use ajpgate::config::Config;
use ajpgate::gateway::Gateway;
use ajpgate::http::listener::Listener;
use ajpgate::http::server::{GatewaySource, serve};
use ajpgate::tls::{CertFiles, TlsSettings, TlsSetup};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use super::*;

/// A self-signed certificate for `gate.test`, made with the openssl command.
fn self_signed(dir: &std::path::Path) -> CertFiles {
    let files = CertFiles {
        cert: dir.join("cert.pem"),
        key: dir.join("key.pem"),
    };
    let output = std::process::Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        ])
        .args([
            "-subj",
            "/CN=gate.test",
            "-addext",
            "subjectAltName=DNS:gate.test",
        ])
        .arg("-keyout")
        .arg(&files.key)
        .arg("-out")
        .arg(&files.cert)
        .output()
        .expect("openssl runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    files
}

/// ajpgate with one TLS listener and one h2c listener, PROXY headers required from 127.0.0.1.
struct TwoListeners {
    tls: SocketAddr,
    h2c: SocketAddr,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
    gateway: Arc<Gateway>,
    /// The certificate and key in one PEM file, as haproxy's `crt` takes them.
    combined_pem: std::path::PathBuf,
    _dir: support::ScratchDir,
}

impl TwoListeners {
    async fn start() -> TwoListeners {
        let dir = support::ScratchDir::new("proxy-tls");
        let workers = dir.0.join("workers.properties");
        std::fs::write(&workers, shared_tomcat().workers_properties(&[])).unwrap();
        let config = Config::load(&workers, None, &[MOUNT.to_string()]).unwrap();
        let cert = self_signed(&dir.0);
        let combined_pem = dir.0.join("combined.pem");
        let pem = [
            std::fs::read(&cert.cert).unwrap(),
            std::fs::read(&cert.key).unwrap(),
        ]
        .concat();
        std::fs::write(&combined_pem, pem).unwrap();
        let setup = TlsSetup::load(TlsSettings {
            certs: vec![cert],
            ..TlsSettings::default()
        })
        .unwrap();
        let tls = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let h2c = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let (tls_addr, h2c_addr) = (tls.local_addr().unwrap(), h2c.local_addr().unwrap());
        let listeners = vec![
            Listener {
                tcp: tls,
                tls: Some(Arc::new(setup)),
                h2c: false,
            },
            Listener {
                tcp: h2c,
                tls: None,
                h2c: true,
            },
        ];
        let gateway = Arc::new(Gateway::start(config).await);
        let source: Arc<dyn GatewaySource> = Arc::new(Arc::clone(&gateway));
        let settings = ServerSettings {
            client_addr: proxy_from_loopback_one(),
            ..ServerSettings::default()
        };
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = serve(listeners, source, settings, async {
                let _ = stopped.await;
            })
            .await;
        });
        TwoListeners {
            tls: tls_addr,
            h2c: h2c_addr,
            stop,
            task,
            gateway,
            combined_pem,
            _dir: dir,
        }
    }

    async fn shutdown(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
        self.gateway.close();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_proxy_header_comes_before_tls_and_before_the_h2c_preface() {
    support::bounded(300, async {
        let gate = TwoListeners::start().await;
        let ports = support::testbed::free_ports(3);
        let sections = format!(
            "frontend tls\n  mode tcp\n  bind 127.0.0.1:{tls}\n  default_backend gate_tls\n\
             backend gate_tls\n  mode tcp\n  server gate {gate_tls} send-proxy-v2\n\n\
             frontend h2c\n  mode tcp\n  bind 127.0.0.1:{h2c}\n  default_backend gate_h2c\n\
             backend gate_h2c\n  mode tcp\n  server gate {gate_h2c} send-proxy\n\n\
             frontend terminated\n  mode http\n  bind 127.0.0.1:{terminated} ssl crt {pem}\n  \
             default_backend gate_ssl_tlv\n\
             backend gate_ssl_tlv\n  mode http\n  server gate {gate_h2c} send-proxy-v2-ssl\n",
            terminated = ports[2],
            pem = gate.combined_pem.display(),
            tls = ports[0],
            h2c = ports[1],
            gate_tls = gate.tls,
            gate_h2c = gate.h2c,
        );
        let haproxy = Haproxy::start(&sections, &ports);
        let https = format!("https://gate.test:{}/app/echo.jsp", ports[0]);
        let resolve = format!("gate.test:{}:127.0.0.1", ports[0]);
        let h2c = format!("http://127.0.0.1:{}/app/echo.jsp", ports[1]);
        // haproxy terminates TLS and says so in the v2 header's PP2_TYPE_SSL TLV.
        let terminated = format!("https://127.0.0.1:{}/app/echo.jsp", ports[2]);
        let cases = [
            (
                https.clone(),
                vec!["--resolve", &resolve, "--http1.1"],
                "HTTP/1.1",
                "true",
            ),
            (
                https,
                vec!["--resolve", &resolve, "--http2"],
                "HTTP/2.0",
                "true",
            ),
            (h2c, vec!["--http2-prior-knowledge"], "HTTP/2.0", "false"),
            (terminated, vec!["--http1.1"], "HTTP/1.1", "true"),
        ];
        for (url, extra, protocol, secure) in cases {
            let args: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
            let (status, body) = tokio::task::spawn_blocking(move || {
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                curl_from("127.0.0.3", &url, &args)
            })
            .await
            .unwrap();
            assert_eq!(status, 200, "{body}\n{}", haproxy.log());
            assert_eq!(line(&body, "remoteAddr"), Some("127.0.0.3"), "{body}");
            assert_eq!(line(&body, "protocol"), Some(protocol), "{body}");
            assert_eq!(line(&body, "secure"), Some(secure), "{body}");
        }
        // An unlisted peer's PROXY header on the TLS listener is no ClientHello: closed, no HTTP.
        let header = b"PROXY TCP4 198.51.100.7 127.0.0.1 40000 443\r\n";
        let answer = until_closed([127, 0, 0, 2], gate.tls, header).await;
        assert!(
            !String::from_utf8_lossy(&answer).contains("HTTP/"),
            "{answer:?}"
        );
        gate.shutdown().await;
    })
    .await;
}
