//! The gateway against the in-repo fake backend: normal traffic, every fault the backend can inject,
//! client misbehaviour, pooling, and shutdown. Each failure must give the documented status, close the
//! backend connection, and never hand one client's response to another.

mod support;

use std::time::Duration;

use ajpgate::fakeajp::{FakeBackend, FakeConfig};
use ajpgate::http::server::ServerSettings;
use bytes::Bytes;
use http::{Request, StatusCode};
use http_body_util::{Full, StreamBody};
use support::{Gate, eventually, get, one_worker, raw, send, try_send};

async fn backend() -> FakeBackend {
    FakeBackend::start(FakeConfig::default()).await.unwrap()
}

async fn backend_with_secret(secret: &str) -> FakeBackend {
    FakeBackend::start(FakeConfig {
        secret: Some(secret.into()),
        ..FakeConfig::default()
    })
    .await
    .unwrap()
}

fn pattern(n: usize) -> Vec<u8> {
    (0..n).map(|i| ajpgate::fakeajp::PATTERN[i % 36]).collect()
}

#[tokio::test]
async fn get_reaches_the_backend_with_the_secret_and_mod_jk_attributes() {
    let fake = backend_with_secret("s3cret").await;
    let gate = Gate::start(
        &one_worker(fake.addr().port(), &["secret=s3cret"]),
        &["/*=fake"],
    )
    .await;
    let seen = get(gate.addr, "/echo?a=1&b=two%20words").await;
    assert_eq!(seen.status, StatusCode::OK);
    assert_eq!(seen.headers["x-fake-node"], "node1");
    let text = seen.text();
    for line in [
        "method: GET",
        "uri: /echo",
        "query: a=1&b=two%20words",
        "attr.secret: <present>",
        "attr.req_attribute.JK_LB_ACTIVATION: ACT",
        "attr.req_attribute.AJP_LOCAL_ADDR: 127.0.0.1",
        "header.content-length: 0",
        "server_name: gate.test",
    ] {
        assert!(text.contains(line), "missing {line:?} in:\n{text}");
    }
    gate.shutdown().await;
}

#[tokio::test]
async fn a_wrong_secret_gets_tomcats_403_and_the_connection_is_not_reused() {
    let fake = backend_with_secret("s3cret").await;
    let gate = Gate::start(
        &one_worker(fake.addr().port(), &["secret=wrong"]),
        &["/*=fake"],
    )
    .await;
    for _ in 0..3 {
        assert_eq!(get(gate.addr, "/echo").await.status, StatusCode::FORBIDDEN);
    }
    // reuse=0 each time: three requests, three backend connections.
    assert_eq!(fake.stats().connections_accepted(), 3);
    gate.shutdown().await;
}

#[tokio::test]
async fn bodies_stream_both_ways_with_checksums() {
    let fake = backend().await;
    let gate = Gate::start(&one_worker(fake.addr().port(), &[]), &["/*=fake"]).await;
    for size in [0usize, 1, 8186, 8187, 1 << 20] {
        let body = pattern(size);
        let expected = ajpgate::fakeajp::Fnv1a64::of(&body).hex();
        let request = Request::post("/upload")
            .header("host", "h")
            .body(Full::new(Bytes::from(body)))
            .unwrap();
        let seen = send(gate.addr, request).await;
        assert_eq!(seen.status, StatusCode::OK, "upload of {size}");
        let text = seen.text();
        assert!(text.contains(&format!("length: {size}")), "{size}: {text}");
        assert!(
            text.contains(&format!("fnv1a64: {expected}")),
            "{size}: {text}"
        );
    }
    // Chunked upload: the client sends pieces of odd sizes; Tomcat pulls them.
    let pieces: Vec<Result<http_body::Frame<Bytes>, std::convert::Infallible>> = (0..40)
        .map(|i| Ok(http_body::Frame::data(Bytes::from(pattern(1000 + i * 37)))))
        .collect();
    let total: usize = (0..40).map(|i| 1000 + i * 37).sum();
    let request = Request::post("/upload")
        .header("host", "h")
        .header("transfer-encoding", "chunked")
        .body(StreamBody::new(futures_util::stream::iter(pieces)))
        .unwrap();
    let seen = send(gate.addr, request).await;
    assert!(
        seen.text().contains(&format!("length: {total}")),
        "{}",
        seen.text()
    );

    for n in [0usize, 1, 8184, 8185, 3_000_000] {
        let seen = get(gate.addr, &format!("/bytes?n={n}")).await;
        assert_eq!(seen.status, StatusCode::OK);
        assert_eq!(
            seen.body.as_ref().unwrap()[..],
            pattern(n)[..],
            "download of {n}"
        );
    }
    let seen = get(gate.addr, "/bytes?n=5000&chunk=100&flush=1").await;
    assert_eq!(seen.body.unwrap()[..], pattern(5000)[..]);
    gate.shutdown().await;
}

