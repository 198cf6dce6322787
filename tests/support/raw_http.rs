//! A raw HTTP/1.1 exchange, so that httpd and ajpgate receive byte-identical requests, and a
//! keep-alive hyper client.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A response as read off the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawResponse {
    pub version: String,
    pub status: u16,
    pub reason: String,
    /// Names lower-cased, in order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Interim (1xx) responses seen before the final one.
    pub interim: Vec<u16>,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// `key: value` lines of an echo.jsp-style body.
    pub fn lines(&self) -> Vec<(String, String)> {
        self.text()
            .lines()
            .filter_map(|l| l.split_once(": "))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// The value of the first `key: value` line with this key.
    pub fn line(&self, key: &str) -> Option<String> {
        self.lines()
            .into_iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    /// Every value of the lines with this key, in order.
    pub fn values(&self, key: &str) -> Vec<String> {
        self.lines()
            .into_iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v)
            .collect()
    }
}

/// An HTTP/1.1 request as bytes: the request line, `headers` in order, a `Content-Length` when there
/// is a body, then the body.
pub fn request_bytes(method: &str, target: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("{method} {target} HTTP/1.1\r\n").into_bytes();
    for (name, value) in headers {
        out.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
    }
    if !body.is_empty() {
        out.extend_from_slice(format!("Content-Length: {}\r\n", body.len()).as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    out
}

/// Sends `request` as is on a new connection and reads one response (skipping 1xx); `head` says the
/// request was HEAD (no body follows). The client's local port is returned with it.
pub async fn raw_exchange(
    addr: SocketAddr,
    request: &[u8],
    head: bool,
) -> Result<(RawResponse, u16), String> {
    raw_exchange_built(addr, |_| request.to_vec(), head).await
}

/// Like [`raw_exchange`], with the request built once the client's port is known.
pub async fn raw_exchange_built(
    addr: SocketAddr,
    build: impl FnOnce(u16) -> Vec<u8>,
    head: bool,
) -> Result<(RawResponse, u16), String> {
    let socket = tokio::net::TcpSocket::new_v4().map_err(|e| e.to_string())?;
    socket
        .bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .map_err(|e| e.to_string())?;
    let local_port = socket.local_addr().unwrap().port();
    let request = build(local_port);
    let mut stream = socket
        .connect(addr)
        .await
        .map_err(|e| format!("connect {addr}: {e}"))?;
    stream
        .write_all(&request)
        .await
        .map_err(|e| format!("write: {e}"))?;
    let response = tokio::time::timeout(Duration::from_secs(60), read_response(&mut stream, head))
        .await
        .map_err(|_| "no complete response within 60 s".to_string())??;
    Ok((response, local_port))
}

/// Reads one response (after any 1xx) from `stream`; `head`: the request was HEAD.
pub async fn read_response(stream: &mut TcpStream, head: bool) -> Result<RawResponse, String> {
    let mut buf: Vec<u8> = Vec::new();
    let mut interim = Vec::new();
    loop {
        let end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i;
            }
            if !fill(stream, &mut buf).await? {
                return Err(format!(
                    "connection closed before a complete response head: {:?}",
                    String::from_utf8_lossy(&buf)
                ));
            }
        };
        let head_text = String::from_utf8_lossy(&buf[..end]).into_owned();
        buf.drain(..end + 4);
        let mut lines = head_text.split("\r\n");
        let status_line = lines.next().unwrap_or_default();
        let mut parts = status_line.splitn(3, ' ');
        let version = parts.next().unwrap_or_default().to_string();
        let status: u16 = parts
            .next()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| format!("bad status line {status_line:?}"))?;
        let reason = parts.next().unwrap_or_default().to_string();
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        if (100..200).contains(&status) {
            interim.push(status);
            continue;
        }
        let mut response = RawResponse {
            version,
            status,
            reason,
            headers,
            body: Vec::new(),
            interim,
        };
        if head || status == 204 || status == 304 {
            return Ok(response);
        }
        let chunked = response
            .header("transfer-encoding")
            .is_some_and(|v| v.eq_ignore_ascii_case("chunked"));
        if chunked {
            response.body = read_chunked(stream, buf).await?;
        } else if let Some(length) = response.header("content-length") {
            let length: usize = length.parse().map_err(|_| "bad content-length")?;
            while buf.len() < length {
                if !fill(stream, &mut buf).await? {
                    return Err(format!("body cut short at {} of {length}", buf.len()));
                }
            }
            buf.truncate(length);
            response.body = buf;
        } else {
            while fill(stream, &mut buf).await? {}
            response.body = buf;
        }
        return Ok(response);
    }
}

async fn fill(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Result<bool, String> {
    buf.reserve(65536);
    let n = stream
        .read_buf(buf)
        .await
        .map_err(|e| format!("read: {e}"))?;
    Ok(n > 0)
}

async fn read_chunked(stream: &mut TcpStream, mut buf: Vec<u8>) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    loop {
        let line_end = loop {
            if let Some(i) = buf.windows(2).position(|w| w == b"\r\n") {
                break i;
            }
            if !fill(stream, &mut buf).await? {
                return Err("chunked body cut short (size line)".into());
            }
        };
        let size_text = String::from_utf8_lossy(&buf[..line_end]).into_owned();
        let size = usize::from_str_radix(size_text.split(';').next().unwrap().trim(), 16)
            .map_err(|_| format!("bad chunk size {size_text:?}"))?;
        buf.drain(..line_end + 2);
        if size == 0 {
            // Trailers (none expected) up to the empty line.
            loop {
                if let Some(i) = buf.windows(2).position(|w| w == b"\r\n") {
                    if i == 0 {
                        return Ok(body);
                    }
                    buf.drain(..i + 2);
                    continue;
                }
                if !fill(stream, &mut buf).await? {
                    return Err("chunked body cut short (trailers)".into());
                }
            }
        }
        while buf.len() < size + 2 {
            if !fill(stream, &mut buf).await? {
                return Err("chunked body cut short (data)".into());
            }
        }
        body.extend_from_slice(&buf[..size]);
        buf.drain(..size + 2);
    }
}

// ---------------------------------------------------------------------------------------------------
// A keep-alive hyper client.

/// One client connection reused for many requests.
pub struct KeepAlive {
    sender: hyper::client::conn::http1::SendRequest<http_body_util::Full<Bytes>>,
}

impl KeepAlive {
    pub async fn connect(addr: SocketAddr) -> KeepAlive {
        let stream = TcpStream::connect(addr).await.unwrap();
        let (sender, connection) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                .await
                .unwrap();
        tokio::spawn(connection);
        KeepAlive { sender }
    }

    /// GET `path`; status and the whole body.
    pub async fn get(&mut self, path: &str) -> Result<(http::StatusCode, Bytes), String> {
        use http_body_util::BodyExt;
        self.sender.ready().await.map_err(|e| e.to_string())?;
        let request = http::Request::get(path)
            .header("host", "gate.test")
            .body(http_body_util::Full::new(Bytes::new()))
            .unwrap();
        let response = self
            .sender
            .send_request(request)
            .await
            .map_err(|e| e.to_string())?;
        let status = response.status();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| e.to_string())?
            .to_bytes();
        Ok((status, body))
    }
}
