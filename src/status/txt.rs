//! `mime=txt`: one line per object, `Label: key=value key=value …`, as mod_jk 1.2.48 prints it.
//!
//! Like mod_jk, string values from the configuration and the maps are quoted (`route="node1"`), the
//! rest are not, and the key order of members and ajp workers puts `retries` before
//! `connection_ping_interval`.

use std::fmt::Write;

use super::model::{AjpModel, LbModel, MapModel, MemberModel, Server, TEXT_TIME, local_time};
use super::page::{Format, Head};
use super::text::true_false;

#[derive(Default)]
pub struct Txt {
    out: String,
}

impl Txt {
    pub fn new() -> Self {
        Txt {
            out: String::with_capacity(4096),
        }
    }

    fn kv(&mut self, key: &str, value: impl std::fmt::Display) {
        let _ = write!(self.out, " {key}={value}");
    }

    fn quoted(&mut self, key: &str, value: impl std::fmt::Display) {
        let _ = write!(self.out, " {key}=\"{value}\"");
    }

    fn error_time(&mut self, error_time: Option<i64>, now: i64) {
        if let Some(time) = error_time {
            let (datetime, tz) = local_time(time, TEXT_TIME);
            self.kv("error_time_datetime", datetime);
            self.kv("error_time_tz", tz);
            self.kv("error_time_unix_seconds", time);
            self.kv("error_time_ago", now - time);
        }
    }

    fn ajp_config(&mut self, ajp: &AjpModel) {
        self.kv("host", &ajp.host);
        self.kv("port", ajp.port);
        self.kv("address", &ajp.address);
        self.kv("source", &ajp.source);
        self.kv("connection_pool_timeout", ajp.connection_pool_timeout);
        self.kv("ping_timeout", ajp.ping_timeout);
        self.kv("connect_timeout", ajp.connect_timeout);
        self.kv("prepost_timeout", ajp.prepost_timeout);
        self.kv("reply_timeout", ajp.reply_timeout);
        self.kv("retries", ajp.retries);
        self.kv("connection_ping_interval", ajp.connection_ping_interval);
        self.kv("recovery_options", ajp.recovery_options);
        self.kv("busy_limit", ajp.busy_limit);
        self.kv("max_packet_size", ajp.max_packet_size);
    }
}

impl Format for Txt {
    fn start(&mut self) {}

    fn server(&mut self, server: &Server) {
        self.out.push_str("Server:");
        self.kv("name", &server.name);
        self.kv("port", server.port);
        self.out.push('\n');
    }

    fn head(&mut self, head: &Head) {
        self.out.push_str("Time:");
        self.kv("datetime", &head.datetime);
        self.kv("tz", &head.tz);
        self.kv("unix", head.unix);
        self.out.push_str("\nSoftware:");
        self.quoted("web_server", head.web_server);
        self.kv("jk_version", head.jk_version);
        self.out.push('\n');
    }

    fn lbs_start(&mut self, count: usize) {
        let _ = writeln!(self.out, "Balancer Workers: count={count}");
    }

    fn lbs_end(&mut self) {}

    fn lb_start(&mut self, lb: &LbModel) {
        self.out.push_str("Balancer Worker:");
        self.kv("name", &lb.name);
        self.kv("type", "lb");
        self.kv("sticky_session", true_false(lb.sticky_session));
        self.kv("sticky_session_force", true_false(lb.sticky_session_force));
        self.kv("retries", lb.retries);
        self.kv("recover_time", lb.recover_time);
        self.kv("error_escalation_time", lb.error_escalation_time);
        self.kv("max_reply_timeouts", lb.max_reply_timeouts);
        self.kv("method", lb.method.as_str());
        self.kv("lock", lb.lock.as_str());
        self.kv("member_count", lb.members.len());
        self.kv("good", lb.good);
        self.kv("degraded", lb.degraded);
        self.kv("bad", lb.bad);
        self.kv("busy", lb.busy);
        self.kv("max_busy", lb.max_busy);
        self.kv("map_count", lb.maps.len());
        self.kv("time_to_maintenance_min", lb.time_to_maintenance_min);
        self.kv("time_to_maintenance_max", lb.time_to_maintenance_max);
        self.kv("last_reset_at", lb.last_reset_at);
        self.kv("last_reset_ago", lb.last_reset_ago);
        self.out.push('\n');
    }

