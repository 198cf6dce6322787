//! The status worker's numbers in Prometheus's text format (version 0.0.4).
//!
//! Served at the path named by `ajpgate.status.<worker>.metrics` (e.g. `/metrics`), which must also be
//! mounted to the status worker (`worker.<worker>.mount=/jk-status /metrics`). It is the same worker,
//! so the same access control applies; there is no second listener to secure. The values are the ones
//! jk-status shows, from the same snapshot, plus a histogram of backend time per ajp worker:
//!
//! * `ajpgate_lb_*{lb}` — members, their rating, requests in flight;
//! * `ajpgate_lb_member_*{lb,member}` — state and activation (one series per possible value, 1 for the
//!   current one), load factor and value, sessions, lb-level errors;
//! * `ajpgate_worker_*{worker,lb}` — per ajp worker (lb members included, `lb=""` for a standalone
//!   worker): requests, errors, client errors, reply timeouts, bytes each way, busy and pool
//!   connections, and `ajpgate_worker_backend_seconds`, the time of each attempt from sending the
//!   request to the end of the response.
//!
//! Counters restart from zero after a jk-status reset; Prometheus reads that as a counter reset.

use std::fmt::Write;

use super::model::{AjpModel, Snapshot};
use crate::balancer::MemberState;
use crate::vocabulary::Activation;

pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

const STATES: [MemberState; 7] = [
    MemberState::OkIdle,
    MemberState::Ok,
    MemberState::ErrRec,
    MemberState::ErrFrc,
    MemberState::OkBusy,
    MemberState::Err,
    MemberState::ErrPrb,
];

const ACTIVATIONS: [Activation; 3] = [
    Activation::Active,
    Activation::Disabled,
    Activation::Stopped,
];

/// One metric family: HELP and TYPE, then its samples.
struct Family {
    name: &'static str,
    help: &'static str,
    kind: &'static str,
    samples: String,
}

impl Family {
    fn new(name: &'static str, kind: &'static str, help: &'static str) -> Family {
        Family {
            name,
            help,
            kind,
            samples: String::new(),
        }
    }

    fn sample(&mut self, labels: &[(&str, &str)], value: impl std::fmt::Display) {
        self.sample_named(self.name, labels, value);
    }

    fn sample_named(&mut self, name: &str, labels: &[(&str, &str)], value: impl std::fmt::Display) {
        self.samples.push_str(name);
        if !labels.is_empty() {
            self.samples.push('{');
            for (i, (key, val)) in labels.iter().enumerate() {
                if i > 0 {
                    self.samples.push(',');
                }
                let _ = write!(self.samples, "{key}=\"{}\"", escape(val));
            }
            self.samples.push('}');
        }
        let _ = writeln!(self.samples, " {value}");
    }

    fn write(&self, out: &mut String) {
        if self.samples.is_empty() {
            return;
        }
        let _ = writeln!(out, "# HELP {} {}", self.name, self.help);
        let _ = writeln!(out, "# TYPE {} {}", self.name, self.kind);
        out.push_str(&self.samples);
    }
}

/// Label values escape `\`, `"` and newlines.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// The whole exposition.
pub fn render(snapshot: &Snapshot, version: &str, jk_version: &str) -> String {
    let mut out = String::with_capacity(16 * 1024);
    let mut info = Family::new(
        "ajpgate_info",
        "gauge",
        "ajpgate's version and the mod_jk version whose jk-status it reproduces.",
    );
    info.sample(&[("version", version), ("jk_version", jk_version)], 1);
    info.write(&mut out);

    lb_families(snapshot, &mut out);

    let mut workers: Vec<(&AjpModel, &str)> = Vec::new();
    for lb in &snapshot.lbs {
        workers.extend(lb.members.iter().map(|m| (&m.ajp, lb.name.as_str())));
    }
    workers.extend(snapshot.ajps.iter().map(|a| (a, "")));
    worker_families(&workers, &mut out);
    tunnel_families(&workers, &mut out);
    out
}

