//! Shared by the `status_*` tests: a gateway with an lb of fake backends, a plain ajp13 worker and a
//! status worker, a jk-status client, and readers of the three machine formats.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use ajpgate::fakeajp::FakeBackend;

use super::Gate;

pub use super::fake;

/// A port on 127.0.0.1 where nothing listens.
pub fn dead_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `worker.list=lb,solo,jkstatus`: lb over `members` (name, port, extra `worker.<name>.*` lines), the
/// plain ajp13 worker `solo` at `solo_port`, the status worker `jkstatus`, and `extra` full lines.
pub fn properties(members: &[(&str, u16, &[&str])], solo_port: u16, extra: &[&str]) -> String {
    let names: Vec<&str> = members.iter().map(|(n, _, _)| *n).collect();
    let mut text = format!(
        "worker.list=lb,solo,jkstatus\nworker.lb.type=lb\nworker.lb.balance_workers={}\n",
        names.join(",")
    );
    for (name, port, lines) in members {
        text.push_str(&format!(
            "worker.{name}.type=ajp13\nworker.{name}.host=127.0.0.1\nworker.{name}.port={port}\n"
        ));
        for line in *lines {
            text.push_str(&format!("worker.{name}.{line}\n"));
        }
    }
    text.push_str(&format!(
        "worker.solo.type=ajp13\nworker.solo.host=127.0.0.1\nworker.solo.port={solo_port}\n"
    ));
    text.push_str("worker.jkstatus.type=status\n");
    for line in extra {
        text.push_str(line);
        text.push('\n');
    }
    text
}

/// The mounts every status test uses, as ajpgate `--mount`s.
pub const MOUNTS: [&str; 3] = ["/app/*=lb", "/solo=solo", "/jk-status=jkstatus"];

/// The same mounts as httpd's `JkMount`s.
pub const JK_MOUNTS: &str = "JkMount /app/* lb\nJkMount /solo solo\nJkMount /jk-status jkstatus\n";

/// GET `/jk-status?<query>` (or `path?query` when `query` starts with `/`); status and body.
pub async fn jk(addr: SocketAddr, query: &str) -> (u16, String) {
    let target = if query.starts_with('/') {
        query.to_string()
    } else {
        format!("/jk-status?{query}")
    };
    let seen = super::get(addr, &target).await;
    (seen.status.as_u16(), seen.text())
}

/// Like [`jk`], but the answer must be a 200.
pub async fn jk_ok(addr: SocketAddr, query: &str) -> String {
    let (status, body) = jk(addr, query).await;
    assert_eq!(status, 200, "{query}: {body}");
    body
}

pub async fn start(members: &[(&str, u16, &[&str])], solo_port: u16, extra: &[&str]) -> Gate {
    Gate::start(&properties(members, solo_port, extra), &MOUNTS).await
}

/// The usual bed: lb members w1 and w2 on live fake backends, and `solo`. Keep the backends alive.
pub async fn live_members(extra: &[&str]) -> (Gate, [FakeBackend; 3]) {
    let (w1, w2, solo) = (fake("w1").await, fake("w2").await, fake("solo").await);
    let members: [(&str, u16, &[&str]); 2] =
        [("w1", w1.addr().port(), &[]), ("w2", w2.addr().port(), &[])];
    let gate = start(&members, solo.addr().port(), extra).await;
    (gate, [w1, w2, solo])
}

/// Like [`live_members`], but w2's port has nothing listening.
pub async fn one_member_dead(extra: &[&str]) -> (Gate, [FakeBackend; 2]) {
    let (w1, solo) = (fake("w1").await, fake("solo").await);
    let members: [(&str, u16, &[&str]); 2] =
        [("w1", w1.addr().port(), &[]), ("w2", dead_port(), &[])];
    let gate = start(&members, solo.addr().port(), extra).await;
    (gate, [w1, solo])
}

/// `mime=prop` as a list of (key, value), split at the first `=`.
pub fn prop_pairs(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|line| line.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The last value of a prop key.
pub fn prop<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .rev()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// One `mime=txt` line: its label and its `key=value` pairs (quotes removed).
pub fn txt_line(line: &str) -> (String, Vec<(String, String)>) {
    let Some((label, rest)) = line.split_once(": ").or_else(|| line.split_once(':')) else {
        return (line.to_string(), Vec::new());
    };
    let mut pairs = Vec::new();
    let mut rest = rest.trim_start();
    while !rest.is_empty() {
        let Some((key, after)) = rest.split_once('=') else {
            break;
        };
        let (value, next) = if let Some(quoted) = after.strip_prefix('"') {
            match quoted.find('"') {
                Some(end) => (&quoted[..end], &quoted[end + 1..]),
                None => (quoted, ""),
            }
        } else {
            match after.find(' ') {
                Some(end) => (&after[..end], &after[end..]),
                None => (after, ""),
            }
        };
        pairs.push((key.trim().to_string(), value.to_string()));
        rest = next.trim_start();
    }
    (label.to_string(), pairs)
}

/// The attributes of every element with local name `name` (in the jk namespace), in document order.
pub fn xml_elements(text: &str, name: &str) -> Vec<BTreeMap<String, String>> {
    let options = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..roxmltree::ParsingOptions::default()
    };
    let document = roxmltree::Document::parse_with_options(text, options)
        .unwrap_or_else(|e| panic!("{e}:\n{text}"));
    document
        .descendants()
        .filter(|n| n.is_element() && n.tag_name().name() == name)
        .map(|n| {
            n.attributes()
                .map(|a| (a.name().to_string(), a.value().to_string()))
                .collect()
        })
        .collect()
}
