//! Header blocks that are too large or never end.
//!
//! A header list over `max_header_list_size` (64 KiB: `--max-header-bytes`, src/http/settings.rs) must be
//! refused without reaching the backend: 431, or a stream or connection error. A header block that
//! never ends (HEADERS without END_HEADERS, then CONTINUATION after CONTINUATION: CVE-2024-27316 in
//! httpd and the rest of the 2024 CONTINUATION-flood class) must be cut with GOAWAY after a bounded
//! number of frames and bytes, however small or large each frame is.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use http::StatusCode;

use crate::attack::Target;
use crate::frames::{self, CONTINUATION, HEADERS, RawConn};
use crate::peer;
use crate::support::bounded;

/// One connection sending requests whose header list is over the limit: 70 KB (over 64 KiB, in
/// fewer CONTINUATIONs than h2 allows), then 1 MB. Each must fail or get 431; none may reach the
/// backend as a request (the caller checks the backend's count).
async fn oversized_headers(addr: SocketAddr) {
    let (mut send, _connection) = peer::connect(addr).await;
    for size in [70_000, 70_000, 1_000_000] {
        let mut request = peer::request("/oversized");
        let value = "a".repeat(size);
        request
            .headers_mut()
            .insert("x-big", value.parse().unwrap());
        let outcome = tokio::time::timeout(
            Duration::from_secs(5),
            peer::get_request(&mut send, request),
        )
        .await
        .expect("an answer to an oversized header list within 5 s");
        match outcome {
            Ok(status) => assert_eq!(
                status,
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                "{size}-byte header"
            ),
            Err(error) => {
                assert!(
                    error.is_reset() || error.is_go_away() || error.is_io(),
                    "{size}-byte header: {error:?}"
                );
                if error.is_go_away() || error.is_io() {
                    return; // the connection is gone; the next attack opens another
                }
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_header_lists_are_refused_before_the_backend() {
    bounded(60, async {
        let target = Target::start().await;
        target
            .under_attack(
                "oversized headers",
                Duration::from_secs(3),
                oversized_headers,
            )
            .await;
        let stats = target.backend.stats();
        assert_eq!(
            stats.requests_for("/oversized"),
            0,
            "an oversized request reached the backend"
        );
    })
    .await;
}

/// A HEADERS frame without END_HEADERS, then CONTINUATION frames of `chunk` bytes of header block,
/// none with END_HEADERS, until the server stops the connection (or 64 MiB were sent). The server
/// must answer GOAWAY and close within 5 s of the first frame, and answer nothing on the stream.
async fn continuation_flood(addr: SocketAddr, chunk: usize) {
    let mut conn = RawConn::open(addr, &[], true).await;
    let started = Instant::now();
    let block = frames::request_block("/continuation");
    assert!(conn.send(&frames::frame(HEADERS, 0, 1, &block)).await);
    // Each CONTINUATION carries one literal header `x-N: aaa…` of about `chunk` bytes (0: empty).
    let mut payload = Vec::new();
    if chunk > 0 {
        frames::literal(&mut payload, "x-flood", "a".repeat(chunk - 12).as_bytes());
    }
    let one = frames::frame(CONTINUATION, 0, 1, &payload);
    let batch: Vec<u8> = one.repeat((64 * 1024 / one.len()).max(1));
    let mut sent = one.len();
    while sent < 64 << 20 && conn.seen().goaway.is_none() {
        if !conn.send_within(&batch, Duration::from_secs(2)).await {
            break;
        }
        sent += batch.len();
    }
    let seen = conn.outcome(Duration::from_secs(5)).await;
    let (code, at) = seen.goaway.unwrap_or_else(|| {
        panic!("no GOAWAY after {sent} bytes of {chunk}-byte CONTINUATION frames: {seen:?}")
    });
    assert!(
        seen.closed.is_some(),
        "the connection stayed open after GOAWAY"
    );
    assert!(
        at - started < Duration::from_secs(5),
        "GOAWAY came {:?} after the flood began",
        at - started
    );
    assert!(
        code == frames::ENHANCE_YOUR_CALM || code == frames::PROTOCOL_ERROR,
        "GOAWAY error code {code:#x}"
    );
    assert!(
        seen.answered.is_empty(),
        "the server answered a request whose header block never ended"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn continuation_flood_of_empty_frames_gets_goaway() {
    bounded(60, async {
        let target = Target::start().await;
        target
            .under_attack(
                "CONTINUATION flood, empty frames",
                Duration::from_secs(3),
                |a| continuation_flood(a, 0),
            )
            .await;
        assert_eq!(target.backend.stats().requests_for("/continuation"), 0);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn continuation_flood_of_full_frames_gets_goaway() {
    bounded(60, async {
        let target = Target::start().await;
        target
            .under_attack(
                "CONTINUATION flood, 16 KiB frames",
                Duration::from_secs(3),
                |a| continuation_flood(a, 16 * 1024),
            )
            .await;
        assert_eq!(target.backend.stats().requests_for("/continuation"), 0);
    })
    .await;
}
