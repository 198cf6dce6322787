//! jk-status differential: a private httpd + mod_jk 1.2.48 and ajpgate run the same workers.properties
//! (an lb over four members — healthy, dead, disabled, stopped —, a plain ajp13 worker and the status
//! worker) against the same fake backends, get the same traffic, and must answer every query with the
//! same structure: the same lines, elements, attributes and keys in the same order and indentation,
//! and the same state, activation and configuration values. Values that are ajpgate's own (counters,
//! times, the server banner, the listening port) may differ.
//!
//! It fails, not skips, when httpd or mod_jk is missing (`tests/testbed/httpd.sh`).

mod support;

use std::net::SocketAddr;

use support::modjk::{Httpd, gate_with_map, require_httpd};
use support::status::{JK_MOUNTS, dead_port, fake, jk, properties, txt_line};

/// Keys whose values come from configuration or state, so both must print the same.
const SAME_VALUE: &[&str] = &[
    "type",
    "name",
    "count",
    "activation",
    "state",
    "method",
    "lock",
    "sticky_session",
    "sticky_session_force",
    "retries",
    "recover_time",
    "error_escalation_time",
    "max_reply_timeouts",
    "member_count",
    "good",
    "degraded",
    "bad",
    "map_count",
    "host",
    "port",
    "address",
    "source",
    "connection_pool_timeout",
    "ping_timeout",
    "connect_timeout",
    "prepost_timeout",
    "reply_timeout",
    "connection_ping_interval",
    "recovery_options",
    "busy_limit",
    "max_packet_size",
    "lbfactor",
    "route",
    "redirect",
    "domain",
    "distance",
    "lbmult",
    "id",
    "uri",
    "sticky_ignore",
    "stateless",
    "fail_on_status",
    "active",
    "disabled",
    "stopped",
    "use_server_errors",
    "message",
    "jk_version",
    "list",
    "balance_workers",
    "lb_count",
    "ajp_count",
];

fn same_value(key: &str) -> bool {
    SAME_VALUE.contains(&key)
}

/// One line of output reduced to what must match: its shape, and its value when it must match too.
fn xml_shape(text: &str) -> Vec<String> {
    text.lines()
        .map(|line| {
            let indent = line.len() - line.trim_start().len();
            let trimmed = line.trim_start();
            match trimmed.split_once("=\"") {
                Some((key, value)) if !trimmed.starts_with('<') || trimmed.starts_with("xmlns") => {
                    let value = value.trim_end_matches('"');
                    if same_value(key) || key.starts_with("xmlns") {
                        format!("{indent}|{key}={value}")
                    } else {
                        format!("{indent}|{key}=*")
                    }
                }
                _ => format!("{indent}|{trimmed}"),
            }
        })
        .collect()
}

fn prop_shape(text: &str) -> Vec<String> {
    text.lines()
        .map(|line| match line.split_once('=') {
            Some((key, value)) => {
                let last = key.rsplit('.').next().unwrap_or(key);
                // The result's `type` is OK/ERROR; the other `type`s are worker and map types.
                if same_value(last) {
                    format!("{key}={value}")
                } else {
                    format!("{key}=*")
                }
            }
            None => line.to_string(),
        })
        .collect()
}

fn txt_shape(text: &str) -> Vec<String> {
    text.lines()
        .map(|line| {
            let (label, pairs) = txt_line(line);
            if label == "Configuration" || label.starts_with("worker.") {
                return line.to_string();
            }
            let fields: Vec<String> = pairs
                .iter()
                .map(|(k, v)| {
                    if same_value(k) || (label == "Result" && k == "type") {
                        format!("{k}={v}")
                    } else {
                        format!("{k}=*")
                    }
                })
                .collect();
            format!("{label}: {}", fields.join(" "))
        })
        .collect()
}

fn shape(query: &str, text: &str) -> Vec<String> {
    if query.contains("mime=xml") {
        xml_shape(text)
    } else if query.contains("mime=txt") {
        txt_shape(text)
    } else {
        prop_shape(text)
    }
}

