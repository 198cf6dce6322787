//! Rapid Reset (CVE-2023-44487): a client opens streams and cancels each at once, so that the server
//! starts work it never gets to finish while the client's concurrency stays near zero. h2 counts
//! streams reset before they were accepted (`max_pending_accept_reset_streams`, 20 in
//! src/http/listener.rs) and answers GOAWAY ENHANCE_YOUR_CALM past that.
//!
//! Streams the server did accept before the reset have been forwarded: their backend exchange runs to
//! its end (the rest of the response is drained) and holds a pool connection meanwhile. The attacked
//! page is therefore a fast one; against a slow page, attackers on many connections fill the pool
//! with abandoned requests as a flood of ordinary requests would.

use std::net::SocketAddr;
use std::time::Duration;

use h2::Reason;

use crate::frames::{
    self, END_HEADERS, END_STREAM, ENHANCE_YOUR_CALM, HEADERS, RST_STREAM, RawConn,
};

use crate::attack::Target;
use crate::peer;
use crate::support::bounded;

/// Streams one attacking connection opens and resets, at most.
const STREAMS: usize = 1000;

/// One attacking connection: up to [`STREAMS`] HEADERS each followed by RST_STREAM(CANCEL), as fast
/// as the client can frame them. The server must end the connection (GOAWAY ENHANCE_YOUR_CALM, or the
/// socket closed under the client's writes) within 5 s.
async fn rapid_reset(addr: SocketAddr) {
    let (send, connection) = peer::connect(addr).await;
    reset_streams(send, connection).await;
}

/// The attack on an established h2 connection (h2c here, TLS in `tls.rs`).
pub async fn reset_streams(
    mut send: h2::client::SendRequest<bytes::Bytes>,
    connection: tokio::task::JoinHandle<Result<(), h2::Error>>,
) {
    let mut sent = 0;
    for _ in 0..STREAMS {
        send = match send.ready().await {
            Ok(send) => send,
            Err(_) => break, // the server has ended the connection
        };
        let Ok((response, mut stream)) = send.send_request(peer::request("/reset-me"), true) else {
            break;
        };
        stream.send_reset(Reason::CANCEL);
        drop(response);
        sent += 1;
        if sent % 10 == 0 {
            // Let the connection task put the frames on the wire, as a real attacker's would.
            tokio::task::yield_now().await;
        }
    }
    let ended = tokio::time::timeout(Duration::from_secs(5), connection)
        .await
        .expect("the server ends a rapid-reset connection within 5 s")
        .unwrap();
    let error = ended.expect_err("the server ends a rapid-reset connection with an error");
    // The client may still be writing when the server closes: then it sees the closed socket before
    // it reads the GOAWAY (the raw-frame attack below checks the GOAWAY itself).
    assert!(
        (error.is_go_away() && error.reason() == Some(Reason::ENHANCE_YOUR_CALM)) || error.is_io(),
        "after {sent} reset streams: expected GOAWAY ENHANCE_YOUR_CALM, got {error:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rapid_reset_gets_goaway_and_others_keep_their_latency() {
    bounded(60, async {
        let target = Target::start().await;
        let attacks = target
            .under_attack("rapid reset", Duration::from_secs(3), rapid_reset)
            .await;
        assert!(attacks >= 3, "only {attacks} rapid-reset connections ran");
        // Cancelled streams must not each have cost a backend request.
        let forwarded = target.backend.stats().forward_requests();
        assert!(
            forwarded < (attacks as u64) * (STREAMS as u64) / 2,
            "the backend saw {forwarded} requests of {attacks} × ≤{STREAMS} reset streams"
        );
    })
    .await;
}

/// The same on a raw socket, in batches of 50 HEADERS + RST_STREAM(CANCEL) pairs: the server must
/// answer GOAWAY ENHANCE_YOUR_CALM within 5 s, before [`STREAMS`] streams, and then close.
async fn rapid_reset_raw(addr: SocketAddr) {
    let mut conn = RawConn::open(addr, &[], true).await;
    let started = std::time::Instant::now();
    let block = frames::request_block("/slow?ms=20");
    let mut stream = 1u32;
    while (stream as usize) < 2 * STREAMS && conn.seen().goaway.is_none() {
        let mut batch = Vec::new();
        for _ in 0..50 {
            batch.extend(frames::frame(
                HEADERS,
                END_HEADERS | END_STREAM,
                stream,
                &block,
            ));
            batch.extend(frames::frame(RST_STREAM, 0, stream, &0x8u32.to_be_bytes()));
            stream += 2;
        }
        if !conn.send(&batch).await {
            break;
        }
    }
    let seen = conn.outcome(Duration::from_secs(5)).await;
    let (code, at) = seen
        .goaway
        .unwrap_or_else(|| panic!("no GOAWAY after {} reset streams", stream / 2));
    assert_eq!(code, ENHANCE_YOUR_CALM, "GOAWAY code");
    assert!(
        at - started < Duration::from_secs(5),
        "GOAWAY after {:?}",
        at - started
    );
    assert!(
        seen.closed.is_some(),
        "the connection stayed open after GOAWAY"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rapid_reset_on_a_raw_socket_gets_goaway_enhance_your_calm() {
    bounded(60, async {
        let target = Target::start().await;
        target
            .under_attack("rapid reset (raw)", Duration::from_secs(3), rapid_reset_raw)
            .await;
    })
    .await;
}
