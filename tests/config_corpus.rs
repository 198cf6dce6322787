//! Real-world configuration files (tests/config-corpus/: Debian's stock file, the examples of mod_jk's
//! docs, the usual tutorial shape), each read with the result mod_jk 1.2.48 gives it; and
//! `ajpgate check` reproducing the reviewed `expected-check.txt` of each (set `AJPGATE_BLESS=1` to
//! rewrite those after a deliberate change, then review the diff).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use ajpgate::config::{
    Ajp13Config, AjpKind, Config, LbConfig, PingMode, RuleSource, Severity, WorkerDef, normalize,
};
use ajpgate::vocabulary::{Activation, LbMethod};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/config-corpus")
}

fn load(dir: &str, mount_file: Option<&str>, cli: &[&str]) -> Config {
    let dir = corpus().join(dir);
    let cli: Vec<String> = cli.iter().map(|s| s.to_string()).collect();
    let mounts = mount_file.map(|m| dir.join(m));
    Config::load(&dir.join("workers.properties"), mounts.as_deref(), &cli)
        .unwrap_or_else(|e| panic!("{e}"))
}

fn ajp<'a>(config: &'a Config, name: &str) -> &'a Ajp13Config {
    let found = config.workers.ajp13(name);
    found.unwrap_or_else(|| panic!("{name}: {:?}", config.workers.get(name)))
}

fn lb<'a>(config: &'a Config, name: &str) -> &'a LbConfig {
    let found = config.workers.lb(name);
    found.unwrap_or_else(|| panic!("{name}: {:?}", config.workers.get(name)))
}

/// The warnings as `line: message-fragment` pairs, to compare with what is expected.
fn warned(config: &Config) -> Vec<(Option<usize>, String)> {
    assert!(
        config
            .warnings
            .iter()
            .all(|w| w.severity == Severity::Warning)
    );
    config
        .warnings
        .iter()
        .map(|w| (w.line, w.message.clone()))
        .collect()
}

fn mapped<'a>(config: &'a Config, path: &str) -> Option<&'a str> {
    let path = normalize(path).ok()?;
    config.mounts.map(&path).map(|r| r.worker.as_str())
}

/// The defaults of an ajp13 worker as mod_jk 1.2.48 has them (pool size: ajpgate's).
fn assert_ajp13_defaults_except_connection(w: &Ajp13Config) {
    assert_eq!(w.source, None);
    assert!(!w.prefer_ipv6);
    assert_eq!(w.secret, None);
    assert_eq!(w.connection_pool_size, 128);
    assert_eq!(w.connection_pool_minsize, 64);
    assert_eq!(w.connection_acquire_timeout, Duration::from_millis(200));
    assert_eq!(w.socket_timeout, Duration::ZERO);
    assert_eq!(w.socket_connect_timeout, Duration::ZERO);
    assert_eq!(w.socket_buffer, 0);
    assert_eq!(w.ping_mode, PingMode::default());
    assert_eq!(w.ping_timeout, Duration::from_millis(10_000));
    assert_eq!(w.prepost_timeout, Duration::ZERO);
    assert_eq!(w.connection_ping_interval, Duration::ZERO);
    assert_eq!(w.reply_timeout, Duration::ZERO);
    assert_eq!(w.retries, 2);
    assert_eq!(w.retry_interval, Duration::from_millis(100));
    assert_eq!(w.busy_limit, 0);
    assert_eq!(w.max_packet_size, 8192);
    assert!(w.fail_on_status.is_empty());
    assert_eq!(w.redirect, "");
    assert_eq!(w.activation, Activation::Active);
}

#[test]
fn debian_stock_file() {
    let config = load("debian", None, &["/*=ajp13_worker"]);
    assert_eq!(config.workers.list, vec!["ajp13_worker"]);
    assert_eq!(config.workers.maintain, Duration::from_secs(60));
    assert_eq!(config.workers.defs.len(), 1);
    let w = ajp(&config, "ajp13_worker");
    assert_eq!((w.host.as_str(), w.port), ("localhost", 8009));
    assert_eq!(w.kind, AjpKind::Ajp13);
    assert_eq!(w.lbfactor, 1);
    assert_eq!(w.route, "ajp13_worker");
    assert_eq!(w.connection_pool_timeout, Duration::ZERO);
    assert_eq!(w.connect_timeout, Duration::ZERO);
    assert_eq!(w.recovery_options, 0);
    assert!(!w.socket_keepalive);
    assert_ajp13_defaults_except_connection(w);
    // The free variables (workers.tomcat_home, workers.java_home, ps) are no workers and no problem;
    // the lb "loadbalancer" is defined but not listed, so mod_jk never creates it.
    assert_eq!(
        warned(&config),
        vec![(
            Some(99),
            "worker 'loadbalancer' is defined but not in worker.list, not an lb member and not referenced: its properties have no effect".to_string()
        )]
    );
    assert_eq!(mapped(&config, "/examples/x.jsp"), Some("ajp13_worker"));
}

