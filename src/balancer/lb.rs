//! The lb worker at run time: its members, their shared state, and the per-request plan that walks them
//! (modjk.md §3.7).
//!
//! One mutex guards the member table. It is held only for the short, synchronous bookkeeping of a pick or
//! a verdict, never across I/O. mod_jk's "local states" (members that already failed in this request)
//! live in the plan, one per request.
//!
//! Where ajpgate goes beyond mod_jk:
//! * A member in error is probed with CPing in the background every second. It is readmitted as soon as it
//!   answers, starting at the current highest load value so it is not flooded. The probe does not wait
//!   out `recover_time`, and users no longer see a dead node come back one `worker.maintain` late.
//! * Inside an lb, a failed member is not retried with its own `retries` before the lb moves on. The next
//!   member is tried at once, and only when doing so is safe (see `crate::backend::exchange`).

use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::{Duration, Instant, SystemTime};

use http::{HeaderName, HeaderValue};

use super::method::{self, LoadMethod};
use super::select::{self, Choice};
use super::state::{self, Member, MemberState, Timing, Verdict, activation_str};
use super::sticky::{self, SessionNames};
use crate::ajp::codes::max_request_body_chunk;
use crate::ajp::{Attribute, ForwardRequest};
use crate::backend::connection::Connection;
use crate::backend::plan::{Attempt, AttemptPlan, AttemptResult};
use crate::backend::{AjpWorker, BackendError};
use crate::config::workers::LbConfig;
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

impl LbSettings {
    pub fn from_config(config: &LbConfig, maintain: Duration) -> Self {
        Self {
            sticky_session: config.sticky_session,
            sticky_session_force: config.sticky_session_force,
            session_cookie: config.session_cookie.clone(),
            session_path: config.session_path.clone(),
            set_session_cookie: config.set_session_cookie,
            session_cookie_path: config.session_cookie_path.clone(),
            rounds: config.retries.max(1),
            per_round: config.lb_retries.max(1),
            retry_interval: config.retry_interval,
            timing: Timing {
                recover_time: config.recover_time,
                error_escalation_time: config.error_escalation_time,
                max_reply_timeouts: config.max_reply_timeouts,
                maintain,
            },
            lock: config.lock,
        }
    }
}

#[derive(Debug)]
struct Shared {
    members: Vec<Member>,
    offset: usize,
    last_maintain: Instant,
    /// Kept with the members: a method change and the picks it affects never interleave.
    method: Box<dyn LoadMethod>,
    method_kind: LbMethod,
    /// Most requests in flight at once over all members since the last reset (jk-status's max_busy).
    max_busy: u64,
    last_reset: SystemTime,
}

#[derive(Debug)]
pub struct LbWorker {
    name: String,
    /// Swapped whole by jk-status edits; each request plan takes the current one when it starts.
    settings: RwLock<Arc<LbSettings>>,
    workers: Vec<Arc<AjpWorker>>,
    /// Each member's own fail_on_status list, to tell soft (negative) from fatal codes.
    fail_on_status: Vec<Vec<i32>>,
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

