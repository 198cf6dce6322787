//! Who reaches the status worker: loopback only by default, an allow-list of networks, HTTP Basic users
//! from an htpasswd file (bcrypt), the status worker's own `user` list on top, and no spelling of the
//! path that gets around any of it.

mod support;

use base64::Engine;
use bytes::Bytes;
use http::Request;
use http_body_util::Full;
use support::status::{fake, jk, prop, prop_pairs, start};
use support::{ScratchDir, send};

/// Sends `GET <target>` byte for byte; the status code and the body.
async fn raw_get(addr: std::net::SocketAddr, target: &str) -> (u16, String) {
    let request = format!("GET {target} HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
    let answer = support::raw(addr, request.as_bytes(), false).await;
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line for {target}: {answer:?}"));
    let body = answer
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_string();
    (status, body)
}

/// Request targets that spell `/jk-status` (or not) in the ways path tricks do.
const VARIANTS: &[&str] = &[
    "/jk-status",
    "/jk-status?mime=xml",
    "/jk-status?cmd=update&w=lb&sw=w1&vwa=S&mime=prop",
    "/jk-status;x",
    "/jk-status;jsessionid=1?mime=txt",
    "/jk-status;",
    "/a/../jk-status",
    "/app/../jk-status",
    "/%2e/jk-status",
    "/%2E%2E/jk-status",
    "/./jk-status",
    "//jk-status",
    "///jk-status?mime=prop",
    "/jk-%73tatus",
    "/jk-status%3Bx",
    "/jk-status/",
    "/jk-status/.",
    "/jk-status/..;/jk-status",
    "/jk-status%2f",
    "/jk-status%00",
    "/JK-STATUS",
    "/jk-status%20",
    "/x/..%2fjk-status",
    "/metrics",
    "//metrics",
    "/metrics;x",
    "/./metrics?x=1",
];

#[tokio::test]
async fn no_path_variant_gets_past_the_allow_list() {
    let (w1, solo) = (fake("w1").await, fake("solo").await);
    let members: [(&str, u16, &[&str]); 1] = [("w1", w1.addr().port(), &[])];
    let metrics = [
        "worker.jkstatus.mount=/metrics",
        "ajpgate.status.jkstatus.metrics=/metrics",
    ];
    let open = start(&members, solo.addr().port(), &metrics).await;
    let mut closed_lines = metrics.to_vec();
    closed_lines.push("ajpgate.status.jkstatus.allow=10.0.0.0/8, 192.168.0.0/16");
    let closed = start(&members, solo.addr().port(), &closed_lines).await;

    let mut reached = Vec::new();
    for target in VARIANTS {
        let (open_status, open_body) = raw_get(open.addr, target).await;
        let (closed_status, closed_body) = raw_get(closed.addr, target).await;
        let is_status_worker = open_status == 200
            && (open_body.contains("JK Status Manager")
                || open_body.contains("jk:status")
                || open_body.contains("worker.result.type")
                || open_body.contains("Result: type=")
                || open_body.contains("ajpgate_info"));
        if is_status_worker {
            reached.push(*target);
            assert_eq!(
                closed_status, 403,
                "{target} reached the status worker from a client outside the allow-list:\n{closed_body}"
            );
        } else {
            assert_ne!(
                open_status, 200,
                "{target}: a 200 that is not the status worker?"
            );
            assert_eq!(
                closed_status, open_status,
                "{target}: the allow-list must not change how a path that never reaches the status worker is answered"
            );
        }
    }
    for must in [
        "/jk-status",
        "/jk-status;x",
        "/a/../jk-status",
        "/%2e/jk-status",
        "//jk-status",
        "/jk-%73tatus",
        "/metrics",
        "/metrics;x",
    ] {
        assert!(
            reached.contains(&must),
            "{must} should map to the status worker: {reached:?}"
        );
    }
    // The update above was refused on `closed`, and was a real change on `open`.
    let pairs = prop_pairs(&jk(closed.addr, "cmd=show&w=lb&mime=prop").await.1);
    assert!(pairs.is_empty(), "still 403");
    let pairs = prop_pairs(&jk(open.addr, "cmd=show&w=lb&mime=prop").await.1);
    assert_eq!(prop(&pairs, "worker.w1.activation"), Some("STP"));
    open.shutdown().await;
    closed.shutdown().await;
}

#[tokio::test]
async fn loopback_is_allowed_by_default_and_an_allow_list_can_include_it() {
    let (w1, solo) = (fake("w1").await, fake("solo").await);
    let members: [(&str, u16, &[&str]); 1] = [("w1", w1.addr().port(), &[])];
    let gate = start(&members, solo.addr().port(), &[]).await;
    assert_eq!(jk(gate.addr, "mime=txt").await.0, 200);
    gate.shutdown().await;
    let gate = start(
        &members,
        solo.addr().port(),
        &["ajpgate.status.jkstatus.allow=10.0.0.0/8,127.0.0.1"],
    )
    .await;
    assert_eq!(jk(gate.addr, "mime=txt").await.0, 200);
    gate.shutdown().await;
}

fn basic(user: &str, password: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

async fn get_as(addr: std::net::SocketAddr, query: &str, auth: Option<&str>) -> support::Seen {
    let mut request = Request::get(format!("/jk-status?{query}")).header("host", "h");
    if let Some(auth) = auth {
        request = request.header("authorization", auth);
    }
    send(addr, request.body(Full::new(Bytes::new())).unwrap()).await
}

#[tokio::test]
async fn basic_users_from_an_htpasswd_file_and_the_user_property() {
    let (w1, solo) = (fake("w1").await, fake("solo").await);
    let dir = ScratchDir::new("status-users");
    let file = dir.0.join("htpasswd");
    // htpasswd -B writes $2y$ hashes.
    let hash = |password: &str| {
        bcrypt::hash(password, 4)
            .unwrap()
            .replacen("$2b$", "$2y$", 1)
    };
    std::fs::write(
        &file,
        format!("admin:{}\nBob:{}\n", hash("s3cret"), hash("pw")),
    )
    .unwrap();
    let members: [(&str, u16, &[&str]); 1] = [("w1", w1.addr().port(), &[])];
    let users = format!("ajpgate.status.jkstatus.users={}", file.display());
    let gate = start(
        &members,
        solo.addr().port(),
        &[&users, "ajpgate.status.jkstatus.realm=Cluster admin"],
    )
    .await;

    let seen = get_as(gate.addr, "mime=prop", None).await;
    assert_eq!(seen.status, 401);
    assert_eq!(
        seen.headers["www-authenticate"],
        "Basic realm=\"Cluster admin\""
    );
    assert_eq!(
        get_as(gate.addr, "mime=prop", Some(&basic("admin", "nope")))
            .await
            .status,
        401
    );
    assert_eq!(
        get_as(gate.addr, "mime=prop", Some(&basic("eve", "s3cret")))
            .await
            .status,
        401
    );
    let seen = get_as(gate.addr, "mime=prop", Some(&basic("admin", "s3cret"))).await;
    assert_eq!(seen.status, 200);
    assert_eq!(
        prop(&prop_pairs(&seen.text()), "worker.result.type"),
        Some("OK")
    );
    gate.shutdown().await;

    // `user` limits which authenticated users may use it; as in mod_jk others get "Access denied."
    let gate = start(
        &members,
        solo.addr().port(),
        &[
            &users,
            "worker.jkstatus.user=admin,bob",
            "worker.jkstatus.user_case_insensitive=false",
        ],
    )
    .await;
    let seen = get_as(gate.addr, "mime=prop", Some(&basic("admin", "s3cret"))).await;
    assert_eq!(
        prop(&prop_pairs(&seen.text()), "worker.result.type"),
        Some("OK")
    );
    let seen = get_as(gate.addr, "mime=prop", Some(&basic("Bob", "pw"))).await;
    assert_eq!(seen.status, 200, "mod_jk answers a denied user with 200");
    let pairs = prop_pairs(&seen.text());
    assert_eq!(prop(&pairs, "worker.result.type"), Some("ERROR"));
    assert_eq!(
        prop(&pairs, "worker.result.message"),
        Some("Access denied.")
    );
    assert_eq!(pairs.len(), 2, "nothing but the result: {pairs:?}");
    gate.shutdown().await;
    let gate = start(
        &members,
        solo.addr().port(),
        &[
            &users,
            "worker.jkstatus.user=admin,bob",
            "worker.jkstatus.user_case_insensitive=true",
        ],
    )
    .await;
    let seen = get_as(gate.addr, "mime=prop", Some(&basic("Bob", "pw"))).await;
    assert_eq!(
        prop(&prop_pairs(&seen.text()), "worker.result.type"),
        Some("OK")
    );
    gate.shutdown().await;

    // `user` without a users file: nobody has a remote user, so everybody is denied.
    let gate = start(
        &members,
        solo.addr().port(),
        &["worker.jkstatus.user=admin"],
    )
    .await;
    let (_, body) = jk(gate.addr, "mime=txt").await;
    assert_eq!(body.trim(), "Result: type=ERROR message=\"Access denied.\"");
    let (_, body) = jk(gate.addr, "mime=xml").await;
    assert!(body.contains("message=\"Access denied.\""), "{body}");
    gate.shutdown().await;

    // The users file is read again when it changes.
    let gate = start(&members, solo.addr().port(), &[&users]).await;
    assert_eq!(
        get_as(gate.addr, "mime=prop", Some(&basic("admin", "s3cret")))
            .await
            .status,
        200
    );
    std::thread::sleep(std::time::Duration::from_millis(1100));
    std::fs::write(&file, format!("admin:{}\n", hash("changed"))).unwrap();
    assert_eq!(
        get_as(gate.addr, "mime=prop", Some(&basic("admin", "s3cret")))
            .await
            .status,
        401
    );
    assert_eq!(
        get_as(gate.addr, "mime=prop", Some(&basic("admin", "changed")))
            .await
            .status,
        200
    );
    gate.shutdown().await;
}