/// The upgrade tunnels of the workers that relay upgrades to an HTTP connector (docs/websocket.md);
/// nothing at all when none does.
fn tunnel_families(workers: &[(&AjpModel, &str)], out: &mut String) {
    let mut upgrades = Family::new(
        "ajpgate_worker_upgrades_total",
        "counter",
        "Upgrade requests the worker's HTTP connector accepted (101).",
    );
    let mut refused = Family::new(
        "ajpgate_worker_upgrades_refused_total",
        "counter",
        "Upgrade requests the worker's HTTP connector answered with another status.",
    );
    let mut errors = Family::new(
        "ajpgate_worker_upgrade_errors_total",
        "counter",
        "Upgrade attempts that got no response head from the worker's HTTP connector.",
    );
    let mut open = Family::new(
        "ajpgate_worker_tunnels_open",
        "gauge",
        "Upgraded connections relayed to the worker now.",
    );
    let mut bytes = Family::new(
        "ajpgate_worker_tunnel_bytes_total",
        "counter",
        "Bytes relayed through the worker's tunnels after the 101, by direction.",
    );
    for (ajp, lb) in workers {
        let Some(t) = ajp.tunnels else { continue };
        let labels = [("worker", ajp.name.as_str()), ("lb", *lb)];
        upgrades.sample(&labels, t.upgrades);
        refused.sample(&labels, t.refused);
        errors.sample(&labels, t.failures);
        open.sample(&labels, t.open);
        for (direction, value) in [
            ("to_backend", t.bytes_to_backend),
            ("to_client", t.bytes_to_client),
        ] {
            let labels = [labels[0], labels[1], ("direction", direction)];
            bytes.sample(&labels, value);
        }
    }
    for family in [upgrades, refused, errors, open, bytes] {
        family.write(out);
    }
}

fn lb_families(snapshot: &Snapshot, out: &mut String) {
    let mut members = Family::new("ajpgate_lb_members", "gauge", "Members of the lb worker.");
    let mut rated = Family::new(
        "ajpgate_lb_members_rated",
        "gauge",
        "Members by jk-status rating (the status worker's good and bad rules).",
    );
    let mut busy = Family::new(
        "ajpgate_lb_busy",
        "gauge",
        "Requests in flight through the lb worker.",
    );
    let mut max_busy = Family::new(
        "ajpgate_lb_max_busy",
        "gauge",
        "Most requests in flight through the lb worker at once since the last reset.",
    );
    let mut state = Family::new(
        "ajpgate_lb_member_state",
        "gauge",
        "1 for the member's current jk-status state, 0 for the others.",
    );
    let mut activation = Family::new(
        "ajpgate_lb_member_activation",
        "gauge",
        "1 for the member's current activation (ACT, DIS, STP), 0 for the others.",
    );
    let mut factor = Family::new(
        "ajpgate_lb_member_lbfactor",
        "gauge",
        "The member's lbfactor.",
    );
    let mut value = Family::new(
        "ajpgate_lb_member_lbvalue",
        "gauge",
        "The member's current load value (lower is preferred).",
    );
    let mut sessions = Family::new(
        "ajpgate_lb_member_sessions_total",
        "counter",
        "Requests without a session sent to the member (new sessions).",
    );
    let mut errors = Family::new(
        "ajpgate_lb_member_errors_total",
        "counter",
        "Attempts on the member that the lb counted as the member's failure.",
    );
    for lb in &snapshot.lbs {
        let l = [("lb", lb.name.as_str())];
        members.sample(&l, lb.members.len());
        for (rating, count) in [
            ("good", lb.good),
            ("degraded", lb.degraded),
            ("bad", lb.bad),
        ] {
            rated.sample(&[("lb", &lb.name), ("rating", rating)], count);
        }
        busy.sample(&l, lb.busy);
        max_busy.sample(&l, lb.max_busy);
        for m in &lb.members {
            let ml = [("lb", lb.name.as_str()), ("member", m.ajp.name.as_str())];
            for s in STATES {
                let labels = [ml[0], ml[1], ("state", s.as_str())];
                state.sample(&labels, u8::from(s == m.state));
            }
            for a in ACTIVATIONS {
                let labels = [ml[0], ml[1], ("activation", a.as_str())];
                activation.sample(&labels, u8::from(a == m.activation));
            }
            factor.sample(&ml, m.lbfactor);
            value.sample(&ml, m.lbvalue);
            sessions.sample(&ml, m.sessions);
            errors.sample(&ml, m.errors);
        }
    }
    for family in [
        members, rated, busy, max_busy, state, activation, factor, value, sessions, errors,
    ] {
        family.write(out);
    }
}

