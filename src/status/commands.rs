//! The commands that change workers: `update`, `reset` and `recover`, with mod_jk 1.2.48's checks,
//! value ranges and messages (modjk.md §5.2).
//!
//! Member and lb changes go straight to the running lb (its member table and its settings), so the next
//! request is routed by them. Of the ajp settings, those a request reads (`reply_timeout`, `retries`,
//! `retry_interval`, `recovery_options`, `busy_limit`) change at once too. The ones that belong to the
//! connection pool (`host`, `port`, `connection_pool_timeout`, `ping_timeout`, `connect_timeout`,
//! `prepost_timeout`, `connection_ping_interval`, `max_packet_size`) cannot change while ajpgate runs: a
//! request to change one of them is answered with mod_jk's `Update failed (at least partially)` and
//! names the attribute; the other changes of the same request still apply, as in mod_jk. Edit
//! workers.properties and reload instead. As in mod_jk, a value equal to the current one, or outside
//! the accepted range, is no change.

use std::sync::Arc;

use super::model::{AjpModel, Snapshot};
use super::params::{Params, atoi};
use crate::backend::AjpWorker;
use crate::balancer::LbWorker;
use crate::balancer::state::Member;
use crate::config::workers::{Activation, LbLock, LbMethod, WorkerDef};
use crate::gateway::{Gateway, Target};

/// Answers an update code with the value requested for it.
type Edits<'p> = dyn Fn(&str) -> Option<&'p str> + 'p;

/// mod_jk keeps names in 64-byte shared-memory fields.
const MAX_STRING: usize = 63;

/// mod_jk's `check_worker`: `w` must name a worker of `worker.list`, and `sw` a member of it.
pub fn check_worker(gateway: &Gateway, params: &Params, wildcard_ok: bool) -> Result<(), String> {
    let worker = params.get("w").unwrap_or_default();
    if worker.is_empty() {
        return Err("NULL or EMPTY worker param".into());
    }
    let sub_worker = params.get("sw");
    if sub_worker == Some("") {
        return Err("EMPTY sub worker param".into());
    }
    let def = find_worker(gateway, worker)?;
    if let Some(sub_worker) = sub_worker {
        let wildcard = sub_worker.contains(['*', '?']);
        if wildcard && !wildcard_ok {
            return Err("wildcard not allowed in sub worker for this command".into());
        }
        let WorkerDef::Lb(lb) = def else {
            return Err("worker type has no sub workers".into());
        };
        let found = lb
            .members
            .iter()
            .any(|m| member_matches(&m.name, sub_worker, wildcard));
        if !found {
            return Err("could not find sub worker".into());
        }
    }
    Ok(())
}

fn find_worker<'a>(gateway: &'a Gateway, name: &str) -> Result<&'a WorkerDef, String> {
    let workers = gateway.workers();
    match workers.get(name) {
        Some(def) if workers.is_listed(name) => Ok(def),
        _ => Err("Could not find given worker".into()),
    }
}

fn member_matches(name: &str, pattern: &str, wildcard: bool) -> bool {
    if wildcard {
        wildchar_match(name.as_bytes(), pattern.as_bytes())
    } else {
        name == pattern
    }
}

/// mod_jk's `jk_wildchar_match`, case-sensitive: `*` any run of bytes, `?` one byte.
fn wildchar_match(text: &[u8], pattern: &[u8]) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some((b'*', rest)) => (0..=text.len()).any(|skip| wildchar_match(&text[skip..], rest)),
        Some((&p, rest)) => match text.split_first() {
            Some((&t, text_rest)) => (p == b'?' || p == t) && wildchar_match(text_rest, rest),
            None => false,
        },
    }
}

