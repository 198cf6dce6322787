//! Worker properties as mod_jk 1.2.48 resolves them (docs/workers-properties.md, docs/load-balancing.md#lb-properties, docs/jk-status.md#configuration): value syntax,
//! defaults, clamps, derived values, deprecated names, inheritance, the implicit worker, and the
//! warnings for what mod_jk accepts silently.

use std::path::Path;
use std::time::Duration;

use ajpgate::config::{
    Ajp13Config, AjpKind, Config, ConfigErrors, LbConfig, PingMode, SourceFile, StatusConfig,
    WorkerDef,
};
use ajpgate::vocabulary::{Activation, LbLock, LbMethod};

fn parse_with_env(
    text: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Config, ConfigErrors> {
    Config::parse(
        SourceFile {
            path: Path::new("workers.properties"),
            bytes: text.as_bytes(),
        },
        None,
        &[],
        env,
    )
}

fn load(text: &str) -> Config {
    parse_with_env(text, &|_| None).unwrap_or_else(|e| panic!("{e}"))
}

fn errors(text: &str) -> Vec<String> {
    match parse_with_env(text, &|_| None) {
        Ok(_) => panic!("loaded:\n{text}"),
        Err(e) => e.errors().map(|d| d.to_string()).collect(),
    }
}

fn ajp<'a>(config: &'a Config, name: &str) -> &'a Ajp13Config {
    let found = config.workers.ajp13(name);
    found.unwrap_or_else(|| panic!("{name}: {:?}", config.workers.get(name)))
}

fn lb<'a>(config: &'a Config, name: &str) -> &'a LbConfig {
    let found = config.workers.lb(name);
    found.unwrap_or_else(|| panic!("{name}: {:?}", config.workers.get(name)))
}

fn status<'a>(config: &'a Config, name: &str) -> &'a StatusConfig {
    match config.workers.get(name) {
        Some(WorkerDef::Status(w)) => w,
        other => panic!("{name}: {other:?}"),
    }
}

fn warnings(config: &Config) -> Vec<String> {
    config.warnings.iter().map(|w| w.to_string()).collect()
}

#[test]
fn no_worker_list_means_one_ajp13_worker_on_localhost_8009() {
    let config = load("# nothing but a comment\nworker.ajp13.port=8010\nps=/\n");
    assert_eq!(config.workers.list, vec!["ajp13"]);
    let w = ajp(&config, "ajp13");
    assert_eq!((w.host.as_str(), w.port), ("localhost", 8010));
    assert!(warnings(&config).is_empty());
    let config = load("");
    assert_eq!(ajp(&config, "ajp13").port, 8009);
}

#[test]
fn repeated_list_keys_concatenate_and_names_are_not_repeated() {
    let config = load("worker.list=a\nworker.list=b, a\nworker.a.port=1\nworker.b.port=2\n");
    assert_eq!(config.workers.list, vec!["a", "b"]);
    assert_eq!(
        warnings(&config),
        vec!["workers.properties:2: worker.list: worker 'a' is listed more than once"]
    );
}

#[test]
fn numbers_read_like_mod_jk() {
    let config = load(concat!(
        "worker.list=a\n",
        "worker.a.max_packet_size=16k\n",
        "worker.a.socket_buffer=1k\n",
        "worker.a.reply_timeout=10s\n",
        "worker.a.busy_limit=-3\n",
    ));
    let w = ajp(&config, "a");
    assert_eq!(w.max_packet_size, 16384);
    // socket_buffer below max_packet_size is raised to it.
    assert_eq!(w.socket_buffer, 16384);
    // atoi: "10s" is 10 (ms), with a warning.
    assert_eq!(w.reply_timeout, Duration::from_millis(10));
    assert_eq!(w.busy_limit, 0);
    assert_eq!(
        warnings(&config),
        vec![
            "workers.properties:4: worker.a.reply_timeout: '10s' is not an integer; mod_jk reads it as 10",
            "workers.properties:5: worker.a.busy_limit: busy_limit -3 is negative: 0 is used",
        ]
    );
}