/// Every line that differs, side by side.
fn differences(modjk: &[String], gate: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for i in 0..modjk.len().max(gate.len()) {
        let (a, b) = (modjk.get(i), gate.get(i));
        if a != b {
            out.push(format!(
                "line {}:\n  mod_jk:  {}\n  ajpgate: {}",
                i + 1,
                a.map_or("<none>", String::as_str),
                b.map_or("<none>", String::as_str)
            ));
        }
    }
    out
}

async fn compare(modjk: SocketAddr, gate: SocketAddr, query: &str, failures: &mut Vec<String>) {
    let (status_a, a) = jk(modjk, query).await;
    let (status_b, b) = jk(gate, query).await;
    if status_a != status_b {
        failures.push(format!(
            "{query}: HTTP {status_a} from mod_jk, {status_b} from ajpgate"
        ));
    }
    if query.contains("mime=xml") {
        for (who, text) in [("mod_jk", &a), ("ajpgate", &b)] {
            if let Err(e) = roxmltree::Document::parse(text) {
                failures.push(format!("{query}: {who}'s XML does not parse: {e}"));
            }
        }
    }
    let diff = differences(&shape(query, &a), &shape(query, &b));
    if !diff.is_empty() {
        failures.push(format!(
            "{query}: {} lines differ\n{}\n--- mod_jk:\n{a}\n--- ajpgate:\n{b}",
            diff.len(),
            diff.join("\n")
        ));
    }
}

