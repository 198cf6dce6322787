//! `ajpgate demo`, the README's first command, driven as a user would: start it, follow its printed URL,
//! keep a session, stop it with SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use bytes::Bytes;
use http::Request;
use http_body_util::{BodyExt, Full};

async fn get(addr: &str, path: &str, cookie: Option<&str>) -> (u16, Option<String>, String) {
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .unwrap();
    tokio::spawn(conn);
    let mut request = Request::get(path).header("host", addr);
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    let response = sender
        .send_request(request.body(Full::new(Bytes::new())).unwrap())
        .await
        .unwrap();
    let status = response.status().as_u16();
    let set_cookie = response
        .headers()
        .get("set-cookie")
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned());
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        set_cookie,
        String::from_utf8_lossy(&body).into_owned(),
    )
}

/// Kills the demo if the test ends early (a panic), so no server outlives the test.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn the_demo_serves_sticky_sessions_and_stops_on_sigterm() {
    let mut running = Running(
        Command::new(env!("CARGO_BIN_EXE_ajpgate"))
            .args(["demo", "-l", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let child = &mut running.0;
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let addr = first
        .strip_prefix("ajpgate demo: listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line: {first}"))
        .to_owned();
    let printed: Vec<String> = lines.by_ref().take(12).map(|l| l.unwrap()).collect();
    assert!(
        printed.iter().any(|l| l.contains("/session")),
        "{printed:?}"
    );

    let (status, cookie, body) = get(&addr, "/session", None).await;
    assert_eq!(status, 200);
    let cookie = cookie.expect("a session cookie");
    let node = body
        .lines()
        .find_map(|l| l.strip_prefix("node: "))
        .unwrap()
        .to_owned();
    assert!(cookie.ends_with(&format!(".{node}")), "{cookie} vs {node}");
    for hit in 2..=5 {
        let (status, _, body) = get(&addr, "/session", Some(&cookie)).await;
        assert_eq!(status, 200);
        assert!(
            body.contains(&format!("node: {node}")) && body.contains(&format!("hits: {hit}")),
            "{body}"
        );
    }
    // New visitors are balanced over both nodes (method R counts the sticky requests above too, so the
    // other node takes the next few before they alternate).
    let mut nodes = std::collections::HashSet::new();
    for _ in 0..12 {
        let (_, _, body) = get(&addr, "/session", None).await;
        nodes.insert(
            body.lines()
                .find_map(|l| l.strip_prefix("node: "))
                .unwrap()
                .to_owned(),
        );
    }
    assert_eq!(nodes.len(), 2, "{nodes:?}");

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "demo did not stop on SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "{status}");
}