#[test]
fn docs_quick_start() {
    let config = load("docs-quick", None, &["/examples/*=worker1"]);
    assert_eq!(config.workers.list, vec!["worker1"]);
    let w = ajp(&config, "worker1");
    assert_eq!((w.host.as_str(), w.port), ("localhost", 8009));
    assert_ajp13_defaults_except_connection(w);
    assert!(warned(&config).is_empty());
    assert_eq!(mapped(&config, "/examples/servlets/"), Some("worker1"));
    assert_eq!(mapped(&config, "/examples"), None);
    let rule = &config.mounts.rules()[0];
    assert_eq!(rule.source, RuleSource::JkMount);
}

#[test]
fn docs_sample_workers_properties() {
    let config = load("docs-sample", None, &[]);
    assert_eq!(config.workers.list, vec!["node1", "node2", "lbworker"]);
    for (name, port) in [("node1", 8109), ("node2", 8209)] {
        let w = ajp(&config, name);
        assert_eq!((w.host.as_str(), w.port), ("localhost", port));
        assert_eq!(w.connection_pool_timeout, Duration::from_secs(600));
        assert!(w.socket_keepalive);
        assert_ajp13_defaults_except_connection(w);
    }
    let lb = lb(&config, "lbworker");
    assert_eq!(lb.balance_workers, vec!["node1", "node2"]);
    assert_eq!(
        lb.members
            .iter()
            .map(|m| m.route.as_str())
            .collect::<Vec<_>>(),
        vec!["node1", "node2"]
    );
    assert!(lb.sticky_session && !lb.sticky_session_force);
    assert_eq!(lb.session_cookie, "JSESSIONID");
    assert_eq!(lb.session_path, ";jsessionid");
    assert_eq!(lb.session_cookie_path, "/");
    assert_eq!(lb.method, LbMethod::Requests);
    assert_eq!((lb.retries, lb.lb_retries), (2, 2));
    assert_eq!(lb.recover_time, Duration::from_secs(60));
    assert_eq!(lb.error_escalation_time, Duration::from_secs(30));
    assert_eq!(lb.max_reply_timeouts, 0);
    assert_eq!(lb.max_packet_size, 8192);
    assert!(warned(&config).is_empty());
    // No mounts: nothing is forwarded.
    assert!(config.mounts.is_empty());
    assert_eq!(mapped(&config, "/"), None);
}

#[test]
fn docs_macros() {
    let config = load("docs-macros", None, &[]);
    let hosts: Vec<_> = ["node1", "node2", "node3"]
        .iter()
        .map(|n| ajp(&config, n).host.clone())
        .collect();
    assert_eq!(
        hosts,
        vec!["194.226.31.11", "194.226.31.12", "194.226.31.13"]
    );
    assert!(warned(&config).is_empty());
}

#[test]
fn docs_references() {
    let config = load("docs-references", None, &[]);
    for name in ["tic", "tac"] {
        let w = ajp(&config, name);
        assert!(w.socket_keepalive);
        assert_eq!(w.connect_timeout, Duration::from_millis(10_000));
        assert_eq!(w.recovery_options, 7);
        assert_eq!(w.route, name);
        let origin = &w.explicit["recovery_options"];
        assert_eq!(
            (origin.line, origin.key.as_str()),
            (7, "worker.toe.recovery_options")
        );
    }
    // toe is a template: referenced, so not reported as unused, and not created.
    assert!(config.workers.get("toe").is_none());
    assert!(warned(&config).is_empty());
}

