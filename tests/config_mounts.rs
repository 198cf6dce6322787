//! Mount precedence and exclusions as docs/uri-mapping.md describes mod_jk's: sort by `/` count, then length,
//! then source; exact and wildcard rules in one order; an exclusion vetoes instead of falling
//! through; disabled rules are ignored; `|` shortcut; the 4095-byte limit; matching on the
//! normalised path.

use std::path::Path;

use ajpgate::config::{Config, ConfigErrors, RuleSource, SourceFile, normalize};

const WORKERS: &str = "\
worker.list=w1,w2,w3,lb
worker.w1.port=8001
worker.w2.port=8002
worker.w3.port=8003
worker.m1.port=8101
worker.m2.port=8102
worker.lb.type=lb
worker.lb.balance_workers=m1,m2
";

fn parse(workers: &str, map: Option<&str>, cli: &[&str]) -> Result<Config, ConfigErrors> {
    let cli: Vec<String> = cli.iter().map(|s| s.to_string()).collect();
    Config::parse(
        SourceFile {
            path: Path::new("workers.properties"),
            bytes: workers.as_bytes(),
        },
        map.map(|m| SourceFile {
            path: Path::new("uriworkermap.properties"),
            bytes: m.as_bytes(),
        }),
        &cli,
        &|_| None,
    )
}

fn config(map: &str) -> Config {
    parse(WORKERS, Some(map), &[]).unwrap_or_else(|e| panic!("{e}"))
}

fn to<'a>(config: &'a Config, path: &str) -> Option<&'a str> {
    config.mounts.map(path).map(|r| r.worker.as_str())
}

#[test]
fn more_slashes_beat_a_longer_pattern() {
    let c = config("/a*defgh=w2\n/a/*=w1\n");
    assert_eq!(to(&c, "/a/bcdefgh"), Some("w1"));
    assert_eq!(to(&c, "/abcdefgh"), Some("w2"));
}

#[test]
fn an_exact_rule_has_no_priority_over_a_longer_wildcard() {
    let c = config("/a/b=w1\n/a/b*=w2\n");
    assert_eq!(to(&c, "/a/b"), Some("w2"));
    let c = config("/a/b=w1\n/a/*=w2\n");
    assert_eq!(to(&c, "/a/b"), Some("w1"));
    assert_eq!(to(&c, "/a/bc"), Some("w2"));
}

#[test]
fn longer_patterns_first_among_equal_slash_counts() {
    let c = config("/app/*=w1\n/app/*.jsp=w2\n");
    assert_eq!(to(&c, "/app/x.jsp"), Some("w2"));
    assert_eq!(to(&c, "/app/x.jspx"), Some("w1"));
    let order: Vec<_> = c
        .mounts
        .rules()
        .iter()
        .map(|r| r.pattern.as_str())
        .collect();
    assert_eq!(order, vec!["/app/*.jsp", "/app/*"]);
}

#[test]
fn uriworkermap_then_jkmount_then_worker_definition() {
    let workers = format!("{WORKERS}worker.w3.mount=/app/*\n");
    let c = parse(&workers, Some("/app/*=w1\n"), &["/app/*=w2"]).unwrap();
    let sources: Vec<_> = c.mounts.rules().iter().map(|r| r.source).collect();
    assert_eq!(
        sources,
        vec![
            RuleSource::UriWorkerMap,
            RuleSource::JkMount,
            RuleSource::WorkerDefinition
        ]
    );
    assert_eq!(to(&c, "/app/x"), Some("w1"));
    let c = parse(&workers, None, &["/app/*=w2"]).unwrap();
    assert_eq!(to(&c, "/app/x"), Some("w2"));
    let c = parse(&workers, None, &[]).unwrap();
    assert_eq!(to(&c, "/app/x"), Some("w3"));
}

#[test]
fn an_exclusion_vetoes_instead_of_falling_through() {
    let c = config("/app/*=w1\n/*=w2\n!/app/static/*=w1\n");
    assert_eq!(to(&c, "/app/static/logo.png"), None);
    assert_eq!(to(&c, "/app/page"), Some("w1"));
    assert_eq!(to(&c, "/other"), Some("w2"));
}

