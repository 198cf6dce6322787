//! jk-status commands against a running gateway: member, lb and ajp updates change routing for the very
//! next request (a new host or port takes the traffic, requests in flight finish on the old one),
//! read-only mode refuses every change, and reset and recover do what mod_jk's do.

mod support;

use std::time::Duration;

use ajpgate::balancer::MemberState;
use ajpgate::gateway::Target;
use bytes::Bytes;
use http::Request;
use http_body_util::Full;
use support::status::{fake, jk, jk_ok, live_members, one_member_dead, prop, prop_pairs, start};
use support::{Gate, get, send};

/// Which backend answered each of `n` requests without a session.
async fn nodes(gate: &Gate, n: usize) -> Vec<String> {
    let mut out = Vec::new();
    for _ in 0..n {
        let seen = get(gate.addr, "/app/page").await;
        out.push(
            seen.headers
                .get("x-fake-node")
                .map_or(format!("{}", seen.status), |v| {
                    v.to_str().unwrap().to_string()
                }),
        );
    }
    out
}

fn result(body: &str) -> (String, String) {
    let pairs = prop_pairs(body);
    (
        prop(&pairs, "worker.result.type")
            .unwrap_or_default()
            .to_string(),
        prop(&pairs, "worker.result.message")
            .unwrap_or_default()
            .to_string(),
    )
}

fn ok(body: &str) {
    assert_eq!(
        result(body),
        ("OK".into(), "Action finished".into()),
        "{body}"
    );
}

fn lb(gate: &Gate) -> std::sync::Arc<ajpgate::balancer::LbWorker> {
    match gate.gateway.target("lb") {
        Some(Target::Lb(lb)) => std::sync::Arc::clone(lb),
        other => panic!("lb is {other:?}"),
    }
}

#[tokio::test]
async fn disabling_and_stopping_members_changes_routing_at_once() {
    let (gate, _backends) = live_members(&[]).await;
    let before = nodes(&gate, 10).await;
    assert!(
        before.contains(&"w1".into()) && before.contains(&"w2".into()),
        "{before:?}"
    );

    ok(&jk_ok(gate.addr, "cmd=update&w=lb&sw=w2&vwa=D&mime=prop").await);
    assert_eq!(
        nodes(&gate, 10).await,
        vec!["w1"; 10],
        "a disabled member takes no new work"
    );
    let pairs = prop_pairs(&jk_ok(gate.addr, "cmd=show&w=lb&mime=prop").await);
    assert_eq!(prop(&pairs, "worker.w2.activation"), Some("DIS"));
    assert_eq!(prop(&pairs, "worker.lb.degraded"), Some("1"));

    // A disabled member still serves its sessions.
    let seen = send(
        gate.addr,
        Request::get("/app/page")
            .header("host", "h")
            .header("cookie", "JSESSIONID=abc.w2")
            .body(Full::new(Bytes::new()))
            .unwrap(),
    )
    .await;
    assert_eq!(seen.headers["x-fake-node"], "w2");

    // Numeric and letter codes, and the bulk form (att with val<index>).
    ok(&jk_ok(gate.addr, "cmd=update&w=lb&att=vwa&val0=2&val1=A&mime=prop").await);
    assert_eq!(
        nodes(&gate, 6).await,
        vec!["w2"; 6],
        "w1 stopped, w2 active again"
    );
    ok(&jk_ok(gate.addr, "cmd=update&w=lb&sw=w*&vwa=ACT&mime=prop").await);
    let after = nodes(&gate, 10).await;
    assert!(
        after.contains(&"w1".into()) && after.contains(&"w2".into()),
        "{after:?}"
    );
    gate.shutdown().await;
}

