//! Format details the differential test cannot reach because they depend on status-worker properties
//! or on ajpgate's own configuration: `prefix`, `ns`, `xmlns`, `doctype`, the `good`/`bad` rating
//! rules, `cmd=dump` (no `.secret`), response headers, and the counters the formats print.

mod support;

use support::get;
use support::status::{
    fake, jk_ok, one_member_dead, prop, prop_pairs, start, txt_line, xml_elements,
};

#[tokio::test]
async fn prefix_ns_xmlns_and_doctype_shape_the_output() {
    let (w1, solo) = (fake("w1").await, fake("solo").await);
    let gate = start(
        &[("w1", w1.addr().port(), &[])],
        solo.addr().port(),
        &[
            "worker.jkstatus.prefix=jk",
            "worker.jkstatus.ns=-",
            "worker.jkstatus.xmlns=-",
            "worker.jkstatus.doctype=<!DOCTYPE status>",
        ],
    )
    .await;
    let pairs = prop_pairs(&jk_ok(gate.addr, "mime=prop").await);
    assert_eq!(prop(&pairs, "jk.list"), Some("lb"));
    assert_eq!(prop(&pairs, "jk.w1.activation"), Some("ACT"));
    assert_eq!(prop(&pairs, "jk.result.type"), Some("OK"));
    assert!(pairs.iter().all(|(k, _)| k.starts_with("jk.")), "{pairs:?}");
    let xml = jk_ok(gate.addr, "mime=xml").await;
    let mut lines = xml.lines();
    assert_eq!(
        lines.next(),
        Some("<?xml version=\"1.0\" encoding=\"UTF-8\" ?>")
    );
    assert_eq!(lines.next(), Some("<!DOCTYPE status>"));
    assert_eq!(lines.next(), Some("<status"));
    assert_eq!(lines.next(), Some(">"), "no namespace declaration");
    assert!(
        xml.contains("\n  <balancer\n") && !xml.contains("jk:"),
        "{xml}"
    );
    assert_eq!(xml_elements(&xml, "member")[0]["name"], "w1");
    gate.shutdown().await;
}

#[tokio::test]
async fn rating_rules_come_from_good_and_bad() {
    let (w1, w3, solo) = (fake("w1").await, fake("w3").await, fake("solo").await);
    let members: [(&str, u16, &[&str]); 3] = [
        ("w1", w1.addr().port(), &[]),
        ("w2", w1.addr().port(), &["activation=stopped"]),
        ("w3", w3.addr().port(), &["activation=disabled"]),
    ];
    let gate = start(&members, solo.addr().port(), &[]).await;
    let pairs = prop_pairs(&jk_ok(gate.addr, "mime=prop").await);
    let rating = |pairs: &[(String, String)]| {
        ["good", "degraded", "bad"]
            .map(|k| prop(pairs, &format!("worker.lb.{k}")).unwrap().to_string())
    };
    assert_eq!(
        rating(&pairs),
        ["1", "1", "1"],
        "defaults: DIS is degraded, STP bad"
    );
    gate.shutdown().await;
    let gate = start(
        &members,
        solo.addr().port(),
        &["worker.jkstatus.good=a,d.i", "worker.jkstatus.bad=e"],
    )
    .await;
    let pairs = prop_pairs(&jk_ok(gate.addr, "mime=prop").await);
    assert_eq!(rating(&pairs), ["2", "1", "0"]);
    gate.shutdown().await;
}

#[tokio::test]
async fn dump_shows_the_configuration_without_secrets() {
    let (w1, solo) = (fake("w1").await, fake("solo").await);
    let gate = start(
        &[("w1", w1.addr().port(), &["secret=hunter2"])],
        solo.addr().port(),
        &["ajpgate.status.jkstatus.realm=ops"],
    )
    .await;
    let text = jk_ok(gate.addr, "cmd=dump&mime=txt").await;
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(txt_line(lines[0]).0, "Server");
    assert_eq!(lines[3], "Configuration:");
    assert_eq!(lines[4], "worker.list=lb,solo,jkstatus");
    assert!(text.contains("\nworker.w1.port="), "{text}");
    assert!(text.contains("ajpgate.status.jkstatus.realm=ops"));
    assert!(
        !text.contains("hunter2") && !text.contains(".secret"),
        "{text}"
    );
    let xml = jk_ok(gate.addr, "cmd=dump&mime=xml").await;
    let configuration = &xml_elements(&xml, "configuration")[0];
    assert_eq!(configuration["worker.lb.type"], "lb");
    let html = jk_ok(gate.addr, "cmd=dump").await;
    assert!(
        html.contains("<pre>\nworker.list=lb,solo,jkstatus\n"),
        "{html}"
    );
    gate.shutdown().await;
}

#[tokio::test]
async fn headers_and_counters() {
    let (gate, _backends) = one_member_dead(&[]).await;
    for (query, content_type) in [
        ("", "text/html"),
        ("mime=xml", "text/xml"),
        ("mime=txt", "text/plain"),
        ("mime=prop", "text/plain"),
        ("mime=json", "text/plain"),
    ] {
        let seen = get(gate.addr, &format!("/jk-status?{query}")).await;
        assert_eq!(seen.status, 200);
        assert_eq!(seen.headers["content-type"], content_type, "{query}");
        assert_eq!(seen.headers["cache-control"], "no-cache");
        assert_eq!(seen.headers["pragma"], "no-cache");
    }
    let body = "x".repeat(1000);
    for _ in 0..4 {
        let request = http::Request::post("/app/upload")
            .header("host", "h")
            .body(http_body_util::Full::new(bytes::Bytes::from(body.clone())))
            .unwrap();
        assert_eq!(support::send(gate.addr, request).await.status, 200);
    }
    assert_eq!(get(gate.addr, "/solo").await.status, 200);
    let pairs = prop_pairs(&jk_ok(gate.addr, "mime=prop").await);
    let n = |key: &str| prop(&pairs, key).unwrap().parse::<u64>().unwrap();
    // Four requests, one of them tried on the dead w2 first and failed over to w1.
    assert_eq!(n("worker.w1.elected"), 4);
    assert_eq!(n("worker.w1.sessions"), 4);
    assert_eq!(
        n("worker.w1.transferred"),
        4000,
        "request body bytes sent to the backend"
    );
    assert!(n("worker.w1.read") > 0);
    assert_eq!(n("worker.w2.errors"), 1);
    assert_eq!(prop(&pairs, "worker.w2.state"), Some("ERR"));
    assert!(n("worker.w2.time_to_recover_max") >= n("worker.w2.time_to_recover_min"));
    assert_eq!(n("worker.w1.connected"), 1, "one pooled connection, reused");
    assert_eq!(n("worker.lb.max_busy"), 1);
    assert_eq!(n("worker.solo.used"), 1);
    assert_eq!(n("worker.lb.member_count"), 2);
    assert!(n("worker.lb.time_to_maintenance_max") > n("worker.lb.time_to_maintenance_min"));
    gate.shutdown().await;
}
