//! Two Tomcat members (jvmRoute node1 and node2) behind an lb whose members set
//! `ajpgate.ajp13.<member>.http_port`: upgrades go where AJP requests of the same session go, carry
//! 10 MB each way intact, close end to end, never land on a dead, stopped or disabled-for-new member,
//! and show in jk-status and /metrics.

use std::collections::BTreeSet;
use std::time::Duration;

use ajpgate::balancer::MemberState;
use bytes::Bytes;
use futures_util::SinkExt;
use http::{Request, StatusCode};
use http_body_util::Full;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use crate::client::{
    close, connect, connection_ends, echo_bulk, endpoint_stats, next_message, open, whoami,
};
use crate::support::status::{jk_ok, prop, prop_pairs};
use crate::support::tomcat::{SECRET, Tomcat};
use crate::support::{Gate, bounded, send};

const TEN_MB: usize = 10 * 1024 * 1024;

fn properties(nodes: [&Tomcat; 2], extra: &[&str]) -> String {
    let mut text = String::from(
        "worker.list=lb,jkstatus\nworker.lb.type=lb\nworker.lb.balance_workers=node1,node2\n\
         worker.lb.retry_interval=10\nworker.jkstatus.type=status\n\
         ajpgate.status.jkstatus.metrics=/metrics\n",
    );
    for (name, tomcat) in [("node1", nodes[0]), ("node2", nodes[1])] {
        text.push_str(&format!(
            "worker.{name}.type=ajp13\nworker.{name}.host=127.0.0.1\nworker.{name}.port={}\n\
             worker.{name}.secret={SECRET}\nworker.{name}.socket_connect_timeout=2000\n\
             ajpgate.ajp13.{name}.http_port={}\n",
            tomcat.ajp_port, tomcat.http_port
        ));
    }
    for line in extra {
        text.push_str(line);
        text.push('\n');
    }
    text
}

const MOUNTS: [&str; 3] = ["/app/*=lb", "/jk-status=jkstatus", "/metrics=jkstatus"];

/// A session cookie (`JSESSIONID=...`) owned by `route`, made over AJP through the gateway.
async fn session_on(gate: &Gate, route: &str) -> String {
    for _ in 0..20 {
        let request = Request::get("/app/session.jsp")
            .header("host", "lb.test")
            .body(Full::new(Bytes::new()))
            .unwrap();
        let seen = send(gate.addr, request).await;
        assert_eq!(seen.status, StatusCode::OK);
        if seen
            .headers
            .get("x-testbed-node")
            .is_some_and(|v| v == route)
        {
            let cookie = seen.headers["set-cookie"].to_str().unwrap();
            return cookie.split(';').next().unwrap().to_owned();
        }
    }
    panic!("no new session landed on {route} in 20 tries");
}

/// jk-status `mime=prop` value of `worker.<member>.<key>` as a number.
async fn member_counter(gate: &Gate, member: &str, key: &str) -> u64 {
    let text = jk_ok(gate.addr, "cmd=list&mime=prop").await;
    let pairs = prop_pairs(&text);
    prop(&pairs, &format!("worker.{member}.{key}"))
        .unwrap_or_else(|| panic!("worker.{member}.{key} in\n{text}"))
        .parse()
        .unwrap()
}

