//! The monitoring tools that read jk-status, ported to Rust with their parsing logic intact, run against
//! ajpgate's live output. Each port reads what the original reads, the way it reads it (an XML::Simple
//! hash keyed by name, XmlSlurper attributes turned into floats, a Guava multimap split at `=`, Jsoup's
//! whitespace-joined text split at spaces, a regex over lines), so a field that is missing, renamed,
//! reordered or not numeric breaks the port as it would break the tool.
//!
//! The cluster: lb `lb` over `w1` (healthy), `w2` (its backend is down, so ERR after traffic) and `w3`
//! (disabled), the plain worker `solo`, the status worker `jkstatus`.

mod support;

use std::collections::{BTreeMap, HashMap};

use ajpgate::fakeajp::FakeBackend;
use roxmltree::{Document, Node};
use support::status::{dead_port, fake, jk_ok};
use support::{Gate, get};

const NS: &str = "http://tomcat.apache.org";

struct Cluster {
    gate: Gate,
    _backends: Vec<FakeBackend>,
}

async fn cluster() -> Cluster {
    let (w1, w3, solo) = (fake("w1").await, fake("w3").await, fake("solo").await);
    let members: [(&str, u16, &[&str]); 3] = [
        ("w1", w1.addr().port(), &[]),
        ("w2", dead_port(), &[]),
        ("w3", w3.addr().port(), &["activation=disabled"]),
    ];
    // check_jk_status asks for `{uri}/?mime=xml`, so the status worker is mounted as `/jkmanager|/*`
    // the way its users mount it, next to the usual `/jk-status`.
    let text = support::status::properties(&members, solo.addr().port(), &[]);
    let mut mounts = support::status::MOUNTS.to_vec();
    mounts.push("/jkmanager|/*=jkstatus");
    let gate = Gate::start(&text, &mounts).await;
    for _ in 0..6 {
        assert_eq!(get(gate.addr, "/app/page").await.status, 200);
    }
    assert_eq!(get(gate.addr, "/solo").await.status, 200);
    Cluster {
        gate,
        _backends: vec![w1, w3, solo],
    }
}

/// The element name as XML::Simple sees it: prefix and local name, literally.
fn qualified(node: Node<'_, '_>) -> String {
    let prefix = node
        .tag_name()
        .namespace()
        .and_then(|uri| node.lookup_prefix(uri))
        .unwrap_or_default();
    if prefix.is_empty() {
        node.tag_name().name().to_string()
    } else {
        format!("{prefix}:{}", node.tag_name().name())
    }
}

/// XmlSlurper's `parent.name`: children by local name, any namespace.
fn local_children<'a, 'i>(parent: Node<'a, 'i>, name: &str) -> Vec<Node<'a, 'i>> {
    parent
        .children()
        .filter(|n| n.is_element() && n.tag_name().name() == name)
        .collect()
}

/// ElementTree's `parent.find('{http://tomcat.apache.org}name')`.
fn ns_child<'a, 'i>(parent: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    parent
        .children()
        .find(|n| n.tag_name() == (NS, name).into())
}

/// XML::Simple's `XMLin` for what check_jk_status reads: attributes become keys, child elements listed
/// in `forcearray` become a hash keyed by their `name` attribute (KeyAttr), other children a hash.
#[derive(Debug, Default)]
struct Simple {
    attrs: BTreeMap<String, String>,
    children: BTreeMap<String, Vec<(Option<String>, Simple)>>,
}

fn xml_simple(node: Node<'_, '_>) -> Simple {
    let mut simple = Simple {
        attrs: node
            .attributes()
            .map(|a| (a.name().to_string(), a.value().to_string()))
            .collect(),
        ..Simple::default()
    };
    for child in node.children().filter(Node::is_element) {
        let name = child.attribute("name").map(str::to_string);
        simple
            .children
            .entry(qualified(child))
            .or_default()
            .push((name, xml_simple(child)));
    }
    simple
}

impl Simple {
    fn child(&self, name: &str) -> Option<&Simple> {
        self.children.get(name)?.first().map(|(_, s)| s)
    }

    /// A forcearray element keyed by name.
    fn keyed(&self, element: &str) -> BTreeMap<String, &Simple> {
        self.children
            .get(element)
            .into_iter()
            .flatten()
            .filter_map(|(name, s)| Some((name.clone()?, s)))
            .collect()
    }
}