#[test]
fn clamps_of_mod_jk() {
    let config = load(concat!(
        "worker.list=a,b\n",
        "worker.a.retries=0\n",
        "worker.a.lbfactor=0\n",
        "worker.a.max_packet_size=9000\n",
        "worker.a.connection_pool_size=10\n",
        "worker.a.connection_pool_minsize=20\n",
        "worker.b.max_packet_size=100000\n",
    ));
    let a = ajp(&config, "a");
    assert_eq!((a.retries, a.lbfactor), (1, 1));
    assert_eq!(a.max_packet_size, 9216);
    assert_eq!(
        (a.connection_pool_size, a.connection_pool_minsize),
        (10, 10)
    );
    assert_eq!(a.connection_acquire_timeout, Duration::from_millis(100));
    assert_eq!(ajp(&config, "b").max_packet_size, 65536);
    assert_eq!(config.warnings.len(), 5);
}

#[test]
fn ping_mode_fills_in_the_probe_timeouts() {
    let config = load(concat!(
        "worker.list=a,b,c\n",
        "worker.a.ping_mode=CI\n",
        "worker.a.ping_timeout=2000\n",
        "worker.b.ping_mode=P\n",
        "worker.b.prepost_timeout=500\n",
        "worker.c.connect_timeout=700\n",
    ));
    let a = ajp(&config, "a");
    assert_eq!(
        a.ping_mode,
        PingMode {
            connect: true,
            prepost: false,
            interval: true
        }
    );
    assert_eq!(a.connect_timeout, Duration::from_millis(2000));
    assert_eq!(a.prepost_timeout, Duration::ZERO);
    assert_eq!(a.connection_ping_interval, Duration::from_secs(20));
    let b = ajp(&config, "b");
    assert_eq!(b.prepost_timeout, Duration::from_millis(500));
    assert_eq!(b.connect_timeout, Duration::ZERO);
    // A connect_timeout without ping_mode enables the probe (mode stays empty, as in mod_jk).
    let c = ajp(&config, "c");
    assert_eq!(c.ping_mode, PingMode::default());
    assert_eq!(c.connect_timeout, Duration::from_millis(700));
}

#[test]
fn timeouts_and_their_units() {
    let config = load(concat!(
        "worker.list=a\n",
        "worker.a.socket_timeout=7\n",
        "worker.a.connection_pool_timeout=600\n",
        "worker.a.retries=3\n",
        "worker.a.retry_interval=250\n",
    ));
    let a = ajp(&config, "a");
    assert_eq!(a.socket_timeout, Duration::from_secs(7));
    assert_eq!(a.socket_connect_timeout, Duration::from_millis(7000));
    assert_eq!(a.connection_pool_timeout, Duration::from_secs(600));
    assert_eq!(a.connection_acquire_timeout, Duration::from_millis(750));
    let config = load("worker.list=a\nworker.a.connection_acquire_timeout=0\n");
    assert_eq!(ajp(&config, "a").connection_acquire_timeout, Duration::ZERO);
    assert!(warnings(&config)[0].contains("fails every connection acquisition"));
}

#[test]
fn deprecated_names_still_work_with_a_warning() {
    let config = load(concat!(
        "worker.list=lb\n",
        "worker.lb.type=lb\n",
        "worker.lb.balanced_workers=a,b\n",
        "worker.a.cachesize=5\n",
        "worker.a.cache_timeout=30\n",
        "worker.a.jvm_route=ra\n",
        "worker.b.disabled=true\n",
        "worker.b.stopped=1\n",
        "worker.b.recycle_timeout=4\n",
    ));
    let lb = lb(&config, "lb");
    let a = lb.member("a").unwrap();
    assert_eq!(a.connection_pool_size, 5);
    assert_eq!(a.connection_pool_timeout, Duration::from_secs(30));
    assert_eq!(a.route, "ra");
    // stopped wins over disabled.
    assert_eq!(lb.member("b").unwrap().activation, Activation::Stopped);
    let w = warnings(&config);
    assert_eq!(w.len(), 7, "{w:#?}");
    assert!(w[0].ends_with("deprecated property 'balanced_workers': use 'balance_workers'"));
    assert!(w[1].ends_with("deprecated property 'cachesize': use 'connection_pool_size'"));
    assert!(w[6].ends_with(
        "deprecated property 'recycle_timeout': ignored; use 'connection_pool_timeout'"
    ));
}

#[test]
fn new_names_win_over_deprecated_ones() {
    let config = load(concat!(
        "worker.list=a\n",
        "worker.a.connection_pool_size=7\n",
        "worker.a.cachesize=5\n",
        "worker.a.route=new\n",
        "worker.a.jvm_route=old\n",
        "worker.a.activation=D\n",
        "worker.a.stopped=true\n",
    ));
    let a = ajp(&config, "a");
    assert_eq!((a.connection_pool_size, a.route.as_str()), (7, "new"));
    assert_eq!(a.activation, Activation::Disabled);
}

