//! More streams than the limit (`max_concurrent_streams`, 100): a peer that ignores the advertised
//! limit gets RST_STREAM(REFUSED_STREAM) for each stream beyond it (RFC 9113 §5.1.2); a peer that
//! honours it queues. Either way each stream may want a backend connection, and the backend never
//! sees more connections than the worker's pool.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use http::StatusCode;

use crate::attack::{POOL, Target};
use crate::frames::{self, END_HEADERS, END_STREAM, HEADERS, REFUSED_STREAM, RawConn};
use crate::peer;
use crate::support::bounded;

const LIMIT: u32 = 100;
const OPENED: u32 = 150;

/// Samples the backend's open connections every 5 ms until dropped; the most seen at once.
struct OpenMax {
    max: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

impl OpenMax {
    fn watch(target: &Target) -> OpenMax {
        let stats = target.backend.stats();
        let max = Arc::new(AtomicU64::new(0));
        let out = Arc::clone(&max);
        let task = tokio::spawn(async move {
            loop {
                out.fetch_max(stats.connections_open(), Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        });
        OpenMax { max, task }
    }

    fn finish(self) -> u64 {
        self.task.abort();
        self.max.load(Ordering::Relaxed)
    }
}

fn assert_pool_bound(target: &Target, open_max: OpenMax) {
    let accepted = target.backend.stats().connections_accepted();
    let max = open_max.finish();
    assert!(
        accepted <= POOL as u64 && max <= POOL as u64,
        "the backend saw {accepted} connections ({max} at once) from a pool of {POOL}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_past_the_limit_are_refused_and_the_pool_bounds_the_backend() {
    bounded(60, async {
        let target = Target::start().await;
        let open_max = OpenMax::watch(&target);
        let mut conn = RawConn::open(target.addr(), &[], true).await;
        let block = frames::request_block("/slow?ms=300");
        let mut burst = Vec::new();
        for n in 0..OPENED {
            burst.extend(frames::frame(
                HEADERS,
                END_HEADERS | END_STREAM,
                2 * n + 1,
                &block,
            ));
        }
        assert!(conn.send(&burst).await);
        // 100 streams × 300 ms over 4 backend connections: about 7.5 s.
        for _ in 0..2000 {
            if conn.seen().answered.len() as u32 >= LIMIT {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let seen = conn.seen();
        let refused: Vec<u32> = seen
            .resets
            .iter()
            .filter(|(_, code)| **code == REFUSED_STREAM)
            .map(|(stream, _)| *stream)
            .collect();
        assert_eq!(
            seen.answered.len() as u32,
            LIMIT,
            "streams answered (resets: {:?})",
            seen.resets
        );
        assert_eq!(
            refused.len() as u32,
            OPENED - LIMIT,
            "REFUSED_STREAM resets"
        );
        assert!(
            refused.iter().all(|s| !seen.answered.contains(s)),
            "a refused stream was also answered"
        );
        assert!(
            seen.goaway.is_none(),
            "refusing streams is no reason for GOAWAY"
        );
        assert_pool_bound(&target, open_max);
        drop(conn);
        target.assert_serves("after refused streams").await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_honouring_the_limit_queues_and_every_stream_is_served() {
    bounded(60, async {
        let target = Target::start().await;
        let open_max = OpenMax::watch(&target);
        let (send, _connection) = peer::connect(target.addr()).await;
        let mut send = send.ready().await.unwrap();
        // The server's SETTINGS arrive with the handshake; wait for the client to apply them.
        for _ in 0..100 {
            if send.current_max_send_streams() == LIMIT as usize {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
            send = send.ready().await.unwrap();
        }
        assert_eq!(send.current_max_send_streams(), LIMIT as usize);
        let tasks: Vec<_> = (0..OPENED)
            .map(|_| {
                let mut send = send.clone();
                tokio::spawn(async move { peer::get(&mut send, "/slow?ms=100").await })
            })
            .collect();
        for task in tasks {
            let status = task.await.unwrap().expect("a queued stream is served");
            assert_eq!(status, StatusCode::OK);
        }
        assert_pool_bound(&target, open_max);
    })
    .await;
}