#[test]
fn an_exclusion_applies_only_to_its_worker_or_to_star() {
    let c = config("/app/*=w1\n!/app/static/*=w2\n");
    assert_eq!(to(&c, "/app/static/x"), Some("w1"));
    let c = config("/app/*=w1\n/shop/*=w2\n!/*/static/*=*\n");
    assert_eq!(to(&c, "/app/static/x"), None);
    assert_eq!(to(&c, "/shop/static/x"), None);
    assert_eq!(to(&c, "/shop/x"), Some("w2"));
}

#[test]
fn an_exclusion_with_fewer_slashes_still_vetoes() {
    // Exclusions are checked after the match, whatever their place in the order.
    let c = config("/app/a/b/*=w1\n!/*.gif=w1\n");
    assert_eq!(to(&c, "/app/a/b/x.gif"), None);
    assert_eq!(to(&c, "/app/a/b/x.png"), Some("w1"));
}

#[test]
fn disabled_rules_are_ignored() {
    let c = config("-/app/*=w1\n/*=w2\n");
    assert_eq!(to(&c, "/app/x"), Some("w2"));
    let c = config("/app/*=w1\n-!/app/static/*=w1\n");
    assert_eq!(to(&c, "/app/static/x"), Some("w1"));
    let flags: Vec<_> = c
        .mounts
        .rules()
        .iter()
        .map(|r| (r.written(), r.disabled, r.exclude))
        .collect();
    assert_eq!(
        flags,
        vec![
            ("-!/app/static/*".to_string(), true, true),
            ("/app/*".to_string(), false, false)
        ]
    );
}

#[test]
fn the_pipe_shortcut_makes_two_rules() {
    let c = config("/app|/*=w1\n");
    let patterns: Vec<_> = c
        .mounts
        .rules()
        .iter()
        .map(|r| r.pattern.as_str())
        .collect();
    assert_eq!(patterns, vec!["/app/*", "/app"]);
    assert_eq!(to(&c, "/app"), Some("w1"));
    assert_eq!(to(&c, "/app/"), Some("w1"));
    assert_eq!(to(&c, "/apple"), None);
    let c = parse(WORKERS, None, &["!/app/static|/*=w1", "/app|/*=w1"]).unwrap();
    assert_eq!(to(&c, "/app/static"), None);
    assert_eq!(to(&c, "/app/static/x"), None);
    assert_eq!(to(&c, "/app/x"), Some("w1"));
}

#[test]
fn worker_mounts_take_neither_pipes_nor_extensions() {
    let workers = format!("{WORKERS}worker.w1.mount=/app|/* /x;reply_timeout=1\n");
    let c = parse(&workers, None, &[]).unwrap();
    let patterns: Vec<_> = c
        .mounts
        .rules()
        .iter()
        .map(|r| r.pattern.as_str())
        .collect();
    assert_eq!(patterns, vec!["/app|/*", "/x;reply_timeout=1"]);
    assert!(c.mounts.rules().iter().all(|r| r.extensions.is_empty()));
    assert_eq!(c.warnings.len(), 2);
    assert_eq!(to(&c, "/app/x"), None);
}

#[test]
fn matching_is_case_sensitive_and_byte_wise() {
    let c = config("/App/*=w1\n/?=w2\n");
    assert_eq!(to(&c, "/app/x"), None);
    assert_eq!(to(&c, "/App/x"), Some("w1"));
    assert_eq!(to(&c, "/a"), Some("w2"));
    // Paths are given one character per byte (`config::latin1`), as the gateway maps them: the two
    // UTF-8 bytes of "é" are two characters, and `?` matches one byte, as in mod_jk.
    assert_eq!(to(&c, &ajpgate::config::latin1("/é".as_bytes())), None);
    assert_eq!(to(&c, &ajpgate::config::latin1(b"/\xe9")), Some("w2"));
}

#[test]
fn only_uris_up_to_4095_bytes_and_starting_with_a_slash_are_mapped() {
    let c = config("/*=w1\n");
    assert_eq!(to(&c, &format!("/{}", "a".repeat(4094))), Some("w1"));
    assert_eq!(to(&c, &format!("/{}", "a".repeat(4095))), None);
    assert_eq!(to(&c, "*"), None);
    assert_eq!(to(&c, ""), None);
    assert_eq!(to(&c, "app"), None);
}