    fn lock(&self) -> MutexGuard<'_, Shared> {
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
            member.state = MemberState::OkIdle;
            member.first_error = None;
            member.last_error = None;
            member.error_time = None;
            member.errors = 0;
            member.sessions = 0;
            member.elected = 0;
            member.lb_value = 0;
            member.reply_timeouts = 0;
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
        let busyness = shared.method_kind == LbMethod::Busyness;
        let curmax = shared.members.iter().map(|m| m.lb_value).max().unwrap_or(0);
        let Some(member) = shared.members.iter_mut().find(|m| m.name == name) else {
            return false;
        };
        if member.state != MemberState::Err {
            return false;
        }
        if !busyness {
            member.lb_value = curmax;
        }
        member.reply_timeouts = 0;
        member.state = MemberState::ErrRec;
        true
    }

    /// Global maintenance (§3.4); `now` is passed in so that tests control time.
    pub fn maintain(&self, now: Instant) {
        let timing = self.settings().timing;
        let mut shared = self.lock();
        let last = shared.last_maintain;
        if now.saturating_duration_since(last) < timing.maintain {
            return;
        }
        let Shared {
            members, method, ..
        } = &mut *shared;
        state::maintain(members, &timing, last, now, |m, k| method.decay(m, k));
        shared.last_maintain = now;
    }

    /// Readmits a member whose background probe succeeded.
    fn readmit(&self, index: usize) {
        let mut shared = self.lock();
        let curmax = shared.members.iter().map(|m| m.lb_value).max().unwrap_or(0);
        let member = &mut shared.members[index];
        if member.state.is_error() {
            tracing::info!(lb = %self.name, member = %member.name, "member answers CPing again; back in rotation");
            member.state = MemberState::OkIdle;
            member.first_error = None;
            member.last_error = None;
            member.reply_timeouts = 0;
            member.lb_value = member.lb_value.max(curmax);
        }
    }

    /// Maintenance every `worker.maintain` and the error probe every second, until the lb is dropped.
    pub fn spawn_background(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let lb = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(Duration::from_secs(1));
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                let Some(lb) = lb.upgrade() else { return };
                lb.maintain(Instant::now());
                lb.probe_members_in_error().await;
            }
        })
    }

    async fn probe_members_in_error(&self) {
        let down: Vec<usize> = self
            .lock()
            .members
            .iter()
            .enumerate()
            .filter(|(_, m)| m.state == MemberState::Err && m.activation != Activation::Stopped)
            .map(|(i, _)| i)
            .collect();
        for index in down {
            let settings = &self.workers[index].pool().settings().connect;
            let timeout = Duration::from_secs(2);
            let probe = async {
                let mut connection = Connection::open(settings, 0).await?;
                connection.cping(timeout).await
            };
            match tokio::time::timeout(timeout * 2, probe).await {
                Ok(Ok(())) => self.readmit(index),
                _ => tracing::trace!(lb = %self.name, member = index, "member still down"),
            }
        }
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

    /// The plan for one request.
    pub fn plan(self: &Arc<Self>, base: ForwardRequest, options: RequestOptions) -> LbPlan {
        let RequestOptions {
            activation_overrides,
            sticky_ignore,
            stateless,
        } = options;
        let settings = self.settings();
        let session_ids = if settings.sticky_session && !sticky_ignore {
            let names = SessionNames {
                cookie: &settings.session_cookie,
                path_param: &settings.session_path,
            };
            let uri = base.req_uri.as_deref().unwrap_or_default();
            sticky::session_ids(uri, base.header_values("cookie").map(|v| &v[..]), names)
        } else {
            Vec::new()
        };
        let n = self.workers.len();
        LbPlan {
            lb: Arc::clone(self),
            settings,
            base,
            session_ids,
            activation_overrides,
            excluded: vec![false; n],
            in_round: 0,
            round: 0,
            forced_recovery: false,
            pending_pause: Duration::ZERO,
            stateless,
        }
    }
}

/// Per-request options from the mount rule's extensions.
#[derive(Debug, Default)]
pub struct RequestOptions {
    pub activation_overrides: Option<Vec<Activation>>,
    /// Ignore the session for this request (`sticky_ignore`).
    pub sticky_ignore: bool,
    /// Do not count this request as a new session (`stateless`).
    pub stateless: bool,
}

/// One request's walk over the members.
#[derive(Debug)]
pub struct LbPlan {
    lb: Arc<LbWorker>,
    /// The lb's settings when the request started.
    settings: Arc<LbSettings>,
    base: ForwardRequest,
    session_ids: Vec<String>,
    activation_overrides: Option<Vec<Activation>>,
    excluded: Vec<bool>,
    in_round: u32,
    round: u32,
    forced_recovery: bool,
    pending_pause: Duration,
    stateless: bool,
}

impl LbPlan {
    pub fn session_ids(&self) -> &[String] {
        &self.session_ids
    }

    fn choose(&self, shared: &mut Shared) -> Option<Choice> {
        let request = select::Request {
            session_ids: &self.session_ids,
            force_sticky: self.settings.sticky_session_force,
            activation: self.activation_overrides.as_deref(),
            excluded: &self.excluded,
        };
        let mut offset = shared.offset;
        let choice = select::choose(&shared.members, &request, &mut offset);
        shared.offset = offset;
        choice
    }

    /// The FORWARD_REQUEST for one member: its secret, the chosen route and its activation, in mod_jk's
    /// attribute order (secret first, route after the query string, req_attributes last).
    fn request_for(&self, index: usize, choice: &Choice, activation: Activation) -> ForwardRequest {
        let worker = &self.lb.workers[index];
        let mut request = self.base.clone();
        let mut attributes = Vec::with_capacity(request.attributes.len() + 2);
        if let Some(secret) = &worker.settings().secret {
            attributes.push(Attribute::Secret(secret.clone()));
        }
        for attribute in request.attributes.drain(..) {
            match attribute {
                Attribute::Secret(_) | Attribute::Route(_) => {}
                Attribute::ReqAttribute { name, .. } if &name[..] == b"JK_LB_ACTIVATION" => {
                    attributes.push(Attribute::ReqAttribute {
                        name,
                        value: activation_str(activation).into(),
                    });
                }
                other => attributes.push(other),
            }
        }
        let route_at = attributes
            .iter()
            .position(|a| {
                !matches!(
                    a,
                    Attribute::Secret(_)
                        | Attribute::RemoteUser(_)
                        | Attribute::AuthType(_)
                        | Attribute::QueryString(_)
                )
            })
            .unwrap_or(attributes.len());
        attributes.insert(
            route_at,
            Attribute::Route(crate::config::latin1_bytes(&choice.route).into()),
        );
        request.attributes = attributes;
        request
    }

