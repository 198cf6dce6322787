//! jk-status commands against a running gateway: member and lb updates change routing for the very next
//! request, read-only mode refuses every change, reset and recover do what mod_jk's do, and the ajp
//! settings ajpgate cannot change at run time are refused with mod_jk's `Update failed`.

mod status_support;
mod support;

use std::time::Duration;

use ajpgate::balancer::state::MemberState;
use ajpgate::gateway::Target;
use bytes::Bytes;
use http::Request;
use http_body_util::Full;
use status_support::{dead_port, fake, jk, jk_ok, prop, prop_pairs, start};
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
    let (w1, w2, solo) = (fake("w1").await, fake("w2").await, fake("solo").await);
    let gate = start(
        &[("w1", w1.addr().port(), &[]), ("w2", w2.addr().port(), &[])],
        solo.addr().port(),
        &[],
    )
    .await;
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
    let (w1, w2, solo) = (fake("w1").await, fake("w2").await, fake("solo").await);
    let gate = start(
        &[("w1", w1.addr().port(), &[]), ("w2", w2.addr().port(), &[])],
        solo.addr().port(),
        &[],
    )
    .await;
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
    let (w1, w2, solo) = (fake("w1").await, fake("w2").await, fake("solo").await);
    let gate = start(
        &[("w1", w1.addr().port(), &[]), ("w2", w2.addr().port(), &[])],
        solo.addr().port(),
        &["worker.jkstatus.read_only=true"],
    )
    .await;
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
    let (w1, solo) = (fake("w1").await, fake("solo").await);
    let gate = start(
        &[("w1", w1.addr().port(), &[]), ("w2", dead_port(), &[])],
        solo.addr().port(),
        &[],
    )
    .await;
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
async fn ajp_settings_change_at_run_time_or_are_refused_with_update_failed() {
    let (w1, w2, solo) = (fake("w1").await, fake("w2").await, fake("solo").await);
    let gate = start(
        &[("w1", w1.addr().port(), &[]), ("w2", w2.addr().port(), &[])],
        solo.addr().port(),
        &["worker.solo.mount=/slow"],
    )
    .await;
    ok(&jk_ok(
        gate.addr,
        "cmd=update&w=lb&sw=w1&vart=1500&var=4&vari=250&varo=3&vabl=7&mime=prop",
    )
    .await);
    let config = gate.worker("w1").config();
    assert_eq!(config.reply_timeout, Duration::from_millis(1500));
    assert_eq!(config.retries, 4);
    assert_eq!(config.retry_interval, Duration::from_millis(250));
    assert_eq!((config.recovery_options, config.busy_limit), (3, 7));
    ok(&jk_ok(gate.addr, "cmd=update&w=solo&vart=900&mime=prop").await);
    assert_eq!(
        gate.worker("solo").config().reply_timeout,
        Duration::from_millis(900)
    );

    // The reply timeout bites on the very next request.
    let seen = get(gate.addr, "/solo?x").await;
    assert_eq!(seen.status, 200);
    let slow = get(gate.addr, "/slow?ms=3000").await;
    assert_ne!(slow.status, 200, "the 900 ms reply timeout applies");

    // Unchanged values are no change; changed pool settings are refused, the rest still applies.
    let current_port = w1.addr().port();
    ok(&jk_ok(
        gate.addr,
        &format!("cmd=update&w=lb&sw=w1&vaprt={current_port}&vahst=127.0.0.1&mime=prop"),
    )
    .await);
    let (kind, message) = result(
        &jk_ok(
            gate.addr,
            "cmd=update&w=lb&sw=w1&vahst=10.9.9.9&vacpt=30&vart=2500&mime=prop",
        )
        .await,
    );
    assert_eq!(kind, "ERROR");
    assert_eq!(
        message,
        "Update failed (at least partially): ajpgate cannot change connection_pool_timeout, host at run time for sub worker 'w1'."
    );
    assert_eq!(
        gate.worker("w1").config().reply_timeout,
        Duration::from_millis(2500)
    );
    let (_, message) =
        result(&jk_ok(gate.addr, "cmd=update&w=lb&sw=w*&vamps=16384&mime=prop").await);
    assert!(
        message.ends_with("for sub worker 'w1'. Aborting further wildcard updates."),
        "{message}"
    );
    let (_, message) = result(&jk_ok(gate.addr, "cmd=update&w=solo&vapng=5&mime=prop").await);
    assert!(message.ends_with("for worker 'solo'."), "{message}");
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