/// `cmd=update`; `snapshot` holds the current values changes are compared with.
pub fn update(gateway: &Gateway, snapshot: &Snapshot, params: &Params) -> Result<(), String> {
    let name = params.get("w").unwrap_or_default();
    match (find_worker(gateway, name)?, gateway.target(name)) {
        (WorkerDef::Lb(_), Some(Target::Lb(lb))) => {
            let Some(model) = snapshot.lb(name) else {
                return Err("Update failed".into());
            };
            match params.get("sw").filter(|sw| !sw.is_empty()) {
                None => match params.get("att") {
                    Some(attribute) => update_all_members(lb, model, params, attribute),
                    None => {
                        update_lb(lb, params);
                        Ok(())
                    }
                },
                Some(pattern) => update_members(lb, model, params, pattern),
            }
        }
        (WorkerDef::Ajp13(_), target) => {
            let Some(model) = snapshot.ajp(name) else {
                return Err("Update failed".into());
            };
            let worker = match target {
                Some(Target::Ajp(worker)) => Some(worker),
                _ => None,
            };
            let edits = |code: &str| params.get(code);
            commit_ajp(model, worker, &edits as &Edits<'_>)
                .map_err(|what| format!("{what} for worker '{name}'."))
        }
        _ => Err("Update failed".into()),
    }
}

/// The lb's own settings (`vl*`); mod_jk reports no failure here.
fn update_lb(lb: &LbWorker, params: &Params) {
    use std::time::Duration;
    let positive = |key: &str| params.get(key).map(atoi).filter(|&v| v > 0);
    lb.update_settings(|s| {
        if let Some(retries) = positive("vlr") {
            s.rounds = u32::try_from(retries).unwrap_or(u32::MAX);
        }
        if let Some(ms) = positive("vlri") {
            s.retry_interval = Duration::from_millis(ms.unsigned_abs());
        }
        if let Some(seconds) = positive("vlt") {
            s.timing.recover_time = Duration::from_secs(seconds.unsigned_abs());
        }
        if let Some(seconds) = positive("vlee") {
            s.timing.error_escalation_time = Duration::from_secs(seconds.unsigned_abs());
        }
        if let Some(max) = params.get("vlx").map(atoi).filter(|&v| v >= 0) {
            s.timing.max_reply_timeouts = u32::try_from(max).unwrap_or(u32::MAX);
        }
        s.sticky_session = params.boolean("vls", s.sticky_session);
        s.sticky_session_force = params.boolean("vlf", s.sticky_session_force);
        if let Some(lock) = params.get("vll") {
            s.lock = lock_code(lock);
        }
    });
    if let Some(method) = params.get("vlm") {
        lb.set_method(method_code(method));
    }
}

/// `sw` given: each matching member in turn, stopping at the first failure.
fn update_members(
    lb: &LbWorker,
    model: &super::model::LbModel,
    params: &Params,
    pattern: &str,
) -> Result<(), String> {
    let wildcard = pattern.contains(['*', '?']);
    let edits = |code: &str| params.get(code);
    let edits: &Edits<'_> = &edits;
    for member in model
        .members
        .iter()
        .filter(|m| member_matches(&m.ajp.name, pattern, wildcard))
    {
        if let Err(what) = commit_member(lb, member, edits) {
            let mut message = format!("{what} for sub worker '{}'.", member.ajp.name);
            if wildcard {
                message.push_str(" Aborting further wildcard updates.");
            }
            return Err(message);
        }
    }
    Ok(())
}

/// `att` given: one attribute of every member, each from its own `val<index>`.
fn update_all_members(
    lb: &LbWorker,
    model: &super::model::LbModel,
    params: &Params,
    attribute: &str,
) -> Result<(), String> {
    const ATTRIBUTES: [&str; 17] = [
        "vwa", "vwf", "vwn", "vwr", "vwc", "vwd", "vacpt", "vapng", "vact", "vapt", "vart", "var",
        "vari", "vacpi", "varo", "vabl", "vamps",
    ];
    if !ATTRIBUTES.contains(&attribute) {
        return Ok(());
    }
    for (index, member) in model.members.iter().enumerate() {
        let key = format!("val{index}");
        let edits = |code: &str| {
            if code == attribute {
                params.get(&key)
            } else {
                None
            }
        };
        commit_member(lb, member, &edits as &Edits<'_>)
            .map_err(|what| format!("{what} for sub worker '{}'.", member.ajp.name))?;
    }
    Ok(())
}

/// One member: its lb values, then its ajp settings. `edits` answers an update code.
fn commit_member<'p>(
    lb: &LbWorker,
    member: &super::model::MemberModel,
    edits: &Edits<'p>,
) -> Result<(), String> {
    let int = |code: &str, current: i64, min: i64| {
        edits(code).map(atoi).filter(|&v| v != current && v >= min)
    };
    let activation = edits("vwa")
        .map(activation_code)
        .filter(|&a| a != member.activation);
    let lbfactor = int("vwf", i64::from(member.lbfactor), 1);
    let distance = int("vwd", i64::from(member.distance), 0);
    let text =
        |code: &str, current: &str| edits(code).map(truncate).filter(|value| value != current);
    let route = text("vwn", &member.route);
    let redirect = text("vwr", &member.redirect);
    let domain = text("vwc", &member.domain);
    let changed = activation.is_some()
        || lbfactor.is_some()
        || distance.is_some()
        || route.is_some()
        || redirect.is_some()
        || domain.is_some();
    if changed {
        lb.update_member(&member.ajp.name, |m: &mut Member| {
            if let Some(activation) = activation {
                m.activation = activation;
            }
            if let Some(factor) = lbfactor {
                m.lbfactor = u32::try_from(factor).unwrap_or(u32::MAX);
            }
            if let Some(route) = route {
                if m.domain.is_empty()
                    && let Some((domain, _)) = route.split_once('.')
                {
                    m.domain = domain.to_string();
                }
                m.route = route;
            }
            if let Some(redirect) = redirect {
                m.redirect = redirect;
            }
            if let Some(domain) = domain {
                m.domain = domain;
            }
            if let Some(distance) = distance {
                m.distance = u32::try_from(distance).unwrap_or(u32::MAX);
            }
        });
        if activation.is_some() {
            lb.reset_lb_values();
        }
    }
    let worker = lb
        .workers()
        .iter()
        .find(|w| w.name() == member.ajp.name)
        .cloned();
    commit_ajp(&member.ajp, worker.as_ref(), edits)
}

/// The ajp settings of a member or a standalone worker. `Err` carries mod_jk's message prefix and
/// what could not be changed.
fn commit_ajp<'p>(
    ajp: &AjpModel,
    worker: Option<&Arc<AjpWorker>>,
    edits: &Edits<'p>,
) -> Result<(), String> {
    let int = |code: &str, current: i64, min: i64, max: i64| {
        edits(code)
            .map(atoi)
            .filter(|&v| v != current && (min..=max).contains(&v))
    };
    let max = i64::from(i32::MAX);
    let to_i64 = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    let mut fixed = Vec::new();
    let mut refuse = |changed: bool, what: &'static str| {
        if changed {
            fixed.push(what);
        }
    };
    refuse(
        int("vacpt", to_i64(ajp.connection_pool_timeout), 0, max).is_some(),
        "connection_pool_timeout",
    );
    refuse(int("vaprt", i64::from(ajp.port), 0, max).is_some(), "port");
    refuse(
        edits("vahst").is_some_and(|host| truncate(host) != ajp.host),
        "host",
    );
    refuse(
        int("vapng", to_i64(ajp.ping_timeout), 0, max).is_some(),
        "ping_timeout",
    );
    refuse(
        int("vact", to_i64(ajp.connect_timeout), 0, max).is_some(),
        "connect_timeout",
    );
    refuse(
        int("vapt", to_i64(ajp.prepost_timeout), 0, max).is_some(),
        "prepost_timeout",
    );
    let reply_timeout = int("vart", to_i64(ajp.reply_timeout), 0, max);
    let retries = int("var", i64::from(ajp.retries), 1, max);
    let retry_interval = int("vari", to_i64(ajp.retry_interval), 1, max);
    refuse(
        int("vacpi", to_i64(ajp.connection_ping_interval), 1, max).is_some(),
        "connection_ping_interval",
    );
    let recovery_options = int("varo", i64::from(ajp.recovery_options), 0, max);
    let busy_limit = int("vabl", i64::from(ajp.busy_limit), 0, max);
    let packet = edits("vamps")
        .map(atoi)
        .filter(|v| (8192..=65536).contains(v));
    let packet = packet.map(|v| (v + 1023) / 1024 * 1024);
    refuse(
        packet.is_some_and(|v| v != to_i64(ajp.max_packet_size as u64)),
        "max_packet_size",
    );
    let changes = reply_timeout.is_some()
        || retries.is_some()
        || retry_interval.is_some()
        || recovery_options.is_some()
        || busy_limit.is_some();
    match worker {
        Some(worker) if changes => worker.update_config(|s| {
            use std::time::Duration;
            let positive = |v: i64| v.unsigned_abs();
            if let Some(ms) = reply_timeout {
                s.reply_timeout = Duration::from_millis(positive(ms));
            }
            if let Some(n) = retries {
                s.retries = u32::try_from(n).unwrap_or(u32::MAX);
            }
            if let Some(ms) = retry_interval {
                s.retry_interval = Duration::from_millis(positive(ms));
            }
            if let Some(bits) = recovery_options {
                s.recovery_options = u32::try_from(bits).unwrap_or(u32::MAX);
            }
            if let Some(limit) = busy_limit {
                s.busy_limit = u32::try_from(limit).unwrap_or(u32::MAX);
            }
        }),
        None if changes => fixed.push("settings of a worker that is not running"),
        _ => {}
    }
    if fixed.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "Update failed (at least partially): ajpgate cannot change {} at run time",
            fixed.join(", ")
        ))
    }
}