#[tokio::test]
async fn lbfactor_route_and_lb_settings_apply_to_the_next_request() {
    let (gate, _backends) = live_members(&[]).await;
    // lbfactor 1:3 — three of every four new requests go to w2.
    ok(&jk_ok(gate.addr, "cmd=update&w=lb&sw=w2&vwf=3&mime=prop").await);
    let split = nodes(&gate, 40).await;
    let w2_share = split.iter().filter(|n| *n == "w2").count();
    assert_eq!(w2_share, 30, "{split:?}");
    let pairs = prop_pairs(&jk_ok(gate.addr, "cmd=show&w=lb&mime=prop").await);
    assert_eq!(prop(&pairs, "worker.w1.lbmult"), Some("3"));
    assert_eq!(prop(&pairs, "worker.w2.lbmult"), Some("1"));

    // A new route: sessions naming it go to w1; the domain follows the route's first part.
    ok(&jk_ok(gate.addr, "cmd=update&w=lb&sw=w1&vwn=zone1.n1&mime=prop").await);
    let sticky = |route: &'static str| {
        Request::get("/app/page")
            .header("host", "h")
            .header("cookie", format!("JSESSIONID=abc.{route}"))
            .body(Full::new(Bytes::new()))
            .unwrap()
    };
    assert_eq!(
        send(gate.addr, sticky("zone1.n1")).await.headers["x-fake-node"],
        "w1"
    );
    let pairs = prop_pairs(&jk_ok(gate.addr, "cmd=show&w=lb&sw=w1&mime=prop").await);
    assert_eq!(prop(&pairs, "worker.w1.route"), Some("zone1.n1"));
    assert_eq!(prop(&pairs, "worker.w1.domain"), Some("zone1"));

    // lb settings: sticky sessions off, method, retries; out-of-range values are ignored.
    ok(&jk_ok(
        gate.addr,
        "cmd=update&w=lb&vls=0&vlm=B&vlr=5&vlt=0&vlx=-1&vll=P&mime=prop",
    )
    .await);
    let settings = lb(&gate).settings();
    assert!(!settings.sticky_session);
    assert_eq!(settings.rounds, 5);
    assert_eq!(
        settings.timing.recover_time,
        Duration::from_secs(60),
        "0 is out of range"
    );
    assert_eq!(lb(&gate).method_name(), "Busyness");
    let pairs = prop_pairs(&jk_ok(gate.addr, "cmd=show&w=lb&mime=prop").await);
    assert_eq!(prop(&pairs, "worker.lb.sticky_session"), Some("False"));
    assert_eq!(prop(&pairs, "worker.lb.method"), Some("Busyness"));
    assert_eq!(prop(&pairs, "worker.lb.lock"), Some("Pessimistic"));
    assert_eq!(prop(&pairs, "worker.lb.retries"), Some("5"));
    // Without stickiness the session no longer decides: lbfactor 1:3 still spreads requests.
    let mut seen_w2 = false;
    for _ in 0..8 {
        seen_w2 |= send(gate.addr, sticky("zone1.n1")).await.headers["x-fake-node"] == "w2";
    }
    assert!(
        seen_w2,
        "sticky_session=False must ignore the session route"
    );
    gate.shutdown().await;
}

#[tokio::test]
async fn read_only_mode_refuses_every_change() {
    let (gate, [w1, w2, solo]) = live_members(&["worker.jkstatus.read_only=true"]).await;
    for query in [
        "cmd=update&w=lb&sw=w2&vwa=D&mime=prop",
        "cmd=update&w=lb&vls=0&mime=prop",
        "cmd=reset&w=lb&mime=prop",
        "cmd=recover&w=lb&sw=w1&mime=prop",
        "cmd=edit&w=lb&mime=prop",
    ] {
        assert_eq!(
            result(&jk_ok(gate.addr, query).await),
            (
                "ERROR".into(),
                "This command is not allowed in read only mode.".into()
            ),
            "{query}"
        );
    }
    let after = nodes(&gate, 10).await;
    assert!(after.contains(&"w2".into()), "nothing changed: {after:?}");
    assert!(lb(&gate).settings().sticky_session);
    ok(&jk_ok(gate.addr, "cmd=list&mime=prop").await);
    let html = jk_ok(gate.addr, "cmd=list").await;
    assert!(html.contains("(read only)"));
    assert!(
        !html.contains("cmd=edit") && !html.contains("cmd=reset"),
        "{html}"
    );
    gate.shutdown().await;

    // opt=32 makes one view read-only on a read/write status worker.
    let gate = start(
        &[("w1", w1.addr().port(), &[]), ("w2", w2.addr().port(), &[])],
        solo.addr().port(),
        &[],
    )
    .await;
    assert_eq!(
        result(&jk_ok(gate.addr, "cmd=update&w=lb&sw=w2&vwa=D&opt=32&mime=prop").await).0,
        "ERROR"
    );
    assert_eq!(lb(&gate).members()[1].member.activation.as_str(), "ACT");
    gate.shutdown().await;
}