#[tokio::test]
async fn head_204_and_304_carry_no_body() {
    let fake = backend().await;
    let gate = Gate::start(&one_worker(fake.addr().port(), &[]), &["/*=fake"]).await;
    let request = Request::head("/bytes?n=100&cl=1")
        .header("host", "h")
        .body(Full::new(Bytes::new()))
        .unwrap();
    let seen = send(gate.addr, request).await;
    assert_eq!(seen.status, StatusCode::OK);
    assert_eq!(seen.headers["content-length"], "100");
    assert!(seen.body.unwrap().is_empty());
    for code in [204, 304] {
        let seen = get(gate.addr, &format!("/fault/status?code={code}")).await;
        assert_eq!(seen.status.as_u16(), code);
        assert!(seen.body.unwrap().is_empty());
    }
    // The connection stayed in step: one backend connection served all of it.
    assert_eq!(fake.stats().connections_accepted(), 1);
    gate.shutdown().await;
}

#[tokio::test]
async fn a_dead_backend_is_503() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let gate = Gate::start(
        &one_worker(port, &["retries=2", "retry_interval=10"]),
        &["/*=fake"],
    )
    .await;
    assert_eq!(
        get(gate.addr, "/").await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(
        gate.worker("fake")
            .stats()
            .errors
            .load(std::sync::atomic::Ordering::Relaxed),
        1
    );
    gate.shutdown().await;
}