/// check_jk_status 1.0 (lbetz, Perl, Icinga): `GET {uri}/?mime=xml`, XMLin with forcearray
/// jk:balancer/jk:member; DIS members do not count, non-ACT ones are bad, ACT ones are good only in
/// OK, OK/IDLE or N/A. Returns the plugin's output line and the `members` perfdata.
fn check_jk_status(xml: &str, balancer: &str) -> Result<(String, usize), String> {
    let document = Document::parse(xml).map_err(|e| e.to_string())?;
    let status = xml_simple(document.root_element());
    let balancers = status
        .child("jk:balancers")
        .ok_or("no jk:balancers")?
        .keyed("jk:balancer");
    let lb = balancers
        .get(balancer)
        .ok_or("Supplied balancer was not found!")?;
    let mut member_count: i64 = lb.attrs["member_count"]
        .parse()
        .map_err(|_| "member_count")?;
    let (mut good, mut bad) = (Vec::new(), Vec::new());
    for (name, member) in lb.keyed("jk:member") {
        let activation = member.attrs.get("activation").map(String::as_str);
        let state = member.attrs.get("state").map(String::as_str);
        if activation == Some("DIS") {
            member_count -= 1;
        } else if activation != Some("ACT") || !matches!(state, Some("OK" | "OK/IDLE" | "N/A")) {
            // The plugin's two branches: not ACT, or ACT in a state other than OK, OK/IDLE, N/A.
            bad.push(name);
        } else {
            good.push(name);
        }
    }
    let down = member_count - good.len() as i64;
    Ok((
        format!("{down} of {member_count} members are down"),
        good.len(),
    ))
}

#[tokio::test]
async fn check_jk_status_lbetz() {
    let c = cluster().await;
    let xml = jk_ok(c.gate.addr, "/jkmanager/?mime=xml").await;
    let (output, members) = check_jk_status(&xml, "lb").unwrap();
    assert_eq!(output, "1 of 2 members are down");
    assert_eq!(members, 1);
    assert_eq!(
        check_jk_status(&xml, "nope").unwrap_err(),
        "Supplied balancer was not found!"
    );
    c.gate.shutdown().await;
}

/// check_jk_status 1.1 (Urbanovski, Nagios::Plugin): `?mime=xml&opt=2` and `&cmd=show&w=<lb>`;
/// `jk:result/@type` must be OK; software version shown; with cmd=show the balancer is a top-level
/// `jk:balancer`; member perfdata busy, errors, connected, client_errors, elected, read, transferred;
/// STP is bad, ACT or DIS with a state starting with OK (or N/A) is good.
#[tokio::test]
async fn check_jk_status_urbanovski() {
    let c = cluster().await;
    let xml = jk_ok(c.gate.addr, "mime=xml&opt=2&cmd=show&w=lb").await;
    let document = Document::parse(&xml).unwrap();
    let root = document.root_element();
    assert_eq!(qualified(root), "jk:status");
    let element = |name: &str| {
        root.children()
            .find(|n| n.is_element() && n.tag_name() == (NS, name).into())
    };
    let result = element("result").expect("jk:result");
    assert_eq!(
        result.attribute("type"),
        Some("OK"),
        "{:?}",
        result.attribute("message")
    );
    let software = element("software").expect("jk:software");
    let version = format!(
        "{} / {}",
        software.attribute("web_server").unwrap(),
        software.attribute("jk_version").unwrap()
    );
    assert!(version.ends_with("/ mod_jk/1.2.48"), "{version}");
    let balancer = element("balancer").expect("a top-level jk:balancer for cmd=show");
    assert_eq!(balancer.attribute("name"), Some("lb"));
    let member_count: usize = balancer.attribute("member_count").unwrap().parse().unwrap();
    let mut perfdata = Vec::new();
    let (mut good, mut bad) = (0, 0);
    for member in balancer
        .children()
        .filter(|n| n.tag_name() == (NS, "member").into())
    {
        let name = member.attribute("name").unwrap();
        for field in [
            "busy",
            "errors",
            "connected",
            "client_errors",
            "elected",
            "read",
            "transferred",
        ] {
            let value: u64 = member
                .attribute(field)
                .unwrap_or_else(|| panic!("{name} has no {field}"))
                .parse()
                .unwrap_or_else(|_| panic!("{name}.{field} is not a number"));
            perfdata.push(format!("{name}_{field}={value}"));
        }
        let activation = member.attribute("activation").unwrap();
        let state = member.attribute("state").unwrap();
        if activation == "STP" {
            bad += 1;
        } else if state.starts_with("OK") || state == "N/A" {
            good += 1;
        } else {
            bad += 1;
        }
    }
    assert_eq!(member_count, 3);
    assert_eq!(
        (good, bad),
        (2, 1),
        "w1 and the disabled w3 are good, w2 is in error"
    );
    assert_eq!(perfdata.len(), 21);
    assert!(
        !balancer
            .children()
            .any(|n| n.tag_name() == (NS, "map").into()),
        "opt=2 hides the maps"
    );
    c.gate.shutdown().await;
}

