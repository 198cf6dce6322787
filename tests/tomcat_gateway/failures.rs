//! What the client gets when Tomcat is slow, gone, or sent a head too large; and bodyless responses.

use super::*;

// -------------------------------------------------------------------------------------------------
// 4. reply_timeout.

fn access_log_count(tomcat: &Tomcat, needle: &str) -> usize {
    let mut count = 0;
    if let Ok(dir) = std::fs::read_dir(tomcat.base.join("logs")) {
        for entry in dir.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with("access") {
                let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
                count += text.matches(needle).count();
            }
        }
    }
    count
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_slower_than_reply_timeout_is_504_and_not_retried() {
    bounded(180, async {
        let _serial = SERIAL.lock().await;
        let tomcat = shared_tomcat();
        let gate = gate_for(tomcat, &["reply_timeout=1000"]).await;
        let token = format!("rt{}", std::process::id());
        let host = ("Host", "gate.test");
        let (seen, _) = raw(
            &gate,
            &request_bytes(
                "GET",
                &format!("/app/sleep.jsp?ms=3000&t={token}"),
                &[host],
                b"",
            ),
        )
        .await;
        assert_eq!(seen.status, 504, "{}", seen.text());
        // A response header too large for an AJP packet: Tomcat 10.1.60 logs SEVERE and sends nothing
        // at all, leaving its connection open (docs/tomcat.md#when-tomcat-closes-a-connection); only reply_timeout ends the wait.
        let (seen, _) = raw(
            &gate,
            &request_bytes("GET", "/app/status.jsp?code=200&big=9000", &[host], b""),
        )
        .await;
        assert_eq!(seen.status, 504, "{}", seen.text());
        // Within the timeout: fine, on the same gateway.
        let (seen, _) = raw(
            &gate,
            &request_bytes("GET", "/app/sleep.jsp?ms=200", &[host], b""),
        )
        .await;
        assert_eq!(
            (seen.status, seen.text()),
            (200, "slept: 200\n".to_string())
        );
        // Headers already sent, then silence past reply_timeout: the client gets the head and a body that
        // ends in an error, never a complete-looking response.
        let request_late = Request::get(format!(
            "/app/sleep.jsp?ms=3000&flushFirst=1&t={token}-late"
        ))
        .header("host", "gate.test")
        .body(Full::new(Bytes::new()))
        .unwrap();
        match try_send(gate.addr, request_late).await {
            Ok(seen) => {
                assert_eq!(seen.status, StatusCode::OK);
                assert!(
                    seen.body.is_err(),
                    "a body cut by reply_timeout must not look complete: {:?}",
                    seen.body
                );
            }
            Err(e) => panic!("the head had been flushed before the timeout, yet none arrived: {e}"),
        }
        // Tomcat saw the slow request once: a request that reached the application is not retried.
        let needle = format!("ms=3000&t={token} ");
        let deadline = Instant::now() + Duration::from_secs(20);
        while access_log_count(tomcat, &needle) == 0 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // The log line is written when the page finishes; give a retry the same time to show up.
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(access_log_count(tomcat, &needle), 1, "Tomcat's access log");
        gate.shutdown().await;
    })
    .await;
}

