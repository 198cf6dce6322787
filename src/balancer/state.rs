//! The runtime state of lb members and its transitions (docs/load-balancing.md#activation-and-member-states, docs/load-balancing.md#the-service-loop), with time passed in.
//!
//! Nothing here reads a clock or does I/O. Every transition takes `now`, so the unit tests below walk the
//! state machine transition by transition, exactly as mod_jk does, with no sleeps.

use std::time::{Duration, Instant};

use crate::vocabulary::Activation;

/// A member's state, with the strings jk-status shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberState {
    /// No request since the last maintenance (the initial state).
    OkIdle,
    Ok,
    /// recover_time has passed; the next eligible request probes it.
    ErrRec,
    /// Forced recovery: every member was in error, so this one is used anyway.
    ErrFrc,
    /// No free connection slot, or busy_limit reached.
    OkBusy,
    Err,
    /// A request is probing this recovering member right now.
    ErrPrb,
}

impl MemberState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OkIdle => "OK/IDLE",
            Self::Ok => "OK",
            Self::ErrRec => "ERR/REC",
            Self::ErrFrc => "ERR/FRC",
            Self::OkBusy => "OK/BUSY",
            Self::Err => "ERR",
            Self::ErrPrb => "ERR/PRB",
        }
    }

    /// States a request may be sent to (§3.2).
    pub fn usable(self) -> bool {
        matches!(self, Self::OkIdle | Self::Ok | Self::ErrRec | Self::ErrFrc)
    }

    pub fn is_error(self) -> bool {
        matches!(self, Self::Err | Self::ErrRec | Self::ErrFrc | Self::ErrPrb)
    }
}

/// What an attempt on a member came to, as the state machine needs it (§3.7's table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Success,
    /// 400/413/client went away: not the member's fault.
    ClientError,
    /// fail_on_status with a negative code: member stays OK but is skipped for this request.
    SoftStatus,
    /// fail_on_status with a positive code.
    FatalStatus,
    /// No connection slot or busy_limit.
    Busy,
    ReplyTimeout,
    /// Connect, send, read or protocol failure.
    Failure,
}

/// One member's shared runtime values.
#[derive(Debug, Clone)]
pub struct Member {
    pub name: String,
    pub route: String,
    pub domain: String,
    pub redirect: String,
    pub distance: u32,
    pub activation: Activation,
    pub lbfactor: u32,
    /// LCM of all factors / this factor (§3.3).
    pub lb_mult: u64,
    pub lb_value: u64,
    pub state: MemberState,
    pub first_error: Option<Instant>,
    pub last_error: Option<Instant>,
    /// When the member last failed; unlike `last_error` it outlives recovery, until a jk-status reset
    /// (jk-status's `error_time`, the "LE" column).
    pub error_time: Option<Instant>,
    /// Reply timeouts, halved at each maintenance.
    pub reply_timeouts: u32,
    /// Requests in flight on this member from this lb.
    pub in_flight: u32,
    /// Chosen since the previous maintenance.
    pub used: bool,
    /// Counters for jk-status.
    pub elected: u64,
    pub sessions: u64,
    pub errors: u64,
}

impl Member {
    pub fn new(
        name: &str,
        route: &str,
        domain: &str,
        redirect: &str,
        distance: u32,
        activation: Activation,
        lbfactor: u32,
    ) -> Self {
        Self {
            name: name.to_owned(),
            route: route.to_owned(),
            domain: domain.to_owned(),
            redirect: redirect.to_owned(),
            distance,
            activation,
            lbfactor: lbfactor.max(1),
            lb_mult: 1,
            lb_value: 0,
            state: MemberState::OkIdle,
            first_error: None,
            last_error: None,
            error_time: None,
            reply_timeouts: 0,
            in_flight: 0,
            used: false,
            elected: 0,
            sessions: 0,
            errors: 0,
        }
    }

    /// Usable for a request without (usable) session: active and in a usable state.
    pub fn balancable(&self, activation: Activation) -> bool {
        activation == Activation::Active && self.state.usable()
    }

    /// Usable for a request whose session routes here: a disabled member still takes its sessions.
    pub fn sticky_usable(&self, activation: Activation) -> bool {
        activation != Activation::Stopped && self.state.usable()
    }