#[tokio::test]
async fn a_backend_that_never_answers_cping_is_503() {
    let fake = FakeBackend::start(FakeConfig {
        answer_cping: false,
        ..FakeConfig::default()
    })
    .await
    .unwrap();
    let gate = Gate::start(
        &one_worker(
            fake.addr().port(),
            &["ping_mode=C", "ping_timeout=200", "retries=1"],
        ),
        &["/*=fake"],
    )
    .await;
    assert_eq!(
        get(gate.addr, "/").await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(fake.stats().forward_requests(), 0);
    gate.shutdown().await;
}

#[tokio::test]
async fn cping_probes_run_as_mod_jk_runs_them() {
    // prepost only: a new connection is probed once (prepost stands in for the missing connect probe),
    // a reused one before each request.
    let fake = backend().await;
    let gate = Gate::start(
        &one_worker(fake.addr().port(), &["prepost_timeout=500"]),
        &["/*=fake"],
    )
    .await;
    for expected in [1, 2, 3] {
        assert_eq!(get(gate.addr, "/").await.status, StatusCode::OK);
        assert_eq!(fake.stats().cpings_received(), expected);
    }
    gate.shutdown().await;
    // connect and prepost: the new connection gets only the connect probe.
    let fake = backend().await;
    let gate = Gate::start(
        &one_worker(
            fake.addr().port(),
            &["connect_timeout=500", "prepost_timeout=500"],
        ),
        &["/*=fake"],
    )
    .await;
    for expected in [1, 2] {
        assert_eq!(get(gate.addr, "/").await.status, StatusCode::OK);
        assert_eq!(fake.stats().cpings_received(), expected);
    }
    assert_eq!(fake.stats().connections_accepted(), 1);
    gate.shutdown().await;
}

#[tokio::test]
async fn reply_timeout_before_headers_is_504() {
    let fake = backend().await;
    let gate = Gate::start(
        &one_worker(fake.addr().port(), &["reply_timeout=300"]),
        &["/*=fake"],
    )
    .await;
    assert_eq!(
        get(gate.addr, "/slow?ms=3000").await.status,
        StatusCode::GATEWAY_TIMEOUT
    );
    // Not retried: the request had reached the application.
    assert_eq!(fake.stats().requests_for("/slow"), 1);
    eventually("the timed-out connection is closed", || {
        fake.stats().connections_open() == 0
    })
    .await;
    gate.shutdown().await;
}

#[tokio::test]
async fn faults_before_headers_are_502_and_close_the_connection() {
    let fake = backend().await;
    let gate = Gate::start(
        &one_worker(fake.addr().port(), &["retry_interval=10"]),
        &["/*=fake"],
    )
    .await;
    for path in ["/fault/garbage", "/fault/status?code=0"] {
        assert_eq!(
            get(gate.addr, path).await.status,
            StatusCode::BAD_GATEWAY,
            "{path}"
        );
    }
    eventually("bad connections are closed", || {
        fake.stats().connections_open() == 0
    })
    .await;
    gate.shutdown().await;
}

#[tokio::test]
async fn faults_after_headers_cut_the_response_short() {
    let fake = backend().await;
    let gate = Gate::start(
        &one_worker(fake.addr().port(), &["reply_timeout=500"]),
        &["/*=fake"],
    )
    .await;
    for path in [
        "/fault/junk-after-chunk",
        "/fault/wrong-length",
        "/fault/double-headers",
        "/fault/reset-mid-body",
        "/fault/no-end",
    ] {
        // The head may or may not reach the client before the abort; either way the client must see an
        // incomplete exchange, never a complete-looking response.
        let request = Request::get(path)
            .header("host", "h")
            .body(Full::new(Bytes::new()))
            .unwrap();
        if let Ok(seen) = try_send(gate.addr, request).await {
            assert_eq!(
                seen.status,
                StatusCode::OK,
                "{path}: only the backend's own head may go out"
            );
            assert!(
                seen.body.is_err(),
                "{path}: the client must see an incomplete body, got {:?}",
                seen.body
            );
        }
        // Never retried once the response had started.
        assert_eq!(fake.stats().requests_for(path), 1, "{path}");
    }
    eventually("every faulty connection is closed", || {
        fake.stats().connections_open() == 0
    })
    .await;
    gate.shutdown().await;
}

#[tokio::test]
async fn reuse0_is_honoured() {
    let fake = backend().await;
    let gate = Gate::start(&one_worker(fake.addr().port(), &[]), &["/*=fake"]).await;
    for _ in 0..3 {
        assert_eq!(get(gate.addr, "/fault/reuse0").await.status, StatusCode::OK);
    }
    assert_eq!(fake.stats().connections_accepted(), 3);
    eventually("reuse=0 connections are closed", || {
        fake.stats().connections_open() == 0
    })
    .await;
    gate.shutdown().await;
}

#[tokio::test]
async fn an_idempotent_request_is_retried_but_a_post_is_never_replayed() {
    let fake = backend().await;
    let gate = Gate::start(
        &one_worker(fake.addr().port(), &["retries=3", "retry_interval=10"]),
        &["/*=fake"],
    )
    .await;
    // GET: the backend closes before answering; nothing was consumed, so ajpgate tries again.
    assert_eq!(
        get(gate.addr, "/fault/close-before-headers").await.status,
        StatusCode::BAD_GATEWAY
    );
    assert_eq!(fake.stats().requests_for("/fault/close-before-headers"), 3);
    // POST whose body the backend read: never sent a second time.
    let request = Request::post("/fault/fail-after-body")
        .header("host", "h")
        .body(Full::new(Bytes::from(pattern(20000))))
        .unwrap();
    assert_eq!(
        send(gate.addr, request).await.status,
        StatusCode::BAD_GATEWAY
    );
    assert_eq!(fake.stats().requests_for("/fault/fail-after-body"), 1);
    // A small POST that fits in the first packet: also never replayed (it may have been processed).
    let request = Request::post("/fault/fail-after-body")
        .header("host", "h")
        .body(Full::new(Bytes::from_static(b"x=1")))
        .unwrap();
    assert_eq!(
        send(gate.addr, request).await.status,
        StatusCode::BAD_GATEWAY
    );
    assert_eq!(fake.stats().requests_for("/fault/fail-after-body"), 2);
    gate.shutdown().await;
}

#[tokio::test]
async fn the_pool_bounds_backend_connections_and_responses_never_mix() {
    let fake = backend().await;
    let gate = Gate::start(
        &one_worker(
            fake.addr().port(),
            &["connection_pool_size=4", "connection_acquire_timeout=10000"],
        ),
        &["/*=fake"],
    )
    .await;
    let addr = gate.addr;
    let mut tasks = Vec::new();
    for client in 0..16 {
        tasks.push(tokio::spawn(async move {
            for i in 0..40 {
                let token = format!("c{client}-r{i}");
                let seen = get(addr, &format!("/echo?token={token}")).await;
                assert_eq!(seen.status, StatusCode::OK);
                assert!(
                    seen.text().contains(&format!("query: token={token}\n")),
                    "{token} got another response"
                );
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(fake.stats().forward_requests(), 640);
    let accepted = fake.stats().connections_accepted();
    assert!(
        accepted <= 4,
        "backend saw {accepted} connections with connection_pool_size=4"
    );
    gate.shutdown().await;
}

#[tokio::test]
async fn malformed_and_ambiguous_requests_are_400_and_close() {
    let fake = backend().await;
    let gate = Gate::start(&one_worker(fake.addr().port(), &[]), &["/*=fake"]).await;
    let smuggle = raw(
        gate.addr,
        b"POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        false,
    )
    .await;
    // hyper applies RFC 9112 §6.1 itself: Transfer-Encoding wins, the Content-Length is dropped, and the
    // connection is closed after the response. Either that or a 400 is safe; a Content-Length reaching
    // Tomcat next to a chunked body would not be.
    assert!(
        smuggle.starts_with("HTTP/1.1 400")
            || (smuggle.contains("connection: close")
                && !smuggle.contains("header.content-length")),
        "{smuggle}"
    );
    let garbage = raw(gate.addr, b"\x16\x03\x01 hello\r\n\r\n", false).await;
    assert!(garbage.starts_with("HTTP/1.1 400"), "{garbage}");
    let climbing = raw(
        gate.addr,
        b"GET /a/../../etc/passwd HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
        false,
    )
    .await;
    assert!(climbing.starts_with("HTTP/1.1 400"), "{climbing}");
    // A body shorter than its Content-Length.
    let short = raw(
        gate.addr,
        b"POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\nonly-ten!!",
        true,
    )
    .await;
    assert!(short.starts_with("HTTP/1.1 400"), "{short}");
    assert!(
        fake.stats().forward_requests() <= 1,
        "only the de-smuggled chunked request may reach the backend"
    );
    gate.shutdown().await;
}

#[tokio::test]
async fn a_request_too_large_for_one_packet_is_413() {
    let fake = backend().await;
    let gate = Gate::start(&one_worker(fake.addr().port(), &[]), &["/*=fake"]).await;
    let request = Request::get("/echo")
        .header("host", "h")
        .header("x-big", "b".repeat(9000))
        .body(Full::new(Bytes::new()))
        .unwrap();
    assert_eq!(
        send(gate.addr, request).await.status,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    gate.shutdown().await;
}

#[tokio::test]
async fn unmapped_paths_are_404() {
    let fake = backend().await;
    let gate = Gate::start(&one_worker(fake.addr().port(), &[]), &["/app/*=fake"]).await;
    assert_eq!(get(gate.addr, "/other").await.status, StatusCode::NOT_FOUND);
    assert_eq!(get(gate.addr, "/app/x").await.status, StatusCode::OK);
    gate.shutdown().await;
}

#[tokio::test]
async fn a_mount_rules_reply_timeout_replaces_the_workers() {
    let fake = backend().await;
    let worker = one_worker(fake.addr().port(), &[]);
    let gate = Gate::start(&worker, &["/slow=fake;reply_timeout=200", "/*=fake"]).await;
    let timed_out = get(gate.addr, "/slow?ms=1500").await;
    assert_eq!(timed_out.status, StatusCode::GATEWAY_TIMEOUT);
    gate.shutdown().await;
    // The same request without the extension waits as long as the worker does (no reply_timeout).
    let gate = Gate::start(&worker, &["/*=fake"]).await;
    assert_eq!(get(gate.addr, "/slow?ms=500").await.status, StatusCode::OK);
    gate.shutdown().await;
}

/// Waits until the worker has counted the one client that went away.
async fn abort_noticed(worker: &ajpgate::backend::AjpWorker) {
    eventually("the abort is noticed", || {
        worker
            .stats()
            .client_errors
            .load(std::sync::atomic::Ordering::Relaxed)
            == 1
    })
    .await;
}

#[tokio::test]
async fn a_client_that_goes_away_does_not_count_against_the_backend() {
    let fake = backend().await;
    let gate = Gate::start(&one_worker(fake.addr().port(), &[]), &["/*=fake"]).await;
    {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut stream = tokio::net::TcpStream::connect(gate.addr).await.unwrap();
        stream
            .write_all(b"GET /bytes?n=50000000 HTTP/1.1\r\nHost: h\r\n\r\n")
            .await
            .unwrap();
        let mut buf = vec![0; 65536];
        let _ = stream.read(&mut buf).await.unwrap();
    }
    let worker = gate.worker("fake");
    abort_noticed(&worker).await;
    assert_eq!(
        worker
            .stats()
            .errors
            .load(std::sync::atomic::Ordering::Relaxed),
        0
    );
    eventually("the half-read connection is closed", || {
        fake.stats().connections_open() == 0
    })
    .await;
    gate.shutdown().await;
}

#[tokio::test]
async fn a_short_response_whose_client_left_keeps_its_backend_connection() {
    let fake = backend().await;
    let gate = Gate::start(&one_worker(fake.addr().port(), &[]), &["/*=fake"]).await;
    assert_eq!(get(gate.addr, "/bytes?n=10").await.status, StatusCode::OK);
    {
        use tokio::io::AsyncWriteExt;
        let mut stream = tokio::net::TcpStream::connect(gate.addr).await.unwrap();
        stream
            .write_all(b"GET /slow?ms=300 HTTP/1.1\r\nHost: h\r\n\r\n")
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let worker = gate.worker("fake");
    abort_noticed(&worker).await;
    // The rest of the response was read, so the connection went back to the pool and is reused.
    assert_eq!(worker.pool().idle_count(), 1);
    assert_eq!(get(gate.addr, "/bytes?n=10").await.status, StatusCode::OK);
    assert_eq!(fake.stats().connections_accepted(), 1);
    gate.shutdown().await;
}

#[tokio::test]
async fn idle_clients_are_disconnected_after_the_header_timeout() {
    let fake = backend().await;
    let settings = ServerSettings {
        header_read_timeout: Duration::from_millis(500),
        ..ServerSettings::default()
    };
    let gate = Gate::start_with(&one_worker(fake.addr().port(), &[]), &["/*=fake"], settings).await;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // Sends nothing at all.
    let mut silent = tokio::net::TcpStream::connect(gate.addr).await.unwrap();
    let mut buf = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(5), silent.read_to_end(&mut buf)).await;
    assert!(closed.is_ok(), "a silent client is disconnected");
    // Sends half a request head.
    let mut slow = tokio::net::TcpStream::connect(gate.addr).await.unwrap();
    slow.write_all(b"GET / HTTP/1.1\r\nHost: h\r\n")
        .await
        .unwrap();
    let closed = tokio::time::timeout(Duration::from_secs(5), slow.read_to_end(&mut buf)).await;
    assert!(closed.is_ok(), "a slow client is disconnected");
    gate.shutdown().await;
}

#[tokio::test]
async fn shutdown_lets_requests_in_flight_finish() {
    let fake = backend().await;
    let gate = Gate::start(&one_worker(fake.addr().port(), &[]), &["/*=fake"]).await;
    let addr = gate.addr;
    let slow = tokio::spawn(async move { get(addr, "/slow?ms=700").await });
    tokio::time::sleep(Duration::from_millis(200)).await;
    gate.shutdown().await;
    let seen = slow.await.unwrap();
    assert_eq!(seen.status, StatusCode::OK);
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "no longer accepting"
    );
}

#[tokio::test]
async fn path_tricks_never_get_past_an_exclusion_and_the_backend_gets_the_mapped_path() {
    let fake = backend().await;
    let gate = Gate::start(
        &one_worker(fake.addr().port(), &[]),
        &["/app/*=fake", "!/app/private/*=fake"],
    )
    .await;
    for path in [
        "/app/private/x",
        "/app/./private/x",
        "/app//private/x",
        "/app/private;jsessionid=1/x",
        "/app/%70rivate/x",
        "/app/a/../private/x",
        "/app/a/%2e%2e/private/x",
        "/other/../app/private/x",
    ] {
        assert_eq!(
            get(gate.addr, path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    assert_eq!(
        get(gate.addr, "/app/%2e%2e/%2e%2e/x").await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        get(gate.addr, "/app/a%2Fb").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(gate.addr, "/app/a%zz").await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(fake.stats().forward_requests(), 0);
    // Mapped on "/app/a.b/echo" and forwarded as that same path, re-encoded the way mod_jk does.
    let seen = get(gate.addr, "/app/a%2Eb/./x/../echo").await;
    assert_eq!(seen.status, StatusCode::OK);
    assert_eq!(fake.stats().requests_for("/app/a.b/echo"), 1);
    let seen = get(gate.addr, "/app/caf%c3%a9%20x/echo").await;
    assert!(
        seen.text().contains("path: /app/caf%C3%A9%20x/echo"),
        "{}",
        seen.text()
    );
    gate.shutdown().await;
}
