//! The lb worker at run time: its members, their shared state, and the operations jk-status drives
//! (edit, reset, recover, method changes). The per-request walk over the members is in `plan`, the
//! background maintenance and probes in `recovery`.
//!
//! One mutex guards the member table. It is held only for the short, synchronous bookkeeping of a pick or
//! a verdict, never across I/O.

use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::{Duration, Instant, SystemTime};

use super::method::{self, LoadMethod};
use super::state::{self, Member, Timing};
use crate::backend::AjpWorker;
use crate::vocabulary::{Activation, LbLock, LbMethod};

/// The lb's own settings.
#[derive(Debug, Clone)]
pub struct LbSettings {
    pub sticky_session: bool,
    pub sticky_session_force: bool,
    pub session_cookie: String,
    pub session_path: String,
    pub set_session_cookie: bool,
    pub session_cookie_path: String,
    pub rounds: u32,
    pub per_round: u32,
    pub retry_interval: Duration,
    pub timing: Timing,
    /// Shown by jk-status; ajpgate is one process, so both locks behave alike.
    pub lock: LbLock,
}

#[derive(Debug)]
pub(super) struct Shared {
    pub(super) members: Vec<Member>,
    pub(super) offset: usize,
    pub(super) last_maintain: Instant,
    /// Kept with the members: a method change and the picks it affects never interleave.
    pub(super) method: Box<dyn LoadMethod>,
    pub(super) method_kind: LbMethod,
    /// Most requests in flight at once over all members since the last reset (jk-status's max_busy).
    pub(super) max_busy: u64,
    pub(super) last_reset: SystemTime,
}

#[derive(Debug)]
pub struct LbWorker {
    pub(super) name: String,
    /// Swapped whole by jk-status edits; each request plan takes the current one when it starts.
    settings: RwLock<Arc<LbSettings>>,
    pub(super) workers: Vec<Arc<AjpWorker>>,
    /// Each member's own fail_on_status list, to tell soft (negative) from fatal codes.
    pub(super) fail_on_status: Vec<Vec<i32>>,
    shared: Mutex<Shared>,
}

/// One member as jk-status shows it.
#[derive(Debug, Clone)]
pub struct MemberView {
    pub member: Member,
    pub worker: Arc<AjpWorker>,
}

/// The lb-wide runtime values jk-status shows, read under one lock.
#[derive(Debug, Clone)]
pub struct LbRuntime {
    pub method: LbMethod,
    /// Requests in flight over all members.
    pub busy: u64,
    pub max_busy: u64,
    pub last_maintain: Instant,
    pub last_reset: SystemTime,
}

