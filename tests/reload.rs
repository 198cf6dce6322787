//! Reloading under load: `ajpgate serve` (the real binary) takes SIGHUP every second for 20 seconds while
//! 16 clients keep requesting. Valid and invalid files alternate. No request may fail, both
//! configurations must have served, and backend connections must stay bounded (pools of unchanged workers
//! are kept, replaced pools are closed). A change to the mount file is picked up without a signal.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

mod support;

use bytes::Bytes;
use http::Request;
use http_body_util::{BodyExt, Full};
use support::fake;

struct Server {
    child: Child,
    addr: SocketAddr,
    dir: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn workers(a: u16, b: u16, reply_timeout_b: u32) -> String {
    format!(
        "worker.list=wa,wb\n\
         worker.wa.type=ajp13\nworker.wa.host=127.0.0.1\nworker.wa.port={a}\nworker.wa.connection_pool_size=8\n\
         worker.wb.type=ajp13\nworker.wb.host=127.0.0.1\nworker.wb.port={b}\nworker.wb.connection_pool_size=8\n\
         worker.wb.reply_timeout={reply_timeout_b}\n"
    )
}

/// Starts `ajpgate serve` on a free port. The port is chosen before ajpgate binds it, so a test running
/// alongside may take it first (a fake backend binding port 0); ajpgate then exits at once, and this
/// tries another port instead of talking to somebody else's listener.
fn start(dir: PathBuf, extra: &[&str]) -> Server {
    for _ in 0..5 {
        let port = free_port();
        let mut args = vec![
            "serve".to_string(),
            "-w".into(),
            dir.join("workers.properties").display().to_string(),
            "-m".into(),
            dir.join("uriworkermap.properties").display().to_string(),
            "-l".into(),
            format!("127.0.0.1:{port}"),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        let mut child = Command::new(env!("CARGO_BIN_EXE_ajpgate"))
            .args(&args)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(addr).is_err() && child.try_wait().unwrap().is_none() {
            assert!(Instant::now() < deadline, "ajpgate serve did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        // ajpgate binds before anything else, so if it lost the port it is gone by now.
        std::thread::sleep(Duration::from_millis(300));
        if child.try_wait().unwrap().is_none() {
            return Server { child, addr, dir };
        }
    }
    panic!("ajpgate serve found no free port in five tries");
}

fn scratch(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ajpgate-reload-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn hangup(server: &Server) {
    let status = Command::new("kill")
        .args(["-HUP", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// A keep-alive client connection.
async fn connect(addr: SocketAddr) -> hyper::client::conn::http1::SendRequest<Full<Bytes>> {
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .unwrap();
    tokio::spawn(conn);
    sender
}

async fn fetch(
    sender: &mut hyper::client::conn::http1::SendRequest<Full<Bytes>>,
) -> Result<(u16, String), String> {
    let request = Request::get("/page")
        .header("host", "h")
        .body(Full::new(Bytes::new()))
        .unwrap();
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let node = response
        .headers()
        .get("x-fake-node")
        .map(|v| v.to_str().unwrap_or_default().to_owned())
        .unwrap_or_default();
    response
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?;
    Ok((status, node))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_under_load_loses_no_request_and_leaks_no_connection() {
    let (a, b) = (fake("A").await, fake("B").await);
    let dir = scratch("load");
    let (pa, pb) = (a.addr().port(), b.addr().port());
    std::fs::write(dir.join("workers.properties"), workers(pa, pb, 0)).unwrap();
    std::fs::write(dir.join("uriworkermap.properties"), "/*=wa\n").unwrap();
    let server = start(dir.clone(), &["--mount-file-reload", "0"]);

    let stop = Arc::new(AtomicBool::new(false));
    let failures = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicU64::new(0));
    let mut clients = Vec::new();
    for _ in 0..16 {
        let (addr, stop, failures, done) =
            (server.addr, stop.clone(), failures.clone(), done.clone());
        clients.push(tokio::spawn(async move {
            let mut sender = None;
            while !stop.load(Ordering::Relaxed) {
                if sender.is_none() {
                    sender = Some(connect(addr).await);
                }
                match fetch(sender.as_mut().unwrap()).await {
                    Ok((200, _)) => {
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                    other => {
                        eprintln!("request failed: {other:?}");
                        failures.fetch_add(1, Ordering::Relaxed);
                        sender = None;
                    }
                }
            }
        }));
    }
    // 20 reloads, one a second. Valid configurations alternate between the two workers and change wb's
    // settings (so its pool is replaced); every third file set is invalid and must be refused.
    for i in 0..20u32 {
        tokio::time::sleep(Duration::from_millis(1000)).await;
        if i % 3 == 2 {
            std::fs::write(
                dir.join("workers.properties"),
                "worker.list=wa\nworker.wa.prot=1\n",
            )
            .unwrap();
        } else {
            std::fs::write(dir.join("workers.properties"), workers(pa, pb, 1000 + i)).unwrap();
            let target = if i % 2 == 0 { "wb" } else { "wa" };
            std::fs::write(
                dir.join("uriworkermap.properties"),
                format!("/*={target}\n"),
            )
            .unwrap();
        }
        hangup(&server);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::Relaxed);
    for client in clients {
        client.await.unwrap();
    }
    let (ok, failed) = (
        done.load(Ordering::Relaxed),
        failures.load(Ordering::Relaxed),
    );
    println!(
        "{ok} requests, {failed} failed; A served {}, B served {}",
        a.stats().forward_requests(),
        b.stats().forward_requests()
    );
    assert_eq!(failed, 0);
    assert!(
        a.stats().forward_requests() > 0 && b.stats().forward_requests() > 0,
        "both configurations served"
    );
    // wa never changed: one pool of at most 8 connections for the whole run.
    assert!(
        a.stats().connections_accepted() <= 8,
        "wa opened {}",
        a.stats().connections_accepted()
    );
    // wb was replaced at each valid reload; the replaced pools must close their connections.
    let deadline = Instant::now() + Duration::from_secs(10);
    while b.stats().connections_open() > 8 {
        assert!(
            Instant::now() < deadline,
            "B still has {} open connections",
            b.stats().connections_open()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    drop(server);
}

#[tokio::test]
async fn a_changed_mount_file_is_picked_up_without_a_signal() {
    let (a, b) = (fake("A").await, fake("B").await);
    let dir = scratch("mtime");
    std::fs::write(
        dir.join("workers.properties"),
        workers(a.addr().port(), b.addr().port(), 0),
    )
    .unwrap();
    std::fs::write(dir.join("uriworkermap.properties"), "/*=wa\n").unwrap();
    let server = start(dir.clone(), &["--mount-file-reload", "1"]);
    let node = || async {
        let mut s = connect(server.addr).await;
        fetch(&mut s).await.unwrap().1
    };
    assert_eq!(node().await, "A");
    // Make sure the new file has a different modification time.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    std::fs::write(dir.join("uriworkermap.properties"), "/*=wb\n").unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while node().await != "B" {
        assert!(Instant::now() < deadline, "mount file change not picked up");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// jk-status edits live in the running worker: a reload keeps them while the worker's definition in the
/// file is unchanged, and a changed definition rebuilds the worker from the file (README, jk-status).
#[tokio::test]
async fn run_time_edits_last_until_the_workers_definition_changes() {
    use ajpgate::config::Config;
    use ajpgate::gateway::{Gateway, Target};
    let (a, b) = (fake("A").await, fake("B").await);
    let dir = scratch("edits");
    let file = dir.join("workers.properties");
    let load = |reply_timeout_b: u32| {
        let text = workers(a.addr().port(), b.addr().port(), reply_timeout_b);
        std::fs::write(&file, text).unwrap();
        Config::load(&file, None, &["/*=wa".to_string()]).unwrap()
    };
    let wb = |gateway: &Gateway| match gateway.target("wb") {
        Some(Target::Ajp(worker)) => Arc::clone(worker),
        other => panic!("wb is {other:?}"),
    };
    let first = Gateway::start(load(0)).await;
    wb(&first).update_settings(|s| s.reply_timeout = Duration::from_millis(777));

    let unchanged = Gateway::start_reusing(load(0), Some(&first)).await;
    assert!(Arc::ptr_eq(&wb(&first), &wb(&unchanged)));
    assert_eq!(
        wb(&unchanged).settings().reply_timeout,
        Duration::from_millis(777)
    );

    let changed = Gateway::start_reusing(load(1000), Some(&unchanged)).await;
    assert!(!Arc::ptr_eq(&wb(&unchanged), &wb(&changed)));
    assert_eq!(
        wb(&changed).settings().reply_timeout,
        Duration::from_millis(1000)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