/// jkstatus_exporter (Groovy, XmlSlurper): every attribute it reads, turned into floats with
/// `toFloat()` (which throws on an empty or non-numeric value), and `state` containing "OK" → 1.
#[tokio::test]
async fn jkstatus_exporter() {
    let c = cluster().await;
    let xml = jk_ok(c.gate.addr, "mime=xml").await;
    let document = Document::parse(&xml).unwrap();
    let by_name = local_children;
    let root = document.root_element();
    let float = |node: Node<'_, '_>, attr: &str| -> f64 {
        node.attribute(attr)
            .unwrap_or_else(|| panic!("no @{attr}"))
            .parse::<f64>()
            .unwrap_or_else(|_| panic!("@{attr} is not a float"))
    };
    let server = by_name(root, "server")[0];
    let software = by_name(root, "software")[0];
    let info = [
        server.attribute("name"),
        server.attribute("port"),
        software.attribute("web_server"),
        software.attribute("jk_version"),
    ];
    assert!(info.iter().all(Option::is_some), "{info:?}");
    let balancers = by_name(root, "balancers")[0];
    assert_eq!(float(balancers, "count"), 1.0);
    let mut states = HashMap::new();
    for balancer in by_name(balancers, "balancer") {
        for label in ["name", "type", "method", "lock"] {
            assert!(balancer.attribute(label).is_some(), "{label}");
        }
        for flag in ["sticky_session", "sticky_session_force"] {
            assert!(matches!(balancer.attribute(flag), Some("True" | "False")));
        }
        for gauge in [
            "retries",
            "recover_time",
            "member_count",
            "good",
            "degraded",
            "bad",
            "busy",
            "max_busy",
            "map_count",
            "time_to_maintenance_min",
            "time_to_maintenance_max",
            "last_reset_at",
            "last_reset_ago",
        ] {
            float(balancer, gauge);
        }
        for member in by_name(balancer, "member") {
            for label in [
                "name",
                "type",
                "port",
                "address",
                "source",
                "activation",
                "route",
                "redirect",
                "domain",
            ] {
                assert!(member.attribute(label).is_some(), "{label}");
            }
            for gauge in [
                "connection_pool_timeout",
                "connect_timeout",
                "ping_timeout",
                "prepost_timeout",
                "reply_timeout",
                "connection_ping_interval",
                "retries",
                "recovery_options",
                "busy_limit",
                "max_packet_size",
                "lbfactor",
                "distance",
                "lbmult",
                "lbvalue",
                "elected",
                "sessions",
                "errors",
                "client_errors",
                "reply_timeouts",
                "transferred",
                "read",
                "busy",
                "max_busy",
                "connected",
                "max_connected",
            ] {
                float(member, gauge);
            }
            let state = member
                .attribute("state")
                .unwrap()
                .to_uppercase()
                .contains("OK");
            states.insert(
                member.attribute("name").unwrap().to_string(),
                u8::from(state),
            );
        }
    }
    assert_eq!(
        states,
        HashMap::from([("w1".into(), 1), ("w2".into(), 0), ("w3".into(), 1)])
    );
    c.gate.shutdown().await;
}

/// Telegraf's `inputs.jkstatus`: the fields of its jkstatus_balancer and jkstatus_member measurements.
#[tokio::test]
async fn telegraf_jkstatus() {
    let c = cluster().await;
    let xml = jk_ok(c.gate.addr, "mime=xml").await;
    let balancers = support::status::xml_elements(&xml, "balancer");
    let members = support::status::xml_elements(&xml, "member");
    for field in [
        "name",
        "type",
        "sticky_session",
        "sticky_session_force",
        "retries",
        "recover_time",
        "error_escalation_time",
        "max_reply_timeouts",
        "method",
        "lock",
        "member_count",
        "good",
        "degraded",
        "bad",
        "busy",
        "max_busy",
        "map_count",
        "time_to_maintenance_min",
        "time_to_maintenance_max",
        "last_reset_at",
        "last_reset_ago",
    ] {
        assert!(balancers[0].contains_key(field), "balancer {field}");
    }
    for member in &members {
        for field in [
            "name",
            "type",
            "host",
            "port",
            "address",
            "connection_pool_timeout",
            "ping_timeout",
            "connect_timeout",
            "prepost_timeout",
            "reply_timeout",
            "connection_ping_interval",
            "retries",
            "recovery_options",
            "max_packet_size",
            "activation",
            "lbfactor",
            "route",
            "redirect",
            "domain",
            "distance",
            "state",
            "lbmult",
            "lbvalue",
            "elected",
            "sessions",
            "errors",
            "client_errors",
            "reply_timeouts",
            "transferred",
            "read",
            "busy",
            "max_busy",
            "connected",
            "time_to_recover_min",
            "time_to_recover_max",
            "last_reset_at",
            "last_reset_ago",
        ] {
            assert!(member.contains_key(field), "member {field}");
        }
    }
    assert_eq!(balancers[0]["method"], "Request");
    assert_eq!(members[0]["type"], "ajp13");
    c.gate.shutdown().await;
}

