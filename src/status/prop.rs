//! `mime=prop`: mod_jk 1.2.48's properties output, quirks included, because scripts depend on them.
//!
//! Keys are `<prefix>.<key>` for the header, `<prefix>.<worker>.<key>` per worker and
//! `<prefix>.<worker>.map.<n>.<key>` per map. The output reads like a workers.properties fragment: an lb
//! is introduced by `<prefix>.list=<lb>`, each member by `<prefix>.<lb>.balance_workers=<member>` (a
//! repeated key, which AppDynamics reads as the member list), a standalone ajp worker by
//! `<prefix>.<name>.list=<name>`. Each member's `last_reset_*` and `error_time_*` keys are printed
//! under the lb's name, and two error keys contain a space (`error_time_unix seconds`,
//! `error_time_ago seconds`), exactly as mod_jk does.

use std::fmt::Write;

use super::model::{AjpModel, LbModel, MapModel, MemberModel, Server, TEXT_TIME, local_time};
use super::page::{Format, Head};
use super::text::true_false;

pub struct Prop<'a> {
    out: String,
    prefix: &'a str,
}

impl<'a> Prop<'a> {
    pub fn new(prefix: &'a str) -> Self {
        Prop {
            out: String::with_capacity(8192),
            prefix,
        }
    }

    /// `<prefix>.<key>=<value>`.
    fn global(&mut self, key: &str, value: impl std::fmt::Display) {
        let _ = writeln!(self.out, "{}.{key}={value}", self.prefix);
    }

    /// `<prefix>.<name>.<key>=<value>`.
    fn put(&mut self, name: &str, key: &str, value: impl std::fmt::Display) {
        let _ = writeln!(self.out, "{}.{name}.{key}={value}", self.prefix);
    }

    fn error_time(&mut self, name: &str, error_time: Option<i64>, now: i64) {
        if let Some(time) = error_time {
            let (datetime, tz) = local_time(time, TEXT_TIME);
            self.put(name, "error_time_datetime", datetime);
            self.put(name, "error_time_tz", tz);
            self.put(name, "error_time_unix seconds", time);
            self.put(name, "error_time_ago seconds", now - time);
        }
    }

    /// The connection keys members and ajp workers share (note `retries` before the ping interval).
    fn ajp_config(&mut self, n: &str, ajp: &AjpModel) {
        self.put(n, "host", &ajp.host);
        self.put(n, "port", ajp.port);
        self.put(n, "address", &ajp.address);
        self.put(n, "source", &ajp.source);
        self.put(n, "connection_pool_timeout", ajp.connection_pool_timeout);
        self.put(n, "ping_timeout", ajp.ping_timeout);
        self.put(n, "connect_timeout", ajp.connect_timeout);
        self.put(n, "prepost_timeout", ajp.prepost_timeout);
        self.put(n, "reply_timeout", ajp.reply_timeout);
        self.put(n, "retries", ajp.retries);
        self.put(n, "connection_ping_interval", ajp.connection_ping_interval);
        self.put(n, "recovery_options", ajp.recovery_options);
        self.put(n, "busy_limit", ajp.busy_limit);
        self.put(n, "max_packet_size", ajp.max_packet_size);
    }
}

