//! Static files, differential: a real Debian apache2 and `ajpgate serve --document-root` (with an
//! `--alias`) serve the SAME tree, and every request goes byte-identical to both. Status,
//! Content-Type, Content-Length, Last-Modified, ETag, Content-Range, Accept-Ranges, Location and body
//! bytes must agree (multipart boundaries aside), except for the differences docs/static-files.md lists,
//! which [`cases::DIFFERENCES`] pins (either side changing fails the test). Error pages differ by design
//! (ajpgate's are short text), so for 4xx only the status is compared. A 1 GiB file is streamed with
//! bounded memory.

#[path = "../support/mod.rs"]
mod support;

mod apache;
mod cases;
mod compare;
mod tree;

use support::ScratchDir;
use support::process::GateProcess;

/// One tree, one apache2, one ajpgate for every test of this binary's single test function.
struct Servers {
    apache: apache::Apache,
    gate: GateProcess,
    _dir: ScratchDir,
}

fn servers() -> Servers {
    let dir = ScratchDir::new("static-files");
    let tree = tree::build(&dir.0);
    let apache = apache::Apache::start(&dir.0.join("httpd"), &tree);
    let root = tree.root.display().to_string();
    let alias = format!("/assets={}", tree.assets.display());
    // Tomcat's mount must keep going to Tomcat: /app/* names a worker whose backend is down (503).
    let workers = support::one_worker(support::status::dead_port(), &[]);
    let gate = GateProcess::start_with_args(
        &workers,
        &["/app/*=fake"],
        &["--document-root", &root, "--alias", &alias],
    );
    Servers {
        apache,
        gate,
        _dir: dir,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ajpgate_serves_the_tree_as_apache2_does() {
    let servers = servers();
    let report = compare::run_all(servers.apache.addr, servers.gate.addr).await;
    assert!(
        report.is_empty(),
        "differences not in docs/static-files.md:\n{}",
        report.join("\n")
    );
    // Mounts still win: /app/ goes to the (dead) worker, never to the tree.
    let (app, _) = support::raw_http::raw_exchange(
        servers.gate.addr,
        &support::raw_http::request_bytes("GET", "/app/a.txt", &[("Host", "h.test")], b""),
        false,
    )
    .await
    .unwrap();
    assert_eq!(
        app.status, 503,
        "a mounted path must not be served from the tree"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_file_streams_with_bounded_memory() {
    let dir = ScratchDir::new("static-huge");
    let root = dir.0.join("root");
    std::fs::create_dir_all(&root).unwrap();
    let huge = std::fs::File::create(root.join("huge.bin")).unwrap();
    huge.set_len(1 << 30).unwrap(); // sparse: 1 GiB of zeros, no disk
    let workers = support::one_worker(support::status::dead_port(), &[]);
    let gate = GateProcess::start_with_args(
        &workers,
        &["/app/*=fake"],
        &["--document-root", &root.display().to_string()],
    );
    let before = support::process::proc_status_kb(gate.pid(), "VmRSS");
    let received = compare::stream_count(gate.addr, "/huge.bin").await;
    assert_eq!(received, 1 << 30, "the whole file arrives");
    let peak = support::process::proc_status_kb(gate.pid(), "VmHWM");
    eprintln!("1 GiB streamed: VmRSS {before} kB before, VmHWM {peak} kB after");
    assert!(
        peak < before + 64 * 1024,
        "peak RSS {peak} kB after 1 GiB; {before} kB before: the body must not be buffered"
    );
}
