//! `mime=xml`: mod_jk 1.2.48's XML, byte for byte in its layout.
//!
//! One attribute per line, two spaces deeper than its element; containers end their start tag with a
//! `>` line, leaves with a `/>` line. The root and the header elements are at column 0, balancers and
//! ajp workers at 2, members and maps at 6 (maps of an ajp worker are siblings after its self-closed
//! element), the result at 2. The element prefix (`ns`) and the root's namespace declaration (`xmlns`)
//! come from the status worker's properties.
//!
//! One deviation: mod_jk prints attribute values raw; we escape `& < > "`. Values that mod_jk could
//! print at all (request input is masked, see `params`) read the same through any XML parser, and a
//! configuration value with an `&` no longer breaks the document.

use std::fmt::Write;

use super::model::{AjpModel, LbModel, MapModel, MemberModel, Server, TEXT_TIME, local_time};
use super::page::{Format, Head};
use super::text::{escape, true_false};

pub struct Xml<'a> {
    out: String,
    ns: &'a str,
    xmlns: &'a str,
    doctype: Option<&'a str>,
}

impl<'a> Xml<'a> {
    pub fn new(ns: &'a str, xmlns: &'a str, doctype: Option<&'a str>) -> Self {
        Xml {
            out: String::with_capacity(8192),
            ns,
            xmlns,
            doctype,
        }
    }

    fn open(&mut self, indent: usize, name: &str) {
        let _ = writeln!(self.out, "{:indent$}<{}{}", "", self.ns, name);
    }

    fn attr(&mut self, indent: usize, key: &str, value: impl std::fmt::Display) {
        let value = escape(&value.to_string());
        let _ = writeln!(self.out, "{:indent$}{key}=\"{value}\"", "");
    }

    /// Ends a start tag: `/>` for a leaf, `>` for a container.
    fn stop(&mut self, indent: usize, leaf: bool) {
        let _ = writeln!(self.out, "{:indent$}{}", "", if leaf { "/>" } else { ">" });
    }

    fn close(&mut self, indent: usize, name: &str) {
        let _ = writeln!(self.out, "{:indent$}</{}{}>", "", self.ns, name);
    }

    fn error_time(&mut self, indent: usize, error_time: Option<i64>, now: i64) {
        if let Some(time) = error_time {
            let (datetime, tz) = local_time(time, TEXT_TIME);
            self.attr(indent, "error_time_datetime", datetime);
            self.attr(indent, "error_time_tz", tz);
            self.attr(indent, "error_time_unix_seconds", time);
            self.attr(indent, "error_time_ago", now - time);
        }
    }

    /// The connection attributes members and ajp workers share.
    fn ajp_config(&mut self, i: usize, ajp: &AjpModel) {
        self.attr(i, "host", &ajp.host);
        self.attr(i, "port", ajp.port);
        self.attr(i, "address", &ajp.address);
        self.attr(i, "source", &ajp.source);
        self.attr(i, "connection_pool_timeout", ajp.connection_pool_timeout);
        self.attr(i, "ping_timeout", ajp.ping_timeout);
        self.attr(i, "connect_timeout", ajp.connect_timeout);
        self.attr(i, "prepost_timeout", ajp.prepost_timeout);
        self.attr(i, "reply_timeout", ajp.reply_timeout);
        self.attr(i, "connection_ping_interval", ajp.connection_ping_interval);
        self.attr(i, "retries", ajp.retries);
        self.attr(i, "recovery_options", ajp.recovery_options);
        self.attr(i, "busy_limit", ajp.busy_limit);
        self.attr(i, "max_packet_size", ajp.max_packet_size);
    }
}