#[test]
fn decisions_use_the_normalised_path() {
    let c = config("/app/*=w1\n!/app/admin/*=w1\n/jkstatus=w2\n");
    let to_normalised = |raw: &str| {
        normalize(raw)
            .ok()
            .and_then(|p| to(&c, &p).map(str::to_string))
    };
    assert_eq!(to_normalised("/app/admin;x=1/page").as_deref(), None);
    assert_eq!(to_normalised("/app//admin/page").as_deref(), None);
    assert_eq!(to_normalised("/app/./admin/page").as_deref(), None);
    assert_eq!(to_normalised("/app/x/../admin/page").as_deref(), None);
    assert_eq!(to_normalised("/jkstatus;").as_deref(), Some("w2"));
    assert_eq!(to_normalised("/app/../jkstatus").as_deref(), Some("w2"));
    assert_eq!(to_normalised("/app/../../jkstatus"), None);
}

#[test]
fn a_repeated_pattern_keeps_the_last_in_uriworkermap_and_on_the_command_line() {
    let c = config("/app/*=w1\n/app/*=w2\n");
    assert_eq!(to(&c, "/app/x"), Some("w2"));
    assert_eq!(c.warnings.len(), 1);
    let c = parse(WORKERS, None, &["/app/*=w1", "/app/*=w3"]).unwrap();
    assert_eq!(to(&c, "/app/x"), Some("w3"));
    assert_eq!(c.mounts.rules().len(), 1);
}

#[test]
fn rules_that_cannot_work_are_warned_about() {
    let c = config(concat!(
        "/a/*=nobody\n",
        "/m/*=m1\n",
        "!/b/*=ghost\n",
        "/c/*=w1;stopped=m1\n",
        "/d/*=lb;stopped=m9\n",
        "/e/*=lb;stopped=m1;session_cookie=SID\n",
    ));
    let by_line = |line: usize| {
        c.warnings
            .iter()
            .filter(|w| w.line == Some(line))
            .map(|w| w.message.as_str())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        by_line(1),
        vec![
            "worker 'nobody' is not in worker.list: requests matching this rule get HTTP 500, as in mod_jk"
        ]
    );
    assert_eq!(
        by_line(2),
        vec![
            "worker 'm1' is not in worker.list: requests matching this rule get HTTP 500, as in mod_jk"
        ]
    );
    assert_eq!(
        by_line(3),
        vec!["exclusion for worker 'ghost', which is not in worker.list: it never applies"]
    );
    assert_eq!(
        by_line(4),
        vec![
            "worker 'w1' is not an lb: its lb extensions (active, disabled, stopped, session_*) are ignored"
        ]
    );
    assert_eq!(
        by_line(5),
        vec!["'m9' is not a member of lb 'lb': extension ignored"]
    );
    assert_eq!(
        by_line(6),
        vec![
            "rule extension 'session_cookie' is not applied by ajpgate: the worker's own setting is used"
        ]
    );
    // The rule is kept: mod_jk answers such requests with 500, so must the gateway.
    assert_eq!(to(&c, "/a/x"), Some("nobody"));
}

#[test]
fn the_same_pattern_for_two_workers_from_one_source_is_warned_about() {
    let workers = format!("{WORKERS}worker.w1.mount=/app/*\nworker.w2.mount=/app/*\n");
    let c = parse(&workers, None, &[]).unwrap();
    assert_eq!(to(&c, "/app/x"), Some("w1"));
    assert_eq!(c.warnings.len(), 1);
    assert!(c.warnings[0].message.contains("undefined"));
}

#[test]
fn mounts_of_workers_outside_worker_list_are_ignored() {
    let workers = format!("{WORKERS}worker.m1.mount=/member/*\n");
    let c = parse(&workers, None, &[]).unwrap();
    assert!(c.mounts.is_empty());
    assert_eq!(c.warnings.len(), 1);
    assert!(c.warnings[0].message.contains("its mount is ignored"));
}