/// `cmd=reset`.
pub fn reset(gateway: &Gateway, params: &Params) -> Result<(), String> {
    let name = params.get("w").unwrap_or_default();
    let failed = || "Reset failed".to_string();
    match (
        find_worker(gateway, name).map_err(|_| failed())?,
        gateway.target(name),
    ) {
        (WorkerDef::Lb(_), Some(Target::Lb(lb))) => {
            let only = params.get("sw").filter(|sw| !sw.is_empty());
            lb.reset(only).then_some(()).ok_or_else(failed)
        }
        (WorkerDef::Ajp13(_), target) => {
            if let Some(Target::Ajp(worker)) = target {
                reset_worker(worker);
            }
            Ok(())
        }
        _ => Err(failed()),
    }
}

fn reset_worker(worker: &AjpWorker) {
    use std::sync::atomic::Ordering;
    worker.stats().reset(crate::backend::worker::unix_now());
    let counters = worker.pool().counters();
    counters
        .max_open
        .store(counters.open.load(Ordering::Relaxed), Ordering::Relaxed);
}

/// `cmd=recover`: an lb member in ERR is marked for recovery.
pub fn recover(gateway: &Gateway, params: &Params) -> Result<(), String> {
    let name = params.get("w").unwrap_or_default();
    let recovered = match (gateway.target(name), params.get("sw")) {
        (Some(Target::Lb(lb)), Some(member)) if !member.is_empty() => lb.recover(member),
        _ => false,
    };
    recovered
        .then_some(())
        .ok_or_else(|| "Marking worker for recovery failed".to_string())
}