#[test]
fn docs_two_stage_references() {
    let config = load("docs-two-stage", None, &["/*=lb"]);
    let lb = lb(&config, "lb");
    assert_eq!(lb.method, LbMethod::Busyness);
    assert_eq!(lb.balance_workers, vec!["w11", "w12", "w21", "w22"]);
    let summary: Vec<_> = lb
        .members
        .iter()
        .map(|m| {
            (
                m.name.as_str(),
                m.host.as_str(),
                m.port,
                m.domain.as_str(),
                m.distance,
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("w11", "myhost11", 8009, "dom1", 0),
            ("w12", "myhost12", 8009, "dom1", 0),
            ("w21", "myhost21", 8009, "dom2", 1),
            ("w22", "myhost22", 8009, "dom2", 1),
        ]
    );
    for m in &lb.members {
        assert!(m.socket_keepalive);
        assert_eq!(m.connect_timeout, Duration::from_millis(10_000));
        assert_eq!(m.recovery_options, 7);
    }
    // Templates basic, lb1 and lb2 are not workers.
    assert_eq!(
        config.workers.defs.keys().collect::<Vec<_>>(),
        vec!["lb", "w11", "w12", "w21", "w22"]
    );
    assert_eq!(
        warned(&config),
        vec![(
            Some(20),
            "deprecated property 'balanced_workers': use 'balance_workers'".to_string()
        )]
    );
}

#[test]
fn docs_lb_basic_has_no_worker_list() {
    // The page's example has no worker.list: mod_jk creates the implicit ajp13 worker only.
    let config = load("docs-lb-basic", None, &[]);
    assert_eq!(config.workers.list, vec!["ajp13"]);
    assert_eq!(config.workers.defs.len(), 1);
    let w = ajp(&config, "ajp13");
    assert_eq!((w.host.as_str(), w.port), ("localhost", 8009));
    let lines: Vec<_> = warned(&config).into_iter().map(|(l, _)| l).collect();
    assert_eq!(lines, vec![Some(12), Some(13), Some(6), Some(8), Some(11)]);
    assert!(
        config.warnings[0]
            .message
            .contains("'myhost1' (line 9) is replaced by 'myhost2'")
    );
}

#[test]
fn docs_lb_router_with_hot_standby_and_status() {
    let config = load("docs-lb-router", None, &["/jkmanager/*=jkstatus"]);
    assert_eq!(config.workers.list, vec!["router", "jkstatus"]);
    let lb = lb(&config, "router");
    let w1 = lb.member("worker1").unwrap();
    let w2 = lb.member("worker2").unwrap();
    assert_eq!(
        (w1.host.as_str(), w1.redirect.as_str()),
        ("myhost1", "worker2")
    );
    assert_eq!(
        (w2.host.as_str(), w2.activation),
        ("myhost2", Activation::Disabled)
    );
    let Some(WorkerDef::Status(status)) = config.workers.get("jkstatus") else {
        panic!()
    };
    assert!(!status.read_only);
    assert!(status.user.is_empty());
    assert_eq!(status.good, vec!["a.o", "a.i", "a.b", "a.r"]);
    assert_eq!(status.bad, vec!["s", "e"]);
    assert_eq!(status.prefix, "worker");
    assert_eq!(status.ns, "jk:");
    assert_eq!(status.xmlns, "xmlns:jk=\"http://tomcat.apache.org\"");
    assert_eq!(
        (status.css.as_deref(), status.doctype.as_deref()),
        (None, None)
    );
    assert!(warned(&config).is_empty());
    assert_eq!(mapped(&config, "/jkmanager/"), Some("jkstatus"));
    assert_eq!(mapped(&config, "/jkmanager;x/"), Some("jkstatus"));
}

#[test]
fn docs_uriworkermap_syntax() {
    let config = load(
        "docs-uriworkermap",
        Some("uriworkermap-syntax.properties"),
        &[],
    );
    let rules: Vec<_> = config
        .mounts
        .rules()
        .iter()
        .map(|r| (r.pattern.as_str(), r.worker.as_str(), r.source))
        .collect();
    assert_eq!(
        rules,
        vec![
            ("/myapp1/*", "myworker-a", RuleSource::UriWorkerMap),
            ("/myapp1", "myworker-a", RuleSource::UriWorkerMap),
            ("/myapp", "myworker", RuleSource::UriWorkerMap),
        ]
    );
    let lines: Vec<_> = warned(&config).into_iter().map(|(l, _)| l).collect();
    // The three repeats of /myapp, then "*.jsp" and "*.do" skipped.
    assert_eq!(lines, vec![Some(6), Some(7), Some(8), Some(13), Some(14)]);
    assert!(config.warnings[3].message.contains("write '/*.jsp'"));
    assert_eq!(mapped(&config, "/myapp"), Some("myworker"));
    assert_eq!(mapped(&config, "/myapp/"), None);
    assert_eq!(mapped(&config, "/myapp1/a"), Some("myworker-a"));
    assert_eq!(mapped(&config, "/x.jsp"), None);
}

#[test]
fn docs_uriworkermap_exclusions() {
    let config = load(
        "docs-uriworkermap",
        Some("uriworkermap-exclusions.properties"),
        &[],
    );
    assert_eq!(mapped(&config, "/myapp"), Some("myworker"));
    assert_eq!(mapped(&config, "/myapp/index.jsp"), Some("myworker"));
    assert_eq!(mapped(&config, "/myapp/static"), None);
    assert_eq!(mapped(&config, "/myapp/static/logo.png"), None);
    assert_eq!(mapped(&config, "/myapp//static/logo.png"), None);
    assert_eq!(mapped(&config, "/myapp/x/../static/logo.png"), None);
    assert_eq!(mapped(&config, "/myapp1/index.jsp"), Some("myworker1"));
    assert_eq!(mapped(&config, "/myapp1/static/a.css"), None);
    assert_eq!(mapped(&config, "/myapp2/static/a.css"), None);
    assert_eq!(mapped(&config, "/myapp2/a/static"), None);
    assert_eq!(mapped(&config, "/myapp2/statics"), Some("myworker2"));
    // The maintenance rule is disabled; the "!*.html" rules were skipped, so .html is forwarded.
    assert_eq!(mapped(&config, "/other"), None);
    assert_eq!(mapped(&config, "/myapp/page.html"), Some("myworker"));
    let disabled: Vec<_> = config
        .mounts
        .rules()
        .iter()
        .filter(|r| r.disabled)
        .map(|r| (r.pattern.as_str(), r.worker.as_str()))
        .collect();
    assert_eq!(disabled, vec![("/*", "maintenance")]);
    // "!*.html" is repeated (the second replaces the first), and then skipped: no leading '/'.
    let lines: Vec<_> = warned(&config).into_iter().map(|(l, _)| l).collect();
    assert_eq!(lines, vec![Some(15), Some(15)]);
}

#[test]
fn docs_uriworkermap_extensions() {
    let config = load(
        "docs-uriworkermap",
        Some("uriworkermap-extensions.properties"),
        &[],
    );
    // Only the extensions ajpgate reads but does not apply are warned about, each where it is written.
    let warnings = warned(&config);
    assert!(
        warnings
            .iter()
            .all(|(line, message)| line.is_some() && message.contains("not applied by ajpgate")),
        "{warnings:?}"
    );
    let named = |name: &str| {
        warnings
            .iter()
            .filter(|(_, m)| m.contains(&format!("'{name}'")))
            .count()
    };
    assert_eq!(
        (named("fail_on_status"), named("use_server_errors")),
        (1, 2)
    );
    let ext = |path: &str| &config.mounts.map(path).unwrap().extensions;
    assert_eq!(ext("/myapp").reply_timeout, Some(Duration::from_secs(60)));
    assert_eq!(ext("/myapp/multi").stopped, vec!["member1"]);
    assert_eq!(
        ext("/myapp/multi").reply_timeout,
        Some(Duration::from_secs(60))
    );
    assert!(ext("/myapp/loginform.jsp").sticky_ignore);
    assert!(ext("/myapp/static/a.png").stateless);
    assert_eq!(ext("/myapp/stop2").stopped, vec!["member01", "member02"]);
    assert_eq!(ext("/myapp/stop2").disabled, vec!["member21", "member22"]);
    assert_eq!(
        ext("/myapp/fail").fail_on_status,
        Some(vec![-404, -500, 503])
    );
    assert_eq!(ext("/myapp/errors").use_server_errors, Some(400));
    assert_eq!(ext("/myotherapp").use_server_errors, Some(500));
    assert!(ext("/myapp/loginform.jsp").fail_on_status.is_none());
}

#[test]
fn tutorial_lb_with_status_page() {
    for (mount_file, cli, source) in [
        (
            None,
            &["/*=loadbalancer", "/jk-status=jkstatus"][..],
            RuleSource::JkMount,
        ),
        (
            Some("uriworkermap.properties"),
            &[][..],
            RuleSource::UriWorkerMap,
        ),
    ] {
        let config = load("tutorial", mount_file, cli);
        assert_eq!(config.workers.list, vec!["loadbalancer", "jkstatus"]);
        let lb = lb(&config, "loadbalancer");
        assert!(lb.sticky_session);
        let factors: Vec<_> = lb.members.iter().map(|m| m.lbfactor).collect();
        assert_eq!(factors, vec![1, 2]);
        for m in &lb.members {
            assert_eq!(m.connection_pool_size, 300);
            assert_eq!(m.connection_pool_minsize, 150);
            assert_eq!(m.connection_pool_timeout, Duration::from_secs(600));
            assert!(m.socket_keepalive);
            assert_eq!(m.socket_connect_timeout, Duration::from_millis(5000));
            assert_eq!(
                m.ping_mode,
                PingMode {
                    connect: true,
                    prepost: true,
                    interval: true
                }
            );
            assert_eq!(m.connect_timeout, Duration::from_millis(10_000));
            assert_eq!(m.prepost_timeout, Duration::from_millis(10_000));
            assert_eq!(m.connection_ping_interval, Duration::from_secs(100));
        }
        assert!(matches!(
            config.workers.get("jkstatus"),
            Some(WorkerDef::Status(_))
        ));
        assert!(warned(&config).is_empty());
        assert!(config.mounts.rules().iter().all(|r| r.source == source));
        assert_eq!(mapped(&config, "/jk-status"), Some("jkstatus"));
        // CVE-2018-11759: path parameters do not hide the status page from the mapping either.
        assert_eq!(mapped(&config, "/jk-status;foo"), Some("jkstatus"));
        assert_eq!(mapped(&config, "/jk-status/"), Some("loadbalancer"));
        assert_eq!(mapped(&config, "/app/cart?x"), Some("loadbalancer"));
        assert_eq!(mapped(&config, "/"), Some("loadbalancer"));
    }
}

#[test]
fn example_file_at_the_top_of_the_repository() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("workers.properties.example");
    let config = Config::load(&file, None, &[]).unwrap_or_else(|e| panic!("{e}"));
    assert!(config.warnings.is_empty(), "{:?}", config.warnings);
    assert_eq!(config.workers.list, vec!["lb", "jkstatus"]);
    let lb = lb(&config, "lb");
    assert!(lb.sticky_session);
    let nodes: Vec<_> = lb
        .members
        .iter()
        .map(|m| (m.name.as_str(), m.host.as_str(), m.port, m.secret.is_some()))
        .collect();
    assert_eq!(
        nodes,
        vec![
            ("node1", "127.0.0.1", 8009, true),
            ("node2", "127.0.0.1", 8010, true)
        ]
    );
    assert_eq!(mapped(&config, "/jk-status"), Some("jkstatus"));
    assert_eq!(mapped(&config, "/shop/"), Some("lb"));
}