    fn member(&mut self, _lb: &str, m: &MemberModel, now: i64) {
        let a = &m.ajp;
        self.out.push_str("Member:");
        self.kv("name", &a.name);
        self.kv("type", a.kind);
        self.ajp_config(a);
        self.kv("activation", m.activation.as_str());
        self.kv("lbfactor", m.lbfactor);
        self.quoted("route", &m.route);
        self.quoted("redirect", &m.redirect);
        self.quoted("domain", &m.domain);
        self.kv("distance", m.distance);
        self.kv("state", m.state.as_str());
        self.kv("lbmult", m.lbmult);
        self.kv("lbvalue", m.lbvalue);
        self.kv("elected", a.used);
        self.kv("sessions", m.sessions);
        self.kv("errors", m.errors);
        self.kv("client_errors", a.client_errors);
        self.kv("reply_timeouts", a.reply_timeouts);
        self.kv("transferred", a.transferred);
        self.kv("read", a.read);
        self.kv("busy", a.busy);
        self.kv("max_busy", a.max_busy);
        self.kv("connected", a.connected);
        self.kv("max_connected", a.max_connected);
        self.kv("time_to_recover_min", m.time_to_recover_min);
        self.kv("time_to_recover_max", m.time_to_recover_max);
        self.kv("last_reset_at", a.last_reset_at);
        self.kv("last_reset_ago", a.last_reset_ago);
        self.error_time(m.error_time, now);
        for (key, value) in a.tunnel_fields() {
            self.kv(key, value);
        }
        self.out.push('\n');
    }

    fn map(&mut self, _worker: &str, map: &MapModel) {
        self.out.push_str("Map:");
        self.kv("id", map.id);
        self.quoted("server", &map.server);
        self.quoted("uri", &map.uri);
        self.quoted("type", &map.kind);
        self.quoted("source", map.source);
        self.quoted("reply_timeout", map.reply_timeout);
        self.quoted("sticky_ignore", map.sticky_ignore);
        self.quoted("stateless", map.stateless);
        self.quoted("fail_on_status", &map.fail_on_status);
        self.quoted("active", &map.active);
        self.quoted("disabled", &map.disabled);
        self.quoted("stopped", &map.stopped);
        self.quoted("use_server_errors", map.use_server_errors);
        self.out.push('\n');
    }

    fn lb_end(&mut self) {}

    fn ajps_start(&mut self, count: usize) {
        let _ = writeln!(self.out, "AJP Workers: count={count}");
    }

    fn ajps_end(&mut self) {}

    fn ajp(&mut self, ajp: &AjpModel, now: i64) {
        self.out.push_str("AJP Worker:");
        self.kv("name", &ajp.name);
        self.kv("type", ajp.kind);
        self.ajp_config(ajp);
        self.kv("used", ajp.used);
        self.kv("errors", ajp.errors);
        self.kv("client_errors", ajp.client_errors);
        self.kv("reply_timeouts", ajp.reply_timeouts);
        self.kv("transferred", ajp.transferred);
        self.kv("read", ajp.read);
        self.kv("busy", ajp.busy);
        self.kv("max_busy", ajp.max_busy);
        self.kv("connected", ajp.connected);
        self.kv("max_connected", ajp.max_connected);
        self.kv("map_count", ajp.maps.len());
        self.kv("last_reset_at", ajp.last_reset_at);
        self.kv("last_reset_ago", ajp.last_reset_ago);
        self.error_time(ajp.error_time, now);
        for (key, value) in ajp.tunnel_fields() {
            self.kv(key, value);
        }
        self.out.push('\n');
    }

    fn dump(&mut self, entries: &[(String, String)]) {
        self.out.push_str("Configuration:\n");
        for (key, value) in entries {
            let _ = writeln!(self.out, "{key}={value}");
        }
    }

    fn result(&mut self, error: Option<&str>) {
        self.out.push_str("Result:");
        self.kv("type", if error.is_some() { "ERROR" } else { "OK" });
        self.quoted("message", error.unwrap_or("Action finished"));
        self.out.push('\n');
    }

    fn end(&mut self) {}

    fn finish(self: Box<Self>) -> String {
        self.out
    }
}
