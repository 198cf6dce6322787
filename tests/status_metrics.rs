//! `/metrics`: the status worker's numbers in Prometheus's text format, at a path the user mounts to
//! the status worker, accepted by `promtool check metrics` (Debian's `prometheus` package), and equal
//! to what jk-status shows. Fails, not skips, when promtool is missing.

mod support;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use support::get;
use support::status::{dead_port, fake, jk, jk_ok, prop, prop_pairs, start};

const PROMTOOL: &str = "/usr/bin/promtool";

/// The value of the sample whose name and labels are exactly `series`.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_pass_promtool_and_match_jk_status() {
    assert!(
        Path::new(PROMTOOL).is_file(),
        "{PROMTOOL} is missing: this test needs promtool (apt-get install prometheus)"
    );
    let (w1, solo) = (fake("w1").await, fake("solo").await);
    let gate = start(
        &[
            ("w1", w1.addr().port(), &[]),
            ("w2", dead_port(), &[]),
            ("w3", w1.addr().port(), &["activation=disabled"]),
        ],
        solo.addr().port(),
        &[
            "worker.jkstatus.mount=/metrics",
            "ajpgate.status.jkstatus.metrics=/metrics",
        ],
    )
    .await;
    for _ in 0..5 {
        assert_eq!(get(gate.addr, "/app/page").await.status, 200);
    }
    assert_eq!(get(gate.addr, "/solo").await.status, 200);

    let seen = get(gate.addr, "/metrics").await;
    assert_eq!(seen.status, 200);
    assert_eq!(
        seen.headers["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    let text = seen.text();

    let text_for_promtool = text.clone();
    let check = tokio::task::spawn_blocking(move || {
        let mut child = Command::new(PROMTOOL)
            .args(["check", "metrics"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("promtool runs");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text_for_promtool.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap();
    assert!(
        check.status.success(),
        "promtool check metrics failed:\n{}{}\n--- metrics:\n{text}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );

    // The same numbers as jk-status.
    let pairs = prop_pairs(&jk_ok(gate.addr, "mime=prop").await);
    let number = |key: &str| prop(&pairs, key).unwrap().parse::<f64>().unwrap();
    assert_eq!(
        sample(
            &text,
            "ajpgate_worker_requests_total{worker=\"w1\",lb=\"lb\"}"
        ),
        Some(number("worker.w1.elected"))
    );
    assert_eq!(
        sample(
            &text,
            "ajpgate_worker_requests_total{worker=\"solo\",lb=\"\"}"
        ),
        Some(number("worker.solo.used"))
    );
    assert_eq!(
        sample(
            &text,
            "ajpgate_lb_member_errors_total{lb=\"lb\",member=\"w2\"}"
        ),
        Some(number("worker.w2.errors"))
    );
    assert_eq!(
        sample(
            &text,
            "ajpgate_worker_received_bytes_total{worker=\"w1\",lb=\"lb\"}"
        ),
        Some(number("worker.w1.read"))
    );
    assert_eq!(
        sample(
            &text,
            "ajpgate_lb_member_state{lb=\"lb\",member=\"w2\",state=\"ERR\"}"
        ),
        Some(1.0)
    );
    assert_eq!(
        sample(
            &text,
            "ajpgate_lb_member_state{lb=\"lb\",member=\"w2\",state=\"OK\"}"
        ),
        Some(0.0)
    );
    assert_eq!(
        sample(
            &text,
            "ajpgate_lb_member_activation{lb=\"lb\",member=\"w3\",activation=\"DIS\"}"
        ),
        Some(1.0)
    );
    assert_eq!(
        sample(&text, "ajpgate_lb_members_rated{lb=\"lb\",rating=\"bad\"}"),
        Some(1.0)
    );
    assert_eq!(
        sample(&text, "ajpgate_worker_connections{worker=\"w1\",lb=\"lb\"}"),
        Some(number("worker.w1.connected"))
    );
    // The backend-time histogram counts every attempt on the worker.
    assert_eq!(
        sample(
            &text,
            "ajpgate_worker_backend_seconds_count{worker=\"w1\",lb=\"lb\"}"
        ),
        Some(number("worker.w1.elected"))
    );
    assert_eq!(
        sample(
            &text,
            "ajpgate_worker_backend_seconds_bucket{worker=\"w1\",lb=\"lb\",le=\"+Inf\"}"
        ),
        Some(number("worker.w1.elected"))
    );
    assert!(
        sample(
            &text,
            "ajpgate_worker_backend_seconds_sum{worker=\"w1\",lb=\"lb\"}"
        )
        .unwrap()
            > 0.0
    );

    // Only at the configured path: jk-status itself is unchanged.
    let (_, body) = jk(gate.addr, "mime=txt").await;
    assert!(body.starts_with("Server: "), "{body}");
    gate.shutdown().await;
}

#[tokio::test]
async fn metrics_share_the_status_workers_access_control() {
    let (w1, solo) = (fake("w1").await, fake("solo").await);
    let gate = start(
        &[("w1", w1.addr().port(), &[])],
        solo.addr().port(),
        &[
            "worker.jkstatus.mount=/metrics",
            "ajpgate.status.jkstatus.metrics=/metrics",
            "ajpgate.status.jkstatus.allow=10.0.0.0/8",
        ],
    )
    .await;
    for path in ["/metrics", "//metrics", "/a/../metrics", "/metrics;x"] {
        assert_eq!(get(gate.addr, path).await.status, 403, "{path}");
    }
    gate.shutdown().await;
}
