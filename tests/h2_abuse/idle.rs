//! Idle HTTP/2 connections: the server pings an idle connection every `h2_keep_alive_interval` and
//! closes it when a ping goes unanswered for the keep-alive timeout (20 s, src/http/listener.rs), so a
//! peer that went away without a FIN does not hold its `max_connections` slot for ever. A client that
//! answers the pings is another matter (the second test).
//!
//! In-process (`ajpgate::http::server::serve` on an h2c listener), because the ping interval is a
//! server setting that `ajpgate serve` does not take from the command line.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ajpgate::config::Config;
use ajpgate::gateway::Gateway;
use ajpgate::http::listener::Listener;
use ajpgate::http::server::{GatewaySource, ServerSettings, serve};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::frames::{PING, RawConn};
use crate::support::{self, ScratchDir, bounded, one_worker};

/// A gateway on an h2c listener with these settings; dropping the sender stops it.
async fn h2c_gateway(settings: ServerSettings) -> (SocketAddr, oneshot::Sender<()>, ScratchDir) {
    let backend = support::fake("node1").await;
    let dir = ScratchDir::new("h2-idle");
    let file = dir.0.join("workers.properties");
    std::fs::write(&file, one_worker(backend.addr().port(), &[])).unwrap();
    let config = Config::load(&file, None, &["/*=fake".to_string()]).unwrap();
    let gateway: Arc<dyn GatewaySource> = Arc::new(Arc::new(Gateway::start(config).await));
    let tcp = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = tcp.local_addr().unwrap();
    let mut listener = Listener::from(tcp);
    listener.h2c = true;
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(async move {
        let _backend = backend;
        serve(vec![listener], gateway, settings, async {
            let _ = stopped.await;
        })
        .await
        .unwrap();
    });
    (addr, stop, dir)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_peer_that_stops_answering_pings_is_closed() {
    bounded(60, async {
        let interval = Duration::from_secs(1);
        let settings = ServerSettings {
            h2_keep_alive_interval: interval,
            ..ServerSettings::default()
        };
        let (addr, _stop, _dir) = h2c_gateway(settings).await;
        // A peer that completes the handshake and then never answers anything.
        let started = Instant::now();
        let conn = RawConn::open(addr, &[], true).await;
        let seen = conn.outcome(Duration::from_secs(35)).await;
        let closed = seen
            .closed
            .expect("an idle peer that ignores pings is closed within 35 s");
        assert!(
            seen.counts.get(&PING).copied().unwrap_or(0) >= 1,
            "closed without a ping first: {seen:?}"
        );
        let took = closed - started;
        // One interval until the ping, then the keep-alive timeout.
        assert!(
            took >= interval && took < interval + Duration::from_secs(25),
            "closed after {took:?}"
        );
        eprintln!("idle peer ignoring pings closed after {took:?}: {seen:?}");
    })
    .await;
}

/// A client that answers pings but sends no request: closed once it has been idle for the
/// header-read timeout, as an idle HTTP/1.1 keep-alive connection is. hyper's HTTP/2 server has no
/// idle timeout of its own (this test found it): `src/http/idle.rs` adds one, else such a connection
/// would hold its `max_connections` slot for as long as the client likes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_client_that_answers_pings_is_closed_after_the_idle_timeout() {
    bounded(60, async {
        let idle = Duration::from_secs(2);
        let settings = ServerSettings {
            header_read_timeout: idle,
            h2_keep_alive_interval: Duration::from_secs(1),
            ..ServerSettings::default()
        };
        let (addr, _stop, _dir) = h2c_gateway(settings).await;
        let (mut send, connection) = crate::peer::connect(addr).await;
        let status = crate::peer::get(&mut send, "/").await.unwrap();
        assert_eq!(status, http::StatusCode::OK);
        let started = Instant::now();
        let ended = tokio::time::timeout(idle * 5, connection).await;
        assert!(
            ended.is_ok(),
            "an h2 connection idle for {:?} (header-read timeout {idle:?}) is still open",
            started.elapsed()
        );
    })
    .await;
}