/// mod_jk.py (Christopher Schultz): ElementTree with `{http://tomcat.apache.org}` names; warns on
/// errors > 0, busy > 100, a state other than OK and OK/IDLE, DIS; critical on STO; drains a member
/// with `cmd=update&w=<lb>&sw=<member>&vwa=1` and reads the result back.
#[tokio::test]
async fn mod_jk_py() {
    let c = cluster().await;
    let check = |xml: &str| -> (String, BTreeMap<String, Vec<String>>) {
        let document = Document::parse(xml).unwrap();
        let root = document.root_element();
        let find = ns_child;
        let version = find(root, "software")
            .and_then(|s| s.attribute("jk_version"))
            .unwrap_or_default()
            .to_string();
        let mut report = BTreeMap::new();
        let balancers = find(root, "balancers").expect("{ns}balancers");
        for balancer in balancers
            .children()
            .filter(|n| n.tag_name() == (NS, "balancer").into())
        {
            for member in balancer
                .children()
                .filter(|n| n.tag_name() == (NS, "member").into())
            {
                let mut problems = Vec::new();
                let number = |attr: &str| member.attribute(attr).unwrap().parse::<i64>().unwrap();
                if number("errors") > 0 {
                    problems.push("errors".to_string());
                }
                if number("busy") > 100 {
                    problems.push("busy".into());
                }
                let state = member.attribute("state").unwrap();
                if state != "OK" && state != "OK/IDLE" {
                    problems.push(format!("state {state}"));
                }
                match member.attribute("activation").unwrap() {
                    "DIS" => problems.push("disabled".into()),
                    "STO" => problems.push("CRITICAL stopped".into()),
                    _ => {}
                }
                report.insert(
                    format!(
                        "{}/{}",
                        balancer.attribute("name").unwrap(),
                        member.attribute("name").unwrap()
                    ),
                    problems,
                );
            }
        }
        (version, report)
    };
    let (version, report) = check(&jk_ok(c.gate.addr, "mime=xml").await);
    assert_eq!(version, "mod_jk/1.2.48");
    assert_eq!(report["lb/w1"], Vec::<String>::new());
    assert_eq!(report["lb/w2"], vec!["errors", "state ERR"]);
    assert_eq!(report["lb/w3"], vec!["disabled"]);
    let answer = jk_ok(c.gate.addr, "cmd=update&w=lb&sw=w1&vwa=1&mime=xml").await;
    let results = support::status::xml_elements(&answer, "result");
    assert_eq!(results[0]["type"], "OK");
    let (_, report) = check(&jk_ok(c.gate.addr, "mime=xml").await);
    assert_eq!(report["lb/w1"], vec!["disabled"]);
    c.gate.shutdown().await;
}

/// Java's `String.split(regex)`: trailing empty strings removed.
fn java_split<'a>(text: &'a str, separator: &str) -> Vec<&'a str> {
    let mut parts: Vec<&str> = text.split(separator).collect();
    while parts.last() == Some(&"") {
        parts.pop();
    }
    parts
}