#[tokio::test]
async fn reset_clears_counters_and_recover_marks_a_failed_member() {
    let (gate, _backends) = one_member_dead(&[]).await;
    for _ in 0..4 {
        assert_eq!(get(gate.addr, "/app/x").await.status, 200);
    }
    assert_eq!(get(gate.addr, "/solo").await.status, 200);
    let pairs = prop_pairs(&jk_ok(gate.addr, "cmd=show&w=lb&mime=prop").await);
    assert_eq!(prop(&pairs, "worker.w2.state"), Some("ERR"));
    assert!(prop(&pairs, "worker.lb.error_time_unix seconds").is_some());
    assert_ne!(prop(&pairs, "worker.w1.elected"), Some("0"));

    // recover: only a member in ERR; it becomes ERR/REC and the next request probes it.
    assert_eq!(
        result(&jk_ok(gate.addr, "cmd=recover&w=lb&sw=w1&mime=prop").await).1,
        "Marking worker for recovery failed"
    );
    ok(&jk_ok(gate.addr, "cmd=recover&w=lb&sw=w2&mime=prop").await);
    assert_eq!(lb(&gate).members()[1].member.state, MemberState::ErrRec);

    // reset of one member, of the lb, of a plain worker.
    ok(&jk_ok(gate.addr, "cmd=reset&w=lb&sw=w1&mime=prop").await);
    let pairs = prop_pairs(&jk_ok(gate.addr, "cmd=show&w=lb&mime=prop").await);
    assert_eq!(prop(&pairs, "worker.w1.elected"), Some("0"));
    assert_eq!(prop(&pairs, "worker.w1.state"), Some("OK/IDLE"));
    ok(&jk_ok(gate.addr, "cmd=reset&w=lb&mime=prop").await);
    let text = jk_ok(gate.addr, "cmd=show&w=lb&mime=prop").await;
    let pairs = prop_pairs(&text);
    assert_eq!(prop(&pairs, "worker.w2.state"), Some("OK/IDLE"));
    assert_eq!(prop(&pairs, "worker.w2.errors"), Some("0"));
    assert!(
        !text.contains("error_time"),
        "reset clears member error times:\n{text}"
    );
    ok(&jk_ok(gate.addr, "cmd=reset&w=solo&mime=prop").await);
    let pairs = prop_pairs(&jk_ok(gate.addr, "cmd=show&w=solo&mime=prop").await);
    assert_eq!(prop(&pairs, "worker.solo.used"), Some("0"));
    assert_eq!(
        result(&jk_ok(gate.addr, "cmd=reset&w=jkstatus&mime=prop").await).1,
        "Reset failed"
    );
    gate.shutdown().await;
}

#[tokio::test]
async fn ajp_request_settings_change_at_run_time() {
    let (gate, _backends) = live_members(&["worker.solo.mount=/slow"]).await;
    ok(&jk_ok(
        gate.addr,
        "cmd=update&w=lb&sw=w1&vart=1500&var=4&vari=250&varo=3&vabl=7&mime=prop",
    )
    .await);
    let config = gate.worker("w1").settings();
    assert_eq!(config.reply_timeout, Duration::from_millis(1500));
    assert_eq!(config.retries, 4);
    assert_eq!(config.retry_interval, Duration::from_millis(250));
    assert_eq!((config.recovery_options, config.busy_limit), (3, 7));
    ok(&jk_ok(gate.addr, "cmd=update&w=solo&vart=900&mime=prop").await);
    assert_eq!(
        gate.worker("solo").settings().reply_timeout,
        Duration::from_millis(900)
    );

    // The reply timeout bites on the very next request.
    let seen = get(gate.addr, "/solo?x").await;
    assert_eq!(seen.status, 200);
    let slow = get(gate.addr, "/slow?ms=3000").await;
    assert_ne!(slow.status, 200, "the 900 ms reply timeout applies");

    // mod_jk's own checks come first.
    let (_, message) = result(&jk_ok(gate.addr, "cmd=update&w=lb&sw=&mime=prop").await);
    assert_eq!(message, "EMPTY sub worker param");
    let (status, body) = jk(gate.addr, "cmd=update&w=nope&mime=prop").await;
    assert_eq!(
        (status, result(&body).1.as_str()),
        (200, "Could not find given worker")
    );
    gate.shutdown().await;
}