#[test]
fn activation_letters_and_digits() {
    for (value, expected) in [
        ("active", Activation::Active),
        ("A", Activation::Active),
        ("0", Activation::Active),
        ("disabled", Activation::Disabled),
        ("1", Activation::Disabled),
        ("Stopped", Activation::Stopped),
        ("2", Activation::Stopped),
        ("x", Activation::Active),
    ] {
        let config = load(&format!("worker.list=a\nworker.a.activation={value}\n"));
        assert_eq!(ajp(&config, "a").activation, expected, "{value}");
    }
}

#[test]
fn the_route_names_the_domain() {
    let config =
        load("worker.list=a,b\nworker.a.route=dc1.a\nworker.b.route=dc1.b\nworker.b.domain=x\n");
    assert_eq!(ajp(&config, "a").domain, "dc1");
    assert_eq!(ajp(&config, "b").domain, "x");
}

#[test]
fn ajp14_is_read_as_ajp13_on_port_8011() {
    let config = load("worker.list=a\nworker.a.type=ajp14\nworker.a.secretkey=k\n");
    let a = ajp(&config, "a");
    assert_eq!((a.kind, a.port), (AjpKind::Ajp14, 8011));
    assert_eq!(config.warnings.len(), 2);
}

#[test]
fn lb_defaults_clamps_and_letters() {
    let config = load(concat!(
        "worker.list=lb\n",
        "worker.lb.type=lb\n",
        "worker.lb.balance_workers=a\n",
        "worker.lb.method=T\n",
        "worker.lb.lock=pessimistic\n",
        "worker.lb.recover_time=0\n",
        "worker.lb.lb_retries=0\n",
        "worker.lb.sticky_session=false\n",
        "worker.lb.sticky_session_force=yes\n",
        "worker.lb.session_cookie=SID\n",
        "worker.a.port=8009\n",
        "worker.a.max_packet_size=65536\n",
    ));
    let lb = lb(&config, "lb");
    assert_eq!(
        (lb.method, lb.lock),
        (LbMethod::Traffic, LbLock::Pessimistic)
    );
    assert_eq!(lb.recover_time, Duration::from_secs(1));
    assert_eq!(lb.error_escalation_time, Duration::ZERO);
    assert_eq!(lb.lb_retries, 1);
    assert!(!lb.sticky_session && lb.sticky_session_force);
    assert_eq!(lb.session_cookie, "SID");
    assert_eq!(lb.max_packet_size, 65536);
    for (value, method) in [
        ("R", LbMethod::Requests),
        ("busyness", LbMethod::Busyness),
        ("3", LbMethod::Sessions),
        ("Next", LbMethod::Next),
        ("?", LbMethod::Requests),
    ] {
        let config = load(&format!(
            "worker.list=lb\nworker.lb.type=lb\nworker.lb.balance_workers=a\nworker.a.port=1\nworker.lb.method={value}\n"
        ));
        assert_eq!(self::lb(&config, "lb").method, method, "{value}");
    }
}

#[test]
fn the_lb_secret_goes_to_members_without_their_own() {
    let config = load(concat!(
        "worker.list=lb,a\n",
        "worker.lb.type=lb\n",
        "worker.lb.balance_workers=a,b,c\n",
        "worker.lb.secret=shared\n",
        "worker.a.port=8001\n",
        "worker.b.port=8002\n",
        "worker.b.secret=own\n",
        "worker.c.port=0\n",
    ));
    let lb = lb(&config, "lb");
    let secrets: Vec<_> = lb.members.iter().map(|m| m.secret.as_deref()).collect();
    assert_eq!(secrets, vec![Some("shared"), Some("own"), Some("shared")]);
    // The listed worker 'a' on its own has no secret: the lb's applies inside the lb only.
    assert_eq!(ajp(&config, "a").secret, None);
    // Port 0: the member is stopped.
    assert_eq!(lb.member("c").unwrap().activation, Activation::Stopped);
    assert_eq!(ajp(&config, "c").activation, Activation::Active);
    assert_eq!(
        warnings(&config),
        vec![
            "workers.properties:3: worker.lb.balance_workers: member 'c' has port 0: it is stopped, as in mod_jk"
        ]
    );
}

