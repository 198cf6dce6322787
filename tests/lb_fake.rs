//! The lb worker against in-process fake backends: stickiness, failover, force, recovery, activation,
//! no replay of consumed requests, and the lbfactor split.

mod support;

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::time::Instant;

use ajpgate::balancer::MemberState;
use ajpgate::fakeajp::{FakeBackend, FakeConfig};
use ajpgate::gateway::Target;
use bytes::Bytes;
use http::{Request, StatusCode};
use http_body_util::{BodyExt, Full};
use support::{Gate, eventually, fake, get, send};

async fn fake_at(route: &str, listen: SocketAddr) -> FakeBackend {
    FakeBackend::start(FakeConfig {
        route: route.into(),
        listen,
        ..FakeConfig::default()
    })
    .await
    .unwrap()
}

/// An lb `lb` over members named after the backends' routes, plus `extra` lines (full keys).
fn lb_properties(backends: &[&FakeBackend], extra: &[&str]) -> String {
    let names: Vec<&str> = backends.iter().map(|b| b.config().route.as_str()).collect();
    let mut text = format!(
        "worker.list=lb\nworker.lb.type=lb\nworker.lb.balance_workers={}\n",
        names.join(",")
    );
    for backend in backends {
        let name = &backend.config().route;
        text.push_str(&format!(
            "worker.{name}.type=ajp13\nworker.{name}.host=127.0.0.1\nworker.{name}.port={}\n",
            backend.addr().port()
        ));
    }
    for line in extra {
        text.push_str(line);
        text.push('\n');
    }
    text
}

async fn get_with_cookie(gate: &Gate, path: &str, cookie: &str) -> support::Seen {
    let request = Request::get(path)
        .header("host", "h")
        .header("cookie", cookie)
        .body(Full::new(Bytes::new()))
        .unwrap();
    send(gate.addr, request).await
}

