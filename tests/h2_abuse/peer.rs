//! Well-behaved HTTP/2 peers on the `h2` crate's client: one request, and the steady client that runs
//! beside an attack so that its latency before and during can be compared.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use h2::client::SendRequest;
use http::{Request, StatusCode};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// An h2c connection with prior knowledge; the connection task ends with the connection's result.
pub async fn connect(addr: SocketAddr) -> (SendRequest<Bytes>, JoinHandle<Result<(), h2::Error>>) {
    let tcp = TcpStream::connect(addr).await.unwrap();
    tcp.set_nodelay(true).unwrap();
    let (send, connection) = h2::client::handshake(tcp).await.unwrap();
    (send, tokio::spawn(connection))
}

pub fn request(path: &str) -> Request<()> {
    Request::get(format!("http://gate.test{path}"))
        .body(())
        .unwrap()
}

/// Sends a GET and reads the whole response body: its status, or the stream's error.
pub async fn get(send: &mut SendRequest<Bytes>, path: &str) -> Result<StatusCode, h2::Error> {
    get_request(send, request(path)).await
}

pub async fn get_request(
    send: &mut SendRequest<Bytes>,
    request: Request<()>,
) -> Result<StatusCode, h2::Error> {
    let mut ready = send.clone().ready().await?;
    let (response, _) = ready.send_request(request, true)?;
    let response = response.await?;
    let status = response.status();
    let mut body = response.into_body();
    while let Some(chunk) = body.data().await {
        let chunk = chunk?;
        let _ = body.flow_control().release_capacity(chunk.len());
    }
    Ok(status)
}

/// One request of the steady client: when it started, how long it took, and whether it got 200.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    pub at: Instant,
    pub took: Duration,
    pub ok: bool,
}

/// A client that sends one GET after another on its own h2 connection until stopped.
pub struct Steady {
    samples: Arc<Mutex<Vec<Sample>>>,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl Steady {
    pub async fn start(addr: SocketAddr) -> Steady {
        let (mut send, _connection) = connect(addr).await;
        let samples = Arc::new(Mutex::new(Vec::new()));
        let (stop, stopped) = watch::channel(false);
        let out = Arc::clone(&samples);
        let task = tokio::spawn(async move {
            while !*stopped.borrow() {
                let at = Instant::now();
                let result =
                    tokio::time::timeout(Duration::from_secs(5), get(&mut send, "/")).await;
                let ok = matches!(result, Ok(Ok(StatusCode::OK)));
                out.lock().unwrap().push(Sample {
                    at,
                    took: at.elapsed(),
                    ok,
                });
                // A few milliseconds apart: steady, not a load of its own.
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        });
        Steady {
            samples,
            stop,
            task,
        }
    }

    /// The samples taken from `from` to `to`.
    pub fn window(&self, from: Instant, to: Instant) -> Latencies {
        let samples = self.samples.lock().unwrap();
        Latencies(
            samples
                .iter()
                .filter(|s| s.at >= from && s.at < to)
                .copied()
                .collect(),
        )
    }

    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = tokio::time::timeout(Duration::from_secs(10), self.task).await;
    }
}

/// Latency samples of one window.
#[derive(Debug)]
pub struct Latencies(pub Vec<Sample>);

impl Latencies {
    fn quantile(&self, q: f64) -> Duration {
        let mut took: Vec<Duration> = self.0.iter().map(|s| s.took).collect();
        took.sort();
        let index = ((took.len() as f64 * q).ceil() as usize).clamp(1, took.len()) - 1;
        took[index]
    }

    pub fn median(&self) -> Duration {
        self.quantile(0.5)
    }

    pub fn p99(&self) -> Duration {
        self.quantile(0.99)
    }

    pub fn failures(&self) -> usize {
        self.0.iter().filter(|s| !s.ok).count()
    }
}

/// The steady client kept its latency and got 200 every time during the attack: at least
/// `min_samples` requests, none failed, p99 during below max(10 × p99 before, 200 ms).
pub fn assert_kept_latency(what: &str, before: &Latencies, during: &Latencies, min_samples: usize) {
    assert!(
        before.0.len() >= min_samples && during.0.len() >= min_samples,
        "{what}: too few steady samples (before {}, during {})",
        before.0.len(),
        during.0.len()
    );
    assert_eq!(
        before.failures(),
        0,
        "{what}: steady requests failed before"
    );
    assert_eq!(
        during.failures(),
        0,
        "{what}: steady requests failed during the attack"
    );
    let bound = (before.p99() * 10).max(Duration::from_millis(200));
    eprintln!(
        "{what}: steady client before: n={} median {:?} p99 {:?}; during: n={} median {:?} p99 {:?} (bound {:?})",
        before.0.len(),
        before.median(),
        before.p99(),
        during.0.len(),
        during.median(),
        during.p99(),
        bound
    );
    assert!(
        during.p99() < bound,
        "{what}: steady p99 during the attack {:?} ≥ bound {:?}",
        during.p99(),
        bound
    );
}