/// AppDynamics apache-monitoring-extension (JKStats.java): `?mime=prop` into a Guava multimap of the
/// lines that split into exactly two parts at `=`; every key containing `balance_workers` gives member
/// names; then `worker.<member>.<attr>` for each attr of its metrics.xml, first value or "0".
#[tokio::test]
async fn appdynamics_jk_stats() {
    let c = cluster().await;
    let text = jk_ok(c.gate.addr, "mime=prop").await;
    let mut multimap: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        let kv = java_split(line, "=");
        if kv.len() == 2 {
            multimap.push((kv[0].trim().to_string(), kv[1].trim().to_string()));
        }
    }
    let workers: Vec<&str> = multimap
        .iter()
        .filter(|(k, _)| k.contains("balance_workers"))
        .map(|(_, v)| v.as_str())
        .collect();
    assert_eq!(workers, ["w1", "w2", "w3"]);
    let attributes = [
        "connection_pool_timeout",
        "ping_timeout",
        "connect_timeout",
        "prepost_timeout",
        "reply_timeout",
        "retries",
        "connection_ping_interval",
        "recovery_options",
        "max_packet_size",
        "activation",
        "lbfactor",
        "distance",
        "lbmult",
        "lbvalue",
        "elected",
        "sessions",
        "errors",
        "client_errors",
        "reply_timeouts",
        "transferred",
        "read",
        "busy",
        "max_busy",
        "connected",
        "time_to_recover_min",
        "used",
        "map_count",
        "last_reset_ago",
    ];
    for worker in &workers {
        for attr in attributes {
            let key = format!("worker.{worker}.{attr}");
            let value = multimap
                .iter()
                .find(|(k, _)| *k == key)
                .map_or("0", |(_, v)| v.as_str());
            if attr == "activation" {
                // Their (commented-out) mapping: ACT 1, DIS 2, anything else 3.
                assert!(matches!(value, "ACT" | "DIS" | "STP"), "{key}={value}");
            } else {
                assert!(
                    value.parse::<f64>().is_ok(),
                    "{key}={value} is not a number"
                );
            }
        }
    }
    c.gate.shutdown().await;
}

/// JkstatusMonitoring (Java/Spring): (1) `/jkstatus?cmd=list&w=server&mime=prop` through Jsoup, whose
/// text joins all lines with spaces; tokens containing `worker.<name>.<field>` give activation, state,
/// busy, max_busy, connected, max_connected (`split("=")[1]`, `Long.parseLong`); (2) every line into
/// a JSON map, numbers as longs.
#[tokio::test]
async fn jkstatus_monitoring() {
    let c = cluster().await;
    let text = jk_ok(c.gate.addr, "cmd=list&w=server&mime=prop").await;
    let tokens: Vec<&str> = text.split_whitespace().collect();
    let mut seen = BTreeMap::new();
    for name in ["w1", "w2", "w3", "solo"] {
        let mut fields = BTreeMap::new();
        for token in &tokens {
            for field in [
                "activation",
                "state",
                "busy",
                "max_busy",
                "connected",
                "max_connected",
            ] {
                if token.contains(&format!("worker.{name}.{field}")) {
                    let parts = java_split(token, "=");
                    let value = parts.get(1).unwrap_or_else(|| panic!("{token}: no value"));
                    if !matches!(field, "activation" | "state") {
                        value
                            .parse::<i64>()
                            .unwrap_or_else(|_| panic!("{token}: Long.parseLong fails"));
                    }
                    fields.insert(field, value.to_string());
                }
            }
        }
        seen.insert(name, fields);
    }
    assert_eq!(seen["w1"]["activation"], "ACT");
    assert_eq!(seen["w2"]["state"], "ERR");
    assert_eq!(seen["w3"]["activation"], "DIS");
    assert!(seen["w1"].contains_key("max_connected"));
    assert!(
        !seen["solo"].contains_key("activation"),
        "a plain worker has no activation"
    );

    let mut json: HashMap<String, String> = HashMap::new();
    for line in text.lines() {
        let pair = java_split(line, "=");
        match pair.as_slice() {
            [] => {}
            [key] => {
                json.insert(key.to_string(), String::new());
            }
            [key, value, ..] => {
                let value = value
                    .parse::<i64>()
                    .map_or_else(|_| format!("\"{value}\""), |n| n.to_string());
                json.insert(key.to_string(), value);
            }
        }
    }
    assert_eq!(json["worker.w1.state"], "\"OK\"");
    assert!(json["worker.w1.elected"].parse::<i64>().unwrap() > 0);
    assert_eq!(json["worker.result.type"], "\"OK\"");
    c.gate.shutdown().await;
}

/// The Python Nagios check_modjk: `?command=list&mime=prop` (an unknown parameter: the default list),
/// regex `worker\..*\.state=.*`, a worker is flagged when its line does not end with "OK". mod_jk's
/// own OK/IDLE reads as a failure there, so it must be the same string here.
#[tokio::test]
async fn python_check_modjk() {
    let c = cluster().await;
    let text = jk_ok(c.gate.addr, "command=list&mime=prop").await;
    let flagged: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("worker.") && l.contains(".state="))
        .filter(|l| !l.ends_with("OK"))
        .collect();
    assert_eq!(flagged, ["worker.w2.state=ERR", "worker.w3.state=OK/IDLE"]);
    c.gate.shutdown().await;
}