const FORMATS: [&str; 3] = ["xml", "prop", "txt"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jk_status_has_mod_jk_1_2_48s_structure_and_vocabulary() {
    require_httpd();
    let w1 = fake("w1").await;
    let w3 = fake("w3").await;
    let solo = fake("solo").await;
    let w1_port = w1.addr().port();
    let members: [(&str, u16, &[&str]); 4] = [
        ("w1", w1_port, &[]),
        ("w2", dead_port(), &[]),
        ("w3", w3.addr().port(), &["activation=disabled"]),
        ("w4", w1_port, &["activation=stopped", "lbfactor=2"]),
    ];
    let workers = properties(&members, solo.addr().port(), &[]);
    let httpd = Httpd::start(&workers, None, JK_MOUNTS);
    let mounts: Vec<String> = support::status::MOUNTS
        .iter()
        .map(|m| m.to_string())
        .collect();
    let gate = gate_with_map(&workers, None, &mounts).await;

    // The same traffic: w2 is dead, so both put it in ERR and fail over to w1.
    for addr in [httpd.addr, gate.addr] {
        for _ in 0..4 {
            assert_eq!(jk(addr, "/app/x").await.0, 200);
        }
        assert_eq!(jk(addr, "/solo").await.0, 200);
    }

    let mut queries = Vec::new();
    for mime in FORMATS {
        for query in [
            "",
            "cmd=list&",
            "cmd=show&w=lb&",
            "cmd=show&w=lb&sw=w2&",
            "cmd=show&w=lb&sw=w1&",
            "cmd=show&w=solo&",
            "cmd=show&w=jkstatus&",
            "cmd=version&",
            "opt=1&",
            "opt=2&",
            "opt=8&",
            "opt=16&",
            "opt=3&cmd=show&w=lb&",
            "cmd=edit&w=lb&",
            "cmd=bogus&",
            "cmd=show&",
            "cmd=show&w=&",
            "cmd=show&w=nope&",
            "cmd=show&w=w1&",
            "cmd=show&w=lb&sw=&",
            "cmd=show&w=lb&sw=nope&",
            "cmd=show&w=lb&sw=w*&",
            "cmd=show&w=lb&sw=w%3F&",
            "cmd=show&w=solo&sw=w1&",
            "cmd=reset&w=solo&sw=x&",
            "cmd=recover&w=lb&sw=w1&",
            "cmd=recover&w=solo&",
            "cmd=update&w=jkstatus&",
            "cmd=update&w=lb&sw=nope&",
            "cmd=show&w=l%62&",
        ] {
            queries.push(format!("{query}mime={mime}"));
        }
    }
    queries.push("mime=bogus".into());
    queries.push("cmd=list&mime=prop&mime=txt".into());

    let mut failures = Vec::new();
    for query in &queries {
        compare(httpd.addr, gate.addr, query, &mut failures).await;
    }

    // Changes made through the status worker read back the same way on both.
    for update in [
        "cmd=update&w=lb&sw=w3&vwa=A&mime=txt",
        "cmd=update&w=lb&vlm=B&vls=0&vlr=3&vlt=90&mime=xml",
        "cmd=update&w=lb&sw=w*&vwd=2&mime=prop",
        "cmd=update&w=lb&att=vwf&val0=3&val1=1&val2=2&val3=0&mime=txt",
        "cmd=update&w=lb&sw=w4&vwn=w4.zone&mime=txt",
        "cmd=update&w=lb&sw=w1&vart=5000&var=3&varo=1&mime=txt",
        "cmd=update&w=solo&vart=7000&vabl=9&mime=prop",
        // ERR → ERR/REC by hand, then a member reset (OK/IDLE, error time gone).
        "cmd=recover&w=lb&sw=w2&mime=txt",
        "cmd=show&w=lb&sw=w2&mime=xml",
        "cmd=list&mime=prop",
        "cmd=reset&w=lb&sw=w2&mime=prop",
        "cmd=show&w=lb&mime=txt",
        "cmd=reset&w=solo&mime=xml",
    ] {
        compare(httpd.addr, gate.addr, update, &mut failures).await;
    }
    // Pool-level settings: host, port, probes, pool timeout and packet size, with mod_jk's checks
    // (ranges, names that are too long, addresses that do not resolve) and messages.
    let long_name = "r".repeat(70);
    let solo_to_w1 = format!("cmd=update&w=solo&vaprt={w1_port}&vacpt=45&mime=txt");
    for update in [
        "cmd=update&w=lb&sw=w*&vacpt=30&vapng=5000&vact=2000&vapt=1500&vacpi=20&mime=txt",
        "cmd=update&w=lb&att=vacpt&val0=10&val1=11&val2=12&val3=13&mime=prop",
        "cmd=update&w=lb&sw=w1&vamps=16000&mime=prop",
        "cmd=update&w=lb&sw=w3&vaprt=0&vamps=100&vacpi=0&mime=prop",
        "cmd=update&w=lb&sw=w1&vahst=localhost&mime=txt",
        "cmd=update&w=lb&sw=w1&vahst=no-such-host.invalid&vart=2500&mime=prop",
        "cmd=update&w=solo&vahst=no-such-host.invalid&vapt=900&mime=prop",
        &format!("cmd=update&w=lb&sw=w4&vahst={long_name}&mime=prop"),
        &format!("cmd=update&w=lb&sw=w4&vwn={long_name}&vwd=7&mime=prop"),
        &format!("cmd=update&w=lb&sw=w2&vaprt={}&mime=prop", w3.addr().port()),
        &solo_to_w1,
        "cmd=show&w=lb&sw=w2&mime=prop",
    ] {
        compare(httpd.addr, gate.addr, update, &mut failures).await;
    }
    // The moved worker is served from its new address by both.
    for addr in [httpd.addr, gate.addr] {
        let seen = support::get(addr, "/solo").await;
        assert_eq!(
            seen.headers.get("x-fake-node").map(|v| v.to_str().unwrap()),
            Some("w1"),
            "{addr}: /solo after moving solo to w1's port"
        );
    }
    for mime in FORMATS {
        compare(
            httpd.addr,
            gate.addr,
            &format!("cmd=list&mime={mime}"),
            &mut failures,
        )
        .await;
    }

    assert!(
        failures.is_empty(),
        "{} of {} jk-status answers differ in structure from mod_jk 1.2.48:\n\n{}\n\nmod_jk log:\n{}",
        failures.len(),
        queries.len() + 28,
        failures.join("\n\n"),
        httpd
            .mod_jk_log()
            .lines()
            .rev()
            .take(20)
            .collect::<Vec<_>>()
            .join("\n")
    );
    gate.shutdown().await;
}
