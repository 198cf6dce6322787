//! The `/fault/...` pages: each produces exactly the broken bytes it promises, for the gateway's
//! fault tests to rely on.

use super::*;

async fn fault(backend: &FakeBackend, path: &str) -> Client {
    let mut client = connect(backend).await;
    send(
        &mut client,
        ToContainer::ForwardRequest(Box::new(get(path))),
    )
    .await;
    match recv(&mut client).await {
        FromContainer::SendHeaders(headers) => assert_eq!(headers.status, 200),
        other => panic!("expected SEND_HEADERS, got {other:?}"),
    }
    client
}

#[tokio::test]
async fn fault_reset_mid_body() {
    let backend = backend().await;
    let mut client = fault(&backend, "/fault/reset-mid-body").await;
    assert!(matches!(
        recv(&mut client).await,
        FromContainer::SendBodyChunk(chunk) if !chunk.data.is_empty()
    ));
    match next(&mut client).await {
        None | Some(Err(CodecError::Io(_))) => {}
        other => panic!("expected a dropped connection, got {other:?}"),
    }
}

#[tokio::test]
async fn fault_junk_after_chunk() {
    let backend = backend().await;
    let mut client = fault(&backend, "/fault/junk-after-chunk").await;
    assert_protocol_error(
        next(&mut client).await,
        &ErrorKind::TrailingBytes { count: 5 },
    );
}

#[tokio::test]
async fn fault_wrong_length() {
    let backend = backend().await;
    let mut client = fault(&backend, "/fault/wrong-length").await;
    assert_protocol_error(
        next(&mut client).await,
        &ErrorKind::ChunkTooLong {
            length: 4096,
            available: 6,
        },
    );
}

#[tokio::test]
async fn fault_reuse0_keeps_the_socket_open() {
    let backend = backend().await;
    let mut client = connect(&backend).await;
    let response = exchange(&mut client, get("/fault/reuse0"), b"").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.text(), "reuse0\n");
    assert_eq!(response.reuse, Some(false));
    cping(&mut client).await;
    assert_eq!(exchange(&mut client, get("/"), b"").await.status(), 200);
}

#[tokio::test]
async fn fault_double_headers() {
    let backend = backend().await;
    let mut client = fault(&backend, "/fault/double-headers").await;
    assert!(matches!(
        recv(&mut client).await,
        FromContainer::SendHeaders(_)
    ));
    assert!(matches!(
        recv(&mut client).await,
        FromContainer::SendBodyChunk(_)
    ));
    assert_eq!(
        recv(&mut client).await,
        FromContainer::EndResponse { reuse: true }
    );
}

#[tokio::test]
async fn fault_no_end_goes_silent() {
    let backend = backend().await;
    let mut client = fault(&backend, "/fault/no-end").await;
    assert!(matches!(
        recv(&mut client).await,
        FromContainer::SendBodyChunk(_)
    ));
    assert_quiet(&mut client).await;
    send(&mut client, ToContainer::CPing).await;
    assert_quiet(&mut client).await;
    assert_eq!(backend.stats().connections_open(), 1, "socket left open");
}

#[tokio::test]
async fn fault_close_before_headers() {
    let backend = backend().await;
    let mut client = connect(&backend).await;
    let req = get("/fault/close-before-headers");
    send(&mut client, ToContainer::ForwardRequest(Box::new(req))).await;
    assert!(next(&mut client).await.is_none(), "EOF without a byte");
}

#[tokio::test]
async fn fault_fail_after_body_reads_everything_then_closes() {
    let backend = backend().await;
    let mut client = connect(&backend).await;
    let body = body_of(10000);
    let req = request(
        "POST",
        "/fault/fail-after-body",
        &[("Content-Length", "10000")],
    );
    send(&mut client, ToContainer::ForwardRequest(Box::new(req))).await;
    send(
        &mut client,
        ToContainer::Body(Bytes::copy_from_slice(&body[..BODY_CHUNK])),
    )
    .await;
    assert_eq!(
        recv(&mut client).await,
        FromContainer::GetBodyChunk { requested: 8186 }
    );
    send(
        &mut client,
        ToContainer::Body(Bytes::copy_from_slice(&body[BODY_CHUNK..])),
    )
    .await;
    assert_eq!(
        recv(&mut client).await,
        FromContainer::GetBodyChunk { requested: 8186 }
    );
    send(&mut client, ToContainer::EndOfBody).await;
    assert!(next(&mut client).await.is_none(), "EOF without a response");
    let stats = backend.stats();
    assert_eq!(stats.body_bytes_received(), 10000);
    assert_eq!(stats.requests_for("/fault/fail-after-body"), 1);
}

#[tokio::test]
async fn fault_status() {
    let backend = backend().await;
    let mut client = connect(&backend).await;
    let response = exchange(&mut client, get("/fault/status?code=503"), b"").await;
    let headers = response.headers.as_ref().unwrap();
    assert_eq!(headers.status, 503);
    assert_eq!(headers.reason.as_deref(), Some(&b"503"[..]));
    assert_eq!(response.text(), "status 503\n");
    assert_eq!(
        response.reuse,
        Some(true),
        "application errors keep reuse=1"
    );

    let response = exchange(&mut client, get("/fault/status?code=204"), b"").await;
    assert_eq!(response.status(), 204);
    assert!(response.chunks.is_empty(), "no body packets for 204");

    let response = exchange(&mut client, get("/fault/status"), b"").await;
    assert_eq!(response.status(), 500);

    let response = exchange(&mut client, get("/fault/no-such-fault"), b"").await;
    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn fault_garbage() {
    let backend = backend().await;
    let mut client = connect(&backend).await;
    send(
        &mut client,
        ToContainer::ForwardRequest(Box::new(get("/fault/garbage"))),
    )
    .await;
    match next(&mut client).await {
        // The very first byte, 'H', is already wrong.
        Some(Err(CodecError::Protocol(err))) => {
            assert!(matches!(err.kind, ErrorKind::BadMagic { .. }), "{err}");
            assert_eq!(err.offset, 0);
        }
        other => panic!("expected bad magic, got {other:?}"),
    }
}
