//! The lb worker: balances requests over member ajp13 workers, with sticky sessions.
//!
//! In mod_jk an lb creates its own private copy of each member (a member need not be in
//! `worker.list`), so the same ajp13 definition can serve in several lbs; the lb's `secret` is given to
//! members that have none. [`LbConfig::members`] holds those per-lb copies. Defaults and clamps are
//! mod_jk 1.2.48's (`validate` and `init` in `jk_lb_worker.c`).

use std::time::Duration;

use super::ajp13::{Ajp13Config, hidden};
use super::diagnostic::{Diagnostics, Origin};
use super::properties::Properties;
use super::reader::{Explicit, WorkerReader, millis, secs};
use crate::vocabulary::{LbLock, LbMethod};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LbConfig {
    pub name: String,
    /// Member names, in file order.
    pub balance_workers: Vec<String>,
    /// Each member as this lb uses it (secret inherited, port 0 stopped), in `balance_workers` order.
    pub members: Vec<Ajp13Config>,
    pub sticky_session: bool,
    /// Never fail over a request that carries a session route.
    pub sticky_session_force: bool,
    pub session_cookie: String,
    /// Path parameter name including its `;`.
    pub session_path: String,
    pub set_session_cookie: bool,
    pub session_cookie_path: String,
    pub method: LbMethod,
    pub lock: LbLock,
    /// Rounds over the members; at least 1.
    pub retries: u32,
    /// Members tried per round (at most the member count); at least 1.
    pub lb_retries: u32,
    /// Pause between rounds (ms).
    pub retry_interval: Duration,
    /// How long a failed member is left alone (s); at least 1 s.
    pub recover_time: Duration,
    /// How long a local error may last before it becomes global (s).
    pub error_escalation_time: Duration,
    /// Reply timeouts tolerated before a member goes into error.
    pub max_reply_timeouts: u32,
    /// Given to members without their own.
    pub secret: Option<String>,
    /// The largest member max_packet_size (for the request-body replay buffer).
    pub max_packet_size: usize,
    pub mount: Vec<String>,
    pub explicit: Explicit,
}

impl LbConfig {
    /// Reads the lb's own properties. Members are attached by the caller; this returns the
    /// `balance_workers` items with the line each came from.
    pub(crate) fn read(
        name: &str,
        props: &Properties,
        diags: &mut Diagnostics,
    ) -> (LbConfig, Vec<(String, Origin)>) {
        let mut r = WorkerReader::new(name, props, diags);
        let mut members = r.list("balance_workers");
        if members.is_empty() {
            members = r.list("balanced_workers");
        }
        let recover_time = r.at_least("recover_time", 60, 1);
        let config = LbConfig {
            name: name.to_string(),
            balance_workers: members.iter().map(|(m, _)| m.clone()).collect(),
            members: Vec::new(),
            sticky_session: r.boolean("sticky_session", true),
            sticky_session_force: r.boolean("sticky_session_force", false),
            session_cookie: r
                .name_like("session_cookie")
                .unwrap_or_else(|| "JSESSIONID".into()),
            session_path: r
                .name_like("session_path")
                .unwrap_or_else(|| ";jsessionid".into()),
            set_session_cookie: r.boolean("set_session_cookie", false),
            session_cookie_path: r
                .name_like("session_cookie_path")
                .unwrap_or_else(|| "/".into()),
            method: r.letter(
                "method",
                &[
                    (&['r', 'R', '0'], LbMethod::Requests),
                    (&['t', 'T', '1'], LbMethod::Traffic),
                    (&['b', 'B', '2'], LbMethod::Busyness),
                    (&['s', 'S', '3'], LbMethod::Sessions),
                    (&['n', 'N', '4'], LbMethod::Next),
                ],
                LbMethod::Requests,
                "Request, Traffic, Busyness, Sessions or Next",
            ),
            lock: r.letter(
                "lock",
                &[
                    (&['o', 'O', '0'], LbLock::Optimistic),
                    (&['p', 'P', '1'], LbLock::Pessimistic),
                ],
                LbLock::Optimistic,
                "Optimistic or Pessimistic",
            ),
            retries: r.at_least("retries", 2, 1),
            lb_retries: r.at_least("lb_retries", 2, 1),
            retry_interval: r
                .millis("retry_interval")
                .unwrap_or(Duration::from_millis(100)),
            recover_time: Duration::from_secs(u64::from(recover_time)),
            error_escalation_time: r
                .seconds("error_escalation_time")
                .unwrap_or(Duration::from_secs(u64::from(recover_time / 2))),
            max_reply_timeouts: r.non_negative("max_reply_timeouts").unwrap_or(0),
            secret: r.string("secret").map(|(v, _)| v),
            max_packet_size: 0,
            mount: r.list("mount").into_iter().map(|(m, _)| m).collect(),
            explicit: r.explicit,
        };
        (config, members)
    }

    /// Every effective property by its mod_jk name, in a fixed order.
    pub fn properties(&self) -> Vec<(&'static str, String)> {
        vec![
            ("type", "lb".into()),
            ("balance_workers", self.balance_workers.join(",")),
            ("sticky_session", self.sticky_session.to_string()),
            (
                "sticky_session_force",
                self.sticky_session_force.to_string(),
            ),
            ("session_cookie", self.session_cookie.clone()),
            ("session_path", self.session_path.clone()),
            ("set_session_cookie", self.set_session_cookie.to_string()),
            ("session_cookie_path", self.session_cookie_path.clone()),
            ("method", self.method.as_str().into()),
            ("lock", self.lock.as_str().into()),
            ("retries", self.retries.to_string()),
            ("lb_retries", self.lb_retries.to_string()),
            ("retry_interval", millis(self.retry_interval)),
            ("recover_time", secs(self.recover_time)),
            ("error_escalation_time", secs(self.error_escalation_time)),
            ("max_reply_timeouts", self.max_reply_timeouts.to_string()),
            ("secret", hidden(self.secret.as_deref())),
            ("mount", self.mount.join(" ")),
        ]
    }

    /// The member with this name.
    pub fn member(&self, name: &str) -> Option<&Ajp13Config> {
        self.members.iter().find(|m| m.name == name)
    }
}
