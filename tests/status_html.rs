//! The HTML page: its content and links, read-only mode, escaping of request input, and a real browser
//! (headless Chromium, Debian's `chromium`) rendering it to a PNG of the expected size. Fails, not
//! skips, when Chromium is missing.

mod support;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use support::status::{dead_port, fake, jk, jk_ok, one_member_dead, start};
use support::{ScratchDir, get};

const CHROMIUM: &str = "/usr/bin/chromium";

/// Width and height from a PNG's IHDR chunk.
fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
    if bytes.len() < 24 || &bytes[..8] != b"\x89PNG\r\n\x1a\n" || &bytes[12..16] != b"IHDR" {
        return None;
    }
    let word =
        |at: usize| u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    Some((word(16), word(20)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_renders_in_headless_chromium() {
    assert!(
        Path::new(CHROMIUM).is_file(),
        "{CHROMIUM} is missing: this test needs a real browser (apt-get install chromium)"
    );
    let (w1, w3, solo) = (fake("w1").await, fake("w3").await, fake("solo").await);
    let gate = start(
        &[
            ("w1", w1.addr().port(), &[]),
            ("w2", dead_port(), &[]),
            ("w3", w3.addr().port(), &["activation=disabled"]),
        ],
        solo.addr().port(),
        &[],
    )
    .await;
    for _ in 0..5 {
        get(gate.addr, "/app/page").await;
    }
    get(gate.addr, "/solo").await;

    let dir = ScratchDir::new("status-chromium");
    let png = dir.0.join("jk-status.png");
    let url = gate.url("/jk-status");
    let chromium = tokio::task::spawn_blocking({
        let dir = dir.0.clone();
        let png = png.clone();
        move || {
            Command::new(CHROMIUM)
                .args([
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                ])
                .arg(format!("--user-data-dir={}", dir.join("profile").display()))
                .arg(format!("--screenshot={}", png.display()))
                .arg("--window-size=1280,1024")
                .arg(url)
                .output()
        }
    });
    let output = tokio::time::timeout(Duration::from_secs(120), chromium)
        .await
        .expect("chromium finished within 120 s")
        .unwrap()
        .expect("chromium runs");
    let bytes = std::fs::read(&png).unwrap_or_else(|e| {
        panic!(
            "no screenshot ({e}); chromium said:\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    assert_eq!(
        png_size(&bytes),
        Some((1280, 1024)),
        "a PNG of the window's size"
    );
    // A blank or error page compresses to a few kB; the status tables with colours do not.
    assert!(
        (30_000..5_000_000).contains(&bytes.len()),
        "implausible screenshot size {} bytes",
        bytes.len()
    );
    gate.shutdown().await;
}

#[tokio::test]
async fn the_page_shows_states_links_and_forms_and_escapes_input() {
    let (gate, _backends) = one_member_dead(&["worker.jkstatus.css=/style/jk.css"]).await;
    for _ in 0..4 {
        get(gate.addr, "/app/page").await;
    }
    let html = jk_ok(gate.addr, "").await;
    for needle in [
        "<title>JK Status Manager</title>",
        "JK Status Manager for gate.test:80",
        "<link rel=\"stylesheet\" type=\"text/css\" href=\"/style/jk.css\">",
        "Listing Load Balancing Worker (1 Worker)",
        "Worker Status for lb",
        "Worker Status for solo",
        "<span class=\"state st-ok\">OK</span>",
        "<span class=\"state st-err\">ERR</span>",
        "<span class=\"act act-ACT\">ACT</span>",
        "href=\"/jk-status?cmd=show&amp;w=lb&amp;sw=w1\"",
        "href=\"/jk-status?cmd=edit&amp;from=list&amp;w=lb&amp;sw=w1\"",
        "href=\"/jk-status?cmd=reset&amp;from=list&amp;w=lb&amp;sw=w1\"",
        "href=\"/jk-status?cmd=recover&amp;from=list&amp;w=lb&amp;sw=w2\"",
        "URI Mappings for lb (1 maps)",
        "<select name=\"att\"",
        "Legend",
    ] {
        assert!(html.contains(needle), "missing {needle:?} in:\n{html}");
    }
    assert!(
        !html.contains("cmd=recover&amp;from=list&amp;w=lb&amp;sw=w1\""),
        "T only for a member in ERR"
    );

    // Edit forms carry the update codes mod_jk's forms use.
    let form = jk_ok(gate.addr, "cmd=edit&w=lb&sw=w1&from=list").await;
    for needle in [
        "name=\"vwa\"",
        "name=\"vwf\"",
        "name=\"vwn\"",
        "name=\"vart\"",
        "value=\"update\"",
    ] {
        assert!(form.contains(needle), "missing {needle:?} in:\n{form}");
    }
    let form = jk_ok(gate.addr, "cmd=edit&w=lb&att=vwd").await;
    assert!(
        form.contains("name=\"val0\"") && form.contains("name=\"val1\""),
        "{form}"
    );
    let form = jk_ok(gate.addr, "cmd=edit&w=lb").await;
    for needle in [
        "name=\"vlr\"",
        "name=\"vls\"",
        "name=\"vlm\"",
        "name=\"vll\"",
    ] {
        assert!(form.contains(needle), "missing {needle:?}");
    }

    // After a change: redirect back to the view it came from.
    let done = jk_ok(gate.addr, "cmd=update&from=show&w=lb&sw=w1&vwd=1&psw=w1").await;
    assert!(done.contains("Result: OK - You will be redirected in 3 seconds."));
    assert!(
        done.contains("content=\"3;url=/jk-status?cmd=show&amp;w=lb&amp;sw=w1\""),
        "{done}"
    );

    // Request input never reaches the page unescaped.
    let (_, hostile) = jk(
        gate.addr,
        "cmd=show&w=lb&x=%3Cscript%3Ealert(1)%3C/script%3E&re=%22%3E%3Cb%3E&from=%27onload",
    )
    .await;
    assert!(
        !hostile.contains("<script>") && !hostile.contains("\"><b>"),
        "{hostile}"
    );
    assert!(!hostile.contains("'onload"), "{hostile}");
    gate.shutdown().await;
}