// -------------------------------------------------------------------------------------------------
// 5. Tomcat goes away and comes back.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tomcat_stopped_is_503_and_restarted_serves_again_without_restarting_ajpgate() {
    bounded(300, async {
        let tomcat = Tomcat::start_new_quick("restart");
        let gate = gate_for(
            &tomcat,
            &["connection_pool_size=4", "connection_acquire_timeout=10000"],
        )
        .await;
        let addr = gate.addr;
        let worker = gate.worker(ROUTE);

        // Pooled connections: four requests in flight at once (each takes 1 s).
        async fn fill_pool(addr: std::net::SocketAddr) {
            let tasks: Vec<_> = (0..4)
                .map(|i| {
                    tokio::spawn(async move {
                        let (seen, _) = raw_exchange(
                            addr,
                            format!("GET /app/sleep.jsp?ms=1000&i={i} HTTP/1.1\r\nHost: h\r\n\r\n")
                                .as_bytes(),
                            false,
                        )
                        .await
                        .unwrap();
                        assert_eq!(seen.status, 200);
                    })
                })
                .collect();
            for task in tasks {
                task.await.unwrap();
            }
        }
        async fn get_status(addr: std::net::SocketAddr, path: &str) -> u16 {
            let (seen, _) = raw_exchange(
                addr,
                format!("GET {path} HTTP/1.1\r\nHost: h\r\n\r\n").as_bytes(),
                false,
            )
            .await
            .unwrap();
            seen.status
        }
        async fn post_status(addr: std::net::SocketAddr, size: usize) -> RawResponse {
            let mut bytes =
                format!("POST /app/body.jsp HTTP/1.1\r\nHost: h\r\nContent-Length: {size}\r\n\r\n")
                    .into_bytes();
            bytes.extend_from_slice(&noise(size));
            raw_exchange(addr, &bytes, false).await.unwrap().0
        }

        // The pool is full of connections to this Tomcat, which goes away and comes back before any
        // request notices. The first requests after the restart must all succeed, POSTs with bodies
        // included.
        fill_pool(addr).await;
        let pooled = worker.pool().counters().open.load(Ordering::Relaxed);
        assert!(
            pooled >= 2,
            "{pooled} pooled connections after four overlapping requests"
        );
        let before = worker.pool().counters().opened.load(Ordering::Relaxed);
        tomcat.stop();
        tomcat.start();
        let mut tasks = Vec::new();
        for i in 0..8 {
            tasks.push(tokio::spawn(async move {
                if i % 2 == 0 {
                    let seen = post_status(addr, 30000).await;
                    assert_eq!(
                        seen.status,
                        200,
                        "POST {i} after the restart: {}",
                        seen.text()
                    );
                    assert!(seen.text().contains("length: 30000\n"), "{}", seen.text());
                } else {
                    assert_eq!(
                        get_status(addr, "/app/echo.jsp").await,
                        200,
                        "GET {i} after the restart"
                    );
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        let reopened = worker.pool().counters().opened.load(Ordering::Relaxed) - before;
        assert!(reopened >= 1, "new connections to the restarted Tomcat");

        // Killed while a request is in flight: that request fails promptly with 502 or 503 (not after
        // the page's 20 s). While Tomcat is down, GET and POST get 503, repeatedly. After a restart the
        // same gateway serves again.
        fill_pool(addr).await;
        let in_flight =
            tokio::spawn(async move { get_status(addr, "/app/sleep.jsp?ms=20000").await });
        tokio::time::sleep(Duration::from_millis(500)).await;
        tomcat.kill();
        let status = tokio::time::timeout(Duration::from_secs(15), in_flight)
            .await
            .expect("the in-flight request ends when Tomcat dies")
            .unwrap();
        assert!(
            matches!(status, 502 | 503),
            "in flight when Tomcat died: {status}"
        );
        for _ in 0..3 {
            assert_eq!(get_status(addr, "/app/echo.jsp").await, 503);
            assert_eq!(post_status(addr, 20000).await.status, 503);
        }
        tomcat.start();
        for _ in 0..5 {
            assert_eq!(get_status(addr, "/app/echo.jsp").await, 200);
            assert_eq!(post_status(addr, 20000).await.status, 200);
        }
        gate.shutdown().await;
    })
    .await;
}

// -------------------------------------------------------------------------------------------------
// 8. A request head too large for one AJP packet.

/// Size of the FORWARD_REQUEST payload (without the 4-byte packet header) that mod_jk builds for a GET
/// with these headers, plus the `content-length: 0` it appends (docs/ajp13.md#forward-request-layout).
fn forward_request_payload(
    uri: &str,
    query: Option<&str>,
    server_name: &str,
    headers: &[(&str, &str)],
    client_port: u16,
) -> usize {
    let s = |v: &str| 2 + v.len() + 1;
    let coded = [
        "accept",
        "authorization",
        "connection",
        "content-type",
        "content-length",
        "cookie",
        "cookie2",
        "host",
        "pragma",
        "referer",
        "user-agent",
    ];
    let name = |n: &str| {
        if coded.contains(&n.to_ascii_lowercase().as_str()) {
            2
        } else {
            s(n)
        }
    };
    let mut size = 1 + 1 + s("HTTP/1.1") + s(uri) + s("127.0.0.1") + 2 + s(server_name) + 2 + 1 + 2;
    for (n, v) in headers.iter().chain([("content-length", "0")].iter()) {
        size += name(n) + s(v);
    }
    size += 1 + s(SECRET);
    if let Some(q) = query {
        size += 1 + s(q);
    }
    size += 1 + s("AJP_REMOTE_PORT") + s(&client_port.to_string());
    size += 1 + s("AJP_LOCAL_ADDR") + s("127.0.0.1");
    size += 1 + s("JK_LB_ACTIVATION") + s("ACT");
    size + 1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forward_request_over_8192_bytes_is_413_and_one_that_just_fits_reaches_tomcat() {
    bounded(120, async {
        let _serial = SERIAL.lock().await;
        let gate = gate_for(shared_tomcat(), &[]).await;
        // The largest X-Big for which the packet is exactly 8192 bytes (payload 8188), then one byte more.
        for extra in [0usize, 1] {
            let mut n = 0;
            let (seen, _) = raw_exchange_built(
                gate.addr,
                |port| {
                    let fixed = forward_request_payload(
                        "/app/echo.jsp",
                        Some("nobody=1"),
                        "big.test",
                        &[("Host", "big.test"), ("X-Big", "")],
                        port,
                    );
                    n = 8188 - fixed + extra;
                    request_bytes(
                        "GET",
                        "/app/echo.jsp?nobody=1",
                        &[("Host", "big.test"), ("X-Big", &"b".repeat(n))],
                        b"",
                    )
                },
                false,
            )
            .await
            .unwrap();
            if extra == 0 {
                assert_eq!(
                    seen.status,
                    200,
                    "X-Big of {n} bytes makes an 8192-byte packet, which Tomcat accepts:\n{}",
                    seen.text()
                );
                assert_eq!(seen.line("header.x-big").map(|v| v.len()), Some(n));
            } else {
                assert_eq!(
                    seen.status,
                    413,
                    "X-Big of {n} bytes makes an 8193-byte packet:\n{}",
                    seen.text()
                );
            }
        }
        // Too large by the number of headers rather than by one value (90 headers: below hyper's limit
        // of 100 header lines, like httpd's LimitRequestFields).
        let mut bytes = String::from("GET /app/echo.jsp HTTP/1.1\r\nHost: h\r\n");
        for i in 0..90 {
            bytes.push_str(&format!("X-Many-{i:03}: {}\r\n", "v".repeat(80)));
        }
        bytes.push_str("\r\n");
        let (seen, _) = raw(&gate, bytes.as_bytes()).await;
        assert_eq!(seen.status, 413);
        // The gateway is fine afterwards.
        let (seen, _) = raw(&gate, b"GET /app/echo.jsp HTTP/1.1\r\nHost: h\r\n\r\n").await;
        assert_eq!(seen.status, 200);
        gate.shutdown().await;
    })
    .await;
}

// -------------------------------------------------------------------------------------------------
// Responses without a body.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_204_from_tomcat_reaches_the_client_without_content_length() {
    bounded(120, async {
        let _serial = SERIAL.lock().await;
        let gate = gate_for(shared_tomcat(), &[]).await;
        // status.jsp writes "status: 204\n" (12 bytes), so Tomcat's SEND_HEADERS announces
        // Content-Length: 12. RFC 9110 §8.6: a server MUST NOT send Content-Length in a 204 response;
        // httpd + mod_jk drops it (and the Content-Type), see tests/modjk_differential.rs.
        let (seen, _) = raw(
            &gate,
            &request_bytes(
                "GET",
                "/app/status.jsp?code=204",
                &[("Host", "gate.test")],
                b"",
            ),
        )
        .await;
        assert_eq!(seen.status, 204);
        assert!(seen.body.is_empty());
        assert_eq!(
            seen.header("content-length"),
            None,
            "a 204 must not carry Content-Length; headers: {:?}",
            seen.headers
        );
        gate.shutdown().await;
    })
    .await;
}