    fn clear_errors(&mut self) {
        self.first_error = None;
        self.last_error = None;
    }

    /// A request was sent here. A request without a session counts as a new session unless the mount
    /// rule says `stateless`. A member being recovered is now being probed.
    pub fn picked(&mut self, new_session: bool) {
        if self.state == MemberState::ErrRec {
            self.state = MemberState::ErrPrb;
        }
        self.used = true;
        self.elected += 1;
        self.in_flight += 1;
        if new_session {
            self.sessions += 1;
        }
    }

    /// An attempt on this member ended (before its verdict is recorded).
    pub fn attempt_ended(&mut self) {
        self.in_flight = self.in_flight.saturating_sub(1);
    }

    /// jk-status's reset: back to OK/IDLE with errors, counters and load value cleared.
    pub fn reset(&mut self) {
        self.state = MemberState::OkIdle;
        self.clear_errors();
        self.error_time = None;
        self.errors = 0;
        self.sessions = 0;
        self.elected = 0;
        self.lb_value = 0;
        self.reply_timeouts = 0;
    }

    /// jk-status's recover: a member in ERR is marked for recovery (ERR/REC), so the next request
    /// probes it, at `curmax` when the method keeps load values. False when it is not in ERR.
    pub fn mark_for_recovery(&mut self, curmax: Option<u64>) -> bool {
        if self.state != MemberState::Err {
            return false;
        }
        if let Some(curmax) = curmax {
            self.lb_value = curmax;
        }
        self.reply_timeouts = 0;
        self.state = MemberState::ErrRec;
        true
    }

    /// A background probe got an answer: a member in error is back in rotation at no less than
    /// `curmax`, so that it is not flooded. False when it was not in error.
    pub fn readmit(&mut self, curmax: u64) -> bool {
        if !self.state.is_error() {
            return false;
        }
        self.state = MemberState::OkIdle;
        self.clear_errors();
        self.reply_timeouts = 0;
        self.lb_value = self.lb_value.max(curmax);
        true
    }
}

/// The highest load value of the members (mod_jk's `curmax`).
pub fn highest_lb_value(members: &[Member]) -> u64 {
    members.iter().map(|m| m.lb_value).max().unwrap_or(0)
}

/// Every member in ERR becomes ERR/FRC, to be used anyway. Returns whether anything was forced.
pub fn force_recovery(members: &mut [Member]) -> bool {
    let mut forced = false;
    for member in members.iter_mut().filter(|m| m.state == MemberState::Err) {
        member.state = MemberState::ErrFrc;
        forced = true;
    }
    forced
}

/// Settings of the state machine, from the lb worker's properties.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    pub recover_time: Duration,
    pub error_escalation_time: Duration,
    pub max_reply_timeouts: u32,
    pub maintain: Duration,
}

/// Applies an attempt's verdict to the shared state of `member` (§3.7's table).
pub fn record(member: &mut Member, verdict: Verdict, timing: &Timing, now: Instant) {
    match verdict {
        Verdict::Success | Verdict::ClientError | Verdict::SoftStatus => {
            member.state = MemberState::Ok;
            member.clear_errors();
        }
        Verdict::Busy => {
            if !member.state.is_error() {
                member.state = MemberState::OkBusy;
            }
        }
        Verdict::FatalStatus => {
            member.errors += 1;
            member.state = MemberState::Err;
            member.first_error = Some(now);
            member.last_error = Some(now);
            member.error_time = Some(now);
        }
        Verdict::ReplyTimeout => {
            member.reply_timeouts += 1;
            if member.reply_timeouts > timing.max_reply_timeouts {
                member.errors += 1;
                member.state = MemberState::Err;
                member.first_error = Some(now);
                member.last_error = Some(now);
                member.error_time = Some(now);
            }
        }
        Verdict::Failure => {
            member.errors += 1;
            let first = *member.first_error.get_or_insert(now);
            member.last_error = Some(now);
            member.error_time = Some(now);
            // A failure while other requests on the member are fine may be local to one connection; it
            // becomes global at once if nothing else runs there, or once it has lasted the escalation time.
            let escalate = member.in_flight == 0
                || timing.error_escalation_time.is_zero()
                || now.duration_since(first) >= timing.error_escalation_time;
            if escalate {
                member.state = MemberState::Err;
            }
        }
    }
}

