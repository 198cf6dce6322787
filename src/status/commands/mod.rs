//! The commands that change workers: `update`, `reset` and `recover`, with mod_jk 1.2.48's checks,
//! value ranges and messages (docs/jk-status.md#request-parameters).
//!
//! Every change applies to the running workers, so the next request sees it: member and lb values go
//! to the running lb, request settings (`reply_timeout`, `retries`, …) to the next attempt, and pool
//! settings to the pool. A new host or port must resolve first; then idle connections to the old
//! address are closed and busy ones finish there, as in mod_jk. Changing `max_packet_size` reconnects
//! the same way, because a connection's framing is fixed when it opens. As in mod_jk, a value equal to
//! the current one, or outside the accepted range, is no change, and edits live only until the worker
//! is rebuilt from workers.properties.

mod ajp;
mod edits;
mod error;

use self::ajp::commit_ajp;
use self::edits::{Edits, Failures, changed_text, too_long};
pub use self::error::CommandError;
use super::model::Snapshot;
use super::params::{Params, atoi};
use super::view::{Running, RunningWorkers};
use crate::backend::AjpWorker;
use crate::balancer::LbWorker;
use crate::balancer::Member;
use crate::config::WorkerDef;
use crate::vocabulary::{Activation, LbLock, LbMethod};

/// mod_jk's `check_worker`: `w` must name a worker of `worker.list`, and `sw` a member of it.
pub fn check_worker(
    running: &dyn RunningWorkers,
    params: &Params,
    wildcard_ok: bool,
) -> Result<(), CommandError> {
    let worker = params.get("w").unwrap_or_default();
    if worker.is_empty() {
        return Err(CommandError::NoWorker);
    }
    let sub_worker = params.get("sw");
    if sub_worker == Some("") {
        return Err(CommandError::EmptySubWorker);
    }
    let def = find_worker(running, worker)?;
    if let Some(sub_worker) = sub_worker {
        let wildcard = sub_worker.contains(['*', '?']);
        if wildcard && !wildcard_ok {
            return Err(CommandError::WildcardNotAllowed);
        }
        let WorkerDef::Lb(lb) = def else {
            return Err(CommandError::NoSubWorkers);
        };
        let found = lb
            .members
            .iter()
            .any(|m| member_matches(&m.name, sub_worker, wildcard));
        if !found {
            return Err(CommandError::SubWorkerNotFound);
        }
    }
    Ok(())
}