impl Format for Prop<'_> {
    fn start(&mut self) {}

    fn server(&mut self, server: &Server) {
        self.global("server_name", &server.name);
        self.global("server_port", server.port);
    }

    fn head(&mut self, head: &Head) {
        self.global("time_datetime", &head.datetime);
        self.global("time_tz", &head.tz);
        self.global("time_unix", head.unix);
        self.global("web_server", head.web_server);
        self.global("jk_version", head.jk_version);
    }

    fn lbs_start(&mut self, count: usize) {
        self.global("lb_count", count);
    }

    fn lbs_end(&mut self) {}

    fn lb_start(&mut self, lb: &LbModel) {
        let n = lb.name.as_str();
        self.global("list", n);
        self.put(n, "type", "lb");
        self.put(n, "sticky_session", true_false(lb.sticky_session));
        self.put(
            n,
            "sticky_session_force",
            true_false(lb.sticky_session_force),
        );
        self.put(n, "retries", lb.retries);
        self.put(n, "recover_time", lb.recover_time);
        self.put(n, "error_escalation_time", lb.error_escalation_time);
        self.put(n, "max_reply_timeouts", lb.max_reply_timeouts);
        self.put(n, "method", lb.method.as_str());
        self.put(n, "lock", lb.lock.as_str());
        self.put(n, "member_count", lb.members.len());
        self.put(n, "good", lb.good);
        self.put(n, "degraded", lb.degraded);
        self.put(n, "bad", lb.bad);
        self.put(n, "busy", lb.busy);
        self.put(n, "max_busy", lb.max_busy);
        self.put(n, "map_count", lb.maps.len());
        self.put(n, "time_to_maintenance_min", lb.time_to_maintenance_min);
        self.put(n, "time_to_maintenance_max", lb.time_to_maintenance_max);
        self.put(n, "last_reset_at", lb.last_reset_at);
        self.put(n, "last_reset_ago", lb.last_reset_ago);
    }

    fn member(&mut self, lb: &str, m: &MemberModel, now: i64) {
        let a = &m.ajp;
        let n = a.name.as_str();
        self.put(lb, "balance_workers", n);
        self.put(n, "type", a.kind);
        self.ajp_config(n, a);
        self.put(n, "activation", m.activation.as_str());
        self.put(n, "lbfactor", m.lbfactor);
        self.put(n, "route", &m.route);
        self.put(n, "redirect", &m.redirect);
        self.put(n, "domain", &m.domain);
        self.put(n, "distance", m.distance);
        self.put(n, "state", m.state.as_str());
        self.put(n, "lbmult", m.lbmult);
        self.put(n, "lbvalue", m.lbvalue);
        self.put(n, "elected", a.used);
        self.put(n, "sessions", m.sessions);
        self.put(n, "errors", m.errors);
        self.put(n, "client_errors", a.client_errors);
        self.put(n, "reply_timeouts", a.reply_timeouts);
        self.put(n, "transferred", a.transferred);
        self.put(n, "read", a.read);
        self.put(n, "busy", a.busy);
        self.put(n, "max_busy", a.max_busy);
        self.put(n, "connected", a.connected);
        self.put(n, "max_connected", a.max_connected);
        self.put(n, "time_to_recover_min", m.time_to_recover_min);
        self.put(n, "time_to_recover_max", m.time_to_recover_max);
        // mod_jk prints these under the lb's name.
        self.put(lb, "last_reset_at", a.last_reset_at);
        self.put(lb, "last_reset_ago", a.last_reset_ago);
        self.error_time(lb, m.error_time, now);
        for (key, value) in a.tunnel_fields() {
            self.put(n, key, value);
        }
    }

    fn map(&mut self, worker: &str, map: &MapModel) {
        let mut put = |key: &str, value: &dyn std::fmt::Display| {
            let _ = writeln!(
                self.out,
                "{}.{worker}.map.{}.{key}={value}",
                self.prefix, map.id
            );
        };
        put("server", &map.server);
        put("uri", &map.uri);
        put("type", &map.kind);
        put("source", &map.source);
        put("reply_timeout", &map.reply_timeout);
        put("sticky_ignore", &map.sticky_ignore);
        put("stateless", &map.stateless);
        put("fail_on_status", &map.fail_on_status);
        put("active", &map.active);
        put("disabled", &map.disabled);
        put("stopped", &map.stopped);
        put("use_server_errors", &map.use_server_errors);
    }

    fn lb_end(&mut self) {}

    fn ajps_start(&mut self, count: usize) {
        self.global("ajp_count", count);
    }

    fn ajps_end(&mut self) {}

    fn ajp(&mut self, ajp: &AjpModel, now: i64) {
        let n = ajp.name.as_str();
        self.put(n, "list", n);
        self.put(n, "type", ajp.kind);
        self.ajp_config(n, ajp);
        self.put(n, "used", ajp.used);
        self.put(n, "errors", ajp.errors);
        self.put(n, "client_errors", ajp.client_errors);
        self.put(n, "reply_timeouts", ajp.reply_timeouts);
        self.put(n, "transferred", ajp.transferred);
        self.put(n, "read", ajp.read);
        self.put(n, "busy", ajp.busy);
        self.put(n, "max_busy", ajp.max_busy);
        self.put(n, "connected", ajp.connected);
        self.put(n, "max_connected", ajp.max_connected);
        self.put(n, "map_count", ajp.maps.len());
        self.put(n, "last_reset_at", ajp.last_reset_at);
        self.put(n, "last_reset_ago", ajp.last_reset_ago);
        self.error_time(n, ajp.error_time, now);
        for (key, value) in ajp.tunnel_fields() {
            self.put(n, key, value);
        }
    }

    fn dump(&mut self, entries: &[(String, String)]) {
        for (key, value) in entries {
            let _ = writeln!(self.out, "{key}={value}");
        }
    }

    fn result(&mut self, error: Option<&str>) {
        self.put(
            "result",
            "type",
            if error.is_some() { "ERROR" } else { "OK" },
        );
        self.put("result", "message", error.unwrap_or("Action finished"));
    }

    fn end(&mut self) {}

    fn finish(self: Box<Self>) -> String {
        self.out
    }
}