/// `ajpgate check` on each corpus directory prints exactly the reviewed expected-check.txt.
#[test]
fn check_output_matches_the_reviewed_files() {
    let cases: &[(&str, &[&str])] = &[
        ("debian", &["-w", "workers.properties"]),
        (
            "docs-two-stage",
            &["-w", "workers.properties", "--mount", "/*=lb"],
        ),
        (
            "docs-uriworkermap",
            &[
                "-w",
                "workers.properties",
                "-m",
                "uriworkermap-exclusions.properties",
            ],
        ),
        (
            "tutorial",
            &["-w", "workers.properties", "-m", "uriworkermap.properties"],
        ),
    ];
    let bless = std::env::var_os("AJPGATE_BLESS").is_some();
    for (dir, args) in cases {
        let dir = corpus().join(dir);
        let out = Command::new(env!("CARGO_BIN_EXE_ajpgate"))
            .arg("check")
            .args(*args)
            .current_dir(&dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let actual = format!(
            "{}--- stderr\n{}",
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap()
        );
        let expected_file = dir.join("expected-check.txt");
        if bless {
            std::fs::write(&expected_file, &actual).unwrap();
        }
        let expected = std::fs::read_to_string(&expected_file).unwrap();
        assert_eq!(actual, expected, "{}", dir.display());
    }
}
