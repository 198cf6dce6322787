//! Fuzz-style property tests: arbitrary bytes, and arbitrary lines built from the real vocabulary
//! (every property name, typical and hostile values, references, patterns, extensions), fed to the
//! properties parser, the workers builder, the uriworkermap parser and `ajpgate check`'s printer. None
//! may panic, whatever the input; and whatever loads keeps its promises (listed workers exist,
//! every rule is in mod_jk's order, lookups on any path work).

#[path = "../fuzz/src/config.rs"]
#[allow(dead_code)]
mod targets;

use ajpgate::cli::check;
use ajpgate::config::{Config, ConfigErrors, normalize};
use proptest::prelude::*;
use targets::parse;

const NAMES: &[&str] = &["node1", "node2", "lb", "st", "t", "ajp13", "a.b", ""];

const PROPERTIES: &[&str] = &[
    "type",
    "reference",
    "mount",
    "secret",
    "host",
    "source",
    "port",
    "prefer_ipv6",
    "connection_pool_size",
    "cachesize",
    "connection_pool_minsize",
    "connection_pool_timeout",
    "cache_timeout",
    "connection_acquire_timeout",
    "recovery_options",
    "connect_timeout",
    "prepost_timeout",
    "ping_timeout",
    "ping_mode",
    "reply_timeout",
    "socket_timeout",
    "socket_connect_timeout",
    "socket_buffer",
    "socket_keepalive",
    "connection_ping_interval",
    "recycle_timeout",
    "lbfactor",
    "distance",
    "route",
    "jvm_route",
    "domain",
    "redirect",
    "activation",
    "disabled",
    "stopped",
    "busy_limit",
    "max_packet_size",
    "fail_on_status",
    "secretkey",
    "retries",
    "retry_interval",
    "balance_workers",
    "balanced_workers",
    "sticky_session",
    "sticky_session_force",
    "session_cookie",
    "session_path",
    "set_session_cookie",
    "session_cookie_path",
    "method",
    "lock",
    "recover_time",
    "error_escalation_time",
    "max_reply_timeouts",
    "lb_retries",
    "local_worker",
    "css",
    "ns",
    "xmlns",
    "doctype",
    "prefix",
    "read_only",
    "user",
    "user_case_insensitive",
    "good",
    "bad",
    "list",
    "maintain",
    "sysprops",
    "prot",
    "",
];

const VALUES: &[&str] = &[
    "ajp13",
    "ajp14",
    "lb",
    "status",
    "jni",
    "ajp12",
    "node1",
    "node1,node2",
    "node2 node1",
    "st",
    "lb",
    "worker.t",
    "worker.node1",
    "worker.lb",
    "t",
    "0",
    "1",
    "-1",
    "8009",
    "65536",
    "70000",
    "8k",
    "1m",
    "2147483647",
    "-2147483648",
    "99999999999999",
    "true",
    "off",
    "maybe",
    "A",
    "cpi",
    "x",
    "s",
    "d",
    "B",
    "P",
    "/*",
    "/app|/*",
    "!/x",
    "-/y",
    "app",
    "-404,500",
    "$(v)",
    "$(",
    "$(PATH)",
    "a.b.c",
    "é",
    ";",
    "=",
    "   ",
];

const PATTERNS: &[&str] = &[
    "/*",
    "/app|/*",
    "!/app/static|/*",
    "-/*",
    "-!/x",
    "/a/b",
    "*.jsp",
    "/?",
    "/**",
    "app",
    "!",
    "-",
    "/é/*",
    "/a|",
    "|/b",
];

const TARGETS: &[&str] = &[
    "node1",
    "lb",
    "st",
    "*",
    "ghost",
    "lb;reply_timeout=5",
    "lb;stopped=node1;disabled=x",
    "node1;fail_on_status=500,x;use_server_errors=400",
    "lb;session_path=;jsessionid",
    "lb;session_path=",
    ";",
    "lb;;",
    "lb;bogus",
    "lb;active=node1;active=node2",
];

fn pick(list: &'static [&'static str]) -> impl Strategy<Value = &'static str> {
    prop::sample::select(list)
}