/// mod_jk's `jk_lb_get_activation_code`: first letter A/D/S or digit 0-2; anything else is active.
fn activation_code(text: &str) -> Activation {
    match text.bytes().next().map(|b| b.to_ascii_lowercase()) {
        Some(b'd' | b'1') => Activation::Disabled,
        Some(b's' | b'2') => Activation::Stopped,
        _ => Activation::Active,
    }
}

/// mod_jk's `jk_lb_get_method_code`: first letter R/T/B/S/N or digit 0-4; anything else is Request.
fn method_code(text: &str) -> LbMethod {
    match text.bytes().next().map(|b| b.to_ascii_lowercase()) {
        Some(b't' | b'1') => LbMethod::Traffic,
        Some(b'b' | b'2') => LbMethod::Busyness,
        Some(b's' | b'3') => LbMethod::Sessions,
        Some(b'n' | b'4') => LbMethod::Next,
        _ => LbMethod::Requests,
    }
}

/// mod_jk's `jk_lb_get_lock_code`: P or 1 is pessimistic, anything else optimistic.
fn lock_code(text: &str) -> LbLock {
    match text.bytes().next().map(|b| b.to_ascii_lowercase()) {
        Some(b'p' | b'1') => LbLock::Pessimistic,
        _ => LbLock::Optimistic,
    }
}

/// At most 63 bytes, cut at a character boundary.
fn truncate(text: &str) -> String {
    let mut end = text.len().min(MAX_STRING);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_like_mod_jk() {
        assert!(wildchar_match(b"node1", b"node*"));
        assert!(wildchar_match(b"node1", b"*1"));
        assert!(wildchar_match(b"node1", b"n?de1"));
        assert!(wildchar_match(b"node1", b"*"));
        assert!(!wildchar_match(b"node1", b"Node*"));
        assert!(!wildchar_match(b"node1", b"node"));
        assert!(!wildchar_match(b"node1", b"n@de1"));
    }

    #[test]
    fn codes_follow_mod_jk() {
        assert_eq!(activation_code("D"), Activation::Disabled);
        assert_eq!(activation_code("2"), Activation::Stopped);
        assert_eq!(activation_code("stopped"), Activation::Stopped);
        assert_eq!(activation_code("x"), Activation::Active);
        assert_eq!(method_code("B"), LbMethod::Busyness);
        assert_eq!(method_code("3"), LbMethod::Sessions);
        assert_eq!(method_code("x"), LbMethod::Requests);
        assert_eq!(lock_code("P"), LbLock::Pessimistic);
        assert_eq!(lock_code("0"), LbLock::Optimistic);
        assert_eq!(truncate(&"é".repeat(40)).len(), 62);
    }
}
