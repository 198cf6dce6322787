use super::*;

fn directive(name: &str, args: &[&str], children: Option<Vec<Directive>>) -> Directive {
    Directive::for_test(name, args, children, ("site.conf", 4))
}

fn value<'a>(t: &'a Translation, key: &str) -> Vec<&'a str> {
    let found = t.properties.iter().filter(|(k, _, _)| k == key);
    found.map(|(_, v, _)| v.as_str()).collect()
}

#[test]
fn a_tutorial_balancer_becomes_an_lb_with_ajp13_members() {
    let proxy = directive(
        "Proxy",
        &["balancer://cluster"],
        Some(vec![
            directive(
                "BalancerMember",
                &["ajp://t1:8009", "route=t1", "loadfactor=2", "secret=s"],
                None,
            ),
            directive(
                "BalancerMember",
                &["ajp://t2", "status=+H", "ping=500ms", "timeout=30"],
                None,
            ),
            directive(
                "ProxySet",
                &[
                    "lbmethod=bybusyness",
                    "stickysession=JSESSIONID|jsessionid",
                    "nofailover=On",
                ],
                None,
            ),
        ]),
    );
    let t = balancers(&[proxy]);
    assert!(
        t.errors.is_empty() && t.warnings.is_empty(),
        "{:?} {:?}",
        t.errors,
        t.warnings
    );
    assert_eq!(value(&t, "worker.list"), ["cluster"]);
    assert_eq!(
        value(&t, "worker.cluster.balance_workers"),
        ["t1", "cluster-2"]
    );
    assert_eq!(value(&t, "worker.t1.lbfactor"), ["2"]);
    assert_eq!(value(&t, "worker.t1.secret"), ["s"]);
    assert_eq!(value(&t, "worker.cluster-2.port"), ["8009"]);
    assert_eq!(value(&t, "worker.cluster-2.distance"), ["1"]);
    assert_eq!(value(&t, "worker.cluster-2.ping_timeout"), ["500"]);
    assert_eq!(value(&t, "worker.cluster-2.socket_timeout"), ["30"]);
    assert_eq!(value(&t, "worker.cluster.method"), ["R", "B"]);
    assert_eq!(
        value(&t, "worker.cluster.sticky_session"),
        ["false", "true"]
    );
    assert_eq!(value(&t, "worker.cluster.sticky_session_force"), ["true"]);
    assert!(t.properties.iter().all(|(_, _, o)| o.line == 4));
}

#[test]
fn members_that_are_not_ajp_are_errors_and_unknown_parameters_warnings() {
    let proxy = directive(
        "Proxy",
        &["balancer://c"],
        Some(vec![
            directive("BalancerMember", &["http://t1:8080"], None),
            directive("BalancerMember", &["ajp://t2:8009", "smax=5"], None),
            directive("ProxySet", &["lbmethod=heartbeat"], None),
        ]),
    );
    let t = balancers(&[proxy]);
    assert_eq!(t.errors.len(), 1);
    assert_eq!(t.warnings.len(), 2, "{:?}", t.warnings);
}

#[test]
fn proxy_pass_lines_become_mounts_in_httpds_order() {
    let lines = vec![
        directive("ProxyPass", &["/app/static", "!"], None),
        directive("ProxyPass", &["/app", "balancer://cluster/app"], None),
        directive("ProxyPass", &["/app/api", "balancer://other/app/api"], None),
        directive("ProxyPass", &["/shop/", "balancer://cluster/store/"], None),
        directive("ProxyPass", &["/", "balancer://cluster/"], None),
    ];
    let (mut mounts, mut warnings) = (Vec::new(), Vec::new());
    let untranslated = proxy_passes(&lines, &mut mounts, &mut warnings);
    let args: Vec<String> = mounts.iter().map(JkMountLine::as_mount_arg).collect();
    assert_eq!(
        args,
        [
            "!/app/static=*",
            "!/app/static/*=*",
            "/app=cluster",
            "/app/*=cluster",
            "/*=cluster"
        ]
    );
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].1.contains("/app/api is never used"));
    assert_eq!(untranslated.len(), 1);
    assert!(untranslated[0].1.contains("the path changes"));
}

#[test]
fn alias_match_stops_at_segment_boundaries() {
    assert!(covers("/app", "/app/x") && covers("/app", "/app") && covers("/app/", "/app/x"));
    assert!(!covers("/app", "/application"));
    assert!(covers("/", "/anything"));
}
