//! Test harness shared by the gateway tests: an in-process ajpgate on 127.0.0.1, built from a real
//! workers.properties file, plus a small HTTP/1.1 client on hyper and a raw-socket client.

#![allow(dead_code)]

pub mod bodies;
pub mod curl;
pub mod httpd;
pub mod modjk;
pub mod pki;
pub mod process;
pub mod raw_http;
pub mod status;
pub mod testbed;
pub mod tomcat;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use ajpgate::balancer::MemberState;
use ajpgate::config::Config;
use ajpgate::gateway::Gateway;
use ajpgate::http::server::{GatewaySource, ServerSettings, serve};
use bytes::Bytes;
use http::{HeaderMap, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// An in-repo fake AJP backend answering as node `route`.
pub async fn fake(route: &str) -> ajpgate::fakeajp::FakeBackend {
    ajpgate::fakeajp::FakeBackend::start(ajpgate::fakeajp::FakeConfig {
        route: route.into(),
        ..ajpgate::fakeajp::FakeConfig::default()
    })
    .await
    .unwrap()
}

/// A private scratch directory, removed on drop.
pub struct ScratchDir(pub PathBuf);

impl ScratchDir {
    pub fn new(tag: &str) -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir().join(format!(
            "ajpgate-{tag}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// ajpgate serving on an ephemeral port.
pub struct Gate {
    pub addr: SocketAddr,
    pub gateway: Arc<Gateway>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
    _dir: ScratchDir,
}

impl Gate {
    /// Starts ajpgate with this workers.properties text and command-line mounts.
    pub async fn start(workers: &str, mounts: &[&str]) -> Gate {
        Self::start_with(workers, mounts, ServerSettings::default()).await
    }

    pub async fn start_with(workers: &str, mounts: &[&str], settings: ServerSettings) -> Gate {
        let dir = ScratchDir::new("gate");
        let file = dir.0.join("workers.properties");
        std::fs::write(&file, workers).unwrap();
        let mounts: Vec<String> = mounts.iter().map(|m| m.to_string()).collect();
        let config = Config::load(&file, None, &mounts).unwrap_or_else(|e| panic!("config: {e}"));
        Self::serve(config, settings, dir).await
    }

    /// Starts a gateway on `config` and serves it on an ephemeral port; `dir` holds its files and goes
    /// when the gate does.
    pub async fn serve(config: Config, settings: ServerSettings, dir: ScratchDir) -> Gate {
        let gateway = Arc::new(Gateway::start(config).await);
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let source: Arc<dyn GatewaySource> = Arc::new(Arc::clone(&gateway));
        let task = tokio::spawn(async move {
            serve(vec![listener], source, settings, async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
        });
        Gate {
            addr,
            gateway,
            stop: Some(stop),
            task: Some(task),
            _dir: dir,
        }
    }

    /// The state of `member` in the gateway's first lb worker.
    pub fn member_state(&self, member: &str) -> MemberState {
        let lb = self.gateway.lb_workers().next().expect("an lb");
        lb.members()
            .into_iter()
            .find(|m| m.member.name == member)
            .expect("member")
            .member
            .state
    }

    /// Signals shutdown and waits for the server to finish its requests in flight.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        self.gateway.close();
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn worker(&self, name: &str) -> Arc<ajpgate::backend::AjpWorker> {
        self.gateway
            .ajp_workers()
            .find(|w| w.name() == name)
            .cloned()
            .unwrap_or_else(|| panic!("no ajp13 worker {name}"))
    }
}

/// workers.properties for one ajp13 worker `fake` at `port`, plus extra `worker.fake.*` lines.
pub fn one_worker(port: u16, extra: &[&str]) -> String {
    let mut text = format!(
        "worker.list=fake\nworker.fake.type=ajp13\nworker.fake.host=127.0.0.1\nworker.fake.port={port}\n"
    );
    for line in extra {
        text.push_str(&format!("worker.fake.{line}\n"));
    }
    text
}

/// What a client saw: status, headers, and the body or the error that cut it short.
#[derive(Debug)]
pub struct Seen {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Result<Bytes, String>,
}

impl Seen {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(self.body.as_ref().expect("a complete body")).into_owned()
    }
}

/// Sends one request on a new connection.
pub async fn send<B>(addr: SocketAddr, request: Request<B>) -> Seen
where
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    try_send(addr, request)
        .await
        .unwrap_or_else(|e| panic!("no response: {e}"))
}

/// Like [`send`], but a connection closed before the response head is an `Err`, not a panic.
pub async fn try_send<B>(addr: SocketAddr, request: Request<B>) -> Result<Seen, String>
where
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let stream = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .map_err(|e| e.to_string())?;
    tokio::spawn(connection);
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| e.to_string())?;
    let (parts, body) = response.into_parts();
    let body = body
        .collect()
        .await
        .map(|c| c.to_bytes())
        .map_err(|e| e.to_string());
    Ok(Seen {
        status: parts.status,
        headers: parts.headers,
        body,
    })
}

pub async fn get(addr: SocketAddr, path: &str) -> Seen {
    send(
        addr,
        Request::get(path)
            .header("host", "gate.test")
            .body(Full::new(Bytes::new()))
            .unwrap(),
    )
    .await
}

/// Writes raw bytes and reads whatever comes back until the server closes (or 10 s). With `half_close`
/// the client also ends its side after writing, as a client whose body is cut short would.
pub async fn raw(addr: SocketAddr, bytes: &[u8], half_close: bool) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(bytes).await.unwrap();
    if half_close {
        let _ = stream.shutdown().await;
    }
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).into_owned()
}

/// Polls `condition` every 10 ms for up to 5 s.
pub async fn eventually(what: &str, mut condition: impl FnMut() -> bool) {
    for _ in 0..500 {
        if condition() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out waiting for: {what}");
}

/// Runs a test body with an upper bound on its time, so that a hang fails the test instead of
/// blocking the run. (The future is boxed: test bodies are large.)
pub async fn bounded<T>(secs: u64, body: impl std::future::Future<Output = T>) -> T {
    match tokio::time::timeout(Duration::from_secs(secs), Box::pin(body)).await {
        Ok(value) => value,
        Err(_) => panic!("the test did not finish within {secs} s"),
    }
}