/// Global maintenance, once per `worker.maintain` (§3.4): decay, recovery, escalation, idling, and forced
/// recovery when no member is left. `decay` applies the method's own rule; it returns `curmax` when the
/// method has one (all but Busyness).
pub fn maintain(
    members: &mut [Member],
    timing: &Timing,
    last_maintain: Instant,
    now: Instant,
    decay: impl FnOnce(&mut [Member], u32) -> Option<u64>,
) {
    let elapsed = now.saturating_duration_since(last_maintain);
    let intervals = if timing.maintain.is_zero() {
        1
    } else {
        (elapsed.as_secs_f64() / timing.maintain.as_secs_f64())
            .floor()
            .min(63.0) as u32
    };
    let curmax = decay(members, intervals);
    for member in members.iter_mut() {
        member.reply_timeouts >>= intervals.min(31);
        if member.state == MemberState::Err
            && member
                .last_error
                .is_some_and(|t| now.saturating_duration_since(t) > timing.recover_time)
        {
            member.state = MemberState::ErrRec;
            if let Some(curmax) = curmax {
                member.lb_value = curmax;
            }
            member.reply_timeouts = 0;
        } else if let Some(first) = member.first_error
            && now.saturating_duration_since(first) >= timing.error_escalation_time
            && member.state != MemberState::ErrRec
            && !member.state.is_error()
        {
            member.state = MemberState::Err;
        } else if member.state == MemberState::Ok && !member.used {
            member.state = MemberState::OkIdle;
        }
        member.used = false;
    }
    force_recovery_if_all_down(members);
}

/// When no member is in a non-error state, every ERR member becomes ERR/FRC (§3.4 step 3).
/// Returns whether anything was forced.
pub fn force_recovery_if_all_down(members: &mut [Member]) -> bool {
    if members.iter().any(|m| !m.state.is_error()) {
        return false;
    }
    force_recovery(members)
}

