//! A real WebSocket client (tokio-tungstenite) against the testbed endpoint, through ajpgate.

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{Message, http};
use tokio_tungstenite::{WebSocketStream, client_async};

use crate::support::bodies::{ALPHABET, PatternCheck};

pub type Ws = WebSocketStream<TcpStream>;

/// Opens a WebSocket to `path` on `addr` (Host `lb.test`), with this Cookie header if any.
pub async fn connect(
    addr: SocketAddr,
    path: &str,
    cookie: Option<&str>,
) -> Result<(Ws, http::Response<Option<Vec<u8>>>), String> {
    let mut request = format!("ws://lb.test{path}")
        .into_client_request()
        .map_err(|e| e.to_string())?;
    if let Some(cookie) = cookie {
        request
            .headers_mut()
            .insert("cookie", cookie.parse().unwrap());
    }
    let stream = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
    client_async(request, stream)
        .await
        .map_err(|e| format!("handshake: {e}"))
}

/// Like [`connect`], but it must succeed.
pub async fn open(addr: SocketAddr, path: &str, cookie: Option<&str>) -> Ws {
    connect(addr, path, cookie)
        .await
        .unwrap_or_else(|e| panic!("WebSocket to {path}: {e}"))
        .0
}

/// The next data message (pings and pongs are skipped); None when the stream ends or closes.
pub async fn next_message<S>(ws: &mut WebSocketStream<S>) -> Option<Message>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    loop {
        match tokio::time::timeout(Duration::from_secs(30), ws.next()).await {
            Err(_) => panic!("no message within 30 s"),
            Ok(None) | Ok(Some(Err(_))) => return None,
            Ok(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => continue,
            Ok(Some(Ok(message))) => return Some(message),
        }
    }
}

/// Closes `ws` as a client does: a close frame, Tomcat's answer read, then the connection dropped.
pub async fn close<S>(mut ws: WebSocketStream<S>)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    ws.close(None).await.unwrap();
    while next_message(&mut ws).await.is_some() {}
}

/// The TCP connection under `ws` ends (EOF or reset) within 10 s: ajpgate closed the client's side.
pub async fn connection_ends<S>(ws: &mut WebSocketStream<S>)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut rest = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), ws.get_mut().read_to_end(&mut rest));
    assert!(
        read.await.is_ok(),
        "the connection is still open after 10 s"
    );
}

/// Sends `text` and returns the text answer.
pub async fn ask<S>(ws: &mut WebSocketStream<S>, text: &str) -> String
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    ws.send(Message::text(text)).await.unwrap();
    match next_message(ws).await {
        Some(Message::Text(answer)) => answer.to_string(),
        other => panic!("asked {text:?}, got {other:?}"),
    }
}

/// What the endpoint says about itself (one `key=value` line each).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Whoami {
    pub node: String,
    /// The HTTP session id Tomcat saw at the handshake, `none` without one.
    pub session: String,
    /// The handshake's `X-Forwarded-For` and `X-Forwarded-Proto` (`none` when absent), and `Host`.
    pub forwarded_for: String,
    pub forwarded_proto: String,
    pub host: String,
}

pub async fn whoami<S>(ws: &mut WebSocketStream<S>) -> Whoami
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let answer = ask(ws, "whoami").await;
    let field = |key: &str| {
        answer
            .lines()
            .find_map(|line| line.strip_prefix(key)?.strip_prefix('='))
            .unwrap_or_else(|| panic!("{key} in {answer:?}"))
            .to_string()
    };
    Whoami {
        node: field("node"),
        session: field("session"),
        forwarded_for: field("x-forwarded-for"),
        forwarded_proto: field("x-forwarded-proto"),
        host: field("host"),
    }
}

/// The endpoint's `open=N closed=M` counters (of the Tomcat that answers).
pub async fn endpoint_stats(ws: &mut Ws) -> (u64, u64) {
    let answer = ask(ws, "stats").await;
    let number = |key: &str| -> u64 {
        answer
            .split(' ')
            .find_map(|kv| kv.strip_prefix(key))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{key} in {answer:?}"))
    };
    (number("open="), number("closed="))
}

/// Sends `total` bytes of stream.jsp's pattern in binary messages of `chunk` bytes while reading the
/// echoes, and checks that exactly the same bytes came back in order. Returns the bytes echoed.
pub async fn echo_bulk<S>(
    ws: WebSocketStream<S>,
    total: usize,
    chunk: usize,
) -> (WebSocketStream<S>, u64)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let (mut sink, mut stream) = ws.split();
    let writer = async move {
        let mut sent = 0;
        while sent < total {
            let n = chunk.min(total - sent);
            let data: Vec<u8> = (sent..sent + n).map(|i| ALPHABET[i % 36]).collect();
            sink.send(Message::binary(data)).await.unwrap();
            sent += n;
        }
        sink
    };
    let reader = async move {
        let mut check = PatternCheck::new();
        while check.offset < total as u64 {
            let message = tokio::time::timeout(Duration::from_secs(60), stream.next())
                .await
                .expect("an echo within 60 s");
            match message {
                Some(Ok(Message::Binary(data))) => check.feed(&data).unwrap(),
                other => panic!("after {} bytes: {other:?}", check.offset),
            }
        }
        (stream, check.offset)
    };
    let (sink, (stream, echoed)) = tokio::join!(writer, reader);
    (sink.reunite(stream).unwrap(), echoed)
}