/// Picks one number of an ajp worker.
type Pick = fn(&AjpModel) -> u64;

/// The per-worker families with one sample per worker: name, type, help and the number.
const WORKER_FAMILIES: [(&str, &str, &str, Pick); 11] = [
    (
        "ajpgate_worker_requests_total",
        "counter",
        "Attempts sent to the worker (mod_jk's elected/used).",
        |a| a.used,
    ),
    (
        "ajpgate_worker_errors_total",
        "counter",
        "Requests that failed on the worker.",
        |a| a.errors,
    ),
    (
        "ajpgate_worker_client_errors_total",
        "counter",
        "Requests that failed on the client's side.",
        |a| a.client_errors,
    ),
    (
        "ajpgate_worker_reply_timeouts_total",
        "counter",
        "Requests that hit the reply timeout.",
        |a| a.reply_timeouts,
    ),
    (
        "ajpgate_worker_sent_bytes_total",
        "counter",
        "Request body bytes sent to the backend (mod_jk's transferred).",
        |a| a.transferred,
    ),
    (
        "ajpgate_worker_received_bytes_total",
        "counter",
        "Response body bytes read from the backend (mod_jk's read).",
        |a| a.read,
    ),
    (
        "ajpgate_worker_busy",
        "gauge",
        "Requests in flight on the worker.",
        |a| a.busy,
    ),
    (
        "ajpgate_worker_max_busy",
        "gauge",
        "Most requests in flight on the worker at once since the last reset.",
        |a| a.max_busy,
    ),
    (
        "ajpgate_worker_connections",
        "gauge",
        "Open backend connections (idle or in use).",
        |a| a.connected,
    ),
    (
        "ajpgate_worker_max_connections",
        "gauge",
        "Most open backend connections since the last reset.",
        |a| a.max_connected,
    ),
    (
        "ajpgate_worker_in_error",
        "gauge",
        "1 when the last request that ended on the worker failed.",
        |a| u64::from(a.state == "ERR"),
    ),
];
fn worker_families(workers: &[(&AjpModel, &str)], out: &mut String) {
    for (name, kind, help, pick) in WORKER_FAMILIES {
        let mut family = Family::new(name, kind, help);
        for (ajp, lb) in workers {
            family.sample(&[("worker", &ajp.name), ("lb", lb)], pick(ajp));
        }
        family.write(out);
    }
    backend_histogram(workers, out);
}

/// `ajpgate_worker_backend_seconds`, for the workers that are running.
fn backend_histogram(workers: &[(&AjpModel, &str)], out: &mut String) {
    let mut histogram = Family::new(
        "ajpgate_worker_backend_seconds",
        "histogram",
        "Time of each attempt on the worker, from sending the request to the end of the response.",
    );
    for (ajp, lb) in workers {
        let Some(worker) = &ajp.worker else {
            continue;
        };
        let snapshot = worker.stats().backend_time.snapshot();
        for (bound, count) in &snapshot.buckets {
            let le = bound.to_string();
            histogram.sample_named(
                "ajpgate_worker_backend_seconds_bucket",
                &[("worker", &ajp.name), ("lb", lb), ("le", &le)],
                count,
            );
        }
        let labels = [("worker", ajp.name.as_str()), ("lb", *lb)];
        histogram.sample_named(
            "ajpgate_worker_backend_seconds_bucket",
            &[labels[0], labels[1], ("le", "+Inf")],
            snapshot.count,
        );
        histogram.sample_named(
            "ajpgate_worker_backend_seconds_sum",
            &labels,
            snapshot.sum_seconds,
        );
        histogram.sample_named(
            "ajpgate_worker_backend_seconds_count",
            &labels,
            snapshot.count,
        );
    }
    histogram.write(out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