    fn session_cookie(&self, route: &str) -> Option<(HeaderName, HeaderValue)> {
        let settings = &self.settings;
        let mut cookie = format!("{}=.{}", settings.session_cookie, route);
        if !settings.session_cookie_path.is_empty() {
            cookie.push_str(";PATH=");
            cookie.push_str(&settings.session_cookie_path);
        }
        cookie.push_str(";HttpOnly");
        if self.base.is_ssl {
            cookie.push_str(";Secure");
        }
        Some((
            http::header::SET_COOKIE,
            HeaderValue::from_str(&cookie).ok()?,
        ))
    }
}

impl AttemptPlan for LbPlan {
    fn initial_chunk_limit(&self) -> usize {
        self.lb
            .workers
            .iter()
            .map(|w| max_request_body_chunk(w.settings().max_packet_size()))
            .min()
            .unwrap_or(max_request_body_chunk(
                crate::ajp::codes::DEFAULT_MAX_PACKET_SIZE,
            ))
    }

    fn next(&mut self, _last_error: Option<&BackendError>) -> Option<Attempt> {
        let members = self.lb.workers.len() as u32;
        loop {
            if self.in_round >= self.settings.per_round.min(members) {
                self.round += 1;
                if self.round >= self.settings.rounds {
                    return None;
                }
                // A new round: members that failed locally may be tried again if they are not down.
                self.in_round = 0;
                self.excluded.iter_mut().for_each(|e| *e = false);
                self.pending_pause = self.settings.retry_interval;
            }
            let mut shared = self.lb.lock();
            let Some(choice) = self.choose(&mut shared) else {
                if self.forced_recovery {
                    return None;
                }
                // Nothing selectable: once per request, every member in error is forced back (§3.7).
                self.forced_recovery = true;
                for member in shared
                    .members
                    .iter_mut()
                    .filter(|m| m.state == MemberState::Err)
                {
                    member.state = MemberState::ErrFrc;
                }
                continue;
            };
            self.in_round += 1;
            let index = choice.index;
            let has_session = !self.session_ids.is_empty();
            let Shared {
                members,
                method,
                max_busy,
                ..
            } = &mut *shared;
            let member = &mut members[index];
            if member.state == MemberState::ErrRec {
                member.state = MemberState::ErrPrb;
            }
            method.on_pick(member, has_session, self.stateless);
            member.used = true;
            member.elected += 1;
            member.in_flight += 1;
            if !has_session && !self.stateless {
                member.sessions += 1;
            }
            let member = &members[index];
            let busy = members.iter().map(|m| u64::from(m.in_flight)).sum();
            *max_busy = (*max_busy).max(busy);
            let activation = self
                .activation_overrides
                .as_ref()
                .map_or(member.activation, |o| o[index]);
            drop(shared);
            let mut extra_headers = Vec::new();
            if self.settings.set_session_cookie
                && !choice.sticky
                && let Some(header) = self.session_cookie(&choice.route)
            {
                extra_headers.push(header);
            }
            return Some(Attempt {
                worker: Arc::clone(&self.lb.workers[index]),
                forward: self.request_for(index, &choice, activation),
                pause: std::mem::take(&mut self.pending_pause),
                extra_headers,
                member_index: index,
            });
        }
    }

    fn record(&mut self, attempt: &Attempt, result: AttemptResult<'_>) {
        let index = attempt.member_index;
        let verdict = match result {
            AttemptResult::Success { .. } => Verdict::Success,
            AttemptResult::ClientError => Verdict::ClientError,
            AttemptResult::Failed(error) => match error {
                BackendError::PoolExhausted | BackendError::BusyLimit => Verdict::Busy,
                BackendError::ReplyTimeout => Verdict::ReplyTimeout,
                BackendError::FailOnStatus(code) => {
                    if self.lb.fail_on_status[index].contains(&-i32::from(*code)) {
                        Verdict::SoftStatus
                    } else {
                        Verdict::FatalStatus
                    }
                }
                BackendError::Encode(_) => Verdict::ClientError,
                _ => Verdict::Failure,
            },
        };
        let bytes = match result {
            AttemptResult::Success { bytes } => bytes,
            _ => 0,
        };
        let mut shared = self.lb.lock();
        let Shared {
            members, method, ..
        } = &mut *shared;
        let member = &mut members[index];
        member.in_flight = member.in_flight.saturating_sub(1);
        method.on_end(member, bytes);
        state::record(member, verdict, &self.settings.timing, Instant::now());
        if verdict != Verdict::Success {
            self.excluded[index] = true;
        }
        if !matches!(verdict, Verdict::Success | Verdict::ClientError) {
            tracing::warn!(lb = %self.lb.name, member = %member.name, state = member.state.as_str(), ?verdict, "lb member attempt failed");
        }
    }
}