#[test]
fn status_properties() {
    let config = load(concat!(
        "worker.list=s\n",
        "worker.s.type=status\n",
        "worker.s.read_only=True\n",
        "worker.s.user=alice bob\n",
        "worker.s.user=carol\n",
        "worker.s.user_case_insensitive=1\n",
        "worker.s.good=a\n",
        "worker.s.ns=-\n",
        "worker.s.xmlns=-\n",
        "worker.s.css=/s.css\n",
        "worker.s.prefix=jk\n",
        "worker.s.doctype=<!DOCTYPE x>\n",
    ));
    let s = status(&config, "s");
    assert!(s.read_only && s.user_case_insensitive);
    assert_eq!(s.user, vec!["alice", "bob", "carol"]);
    assert_eq!(
        (s.good.clone(), s.bad.clone()),
        (
            vec!["a".to_string()],
            vec!["s".to_string(), "e".to_string()]
        )
    );
    assert_eq!((s.ns.as_str(), s.xmlns.as_str()), ("", ""));
    assert_eq!(s.css.as_deref(), Some("/s.css"));
    assert_eq!(s.prefix, "jk");
    assert_eq!(s.doctype.as_deref(), Some("<!DOCTYPE x>"));
}

#[test]
fn substitution_from_earlier_properties_and_the_environment() {
    let env = |name: &str| (name == "TOMCAT_HOST").then(|| "tc.internal".to_string());
    let config = parse_with_env(
        concat!(
            "base=81\n",
            "worker.list=a\n",
            "worker.a.host=$(TOMCAT_HOST)\n",
            "worker.a.port=$(base)09\n",
            "worker.a.route=$(UNSET)\n",
        ),
        &env,
    )
    .unwrap();
    let a = ajp(&config, "a");
    assert_eq!(
        (a.host.as_str(), a.port, a.route.as_str()),
        ("tc.internal", 8109, "$(UNSET)")
    );
    assert_eq!(config.warnings.len(), 1);
    assert!(config.warnings[0].message.contains("$(UNSET)"));
}

#[test]
fn valid_but_pointless_keys_are_warned_about() {
    let config = load(concat!(
        "Worker.list=nothing\n",
        "worker.port=8009\n",
        "worker.a.list=b\n",
        "worker.list=a,lb,s\n",
        "worker.a.sticky_session=true\n",
        "worker.lb.type=lb\n",
        "worker.lb.balance_workers=a\n",
        "worker.lb.host=h\n",
        "worker.s.type=status\n",
        "worker.s.secret=x\n",
        "worker.nod1.port=1\n",
        "worker.a.sysprops=x\n",
        "\u{feff}x=1\n",
    ));
    let lines: Vec<_> = config
        .warnings
        .iter()
        .map(|w| (w.line.unwrap(), w.message.as_str()))
        .collect();
    assert_eq!(
        lines,
        vec![
            (
                13,
                "starts with a byte order mark, which mod_jk reads as part of the key"
            ),
            (
                1,
                "'worker.' is case-sensitive: this is a free variable, not a worker property"
            ),
            (
                2,
                "'worker.port' names no worker (write worker.NAME.port): the key has no effect"
            ),
            (
                3,
                "'list' is a global property: write 'worker.list'; mod_jk ignores it here (worker 'a')"
            ),
            (
                12,
                "deprecated property 'sysprops': only the jni worker read it, and neither mod_jk nor ajpgate supports that worker; ignored"
            ),
            (
                11,
                "worker 'nod1' is defined but not in worker.list, not an lb member and not referenced: its properties have no effect"
            ),
            (5, "'sticky_session' has no effect on an ajp13 worker"),
            (8, "'host' has no effect on an lb worker"),
            (10, "'secret' has no effect on a status worker"),
        ]
    );
}

#[test]
fn bad_values_give_the_default_with_a_warning() {
    let config = load(concat!(
        "worker.list=a\n",
        "worker.a.socket_keepalive=maybe\n",
        "worker.a.ping_mode=CX\n",
        "worker.a.host=tomcat:8009\n",
        "worker.a.fail_on_status=500, x ,-404\n",
    ));
    let a = ajp(&config, "a");
    assert!(!a.socket_keepalive);
    assert!(a.ping_mode.connect);
    assert_eq!(a.host, "tomcat:8009");
    assert_eq!(a.fail_on_status, vec![500, -404]);
    assert_eq!(config.warnings.len(), 4);
}