#[tokio::test]
async fn pool_settings_change_at_run_time_and_a_new_address_takes_the_traffic() {
    let (w1, w2, solo, other) = (
        fake("w1").await,
        fake("w2").await,
        fake("solo").await,
        fake("other").await,
    );
    let gate = start(
        &[("w1", w1.addr().port(), &[]), ("w2", w2.addr().port(), &[])],
        solo.addr().port(),
        &["worker.solo.mount=/slow"],
    )
    .await;
    let node = |seen: &support::Seen| {
        seen.headers
            .get("x-fake-node")
            .map(|v| v.to_str().unwrap().to_string())
    };

    // Probes, pool timeout and packet size: the pool runs with them from now on.
    ok(&jk_ok(
        gate.addr,
        "cmd=update&w=lb&sw=w*&vacpt=30&vapng=4000&vact=2000&vapt=1500&vacpi=20&vamps=16000&mime=prop",
    )
    .await);
    for name in ["w1", "w2"] {
        let pool = gate.worker(name).pool().settings();
        assert_eq!(pool.idle_timeout, Duration::from_secs(30));
        assert_eq!(pool.probes.ping_timeout, Duration::from_millis(4000));
        assert_eq!(pool.probes.connect_timeout, Duration::from_millis(2000));
        assert_eq!(pool.probes.prepost_timeout, Duration::from_millis(1500));
        assert_eq!(pool.probes.idle_interval, Duration::from_secs(20));
        assert_eq!(pool.connect.max_packet_size, 16384);
        assert_eq!(gate.worker(name).settings().max_packet_size(), 16384);
    }
    assert!(nodes(&gate, 4).await.iter().all(|n| n == "w1" || n == "w2"));
    // A standalone worker takes a new packet size too (mod_jk 1.2.48 crashes here).
    ok(&jk_ok(gate.addr, "cmd=update&w=solo&vamps=16384&mime=prop").await);
    assert_eq!(gate.worker("solo").settings().max_packet_size(), 16384);
    assert_eq!(get(gate.addr, "/solo").await.status, 200);

    // A request in flight on the old address finishes there; the idle connection is closed at once,
    // the busy one when its request ends, and the next request goes to the new address.
    let solo_worker = gate.worker("solo");
    let slow = tokio::spawn(get(gate.addr, "/slow?ms=1500"));
    while solo_worker
        .stats()
        .busy
        .load(std::sync::atomic::Ordering::Relaxed)
        == 0
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let fast = get(gate.addr, "/solo").await;
    assert_eq!(node(&fast).as_deref(), Some("solo"));
    assert_eq!(solo_worker.pool().idle_count(), 1);
    assert_eq!(solo.stats().connections_open(), 2);
    let move_to_other = format!(
        "cmd=update&w=solo&vahst=localhost&vaprt={}&mime=prop",
        other.addr().port()
    );
    ok(&jk_ok(gate.addr, &move_to_other).await);
    assert_eq!(solo_worker.pool().idle_count(), 0);
    assert_eq!(
        node(&get(gate.addr, "/solo").await).as_deref(),
        Some("other")
    );
    let slow = slow.await.unwrap();
    assert_eq!(
        (slow.status.as_u16(), node(&slow).as_deref()),
        (200, Some("solo"))
    );
    assert_eq!(
        solo_worker.pool().idle_count(),
        1,
        "only the new address's connection is kept"
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        solo.stats().connections_open(),
        0,
        "no connection to the old address is left"
    );
    let shown = prop_pairs(&jk_ok(gate.addr, "cmd=show&w=solo&mime=prop").await);
    assert_eq!(prop(&shown, "worker.solo.host"), Some("localhost"));
    assert_eq!(
        prop(&shown, "worker.solo.address"),
        Some(other.addr().to_string().as_str())
    );

    // An address that does not resolve changes nothing of the address; the rest still applies.
    let (kind, message) = result(
        &jk_ok(
            gate.addr,
            "cmd=update&w=lb&sw=w1&vahst=no-such-host.invalid&vart=2500&mime=prop",
        )
        .await,
    );
    assert_eq!(kind, "ERROR");
    assert!(
        message.starts_with(
            "Update failed (at least partially): could not resolve address 'no-such-host.invalid:"
        ),
        "{message}"
    );
    let w1_worker = gate.worker("w1");
    assert_eq!(
        w1_worker.settings().reply_timeout,
        Duration::from_millis(2500)
    );
    assert_eq!(w1_worker.pool().settings().connect.address, w1.addr());
    let (_, message) = result(
        &jk_ok(
            gate.addr,
            &format!("cmd=update&w=lb&sw=w*&vahst={}&mime=prop", "h".repeat(61)),
        )
        .await,
    );
    assert!(
        message.ends_with("too long for sub worker 'w1', see log file for details. Aborting further wildcard updates."),
        "{message}"
    );

    // Port 0 switches the worker off ("invalid"); a real port brings it back.
    ok(&jk_ok(gate.addr, "cmd=update&w=solo&vaprt=0&mime=prop").await);
    let shown = prop_pairs(&jk_ok(gate.addr, "cmd=show&w=solo&mime=prop").await);
    assert_eq!(prop(&shown, "worker.solo.address"), Some("invalid"));
    assert_eq!(get(gate.addr, "/solo").await.status, 503);
    ok(&jk_ok(
        gate.addr,
        &format!("cmd=update&w=solo&vaprt={}&mime=prop", solo.addr().port()),
    )
    .await);
    assert_eq!(
        node(&get(gate.addr, "/solo").await).as_deref(),
        Some("solo")
    );
    gate.shutdown().await;
}