fn node(seen: &support::Seen) -> String {
    seen.headers
        .get("x-fake-node")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

#[tokio::test]
async fn sessions_stick_by_cookie_and_by_path_parameter() {
    let (n1, n2) = (fake("node1").await, fake("node2").await);
    let gate = Gate::start(&lb_properties(&[&n1, &n2], &[]), &["/*=lb"]).await;
    let first = get(gate.addr, "/session").await;
    let cookie = first.headers["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let owner = node(&first);
    assert!(
        cookie.ends_with(&format!(".{owner}")),
        "{cookie} from {owner}"
    );
    for hit in 2..=10 {
        let seen = get_with_cookie(&gate, "/session", &cookie).await;
        assert_eq!(node(&seen), owner, "cookie stickiness");
        assert!(seen.text().contains(&format!("hits: {hit}")));
    }
    let id = cookie.trim_start_matches("JSESSIONID=");
    for _ in 0..5 {
        let seen = get(gate.addr, &format!("/session;jsessionid={id}")).await;
        assert_eq!(node(&seen), owner, "path-parameter stickiness");
    }
    // The path parameter wins over a cookie naming the other node.
    let other = if owner == "node1" { "node2" } else { "node1" };
    let request = Request::get(format!("/x;jsessionid=A.{owner}"))
        .header("host", "h")
        .header("cookie", format!("JSESSIONID=B.{other}"))
        .body(Full::new(Bytes::new()))
        .unwrap();
    assert_eq!(node(&send(gate.addr, request).await), owner);
    gate.shutdown().await;
}

#[tokio::test]
async fn a_dead_member_fails_over_without_errors_and_comes_back_by_itself() {
    let (n1, n2) = (fake("node1").await, fake("node2").await);
    let gate = Gate::start(&lb_properties(&[&n1, &n2], &[]), &["/*=lb"]).await;
    let n2_addr = n2.addr();
    n2.shutdown().await;
    drop(n2);
    for _ in 0..20 {
        let seen = get_with_cookie(&gate, "/page", "JSESSIONID=S.node2").await;
        assert_eq!(seen.status, StatusCode::OK, "idempotent requests fail over");
        assert_eq!(node(&seen), "node1");
    }
    assert_eq!(gate.member_state("node2"), MemberState::Err);
    let down_at = Instant::now();
    let n2 = fake_at("node2", n2_addr).await;
    eventually("node2 readmitted", || {
        gate.member_state("node2") != MemberState::Err
    })
    .await;
    let recovered_in = down_at.elapsed();
    let seen = get_with_cookie(&gate, "/page", "JSESSIONID=S.node2").await;
    assert_eq!(
        node(&seen),
        "node2",
        "sessions return once the node is back"
    );
    assert!(n2.stats().forward_requests() >= 1);
    println!("node2 back in rotation {recovered_in:?} after it restarted");
    gate.shutdown().await;
}

#[tokio::test]
async fn sticky_session_force_answers_503_instead_of_moving_the_session() {
    let (n1, n2) = (fake("node1").await, fake("node2").await);
    let gate = Gate::start(
        &lb_properties(
            &[&n1, &n2],
            &[
                "worker.lb.sticky_session_force=true",
                "worker.lb.retry_interval=10",
            ],
        ),
        &["/*=lb"],
    )
    .await;
    n2.shutdown().await;
    let seen = get_with_cookie(&gate, "/page", "JSESSIONID=S.node2").await;
    assert_eq!(seen.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(n1.stats().forward_requests(), 0, "never moved to node1");
    // Requests without a session still go to node1.
    assert_eq!(node(&get(gate.addr, "/page").await), "node1");
    gate.shutdown().await;
}

#[tokio::test]
async fn disabled_members_keep_their_sessions_and_stopped_members_get_nothing() {
    let (n1, n2) = (fake("node1").await, fake("node2").await);
    let gate = Gate::start(
        &lb_properties(&[&n1, &n2], &["worker.node2.activation=D"]),
        &["/*=lb"],
    )
    .await;
    for _ in 0..10 {
        assert_eq!(node(&get(gate.addr, "/page").await), "node1");
    }
    assert_eq!(
        node(&get_with_cookie(&gate, "/page", "JSESSIONID=S.node2").await),
        "node2"
    );
    gate.shutdown().await;

    let (n1, n2) = (fake("node1").await, fake("node2").await);
    let gate = Gate::start(
        &lb_properties(&[&n1, &n2], &["worker.node2.activation=S"]),
        &["/*=lb"],
    )
    .await;
    assert_eq!(
        node(&get_with_cookie(&gate, "/page", "JSESSIONID=S.node2").await),
        "node1"
    );
    assert_eq!(n2.stats().forward_requests(), 0);
    gate.shutdown().await;
}

#[tokio::test]
async fn a_post_whose_body_was_read_is_never_sent_to_another_member() {
    let (n1, n2) = (fake("node1").await, fake("node2").await);
    let gate = Gate::start(
        &lb_properties(&[&n1, &n2], &["worker.lb.retry_interval=10"]),
        &["/*=lb"],
    )
    .await;
    for size in [10usize, 50_000] {
        let request = Request::post("/fault/fail-after-body")
            .header("host", "h")
            .body(Full::new(Bytes::from(vec![b'x'; size])))
            .unwrap();
        assert_eq!(
            send(gate.addr, request).await.status,
            StatusCode::BAD_GATEWAY
        );
    }
    let total = n1.stats().requests_for("/fault/fail-after-body")
        + n2.stats().requests_for("/fault/fail-after-body");
    assert_eq!(total, 2, "each POST reached exactly one backend once");
    // A GET that failed the same way before any reply is moved to the other member.
    let seen = get(gate.addr, "/fault/close-before-headers").await;
    assert_eq!(seen.status, StatusCode::BAD_GATEWAY);
    let total = n1.stats().requests_for("/fault/close-before-headers")
        + n2.stats().requests_for("/fault/close-before-headers");
    assert!(total >= 2, "GET tried on another member: {total}");
    gate.shutdown().await;
}

#[tokio::test]
async fn busyness_sends_new_work_where_less_is_running() {
    let (n1, n2) = (fake("node1").await, fake("node2").await);
    let gate = Gate::start(
        &lb_properties(&[&n1, &n2], &["worker.lb.method=B"]),
        &["/*=lb"],
    )
    .await;
    let addr = gate.addr;
    // Two slow requests: the first goes to one member, the second to the other (both at 0 before).
    let slow: Vec<_> = (0..2)
        .map(|_| tokio::spawn(async move { get(addr, "/slow?ms=1500").await }))
        .collect();
    eventually("both slow requests running", || {
        n1.stats().forward_requests() + n2.stats().forward_requests() == 2
    })
    .await;
    assert_eq!(
        (n1.stats().forward_requests(), n2.stats().forward_requests()),
        (1, 1)
    );
    // A third slow request on node1 makes node2 the less busy one for the next quick request.
    let lb = gate.gateway.lb_workers().next().unwrap().clone();
    lb.update_member("node1", |m| m.lb_value += 10 * m.lb_mult);
    let seen = get(addr, "/page").await;
    assert_eq!(node(&seen), "node2");
    for task in slow {
        assert_eq!(task.await.unwrap().status, StatusCode::OK);
    }
    let values: Vec<u64> = lb.members().iter().map(|m| m.member.lb_value).collect();
    assert_eq!(
        values,
        [10, 0],
        "in-flight counts return to zero (plus the manual 10)"
    );
    gate.shutdown().await;
}

/// Sends `n` GETs on `clients` keep-alive connections and counts answers per node.
async fn split(gate: &Gate, n: usize, clients: usize) -> std::collections::HashMap<String, usize> {
    let per_client = n / clients;
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let addr = gate.addr;
        tasks.push(tokio::spawn(async move {
            let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
            let (mut sender, conn) =
                hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                    .await
                    .unwrap();
            tokio::spawn(conn);
            let mut counts = std::collections::HashMap::<String, usize>::new();
            for _ in 0..per_client {
                let request = Request::get("/bytes?n=100")
                    .header("host", "h")
                    .body(Full::new(Bytes::new()))
                    .unwrap();
                let response = sender.send_request(request).await.unwrap();
                let node = response.headers()["x-fake-node"]
                    .to_str()
                    .unwrap()
                    .to_owned();
                response.into_body().collect().await.unwrap();
                *counts.entry(node).or_default() += 1;
            }
            counts
        }));
    }
    let mut total = std::collections::HashMap::new();
    for task in tasks {
        for (node, count) in task.await.unwrap() {
            *total.entry(node).or_default() += count;
        }
    }
    total
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_split_follows_lbfactor_one_to_three_for_each_method() {
    for method in ["R", "T", "S", "N"] {
        let (a, b) = (fake("a").await, fake("b").await);
        let gate = Gate::start(
            &lb_properties(
                &[&a, &b],
                &[
                    &format!("worker.lb.method={method}"),
                    "worker.a.lbfactor=1",
                    "worker.b.lbfactor=3",
                    "worker.lb.sticky_session=false",
                ],
            ),
            &["/*=lb"],
        )
        .await;
        let n = 100_000;
        let counts = split(&gate, n, 8).await;
        let share_b = counts.get("b").copied().unwrap_or(0) as f64 / n as f64;
        println!("method {method}: {counts:?} (b's share {share_b:.4})");
        assert!(
            (share_b - 0.75).abs() <= 0.01,
            "method {method}: b got {share_b:.4} of requests: {counts:?}"
        );
        let lb = gate.gateway.lb_workers().next().unwrap().clone();
        let elected: Vec<u64> = lb
            .members()
            .iter()
            .map(|m| m.worker.stats().elected.load(Ordering::Relaxed))
            .collect();
        assert_eq!(elected.iter().sum::<u64>(), n as u64);
        gate.shutdown().await;
        drop((a, b));
    }
}

#[tokio::test]
async fn gateway_keeps_lb_members_as_private_workers() {
    let (n1, n2) = (fake("node1").await, fake("node2").await);
    let gate = Gate::start(&lb_properties(&[&n1, &n2], &[]), &["/*=lb"]).await;
    assert!(matches!(gate.gateway.target("lb"), Some(Target::Lb(_))));
    assert!(
        gate.gateway.target("node1").is_none(),
        "members are not mappable unless listed"
    );
    assert_eq!(gate.gateway.ajp_workers().count(), 2);
    gate.shutdown().await;
}
