//! One request's walk over the lb members: stickiness first, then balancing, failing over member by
//! member while that is safe (the exchange decides what is safe; see `crate::backend::exchange`).
//! mod_jk's "local states" (members that already failed in this request) live here, one per request
//! (docs/load-balancing.md#the-service-loop). Unlike mod_jk, a failed member is not retried with its own
//! `retries` before the lb moves on: the next member is tried at once.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderName, HeaderValue};

use super::lb::{LbSettings, LbWorker, Shared};
use super::select::{self, Choice};
use super::state::{self, Verdict};
use super::sticky::{self, SessionNames};
use crate::ajp::ForwardRequest;
use crate::ajp::codes::max_request_body_chunk;
use crate::backend::BackendError;
use crate::backend::{Attempt, AttemptPlan, AttemptResult, for_worker};
use crate::vocabulary::Activation;

impl LbWorker {
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

    /// The FORWARD_REQUEST for one member: its secret, the chosen route and its activation.
    fn request_for(&self, index: usize, choice: &Choice, activation: Activation) -> ForwardRequest {
        let secret = self.lb.workers[index].settings().secret.clone();
        let route = Bytes::from(crate::config::latin1_bytes(&choice.route));
        for_worker(&self.base, secret.as_ref(), Some(route), activation)
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
                state::force_recovery(&mut shared.members);
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
            method.on_pick(member, has_session, self.stateless);
            member.picked(!has_session && !self.stateless);
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
        member.attempt_ended();
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