#[test]
fn names_longer_than_63_bytes_fail() {
    let name = "n".repeat(64);
    let e = errors(&format!(
        "worker.list=lb\nworker.lb.type=lb\nworker.lb.balance_workers={name}\nworker.{name}.port=1\n"
    ));
    assert_eq!(e.len(), 1);
    assert!(e[0].contains("member name"), "{e:?}");
    for property in ["host", "domain", "redirect"] {
        let e = errors(&format!(
            "worker.list=a\nworker.a.{property}={}\n",
            "x".repeat(64)
        ));
        assert_eq!(
            e,
            vec![format!(
                "workers.properties:2: worker.a.{property}: {property} '{}' is 64 bytes long; mod_jk allows at most 63",
                "x".repeat(64)
            )]
        );
    }
    for property in ["session_cookie", "session_path", "session_cookie_path"] {
        let e = errors(&format!(
            "worker.list=lb\nworker.lb.type=lb\nworker.lb.balance_workers=a\nworker.a.port=1\nworker.lb.{property}={}\n",
            "x".repeat(64)
        ));
        assert_eq!(e.len(), 1, "{property}");
    }
    let config = load(&format!(
        "worker.list=a\nworker.a.route={}\n",
        "x".repeat(63)
    ));
    assert_eq!(ajp(&config, "a").route.len(), 63);
}

#[test]
fn lb_and_self_membership_are_refused() {
    let e = errors(
        "worker.list=lb\nworker.lb.type=lb\nworker.lb.balance_workers=lb2\nworker.lb2.type=lb\nworker.lb2.balance_workers=a\nworker.a.port=1\n",
    );
    assert_eq!(
        e,
        vec![
            "workers.properties:3: worker.lb.balance_workers: member 'lb2' of lb 'lb' is an lb worker; an lb balances only ajp13 workers"
        ]
    );
    let e = errors("worker.list=lb\nworker.lb.type=lb\nworker.lb.balance_workers=lb\n");
    assert_eq!(
        e,
        vec![
            "workers.properties:3: worker.lb.balance_workers: lb worker 'lb' lists itself as a member"
        ]
    );
    let e = errors(
        "worker.list=lb\nworker.lb.type=lb\nworker.lb.balance_workers=a,a\nworker.a.port=1\n",
    );
    assert_eq!(
        e,
        vec![
            "workers.properties:3: worker.lb.balance_workers: member 'a' is listed twice in the balance_workers of 'lb'"
        ]
    );
}

#[test]
fn a_redirect_to_a_route_works_and_a_worker_name_is_not_a_route() {
    let config = load(concat!(
        "worker.list=lb\nworker.lb.type=lb\nworker.lb.balance_workers=a,b\n",
        "worker.a.route=ra\nworker.b.route=rb\nworker.a.redirect=rb\n",
    ));
    assert_eq!(lb(&config, "lb").member("a").unwrap().redirect, "rb");
    let e = errors(concat!(
        "worker.list=lb\nworker.lb.type=lb\nworker.lb.balance_workers=a,b\n",
        "worker.a.route=ra\nworker.b.route=rb\nworker.a.redirect=b\n",
    ));
    assert_eq!(e.len(), 1);
    assert!(e[0].contains("redirect 'b' of member 'a' is not the route of any member of lb 'lb'"));
}

#[test]
fn maintenance_interval() {
    assert_eq!(
        load("worker.maintain=30\n").workers.maintain,
        Duration::from_secs(30)
    );
    let config = load("worker.maintain=0\n");
    assert_eq!(config.workers.maintain, Duration::ZERO);
    assert_eq!(config.warnings.len(), 1);
    assert_eq!(
        load("worker.maintain=-5\n").workers.maintain,
        Duration::ZERO
    );
}

#[test]
fn explicit_properties_remember_their_line_and_key() {
    let config =
        load("worker.t.port=8009\nworker.list=a\nworker.a.reference=worker.t\nworker.a.host=h\n");
    let a = ajp(&config, "a");
    let port = &a.explicit["port"];
    assert_eq!((port.line, port.key.as_str()), (1, "worker.t.port"));
    assert_eq!(a.explicit["host"].line, 4);
    assert!(!a.explicit.contains_key("route"));
}