fn workers_line() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => (pick(NAMES), pick(PROPERTIES), pick(VALUES))
            .prop_map(|(n, p, v)| format!("worker.{n}.{p}={v}")),
        2 => (pick(&["list", "maintain", "lsit"]), pick(VALUES))
            .prop_map(|(p, v)| format!("worker.{p}={v}")),
        1 => pick(VALUES).prop_map(|v| format!("v={v}")),
        1 => "[ -~]{0,40}",
    ]
}

fn text(lines: Vec<String>) -> Vec<u8> {
    lines.join("\n").into_bytes()
}

/// What must hold of any result, and the printer must not panic on it either.
fn exercise(result: Result<Config, ConfigErrors>, paths: &[String]) {
    if let Ok(config) = &result {
        for name in &config.workers.list {
            assert!(config.workers.get(name).is_some(), "{name}");
        }
        let rules = config.mounts.rules();
        for pair in rules.windows(2) {
            let slashes = |p: &str| p.bytes().filter(|&b| b == b'/').count();
            assert!(
                (slashes(&pair[0].pattern), pair[0].pattern.len())
                    >= (slashes(&pair[1].pattern), pair[1].pattern.len())
            );
        }
        for path in paths {
            if let Ok(normal) = normalize(path) {
                let _ = config.mounts.map(&normal);
            }
            let _ = config.mounts.map(path);
        }
    }
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let valid = check::report(result, &mut out, &mut err).unwrap();
    assert!(valid || !err.is_empty());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn arbitrary_bytes_never_panic(
        workers in prop::collection::vec(any::<u8>(), 0..600),
        map in prop::option::of(prop::collection::vec(any::<u8>(), 0..300)),
        cli in prop::collection::vec(".{0,20}", 0..3),
        paths in prop::collection::vec(".{0,30}", 0..4),
    ) {
        exercise(parse(&workers, map.as_deref(), &cli), &paths);
    }

    #[test]
    fn vocabulary_lines_never_panic(
        lines in prop::collection::vec(workers_line(), 0..30),
        map in prop::option::of(prop::collection::vec(
            (pick(PATTERNS), pick(TARGETS)).prop_map(|(p, t)| format!("{p}={t}")), 0..10)),
        cli in prop::collection::vec(
            (pick(PATTERNS), pick(TARGETS)).prop_map(|(p, t)| format!("{p}={t}")), 0..3),
        paths in prop::collection::vec("/[a-z/.;*]{0,12}", 0..6),
    ) {
        let map = map.map(text);
        exercise(parse(&text(lines), map.as_deref(), &cli), &paths);
    }

    #[test]
    fn mostly_valid_files_stay_valid_or_explain_why(
        extra in prop::collection::vec(workers_line(), 0..4),
    ) {
        let mut lines: Vec<String> = [
            "worker.list=lb,st",
            "worker.t.port=8009",
            "worker.node1.reference=worker.t",
            "worker.node2.reference=worker.t",
            "worker.node2.port=8010",
            "worker.lb.type=lb",
            "worker.lb.balance_workers=node1,node2",
            "worker.st.type=status",
        ].iter().map(|s| s.to_string()).collect();
        lines.extend(extra);
        let result = parse(&text(lines), Some(b"/*=lb\n/jk=st\n"), &[]);
        if let Err(errors) = &result {
            for e in errors.errors() {
                prop_assert!(e.line.is_some(), "{}", e);
            }
        }
        exercise(result, &["/jk".into(), "/x".into()]);
    }
}

#[test]
fn pathological_inputs() {
    let long_line = format!("worker.a.host={}", "h".repeat(9000));
    let many_substitutions = format!("x={}\n", "$(x)".repeat(5000));
    let deep_references: String = (0..200)
        .map(|i| format!("worker.w{i}.reference=worker.w{}\n", i + 1))
        .collect();
    let cyclic = "worker.list=a\nworker.a.reference=worker.a\n";
    let many_stars = format!("/{}=a\n", "*a".repeat(500));
    for workers in [
        long_line.as_str(),
        many_substitutions.as_str(),
        deep_references.as_str(),
        cyclic,
        "\0\0\0",
        "\u{feff}worker.list=a",
        "worker.list=a\r\nworker.a.port=1\r\n",
    ] {
        exercise(
            parse(workers.as_bytes(), Some(many_stars.as_bytes()), &[]),
            &[format!("/{}", "a".repeat(4000))],
        );
    }
}