impl Format for Xml<'_> {
    fn start(&mut self) {
        self.out
            .push_str("<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n");
        if let Some(doctype) = self.doctype {
            self.out.push_str(doctype);
            self.out.push('\n');
        }
        self.open(0, "status");
        if !self.xmlns.is_empty() {
            self.out.push_str("  ");
            self.out.push_str(self.xmlns);
        }
        self.stop(0, false);
    }

    fn server(&mut self, server: &Server) {
        self.open(0, "server");
        self.attr(2, "name", &server.name);
        self.attr(2, "port", server.port);
        self.stop(0, true);
    }

    fn head(&mut self, head: &Head) {
        self.open(0, "time");
        self.attr(2, "datetime", &head.datetime);
        self.attr(2, "tz", &head.tz);
        self.attr(2, "unix", head.unix);
        self.stop(0, true);
        self.open(0, "software");
        self.attr(2, "web_server", head.web_server);
        self.attr(2, "jk_version", head.jk_version);
        self.stop(0, true);
    }

    fn lbs_start(&mut self, count: usize) {
        self.open(0, "balancers");
        self.attr(2, "count", count);
        self.stop(0, false);
    }

    fn lbs_end(&mut self) {
        self.close(0, "balancers");
    }

    fn lb_start(&mut self, lb: &LbModel) {
        self.open(2, "balancer");
        self.attr(4, "name", &lb.name);
        self.attr(4, "type", "lb");
        self.attr(4, "sticky_session", true_false(lb.sticky_session));
        self.attr(
            4,
            "sticky_session_force",
            true_false(lb.sticky_session_force),
        );
        self.attr(4, "retries", lb.retries);
        self.attr(4, "recover_time", lb.recover_time);
        self.attr(4, "error_escalation_time", lb.error_escalation_time);
        self.attr(4, "max_reply_timeouts", lb.max_reply_timeouts);
        self.attr(4, "method", lb.method.as_str());
        self.attr(4, "lock", lb.lock.as_str());
        self.attr(4, "member_count", lb.members.len());
        self.attr(4, "good", lb.good);
        self.attr(4, "degraded", lb.degraded);
        self.attr(4, "bad", lb.bad);
        self.attr(4, "busy", lb.busy);
        self.attr(4, "max_busy", lb.max_busy);
        self.attr(4, "map_count", lb.maps.len());
        self.attr(4, "time_to_maintenance_min", lb.time_to_maintenance_min);
        self.attr(4, "time_to_maintenance_max", lb.time_to_maintenance_max);
        self.attr(4, "last_reset_at", lb.last_reset_at);
        self.attr(4, "last_reset_ago", lb.last_reset_ago);
        self.stop(2, false);
    }

    fn member(&mut self, _lb: &str, m: &MemberModel, now: i64) {
        let a = &m.ajp;
        self.open(6, "member");
        self.attr(8, "name", &a.name);
        self.attr(8, "type", a.kind);
        self.ajp_config(8, a);
        self.attr(8, "activation", m.activation.as_str());
        self.attr(8, "lbfactor", m.lbfactor);
        self.attr(8, "route", &m.route);
        self.attr(8, "redirect", &m.redirect);
        self.attr(8, "domain", &m.domain);
        self.attr(8, "distance", m.distance);
        self.attr(8, "state", m.state.as_str());
        self.attr(8, "lbmult", m.lbmult);
        self.attr(8, "lbvalue", m.lbvalue);
        self.attr(8, "elected", a.used);
        self.attr(8, "sessions", m.sessions);
        self.attr(8, "errors", m.errors);
        self.attr(8, "client_errors", a.client_errors);
        self.attr(8, "reply_timeouts", a.reply_timeouts);
        self.attr(8, "transferred", a.transferred);
        self.attr(8, "read", a.read);
        self.attr(8, "busy", a.busy);
        self.attr(8, "max_busy", a.max_busy);
        self.attr(8, "connected", a.connected);
        self.attr(8, "max_connected", a.max_connected);
        self.attr(8, "time_to_recover_min", m.time_to_recover_min);
        self.attr(8, "time_to_recover_max", m.time_to_recover_max);
        self.attr(8, "last_reset_at", a.last_reset_at);
        self.attr(8, "last_reset_ago", a.last_reset_ago);
        self.error_time(8, m.error_time, now);
        for (key, value) in a.tunnel_fields() {
            self.attr(8, key, value);
        }
        self.stop(6, true);
    }

    fn map(&mut self, _worker: &str, map: &MapModel) {
        self.open(6, "map");
        self.attr(8, "id", map.id);
        self.attr(8, "server", &map.server);
        self.attr(8, "uri", &map.uri);
        self.attr(8, "type", &map.kind);
        self.attr(8, "source", map.source);
        self.attr(8, "reply_timeout", map.reply_timeout);
        self.attr(8, "sticky_ignore", map.sticky_ignore);
        self.attr(8, "stateless", map.stateless);
        self.attr(8, "fail_on_status", &map.fail_on_status);
        self.attr(8, "active", &map.active);
        self.attr(8, "disabled", &map.disabled);
        self.attr(8, "stopped", &map.stopped);
        self.attr(8, "use_server_errors", map.use_server_errors);
        self.stop(6, true);
    }

    fn lb_end(&mut self) {
        self.close(2, "balancer");
    }

    fn ajps_start(&mut self, count: usize) {
        self.open(0, "ajp_workers");
        self.attr(2, "count", count);
        self.stop(0, false);
    }

    fn ajps_end(&mut self) {
        self.close(0, "ajp_workers");
    }

    fn ajp(&mut self, ajp: &AjpModel, now: i64) {
        self.open(2, "ajp");
        self.attr(4, "name", &ajp.name);
        self.attr(4, "type", ajp.kind);
        self.ajp_config(4, ajp);
        self.attr(4, "used", ajp.used);
        self.attr(4, "errors", ajp.errors);
        self.attr(4, "client_errors", ajp.client_errors);
        self.attr(4, "reply_timeouts", ajp.reply_timeouts);
        self.attr(4, "transferred", ajp.transferred);
        self.attr(4, "read", ajp.read);
        self.attr(4, "busy", ajp.busy);
        self.attr(4, "max_busy", ajp.max_busy);
        self.attr(4, "connected", ajp.connected);
        self.attr(4, "max_connected", ajp.max_connected);
        self.attr(4, "map_count", ajp.maps.len());
        self.attr(4, "last_reset_at", ajp.last_reset_at);
        self.attr(4, "last_reset_ago", ajp.last_reset_ago);
        self.error_time(4, ajp.error_time, now);
        for (key, value) in ajp.tunnel_fields() {
            self.attr(4, key, value);
        }
        self.stop(2, true);
    }

    fn dump(&mut self, entries: &[(String, String)]) {
        self.open(2, "configuration");
        for (key, value) in entries {
            self.attr(4, key, value);
        }
        self.stop(2, true);
    }

    fn result(&mut self, error: Option<&str>) {
        self.open(2, "result");
        self.attr(4, "type", if error.is_some() { "ERROR" } else { "OK" });
        self.attr(4, "message", error.unwrap_or("Action finished"));
        self.stop(2, true);
    }

    fn end(&mut self) {
        self.close(0, "status");
    }

    fn finish(self: Box<Self>) -> String {
        self.out
    }
}
