//! Bodies of every size both ways, and the memory `ajpgate serve` needs to move a gigabyte.

use super::*;

// -------------------------------------------------------------------------------------------------
// 3. Bodies.

const SIZES: [u64; 6] = [0, 1, 8186, 8187, 1 << 20, 100 << 20];

/// Streams a GET's body through a check of stream.jsp's pattern; never holds the body.
struct Download {
    status: StatusCode,
    content_length: Option<u64>,
    received: u64,
    pattern: Result<(), String>,
    /// When the first and the last data arrived.
    first_data: Option<Instant>,
    done: Instant,
}

async fn download(addr: std::net::SocketAddr, path: &str) -> Download {
    let request = Request::get(path)
        .header("host", "gate.test")
        .body(Full::new(Bytes::new()))
        .unwrap();
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .unwrap();
    tokio::spawn(connection);
    let response = sender.send_request(request).await.expect("response head");
    let status = response.status();
    let content_length = response
        .headers()
        .get("content-length")
        .map(|v| v.to_str().unwrap().parse().unwrap());
    let mut body = response.into_body();
    let mut check = PatternCheck::new();
    let mut pattern = Ok(());
    let mut first_data = None;
    while let Some(frame) = body.frame().await {
        let frame = frame.unwrap_or_else(|e| panic!("{path}: body cut short: {e}"));
        if let Ok(data) = frame.into_data() {
            if data.is_empty() {
                continue;
            }
            first_data.get_or_insert_with(Instant::now);
            if pattern.is_ok() {
                pattern = check.feed(&data);
            }
        }
    }
    Download {
        status,
        content_length,
        received: check.offset,
        pattern,
        first_data,
        done: Instant::now(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_of_every_size_cross_intact_both_ways() {
    bounded(300, async {
    let _serial = SERIAL.lock().await;
    let gate = gate_for(shared_tomcat(), &[]).await;

    for size in SIZES {
        let (crc, sha) = noise_checksums(size);
        for chunked in [false, true] {
            let mut builder = Request::post("/app/body.jsp")
                .header("host", "gate.test")
                .header("content-type", "application/octet-stream");
            builder = if chunked {
                builder.header("transfer-encoding", "chunked")
            } else {
                builder.header("content-length", size)
            };
            // Odd frame sizes for the chunked uploads, so packets and chunks never line up.
            let frames: &[usize] = if chunked {
                &[1000, 8187, 31, 65536, 8186]
            } else {
                &[65536]
            };
            let seen = send(
                gate.addr,
                builder
                    .body(NoiseBody::new(size, frames, !chunked))
                    .unwrap(),
            )
            .await;
            let what = format!("upload of {size} bytes, chunked={chunked}");
            assert_eq!(seen.status, StatusCode::OK, "{what}: {:?}", seen.body);
            let text = seen.text();
            for (key, value) in [
                ("length", size.to_string()),
                ("crc32", crc.clone()),
                ("sha256", sha.clone()),
                ("eof", "true".to_string()),
                (
                    "contentLength",
                    if chunked {
                        "-1".into()
                    } else {
                        size.to_string()
                    },
                ),
            ] {
                assert!(
                    text.contains(&format!("\n{key}: {value}\n")),
                    "{what}: expected {key}: {value} in\n{text}"
                );
            }
            assert_eq!(seen.headers["x-body-crc32"], crc.as_str(), "{what}");
        }
    }

    for size in SIZES {
        for cl in [false, true] {
            let path = format!("/app/stream.jsp?n={size}{}", if cl { "&cl=1" } else { "" });
            let got = download(gate.addr, &path).await;
            assert_eq!(got.status, StatusCode::OK, "{path}");
            assert_eq!(got.pattern, Ok(()), "{path}");
            assert_eq!(got.received, size, "{path}");
            if cl {
                assert_eq!(got.content_length, Some(size), "{path}");
            }
        }
    }

    // A client that waits for "100 Continue" before it sends its body gets it.
    {
        use tokio::io::AsyncWriteExt;
        let size = 100_000;
        let mut stream = tokio::net::TcpStream::connect(gate.addr).await.unwrap();
        stream
            .write_all(
                format!(
                    "POST /app/body.jsp HTTP/1.1\r\nHost: gate.test\r\nContent-Length: {size}\r\n\
                     Expect: 100-continue\r\n\r\n"
                )
                .as_bytes(),
            )
            .await
            .unwrap();
        let mut interim = [0u8; 25];
        tokio::time::timeout(
            Duration::from_secs(30),
            tokio::io::AsyncReadExt::read_exact(&mut stream, &mut interim),
        )
        .await
        .expect("100 Continue before the body is sent")
        .unwrap();
        assert_eq!(&interim[..], b"HTTP/1.1 100 Continue\r\n\r\n");
        stream.write_all(&noise(size)).await.unwrap();
        let seen = support::raw_http::read_response(&mut stream, false)
            .await
            .unwrap();
        assert_eq!(seen.status, 200);
        assert_eq!(seen.line("length"), Some(size.to_string()));
        assert_eq!(seen.line("sha256"), Some(noise_checksums(size as u64).1));
    }

    // Flushed after every small write: every piece arrives, in order.
    let got = download(gate.addr, "/app/stream.jsp?n=100000&chunk=1000&flush=1").await;
    assert_eq!((got.received, got.pattern), (100000, Ok(())));
    // Streamed, not buffered: the first flushed piece reaches the client while the page still waits 3 s
    // before writing the second.
    let got = download(
        gate.addr,
        "/app/stream.jsp?n=2000&chunk=1000&flush=1&delay=3000",
    )
    .await;
    assert_eq!((got.received, got.pattern.clone()), (2000, Ok(())));
    let early = got.done - got.first_data.unwrap();
    assert!(
        early >= Duration::from_millis(1500),
        "the first flushed piece arrived only {early:?} before the end: the response was buffered"
    );
    gate.shutdown().await;
    })
    .await;
}

// -------------------------------------------------------------------------------------------------
// 7. Memory of `ajpgate serve` moving 1 GB each way.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_gigabyte_each_way_through_ajpgate_serve_stays_under_64_mb() {
    bounded(600, async {
    const GB: u64 = 1 << 30;
    const LIMIT_KB: u64 = 64 * 1024;
    let _serial = SERIAL.lock().await;
    let tomcat = shared_tomcat();
    let (crc, sha) = tokio::task::spawn_blocking(|| noise_checksums(GB))
        .await
        .unwrap();
    let gate = GateProcess::start(&tomcat.workers_properties(&[]), &[MOUNT]);
    let pid = gate.pid();
    let at_start = proc_status_kb(pid, "VmHWM");

    let started = Instant::now();
    let got = download(gate.addr, &format!("/app/stream.jsp?n={GB}")).await;
    let download_time = started.elapsed();
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.pattern, Ok(()));
    assert_eq!(got.received, GB);
    let after_download = proc_status_kb(pid, "VmHWM");

    let reset = reset_peak_rss(pid);
    let started = Instant::now();
    let upload = Request::post("/app/body.jsp")
        .header("host", "gate.test")
        .header("content-type", "application/octet-stream")
        .header("content-length", GB)
        .body(NoiseBody::new(GB, &[65536], true))
        .unwrap();
    let seen = send(gate.addr, upload).await;
    let upload_time = started.elapsed();
    let text = seen.text();
    assert_eq!(seen.status, StatusCode::OK, "{text}");
    for line in [
        format!("\nlength: {GB}\n"),
        format!("\ncrc32: {crc}\n"),
        format!("\nsha256: {sha}\n"),
    ] {
        assert!(text.contains(&line), "expected {line:?} in\n{text}");
    }
    let after_upload = proc_status_kb(pid, "VmHWM");
    println!(
        "ajpgate serve (pid {pid}): VmHWM {at_start} kB at start; {after_download} kB after a 1 GiB \
         download ({download_time:?}); {after_upload} kB after a 1 GiB upload ({upload_time:?}){}",
        if reset {
            " (peak reset between the two)"
        } else {
            " (peak not resettable: cumulative)"
        }
    );
    assert!(
        after_download < LIMIT_KB,
        "peak RSS {after_download} kB after the download"
    );
    assert!(
        after_upload < LIMIT_KB,
        "peak RSS {after_upload} kB after the upload"
    );
    })
    .await;
}