/// Waits (up to 10 s) until jk-status shows no open tunnel on `member`.
async fn tunnels_close(gate: &Gate, member: &str) {
    for _ in 0..100 {
        if member_counter(gate, member, "tunnels_open").await == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{member} still shows an open tunnel after 10 s");
}

/// The nodes `n` upgrades without a session land on.
async fn fresh_nodes(gate: &Gate, n: usize) -> BTreeSet<String> {
    let mut nodes = BTreeSet::new();
    for _ in 0..n {
        let mut ws = open(gate.addr, "/app/ws/echo", None).await;
        nodes.insert(whoami(&mut ws).await.node);
        close(ws).await;
    }
    nodes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upgrades_follow_the_session_and_avoid_unusable_members() {
    let (n1, n2) = tokio::task::spawn_blocking(|| {
        (
            Tomcat::start_with_route("ws-node1", "node1"),
            Tomcat::start_with_route("ws-node2", "node2"),
        )
    })
    .await
    .unwrap();
    bounded(240, async {
        let gate = Gate::start(&properties([&n1, &n2], &[]), &MOUNTS).await;
        stickiness(&gate).await;
        bulk_and_counters(&gate).await;
        closing(&gate).await;
        activation(&n1, &n2).await;
        dead_member(&gate, &n1, &n2).await;
    })
    .await;
}

/// By cookie and by `;jsessionid`, the upgrade reaches the session's node, and Tomcat sees the session.
async fn stickiness(gate: &Gate) {
    let on1 = session_on(gate, "node1").await;
    let on2 = session_on(gate, "node2").await;
    for _ in 0..3 {
        for (cookie, node) in [(&on1, "node1"), (&on2, "node2")] {
            let mut ws = open(gate.addr, "/app/ws/echo", Some(cookie)).await;
            let me = whoami(&mut ws).await;
            assert_eq!(me.node, node, "{cookie}");
            assert_eq!(format!("JSESSIONID={}", me.session), *cookie);
            assert_eq!(me.host, "lb.test", "Host as the client sent it");
            assert_eq!(me.forwarded_for, "127.0.0.1");
            assert_eq!(me.forwarded_proto, "http");
            close(ws).await;
        }
    }
    let id2 = on2.trim_start_matches("JSESSIONID=");
    let mut ws = open(gate.addr, &format!("/app/ws/echo;jsessionid={id2}"), None).await;
    let me = whoami(&mut ws).await;
    assert_eq!((me.node.as_str(), me.session.as_str()), ("node2", id2));
    close(ws).await;
    let nodes = fresh_nodes(gate, 6).await;
    assert_eq!(nodes.len(), 2, "new upgrades are balanced: {nodes:?}");
}

/// 10 MB each way, byte for byte, and the counters that show it.
async fn bulk_and_counters(gate: &Gate) {
    let cookie = session_on(gate, "node2").await;
    let before = member_counter(gate, "node2", "tunnel_bytes_to_backend").await;
    let ws = open(gate.addr, "/app/ws/echo", Some(&cookie)).await;
    assert_eq!(member_counter(gate, "node2", "tunnels_open").await, 1);
    let (ws, echoed) = echo_bulk(ws, TEN_MB, 64 * 1024).await;
    assert_eq!(echoed, TEN_MB as u64);
    close(ws).await;
    tunnels_close(gate, "node2").await;
    let up = member_counter(gate, "node2", "tunnel_bytes_to_backend").await - before;
    let down = member_counter(gate, "node2", "tunnel_bytes_to_client").await;
    // Frame headers (and the client's masking keys) come on top of the payload.
    assert!(
        up > TEN_MB as u64 && up < TEN_MB as u64 + TEN_MB as u64 / 50,
        "{up}"
    );
    assert!(down > TEN_MB as u64, "{down}");
    assert!(member_counter(gate, "node2", "upgrades").await >= 4);
    assert_eq!(member_counter(gate, "node1", "upgrade_errors").await, 0);
    let metrics = crate::support::get(gate.addr, "/metrics").await.text();
    let line = metrics
        .lines()
        .find(|l| {
            l.starts_with("ajpgate_worker_tunnel_bytes_total{")
                && l.contains("worker=\"node2\"")
                && l.contains("direction=\"to_client\"")
        })
        .unwrap_or_else(|| panic!("no tunnel bytes for node2 in\n{metrics}"));
    let value: u64 = line.rsplit(' ').next().unwrap().parse().unwrap();
    assert_eq!(value, down);
    assert!(metrics.contains("ajpgate_worker_tunnels_open{worker=\"node1\",lb=\"lb\"} 0"));
    let xml = jk_ok(gate.addr, "cmd=list&mime=xml").await;
    assert!(xml.contains("upgrades=\""), "{xml}");
    let html = jk_ok(gate.addr, "cmd=list").await;
    assert!(html.contains("<table class=\"tunnels\">"), "{html}");
    assert!(
        html.contains("<tr><td>node2</td><td class=\"num\">"),
        "{html}"
    );
    // cmd=reset clears a member's tunnel counters with its others.
    jk_ok(gate.addr, "cmd=reset&w=lb&sw=node2&mime=prop").await;
    assert_eq!(member_counter(gate, "node2", "upgrades").await, 0);
    assert_eq!(
        member_counter(gate, "node2", "tunnel_bytes_to_client").await,
        0
    );
    assert!(
        member_counter(gate, "node1", "upgrades").await > 0,
        "only node2"
    );
}

/// A close from either side ends the tunnel on both; a client that vanishes frees Tomcat's endpoint.
async fn closing(gate: &Gate) {
    let cookie = session_on(gate, "node1").await;
    let mut probe = open(gate.addr, "/app/ws/echo", Some(&cookie)).await;
    let (open_before, closed_before) = endpoint_stats(&mut probe).await;

    // The client closes: Tomcat answers the close and the connection ends.
    let mut ws = open(gate.addr, "/app/ws/echo", Some(&cookie)).await;
    ws.send(Message::Close(None)).await.unwrap();
    match next_message(&mut ws).await {
        Some(Message::Close(_)) => {}
        other => panic!("expected Tomcat's close, got {other:?}"),
    }
    assert!(
        next_message(&mut ws).await.is_none(),
        "then the stream ends"
    );
    connection_ends(&mut ws).await;
    drop(ws);

    // Tomcat closes: the client gets its close frame, then the end of the connection.
    let mut ws = open(gate.addr, "/app/ws/echo", Some(&cookie)).await;
    ws.send(Message::text("close")).await.unwrap();
    match next_message(&mut ws).await {
        Some(Message::Close(Some(frame))) => {
            assert_eq!(frame.code, CloseCode::Normal);
            assert_eq!(frame.reason.as_str(), "bye");
        }
        other => panic!("expected the server's close, got {other:?}"),
    }
    assert!(next_message(&mut ws).await.is_none());
    connection_ends(&mut ws).await;
    drop(ws);

    // The client vanishes without a close frame: Tomcat's endpoint still closes.
    let mut ws = open(gate.addr, "/app/ws/echo", Some(&cookie)).await;
    assert_eq!(whoami(&mut ws).await.node, "node1");
    drop(ws);
    let mut settled = false;
    for _ in 0..100 {
        let (open_now, closed_now) = endpoint_stats(&mut probe).await;
        if open_now == open_before && closed_now >= closed_before + 3 {
            settled = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        settled,
        "Tomcat closed all three endpoints: {:?}",
        endpoint_stats(&mut probe).await
    );
    close(probe).await;
    tunnels_close(gate, "node1").await;
}

/// A stopped member gets no upgrade, not even for its sessions; a disabled one only its sessions.
async fn activation(n1: &Tomcat, n2: &Tomcat) {
    let stopped = Gate::start(
        &properties([n1, n2], &["worker.node2.activation=S"]),
        &MOUNTS,
    )
    .await;
    let cookie = format!("JSESSIONID={}.node2", "A".repeat(32));
    let mut ws = open(stopped.addr, "/app/ws/echo", Some(&cookie)).await;
    assert_eq!(whoami(&mut ws).await.node, "node1");
    close(ws).await;
    assert_eq!(
        fresh_nodes(&stopped, 4).await,
        BTreeSet::from(["node1".to_string()])
    );
    stopped.shutdown().await;

    let disabled = Gate::start(
        &properties([n1, n2], &["worker.node2.activation=D"]),
        &MOUNTS,
    )
    .await;
    let mut ws = open(disabled.addr, "/app/ws/echo", Some(&cookie)).await;
    assert_eq!(
        whoami(&mut ws).await.node,
        "node2",
        "a disabled member keeps its sessions"
    );
    close(ws).await;
    assert_eq!(
        fresh_nodes(&disabled, 4).await,
        BTreeSet::from(["node1".to_string()])
    );
    disabled.shutdown().await;
}

/// node2 dies: its sessions' upgrades move to node1 as AJP requests would, and node2 goes into error;
/// with `sticky_session_force` they get 503 instead.
async fn dead_member(gate: &Gate, n1: &Tomcat, n2: &Tomcat) {
    let on2 = session_on(gate, "node2").await;
    tokio::task::spawn_blocking({
        let base = n2.base.clone();
        move || {
            let status = std::process::Command::new("bash")
                .arg(crate::support::testbed::testbed_dir().join("tomcat.sh"))
                .args(["kill", base.to_str().unwrap()])
                .status()
                .unwrap();
            assert!(status.success());
        }
    })
    .await
    .unwrap();
    let mut ws = open(gate.addr, "/app/ws/echo", Some(&on2)).await;
    let me = whoami(&mut ws).await;
    assert_eq!((me.node.as_str(), me.session.as_str()), ("node1", "none"));
    close(ws).await;
    assert_eq!(gate.member_state("node2"), MemberState::Err);
    assert!(member_counter(gate, "node2", "upgrade_errors").await >= 1);
    assert_eq!(
        fresh_nodes(gate, 4).await,
        BTreeSet::from(["node1".to_string()])
    );

    // With sticky_session_force the session may not move: 503, as for an AJP request.
    let forced = Gate::start(
        &properties([n1, n2], &["worker.lb.sticky_session_force=true"]),
        &MOUNTS,
    )
    .await;
    let error = connect(forced.addr, "/app/ws/echo", Some(&on2))
        .await
        .unwrap_err();
    assert!(error.contains("503"), "{error}");
    forced.shutdown().await;
}
