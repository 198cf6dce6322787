//! The lb worker in front of two real Tomcat 10.1 instances (jvmRoute node1 and node2): sessions stick
//! by cookie and by path parameter; killing node2 moves its sessions to node1 with no error for
//! idempotent requests while node2 shows ERR; sticky_session_force gives 503 instead; node2 restarted
//! comes back by itself; a Disabled member keeps only its sessions and a Stopped one gets nothing.

mod support;

use std::time::{Duration, Instant};

use ajpgate::balancer::MemberState;
use bytes::Bytes;
use http::{Request, StatusCode};
use http_body_util::Full;
use support::tomcat::{SECRET, Tomcat};
use support::{Gate, Seen, send};

fn lb_properties(n1: &Tomcat, n2: &Tomcat, extra: &[&str]) -> String {
    let mut text = String::from(
        "worker.list=lb\nworker.lb.type=lb\nworker.lb.balance_workers=node1,node2\nworker.lb.retry_interval=10\n",
    );
    for (name, tomcat) in [("node1", n1), ("node2", n2)] {
        text.push_str(&format!(
            "worker.{name}.type=ajp13\nworker.{name}.host=127.0.0.1\nworker.{name}.port={}\n\
             worker.{name}.secret={SECRET}\nworker.{name}.socket_connect_timeout=2000\n",
            tomcat.ajp_port
        ));
    }
    for line in extra {
        text.push_str(line);
        text.push('\n');
    }
    text
}

async fn session_get(gate: &Gate, path: &str, cookie: Option<&str>) -> Seen {
    let mut request = Request::get(path).header("host", "lb.test");
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    send(gate.addr, request.body(Full::new(Bytes::new())).unwrap()).await
}

fn node(seen: &Seen) -> String {
    seen.headers
        .get("x-testbed-node")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

/// A session cookie owned by `route`, made by asking Tomcat through the gateway until one lands there.
async fn session_on(gate: &Gate, route: &str) -> String {
    for _ in 0..20 {
        let seen = session_get(gate, "/app/session.jsp", None).await;
        assert_eq!(seen.status, StatusCode::OK);
        if node(&seen) == route {
            let cookie = seen.headers["set-cookie"].to_str().unwrap();
            return cookie.split(';').next().unwrap().to_owned();
        }
    }
    panic!("no new session landed on {route} in 20 tries");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_tomcats_behind_the_lb() {
    let (n1, n2) = tokio::task::spawn_blocking(|| {
        (
            Tomcat::start_with_route("lb-node1", "node1"),
            Tomcat::start_with_route("lb-node2", "node2"),
        )
    })
    .await
    .unwrap();

    // Stickiness by cookie and by path parameter.
    let gate = Gate::start(&lb_properties(&n1, &n2, &[]), &["/app/*=lb"]).await;
    let on2 = session_on(&gate, "node2").await;
    let on1 = session_on(&gate, "node1").await;
    assert!(
        on2.ends_with(".node2") && on1.ends_with(".node1"),
        "{on1} {on2}"
    );
    for _ in 0..10 {
        assert_eq!(
            node(&session_get(&gate, "/app/session.jsp", Some(&on2)).await),
            "node2"
        );
        assert_eq!(
            node(&session_get(&gate, "/app/session.jsp", Some(&on1)).await),
            "node1"
        );
    }
    let id2 = on2.trim_start_matches("JSESSIONID=");
    let by_path = session_get(&gate, &format!("/app/session.jsp;jsessionid={id2}"), None).await;
    assert_eq!(node(&by_path), "node2");
    assert!(
        by_path.text().contains(id2),
        "Tomcat recognised the session from the path parameter"
    );

    // node2 dies: its sessions move to node1 without an error for GETs, and node2 shows ERR.
    tokio::task::spawn_blocking({
        let base = n2.base.clone();
        move || {
            let status = std::process::Command::new("bash")
                .arg(support::testbed::testbed_dir().join("tomcat.sh"))
                .args(["kill", base.to_str().unwrap()])
                .status()
                .unwrap();
            assert!(status.success());
        }
    })
    .await
    .unwrap();
    for _ in 0..10 {
        let seen = session_get(&gate, "/app/session.jsp", Some(&on2)).await;
        assert_eq!(seen.status, StatusCode::OK, "idempotent requests fail over");
        assert_eq!(node(&seen), "node1");
    }
    assert_eq!(gate.member_state("node2"), MemberState::Err);

    // With sticky_session_force the same request gets 503 instead of moving.
    let forced = Gate::start(
        &lb_properties(&n1, &n2, &["worker.lb.sticky_session_force=true"]),
        &["/app/*=lb"],
    )
    .await;
    assert_eq!(
        session_get(&forced, "/app/session.jsp", Some(&on2))
            .await
            .status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    forced.shutdown().await;

    // node2 restarted: the lb readmits it by itself; its sessions go back to it.
    let restarted = Instant::now();
    tokio::task::spawn_blocking({
        let base = n2.base.clone();
        move || {
            let status = std::process::Command::new("bash")
                .arg(support::testbed::testbed_dir().join("tomcat.sh"))
                .args(["start", base.to_str().unwrap()])
                .env("LC_ALL", "C.UTF-8")
                .status()
                .unwrap();
            assert!(status.success(), "node2 restarts");
        }
    })
    .await
    .unwrap();
    let tomcat_up = restarted.elapsed();
    let deadline = Instant::now() + Duration::from_secs(30);
    while gate.member_state("node2") == MemberState::Err {
        assert!(
            Instant::now() < deadline,
            "node2 not readmitted within 30 s of answering again"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let readmitted = restarted.elapsed();
    let seen = session_get(&gate, "/app/session.jsp", Some(&on2)).await;
    assert_eq!(node(&seen), "node2");
    println!(
        "node2: Tomcat answered CPing {:.1} s after the restart began; readmitted after {:.1} s ({:.1} s after it was up)",
        tomcat_up.as_secs_f64(),
        readmitted.as_secs_f64(),
        (readmitted - tomcat_up).as_secs_f64()
    );
    gate.shutdown().await;

    // Disabled: node2 keeps its own sessions but gets no new ones.
    let disabled = Gate::start(
        &lb_properties(&n1, &n2, &["worker.node2.activation=D"]),
        &["/app/*=lb"],
    )
    .await;
    for _ in 0..6 {
        assert_eq!(
            node(&session_get(&disabled, "/app/session.jsp", None).await),
            "node1"
        );
    }
    assert_eq!(
        node(&session_get(&disabled, "/app/session.jsp", Some(&on2)).await),
        "node2"
    );
    disabled.shutdown().await;

    // Stopped: node2 gets nothing, not even its sessions.
    let stopped = Gate::start(
        &lb_properties(&n1, &n2, &["worker.node2.activation=S"]),
        &["/app/*=lb"],
    )
    .await;
    for _ in 0..3 {
        assert_eq!(
            node(&session_get(&stopped, "/app/session.jsp", Some(&on2)).await),
            "node1"
        );
        assert_eq!(
            node(&session_get(&stopped, "/app/session.jsp", None).await),
            "node1"
        );
    }
    stopped.shutdown().await;
    drop((n1, n2));
}