/// `lb_mult` for every member: LCM of the factors divided by each factor (§3.3).
pub fn update_multipliers(members: &mut [Member]) {
    let lcm = members
        .iter()
        .map(|m| u64::from(m.lbfactor.max(1)))
        .fold(1u64, |acc, f| acc / gcd(acc, f) * f);
    for member in members {
        member.lb_mult = lcm / u64::from(member.lbfactor.max(1));
    }
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timing() -> Timing {
        Timing {
            recover_time: Duration::from_secs(60),
            error_escalation_time: Duration::from_secs(30),
            max_reply_timeouts: 0,
            maintain: Duration::from_secs(60),
        }
    }

    fn member(name: &str) -> Member {
        Member::new(name, name, "", "", 0, Activation::Active, 1)
    }

    fn no_decay(_: &mut [Member], _: u32) -> Option<u64> {
        Some(0)
    }

    #[test]
    fn a_pick_counts_the_request_and_probes_a_recovering_member() {
        let mut m = member("a");
        m.state = MemberState::ErrRec;
        m.picked(true);
        assert_eq!(m.state, MemberState::ErrPrb);
        assert_eq!((m.elected, m.in_flight, m.sessions), (1, 1, 1));
        assert!(m.used);
        m.picked(false);
        assert_eq!((m.elected, m.in_flight, m.sessions), (2, 2, 1));
        m.attempt_ended();
        m.attempt_ended();
        m.attempt_ended();
        assert_eq!(m.in_flight, 0);
    }

    #[test]
    fn recovery_marks_only_members_in_err_and_readmission_only_members_in_error() {
        let t = timing();
        let now = Instant::now();
        let mut m = member("a");
        assert!(!m.mark_for_recovery(Some(9)));
        assert!(!m.readmit(9));
        record(&mut m, Verdict::FatalStatus, &t, now);
        m.reply_timeouts = 3;
        assert!(m.mark_for_recovery(Some(9)));
        assert_eq!(
            (m.state, m.lb_value, m.reply_timeouts),
            (MemberState::ErrRec, 9, 0)
        );
        assert!(!m.mark_for_recovery(Some(1)), "already recovering");
        m.lb_value = 20;
        assert!(m.readmit(9));
        assert_eq!((m.state, m.lb_value), (MemberState::OkIdle, 20));
        assert_eq!((m.first_error, m.last_error), (None, None));
        assert_eq!(m.error_time, Some(now), "error_time outlives recovery");
    }

    #[test]
    fn a_reset_clears_state_counters_and_error_time() {
        let mut m = member("a");
        record(&mut m, Verdict::FatalStatus, &timing(), Instant::now());
        m.picked(true);
        m.reset();
        assert_eq!(m.state, MemberState::OkIdle);
        assert_eq!((m.errors, m.sessions, m.elected, m.lb_value), (0, 0, 0, 0));
        assert_eq!(m.error_time, None);
        assert_eq!(m.in_flight, 1, "requests in flight are not forgotten");
    }

    #[test]
    fn a_new_member_is_idle_and_usable() {
        let m = member("a");
        assert_eq!(m.state, MemberState::OkIdle);
        assert_eq!(m.state.as_str(), "OK/IDLE");
        assert!(m.balancable(m.activation));
    }

    #[test]
    fn success_and_client_errors_make_a_member_ok_and_clear_errors() {
        let t0 = Instant::now();
        for verdict in [Verdict::Success, Verdict::ClientError, Verdict::SoftStatus] {
            let mut m = member("a");
            m.state = MemberState::ErrPrb;
            m.first_error = Some(t0);
            record(&mut m, verdict, &timing(), t0);
            assert_eq!(m.state, MemberState::Ok, "{verdict:?}");
            assert_eq!(m.first_error, None);
            assert_eq!(m.errors, 0);
        }
    }

    #[test]
    fn a_failure_with_nothing_else_in_flight_is_a_global_error_at_once() {
        let t0 = Instant::now();
        let mut m = member("a");
        record(&mut m, Verdict::Failure, &timing(), t0);
        assert_eq!(m.state, MemberState::Err);
        assert_eq!(
            (m.first_error, m.last_error, m.errors),
            (Some(t0), Some(t0), 1)
        );
        assert!(!m.state.usable());
    }

    #[test]
    fn a_failure_beside_healthy_requests_escalates_only_after_the_escalation_time() {
        let t0 = Instant::now();
        let mut m = member("a");
        m.state = MemberState::Ok;
        m.in_flight = 3;
        record(&mut m, Verdict::Failure, &timing(), t0);
        assert_eq!(m.state, MemberState::Ok, "a local error");
        record(
            &mut m,
            Verdict::Failure,
            &timing(),
            t0 + Duration::from_secs(10),
        );
        assert_eq!(m.state, MemberState::Ok);
        record(
            &mut m,
            Verdict::Failure,
            &timing(),
            t0 + Duration::from_secs(30),
        );
        assert_eq!(m.state, MemberState::Err, "30 s after the first error");
        assert_eq!(m.first_error, Some(t0));
        // Escalation time zero: at once.
        let mut m = member("b");
        m.in_flight = 3;
        let t = Timing {
            error_escalation_time: Duration::ZERO,
            ..timing()
        };
        record(&mut m, Verdict::Failure, &t, t0);
        assert_eq!(m.state, MemberState::Err);
    }

    #[test]
    fn maintenance_escalates_a_lasting_local_error() {
        let t0 = Instant::now();
        let mut ms = vec![member("a"), member("b")];
        ms[0].state = MemberState::Ok;
        ms[0].first_error = Some(t0);
        ms[0].used = true;
        maintain(
            &mut ms,
            &timing(),
            t0,
            t0 + Duration::from_secs(29),
            no_decay,
        );
        assert_eq!(ms[0].state, MemberState::Ok);
        maintain(
            &mut ms,
            &timing(),
            t0,
            t0 + Duration::from_secs(30),
            no_decay,
        );
        assert_eq!(ms[0].state, MemberState::Err);
    }

    #[test]
    fn reply_timeouts_are_tolerated_up_to_max_reply_timeouts_and_decay() {
        let t0 = Instant::now();
        let t = Timing {
            max_reply_timeouts: 2,
            ..timing()
        };
        let mut m = member("a");
        record(&mut m, Verdict::ReplyTimeout, &t, t0);
        record(&mut m, Verdict::ReplyTimeout, &t, t0);
        assert_eq!(m.state, MemberState::OkIdle);
        record(&mut m, Verdict::ReplyTimeout, &t, t0);
        assert_eq!(m.state, MemberState::Err);
        let mut ms = vec![member("b")];
        ms[0].reply_timeouts = 4;
        maintain(&mut ms, &t, t0, t0 + Duration::from_secs(60), no_decay);
        assert_eq!(ms[0].reply_timeouts, 2, "halved per maintenance interval");
    }

    #[test]
    fn fatal_status_is_an_error_and_busy_is_not() {
        let t0 = Instant::now();
        let mut m = member("a");
        record(&mut m, Verdict::Busy, &timing(), t0);
        assert_eq!(m.state, MemberState::OkBusy);
        assert!(!m.state.usable());
        record(&mut m, Verdict::FatalStatus, &timing(), t0);
        assert_eq!(m.state, MemberState::Err);
        record(&mut m, Verdict::Busy, &timing(), t0);
        assert_eq!(m.state, MemberState::Err, "busy never hides an error");
    }

    #[test]
    fn an_error_is_recovered_after_recover_time_at_the_current_maximum_load() {
        let t0 = Instant::now();
        let mut ms = vec![member("a"), member("b")];
        record(&mut ms[0], Verdict::Failure, &timing(), t0);
        ms[1].lb_value = 40;
        maintain(
            &mut ms,
            &timing(),
            t0,
            t0 + Duration::from_secs(60),
            |m, _| m.iter().map(|x| x.lb_value).max(),
        );
        assert_eq!(ms[0].state, MemberState::Err, "recover_time not yet passed");
        maintain(
            &mut ms,
            &timing(),
            t0 + Duration::from_secs(60),
            t0 + Duration::from_secs(61),
            |m, _| m.iter().map(|x| x.lb_value).max(),
        );
        assert_eq!(ms[0].state, MemberState::ErrRec);
        assert_eq!(ms[0].lb_value, 40, "starts at curmax so it is not flooded");
        assert!(ms[0].state.usable());
    }

    #[test]
    fn unused_ok_members_go_idle_at_maintenance() {
        let t0 = Instant::now();
        let mut ms = vec![member("a"), member("b")];
        ms[0].state = MemberState::Ok;
        ms[0].used = true;
        ms[1].state = MemberState::Ok;
        maintain(
            &mut ms,
            &timing(),
            t0,
            t0 + Duration::from_secs(60),
            no_decay,
        );
        assert_eq!(ms[0].state, MemberState::Ok);
        assert_eq!(ms[1].state, MemberState::OkIdle);
        assert!(!ms[0].used, "use is counted per interval");
    }

    #[test]
    fn when_every_member_is_down_they_are_forced_back() {
        let t0 = Instant::now();
        let mut ms = vec![member("a"), member("b")];
        record(&mut ms[0], Verdict::Failure, &timing(), t0);
        record(&mut ms[1], Verdict::Failure, &timing(), t0);
        assert!(force_recovery_if_all_down(&mut ms));
        assert!(
            ms.iter()
                .all(|m| m.state == MemberState::ErrFrc && m.state.usable())
        );
        assert!(
            !force_recovery_if_all_down(&mut ms),
            "nothing left to force"
        );
        let mut ms = vec![member("a"), member("b")];
        record(&mut ms[0], Verdict::Failure, &timing(), t0);
        assert!(!force_recovery_if_all_down(&mut ms), "b is fine");
    }

    #[test]
    fn activation_decides_who_takes_what() {
        let m = member("a");
        assert!(m.balancable(Activation::Active) && m.sticky_usable(Activation::Active));
        assert!(!m.balancable(Activation::Disabled) && m.sticky_usable(Activation::Disabled));
        assert!(!m.balancable(Activation::Stopped) && !m.sticky_usable(Activation::Stopped));
    }

    #[test]
    fn multipliers_are_the_lcm_over_each_factor() {
        let mut ms = vec![member("a"), member("b"), member("c")];
        ms[0].lbfactor = 1;
        ms[1].lbfactor = 2;
        ms[2].lbfactor = 3;
        update_multipliers(&mut ms);
        assert_eq!(ms.iter().map(|m| m.lb_mult).collect::<Vec<_>>(), [6, 3, 2]);
    }
}