impl LbWorker {
    /// `members` pairs each member's running worker with its lb view (route, factor, activation …).
    pub fn new(
        name: &str,
        settings: LbSettings,
        method: LbMethod,
        members: Vec<(Arc<AjpWorker>, Member, Vec<i32>)>,
    ) -> Arc<Self> {
        let mut table = Vec::with_capacity(members.len());
        let mut workers = Vec::with_capacity(members.len());
        let mut fail_on_status = Vec::with_capacity(members.len());
        for (worker, member, codes) in members {
            workers.push(worker);
            table.push(member);
            fail_on_status.push(codes);
        }
        state::update_multipliers(&mut table);
        Arc::new(Self {
            name: name.to_owned(),
            settings: RwLock::new(Arc::new(settings)),
            workers,
            fail_on_status,
            shared: Mutex::new(Shared {
                members: table,
                offset: 0,
                last_maintain: Instant::now(),
                method: method::for_config(method),
                method_kind: method,
                max_busy: 0,
                last_reset: SystemTime::now(),
            }),
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The current settings (jk-status may replace them at run time).
    pub fn settings(&self) -> Arc<LbSettings> {
        Arc::clone(&self.settings.read().unwrap_or_else(|p| p.into_inner()))
    }

    /// Changes the lb's settings at run time (jk-status edits). Requests already running finish with
    /// the settings they started with; the next one uses the new ones.
    pub fn update_settings(&self, change: impl FnOnce(&mut LbSettings)) {
        let mut settings = self.settings.write().unwrap_or_else(|p| p.into_inner());
        let mut next = LbSettings::clone(&settings);
        change(&mut next);
        next.rounds = next.rounds.max(1);
        next.per_round = next.per_round.max(1);
        *settings = Arc::new(next);
    }

    /// The method's name as jk-status shows it.
    pub fn method_name(&self) -> &'static str {
        self.lock().method_kind.as_str()
    }

    /// Switches the load-balancing method at run time; load values carry over as they are.
    pub fn set_method(&self, method: LbMethod) {
        let mut shared = self.lock();
        if shared.method_kind != method {
            shared.method = method::for_config(method);
            shared.method_kind = method;
        }
    }

    /// The lb-wide values jk-status shows.
    pub fn runtime(&self) -> LbRuntime {
        let shared = self.lock();
        LbRuntime {
            method: shared.method_kind,
            busy: shared.members.iter().map(|m| u64::from(m.in_flight)).sum(),
            max_busy: shared.max_busy,
            last_maintain: shared.last_maintain,
            last_reset: shared.last_reset,
        }
    }

    pub fn workers(&self) -> &[Arc<AjpWorker>] {
        &self.workers
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, Shared> {
        // Bookkeeping under this lock never panics halfway; a poisoned lock still holds a valid table.
        self.shared.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A consistent copy of every member, for jk-status.
    pub fn members(&self) -> Vec<MemberView> {
        let shared = self.lock();
        shared
            .members
            .iter()
            .zip(&self.workers)
            .map(|(member, worker)| MemberView {
                member: member.clone(),
                worker: Arc::clone(worker),
            })
            .collect()
    }

    /// Changes a member at run time (jk-status edits); `f` gets the member's shared state.
    pub fn update_member(&self, name: &str, f: impl FnOnce(&mut Member)) -> bool {
        let mut shared = self.lock();
        let Some(member) = shared.members.iter_mut().find(|m| m.name == name) else {
            return false;
        };
        f(member);
        state::update_multipliers(&mut shared.members);
        true
    }

    /// After an activation change (mod_jk's `reset_lb_values`): every load value starts again from 0,
    /// except under Busyness, whose value counts requests in flight.
    pub fn reset_lb_values(&self) {
        let mut shared = self.lock();
        if shared.method_kind != LbMethod::Busyness {
            shared.members.iter_mut().for_each(|m| m.lb_value = 0);
        }
    }

    /// jk-status's reset of the whole lb, or of the member `only`: state back to OK/IDLE, counters,
    /// load values and error times cleared, and the member workers' counters too. Returns false when
    /// `only` names no member.
    pub fn reset(&self, only: Option<&str>) -> bool {
        let now = SystemTime::now();
        let mut shared = self.lock();
        if only.is_some_and(|name| !shared.members.iter().any(|m| m.name == name)) {
            return false;
        }
        if only.is_none() {
            shared.max_busy = shared.members.iter().map(|m| u64::from(m.in_flight)).sum();
            shared.last_reset = now;
        }
        let unix = now
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        for (member, worker) in shared.members.iter_mut().zip(&self.workers) {
            if only.is_some_and(|name| name != member.name) {
                continue;
            }
            member.reset();
            worker.stats().reset(unix);
            let counters = worker.pool().counters();
            counters.max_open.store(
                counters.open.load(std::sync::atomic::Ordering::Relaxed),
                std::sync::atomic::Ordering::Relaxed,
            );
        }
        true
    }

    /// jk-status's recover: a member in ERR is marked for recovery (ERR/REC) at the current highest
    /// load value (not under Busyness), so the next request probes it. False when the member does not
    /// exist or is not in ERR.
    pub fn recover(&self, name: &str) -> bool {
        let mut shared = self.lock();
        let curmax = (shared.method_kind != LbMethod::Busyness)
            .then(|| state::highest_lb_value(&shared.members));
        shared
            .members
            .iter_mut()
            .find(|m| m.name == name)
            .is_some_and(|member| member.mark_for_recovery(curmax))
    }

    /// Member activations for a request of a mount rule with `active=`/`disabled=`/`stopped=` lists.
    pub fn activation_overrides(
        &self,
        active: &[String],
        disabled: &[String],
        stopped: &[String],
    ) -> Option<Vec<Activation>> {
        if active.is_empty() && disabled.is_empty() && stopped.is_empty() {
            return None;
        }
        let shared = self.lock();
        Some(
            shared
                .members
                .iter()
                .map(|m| {
                    if stopped.contains(&m.name) {
                        Activation::Stopped
                    } else if disabled.contains(&m.name) {
                        Activation::Disabled
                    } else if active.contains(&m.name) {
                        Activation::Active
                    } else {
                        m.activation
                    }
                })
                .collect(),
        )
    }
}
