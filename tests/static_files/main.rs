//! Static files, differential: a real Debian apache2 and `ajpgate serve --document-root` (with an
//! `--alias`) serve the SAME tree, and every request goes byte-identical to both. Status,
//! Content-Type, Content-Length, Last-Modified, ETag, Content-Range, Accept-Ranges, Location and body
//! bytes must agree (multipart boundaries aside), except for the differences docs/static-files.md lists,
//! which [`cases::DIFFERENCES`] pins (either side changing fails the test). Error pages differ by design
//! (ajpgate's are short text), so for 4xx only the status is compared. A 1 GiB file is streamed with
//! bounded memory, and HTTP/2 (h2c) gets the same bytes.

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
    dir: ScratchDir,
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
    Servers { apache, gate, dir }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ajpgate_serves_the_tree_as_apache2_does() {
    let servers = servers();
    let base = servers.dir.0.display().to_string();
    let report = compare::run_all(servers.apache.addr, servers.gate.addr, &base).await;
    assert!(
        report.is_empty(),
        "differences not in docs/static-files.md:\n{}",
        report.join("\n")
    );
    // A file changed within the last second gets a weak ETag from both (httpd's ap_make_etag).
    std::fs::write(servers.dir.0.join("root/fresh.txt"), "fresh\n").unwrap();
    let fresh = support::raw_http::request_bytes("GET", "/fresh.txt", &[("Host", "h.test")], b"");
    let mut tags = Vec::new();
    for addr in [servers.apache.addr, servers.gate.addr] {
        let (seen, _) = support::raw_http::raw_exchange(addr, &fresh, false)
            .await
            .unwrap();
        tags.push(seen.header("etag").unwrap_or("-").to_owned());
    }
    assert!(tags[0].starts_with("W/\""), "httpd's fresh ETag {tags:?}");
    assert_eq!(tags[0], tags[1], "fresh ETags (httpd, ajpgate)");
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

/// HTTP/2 (h2c, curl): the same bytes and validators as over HTTP/1.1, a range included.
#[test]
fn http2_serves_the_same_bytes() {
    let dir = ScratchDir::new("static-h2");
    let tree = tree::build(&dir.0);
    let workers = support::one_worker(support::status::dead_port(), &[]);
    let root = tree.root.display().to_string();
    let gate = GateProcess::start_with_args(
        &workers,
        &["/app/*=fake"],
        &["--document-root", &root, "--h2c"],
    );
    let curl = |extra: &[&str], out: &std::path::Path| {
        let url = format!("http://{}/big.bin", gate.addr);
        let output = std::process::Command::new("curl")
            .args([
                "-sS",
                "--http2-prior-knowledge",
                "--max-time",
                "60",
                "-D",
                "-",
                "-o",
            ])
            .arg(out)
            .args(extra)
            .arg(&url)
            .output()
            .expect("curl (Debian package curl)");
        assert!(output.status.success(), "{output:?}");
        String::from_utf8_lossy(&output.stdout).to_lowercase()
    };
    let whole = dir.0.join("whole.bin");
    let head = curl(&[], &whole);
    assert!(head.starts_with("http/2 200"), "{head}");
    assert!(
        head.contains(&format!("etag: {}", tree::etag(tree::BIG as u64))),
        "{head}"
    );
    let expected = std::fs::read(tree.root.join("big.bin")).unwrap();
    assert!(
        std::fs::read(&whole).unwrap() == expected,
        "h2 body differs"
    );
    let part = dir.0.join("part.bin");
    let head = curl(&["-H", "Range: bytes=100-199"], &part);
    assert!(head.starts_with("http/2 206"), "{head}");
    assert!(
        head.contains(&format!("content-range: bytes 100-199/{}", tree::BIG)),
        "{head}"
    );
    assert_eq!(std::fs::read(&part).unwrap(), &expected[100..200]);
}
