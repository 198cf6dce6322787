//! Sends each case to both servers and says where the answers differ.

use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::cases::{self, Case, DIFFERENCES};
use super::support::raw_http::{RawResponse, raw_exchange, request_bytes};

/// The fields compared for a success (2xx, 304) besides the body.
const FIELDS: &[&str] = &[
    "content-type",
    "content-length",
    "last-modified",
    "etag",
    "content-range",
    "accept-ranges",
];

async fn send(addr: SocketAddr, case: &Case) -> Result<RawResponse, String> {
    let mut headers: Vec<(&str, &str)> = vec![("Host", "h.test")];
    headers.extend(case.headers.iter().map(|(n, v)| (*n, v.as_str())));
    headers.push(("Connection", "close"));
    let bytes = request_bytes(case.method, &case.target, &headers, b"");
    raw_exchange(addr, &bytes, case.method == "HEAD")
        .await
        .map(|(r, _)| r)
}

/// The multipart boundary replaced by `B`, so both servers' bodies compare.
fn normalised(response: &RawResponse) -> (Vec<(String, String)>, Vec<u8>) {
    let boundary = response
        .header("content-type")
        .and_then(|t| t.split_once("boundary="))
        .map(|(_, b)| b.to_owned());
    let replace = |text: &[u8]| match &boundary {
        Some(b) => String::from_utf8_lossy(text)
            .replace(b.as_str(), "B")
            .into_bytes(),
        None => text.to_vec(),
    };
    let fields = FIELDS
        .iter()
        .map(|f| {
            let value = response.header(f).unwrap_or("-");
            (
                f.to_string(),
                String::from_utf8(replace(value.as_bytes())).unwrap(),
            )
        })
        .collect();
    (fields, replace(&response.body))
}

/// Where `gate` differs from `httpd` for one case, by the rules in the module docs.
fn differences(case: &Case, httpd: &RawResponse, gate: &RawResponse) -> Vec<String> {
    let mut out = Vec::new();
    if httpd.status != gate.status {
        out.push(format!(
            "status: httpd {} ajpgate {}",
            httpd.status, gate.status
        ));
        return out;
    }
    if httpd.status == 301 && httpd.header("location") != gate.header("location") {
        out.push(format!(
            "location: httpd {:?} ajpgate {:?}",
            httpd.header("location"),
            gate.header("location")
        ));
    }
    if httpd.status == 416 && gate.header("content-range").is_none() {
        out.push("416 without Content-Range: bytes */SIZE".into());
    }
    if !(200..300).contains(&httpd.status) && httpd.status != 304 {
        return out;
    }
    let (hf, hb) = normalised(httpd);
    let (gf, gb) = normalised(gate);
    for ((name, h), (_, g)) in hf.iter().zip(&gf) {
        if h != g {
            out.push(format!("{name}: httpd {h:?} ajpgate {g:?}"));
        }
    }
    if hb != gb {
        out.push(format!(
            "body: httpd {} bytes, ajpgate {} bytes (first 80: {:?} / {:?})",
            hb.len(),
            gb.len(),
            String::from_utf8_lossy(&hb[..hb.len().min(80)]),
            String::from_utf8_lossy(&gb[..gb.len().min(80)])
        ));
    }
    let _ = case;
    out
}

/// Every case; returns the unexpected differences (an expected one that went away is one too), and
/// any ajpgate answer whose headers or error body name the tree's place on disk (`base`).
pub async fn run_all(httpd: SocketAddr, gate: SocketAddr, base: &str) -> Vec<String> {
    let mut report = Vec::new();
    let all = cases::all();
    assert!(all.len() > 100, "{} cases", all.len());
    for case in &all {
        let (h, g) = match (send(httpd, case).await, send(gate, case).await) {
            (Ok(h), Ok(g)) => (h, g),
            (h, g) => {
                report.push(format!(
                    "{}: httpd {:?} / ajpgate {:?}",
                    case.name,
                    h.err(),
                    g.err()
                ));
                continue;
            }
        };
        let head_text = format!("{:?}", g.headers);
        if head_text.contains(base) || g.status >= 300 && g.text().contains(base) {
            report.push(format!(
                "{}: ajpgate's answer names a file system path",
                case.name
            ));
        }
        let expected = DIFFERENCES.iter().find(|(name, _, _)| *name == case.name);
        if let Some((_, hs, gs)) = expected {
            if (h.status, g.status) != (*hs, *gs) {
                report.push(format!(
                    "{}: documented httpd {hs} / ajpgate {gs}, got {} / {}",
                    case.name, h.status, g.status
                ));
            }
            continue;
        }
        for difference in differences(case, &h, &g) {
            report.push(format!("{}: {difference}", case.name));
        }
    }
    report
}

/// GETs `path` and counts the body bytes without keeping them.
pub async fn stream_count(addr: SocketAddr, path: &str) -> u64 {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: h.test\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut buf = vec![0u8; 256 * 1024];
    let (mut total, mut head_done, mut head) = (0u64, false, Vec::new());
    loop {
        let n = stream.read(&mut buf).await.unwrap();
        if n == 0 {
            break;
        }
        if head_done {
            total += n as u64;
            continue;
        }
        head.extend_from_slice(&buf[..n]);
        if let Some(i) = head.windows(4).position(|w| w == b"\r\n\r\n") {
            assert!(
                head.starts_with(b"HTTP/1.1 200"),
                "{:?}",
                String::from_utf8_lossy(&head[..i])
            );
            total += (head.len() - i - 4) as u64;
            head_done = true;
            head.clear();
        }
    }
    total
}