fn find_worker<'a>(
    running: &'a dyn RunningWorkers,
    name: &str,
) -> Result<&'a WorkerDef, CommandError> {
    let workers = running.workers();
    match workers.get(name) {
        Some(def) if workers.is_listed(name) => Ok(def),
        _ => Err(CommandError::WorkerNotFound),
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
pub async fn update(
    running: &dyn RunningWorkers,
    snapshot: &Snapshot,
    params: &Params,
) -> Result<(), CommandError> {
    let name = params.get("w").unwrap_or_default();
    match (find_worker(running, name)?, running.worker(name)) {
        (WorkerDef::Lb(_), Some(Running::Lb(lb))) => {
            let Some(model) = snapshot.lb(name) else {
                return Err(CommandError::UpdateFailed);
            };
            match params.get("sw").filter(|sw| !sw.is_empty()) {
                None => match params.get("att") {
                    Some(attribute) => update_all_members(lb, model, params, attribute).await,
                    None => {
                        update_lb(lb, params);
                        Ok(())
                    }
                },
                Some(pattern) => update_members(lb, model, params, pattern).await,
            }
        }
        (WorkerDef::Ajp13(_), target) => {
            let Some(model) = snapshot.ajp(name) else {
                return Err(CommandError::UpdateFailed);
            };
            let worker = match target {
                Some(Running::Ajp(worker)) => Some(worker),
                _ => None,
            };
            let edits = |code: &str| params.get(code);
            commit_ajp(model, worker, &edits as &Edits<'_>).await
        }
        _ => Err(CommandError::UpdateFailed),
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
async fn update_members(
    lb: &LbWorker,
    model: &super::model::LbModel,
    params: &Params,
    pattern: &str,
) -> Result<(), CommandError> {
    let wildcard = pattern.contains(['*', '?']);
    let edits = |code: &str| params.get(code);
    let edits: &Edits<'_> = &edits;
    for member in model
        .members
        .iter()
        .filter(|m| member_matches(&m.ajp.name, pattern, wildcard))
    {
        if let Err(error) = commit_member(lb, member, edits).await {
            return Err(if wildcard {
                CommandError::WildcardAborted(Box::new(error))
            } else {
                error
            });
        }
    }
    Ok(())
}

/// `att` given: one attribute of every member, each from its own `val<index>`.
async fn update_all_members(
    lb: &LbWorker,
    model: &super::model::LbModel,
    params: &Params,
    attribute: &str,
) -> Result<(), CommandError> {
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
        commit_member(lb, member, &edits as &Edits<'_>).await?;
    }
    Ok(())
}

/// One member: its lb values, then its ajp settings. `edits` answers an update code.
async fn commit_member<'p>(
    lb: &LbWorker,
    member: &super::model::MemberModel,
    edits: &Edits<'p>,
) -> Result<(), CommandError> {
    let name = &member.ajp.name;
    let mut failures = Failures::default();
    let int = |code: &str, current: i64, min: i64| {
        edits(code).map(atoi).filter(|&v| v != current && v >= min)
    };
    let activation = edits("vwa")
        .map(activation_code)
        .filter(|&a| a != member.activation);
    let lbfactor = int("vwf", i64::from(member.lbfactor), 1);
    let distance = int("vwd", i64::from(member.distance), 0);
    let mut text = |code: &str, what: &'static str, current: &str| {
        changed_text(edits, code, current).unwrap_or_else(|value| {
            failures.add(too_long(what, value, name));
            None
        })
    };
    let route = text("vwn", "route", &member.route);
    let redirect = text("vwr", "redirect", &member.redirect);
    let domain = text("vwc", "domain", &member.domain);
    let changed = activation.is_some()
        || lbfactor.is_some()
        || distance.is_some()
        || route.is_some()
        || redirect.is_some()
        || domain.is_some();
    if changed {
        lb.update_member(name, |m: &mut Member| {
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
                m.route = route.to_string();
            }
            if let Some(redirect) = redirect {
                m.redirect = redirect.to_string();
            }
            if let Some(domain) = domain {
                m.domain = domain.to_string();
            }
            if let Some(distance) = distance {
                m.distance = u32::try_from(distance).unwrap_or(u32::MAX);
            }
        });
        if activation.is_some() {
            lb.reset_lb_values();
        }
    }
    let worker = lb.workers().iter().find(|w| w.name() == name).cloned();
    if let Err(error) = commit_ajp(&member.ajp, worker.as_ref(), edits).await {
        failures.add(error);
    }
    failures.into_result()
}

/// `cmd=reset`.
pub fn reset(running: &dyn RunningWorkers, params: &Params) -> Result<(), CommandError> {
    let name = params.get("w").unwrap_or_default();
    match (
        find_worker(running, name).map_err(|_| CommandError::ResetFailed)?,
        running.worker(name),
    ) {
        (WorkerDef::Lb(_), Some(Running::Lb(lb))) => {
            let only = params.get("sw").filter(|sw| !sw.is_empty());
            running.reset_tunnels(name, only);
            lb.reset(only)
                .then_some(())
                .ok_or(CommandError::ResetFailed)
        }
        (WorkerDef::Ajp13(_), target) => {
            if let Some(Running::Ajp(worker)) = target {
                reset_worker(worker);
            }
            running.reset_tunnels(name, None);
            Ok(())
        }
        _ => Err(CommandError::ResetFailed),
    }
}

fn reset_worker(worker: &AjpWorker) {
    use std::sync::atomic::Ordering;
    worker.stats().reset(crate::backend::unix_now());
    let counters = worker.pool().counters();
    counters
        .max_open
        .store(counters.open.load(Ordering::Relaxed), Ordering::Relaxed);
}

/// `cmd=recover`: an lb member in ERR is marked for recovery.
pub fn recover(running: &dyn RunningWorkers, params: &Params) -> Result<(), CommandError> {
    let name = params.get("w").unwrap_or_default();
    let recovered = match (running.worker(name), params.get("sw")) {
        (Some(Running::Lb(lb)), Some(member)) if !member.is_empty() => lb.recover(member),
        _ => false,
    };
    recovered.then_some(()).ok_or(CommandError::RecoverFailed)
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
    }
}
