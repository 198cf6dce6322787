//! The read-only views: the worker list, one worker, its members and URI maps, and the dump.

use std::fmt::Write;

use super::super::model::{
    AjpModel, HTML_TIME, LbModel, MapModel, MemberModel, Snapshot, local_time,
};
use super::super::page::{Cmd, opt};
use super::super::rating::Rating;
use super::super::text::{escape, true_false};
use super::Writer;
use crate::balancer::MemberState;

impl Writer<'_, '_> {
    pub(super) fn list(&mut self, snapshot: &Snapshot) {
        self.listing("Load Balancing", snapshot.lbs.len(), opt::NO_LB, |page| {
            for lb in &snapshot.lbs {
                page.lb(lb, None);
            }
        });
        self.listing("AJP", snapshot.ajps.len(), opt::NO_AJP, |page| {
            for ajp in &snapshot.ajps {
                page.ajp(ajp);
            }
        });
    }

    /// One section of the list: a heading with a Hide link and the workers, or only a Show link when
    /// the `opt` bit `hide` is set. Nothing when there are no such workers.
    fn listing(&mut self, kind: &str, n: usize, hide: u32, workers: impl FnOnce(&mut Self)) {
        if n == 0 {
            return;
        }
        if self.options() & hide != 0 {
            self.out.push_str("<p>");
            self.toggle(&format!("Show {kind} Workers"), 0, hide);
            self.out.push_str("</p>\n");
            return;
        }
        let _ = write!(
            self.out,
            "<h2>Listing {kind} Worker{s} ({n} Worker{s}) [",
            s = if n > 1 { "s" } else { "" }
        );
        self.toggle("Hide", hide, 0);
        self.out.push_str("]</h2>\n");
        workers(self);
    }

    pub(super) fn show(&mut self, snapshot: &Snapshot) {
        let Some(name) = self.page.worker() else {
            return;
        };
        if let Some(lb) = snapshot.lb(name) {
            let only = self.page.sub_worker();
            self.lb(lb, only);
        } else if let Some(ajp) = snapshot.ajp(name) {
            self.ajp(ajp);
        }
    }

    /// `[S|E|R]` (and `T` for a member in error) for a worker or a member.
    fn worker_links(&mut self, worker: &str, member: Option<&MemberModel>, this_one: bool) {
        let sub = member.map(|m| m.ajp.name.as_str());
        self.out.push_str("<span class=\"links\">[");
        if this_one {
            self.out.push('S');
        } else {
            let target = self.uri(Cmd::Show, Some(worker), sub, 0, 0);
            self.link("S", &target);
        }
        if !self.read_only() {
            self.out.push('|');
            let target = self.uri(Cmd::Edit, Some(worker), sub, 0, 0);
            self.link("E", &target);
            self.out.push('|');
            let target = self.uri(Cmd::Reset, Some(worker), sub, 0, 0);
            self.link("R", &target);
            if member.is_some_and(|m| m.state == MemberState::Err) {
                self.out.push('|');
                let target = self.uri(Cmd::Recover, Some(worker), sub, 0, 0);
                self.link("T", &target);
            }
        }
        self.out.push_str("]</span>");
    }

    fn lb(&mut self, lb: &LbModel, only: Option<&str>) {
        let options = self.options();
        self.worker_heading(&lb.name);
        let mut shows = Vec::new();
        if options & opt::NO_LB_CONF != 0 {
            shows.push(("Show LB Configuration", opt::NO_LB_CONF));
        }
        if options & opt::NO_LB_SUMMARY != 0 {
            shows.push(("Show LB Summary", opt::NO_LB_SUMMARY));
        }
        if options & opt::NO_MEMBERS == 0 && options & opt::NO_AJP_CONF != 0 {
            shows.push(("Show AJP Configuration", opt::NO_AJP_CONF));
        }
        if options & opt::NO_MEMBERS != 0 {
            shows.push(("Show Balancer Members", opt::NO_MEMBERS));
        }
        if !shows.is_empty() {
            self.out.push_str("<p>");
            for (i, (text, bit)) in shows.into_iter().enumerate() {
                if i > 0 {
                    self.out.push_str("&nbsp;&nbsp;|&nbsp;&nbsp;");
                }
                self.toggle(text, 0, bit);
            }
            self.out.push_str("</p>\n");
        }
        if options & opt::NO_LB_CONF == 0 {
            self.out.push_str(
                "<table><tr><th>Type</th><th>Sticky Sessions</th><th>Force Sticky Sessions</th><th>Retries</th><th>LB Method</th><th>Locking</th><th>Recover Wait Time</th><th>Error Escalation Time</th><th>Max Reply Timeouts</th><th>[",
            );
            self.toggle("Hide", opt::NO_LB_CONF, 0);
            let _ = writeln!(
                self.out,
                "]</th></tr>\n<tr><td>lb</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td></td></tr></table>",
                true_false(lb.sticky_session),
                true_false(lb.sticky_session_force),
                lb.retries,
                lb.method.as_str(),
                lb.lock.as_str(),
                lb.recover_time,
                lb.error_escalation_time,
                lb.max_reply_timeouts
            );
        }
        if options & opt::NO_LB_SUMMARY == 0 {
            self.out.push_str(
                "<table class=\"summary\"><tr><th>Good</th><th>Degraded</th><th>Bad/Stopped</th><th>Busy</th><th>Max Busy</th><th>Next Maintenance</th><th>Last Reset</th><th>[",
            );
            self.toggle("Hide", opt::NO_LB_SUMMARY, 0);
            let _ = writeln!(
                self.out,
                "]</th></tr>\n<tr><td class=\"n-good\">{}</td><td class=\"n-degraded\">{}</td><td class=\"n-bad\">{}</td><td>{}</td><td>{}</td><td>{}/{}</td><td>{}</td><td></td></tr></table>",
                lb.good,
                lb.degraded,
                lb.bad,
                lb.busy,
                lb.max_busy,
                lb.time_to_maintenance_min,
                lb.time_to_maintenance_max,
                lb.last_reset_ago
            );
        }
        if options & opt::NO_MEMBERS == 0 {
            self.members(lb, only);
        }
        self.maps(&lb.name, &lb.maps);
    }

    fn members(&mut self, lb: &LbModel, only: Option<&str>) {
        let options = self.options();
        let members: Vec<&MemberModel> = lb.members_shown(only).collect();
        self.out.push_str("<h4>Balancer Members [");
        if only.is_some() {
            let target = self.uri(Cmd::Show, Some(&lb.name), None, 0, 0);
            self.link("Show All Members", &target);
            self.out.push_str("]&nbsp;&nbsp;[");
        }
        self.toggle("Hide", opt::NO_MEMBERS, 0);
        self.out.push_str("]</h4>\n");
        if options & opt::NO_AJP_CONF == 0 {
            self.out.push_str("<table><tr><th>Name</th>");
            self.ajp_config_head();
            self.out.push_str("<th>[");
            self.toggle("Hide", opt::NO_AJP_CONF, 0);
            self.out.push_str("]</th></tr>\n");
            for member in &members {
                let _ = write!(self.out, "<tr><td>{}</td>", escape(&member.ajp.name));
                self.ajp_config_row(&member.ajp);
                self.out.push_str("<td></td></tr>\n");
            }
            self.out.push_str("</table>\n");
        }
        self.out.push_str(
            "<table class=\"members\"><tr><th>&nbsp;</th><th>Name</th><th>Act</th><th>State</th><th>D</th><th>F</th><th>M</th><th>V</th><th>Acc</th><th>Sess</th><th>Err</th><th>CE</th><th>RE</th><th>Wr</th><th>Rd</th><th>Busy</th><th>MaxBusy</th><th>Con</th><th>MaxCon</th><th>Route</th><th>RR</th><th>Cd</th><th>Rs</th><th>LR</th><th>LE</th></tr>\n",
        );
        for member in &members {
            self.member_row(&lb.name, member, only.is_some());
        }
        self.out.push_str("</table>\n");
        let ajps: Vec<&AjpModel> = members.iter().map(|m| &m.ajp).collect();
        self.tunnels(&ajps);
        if !self.read_only() {
            self.edit_all_members_form(&lb.name);
        }
    }

    /// One member's status row, with its action links (`this_one`: the page shows only this member).
    fn member_row(&mut self, lb: &str, member: &MemberModel, this_one: bool) {
        let rating = match member.rating {
            Rating::Good => "good",
            Rating::Degraded => "degraded",
            Rating::Bad => "bad",
        };
        let _ = write!(self.out, "<tr class=\"{rating}\"><td>");
        self.worker_links(lb, Some(member), this_one);
        let a = &member.ajp;
        let per_second = |n: u64| {
            if a.last_reset_ago > 0 {
                (n / a.last_reset_ago.unsigned_abs()).to_string()
            } else {
                "-".into()
            }
        };
        let _ = writeln!(
            self.out,
            "</td><td>{name}</td><td><span class=\"act act-{act}\">{act}</span></td><td><span class=\"state {class}\">{state}</span></td>\
             <td class=\"num\">{d}</td><td class=\"num\">{f}</td><td class=\"num\">{m}</td><td class=\"num\">{v}</td>\
             <td class=\"num\">{acc} <small>({acc_s}/sec)</small></td><td class=\"num\">{sess}</td><td class=\"num\">{err}</td><td class=\"num\">{ce}</td><td class=\"num\">{re}</td>\
             <td class=\"num\">{wr} <small>({wr_s}/sec)</small></td><td class=\"num\">{rd} <small>({rd_s}/sec)</small></td>\
             <td class=\"num\">{busy}</td><td class=\"num\">{max_busy}</td><td class=\"num\">{con}</td><td class=\"num\">{max_con}</td>\
             <td>{route}</td><td>{rr}</td><td>{cd}</td><td>{rs_min}/{rs_max}</td><td class=\"num\">{lr}</td><td class=\"time\">{le}</td></tr>",
            name = escape(&a.name),
            act = member.activation.as_str(),
            class = state_class(member.state),
            state = member.state.as_str(),
            d = member.distance,
            f = member.lbfactor,
            m = member.lbmult,
            v = member.lbvalue,
            acc = a.used,
            acc_s = per_second(a.used),
            sess = member.sessions,
            err = member.errors,
            ce = a.client_errors,
            re = a.reply_timeouts,
            wr = size(a.transferred),
            wr_s = if a.last_reset_ago > 0 {
                size(a.transferred / a.last_reset_ago.unsigned_abs())
            } else {
                "-".into()
            },
            rd = size(a.read),
            rd_s = if a.last_reset_ago > 0 {
                size(a.read / a.last_reset_ago.unsigned_abs())
            } else {
                "-".into()
            },
            busy = a.busy,
            max_busy = a.max_busy,
            con = a.connected,
            max_con = a.max_connected,
            route = escape(&member.route),
            rr = or_nbsp(&member.redirect),
            cd = or_nbsp(&member.domain),
            rs_min = member.time_to_recover_min,
            rs_max = member.time_to_recover_max,
            lr = a.last_reset_ago,
            le = error_time(member.error_time),
        );
    }

    /// ajpgate's upgrade tunnels (docs/websocket.md#counters), a table of its own after mod_jk's, for
    /// the workers that relay upgrades; nothing when none does.
    fn tunnels(&mut self, workers: &[&AjpModel]) {
        let rows: Vec<_> = workers
            .iter()
            .filter_map(|a| a.tunnels.map(|t| (&a.name, t)))
            .collect();
        if rows.is_empty() {
            return;
        }
        self.out.push_str(
            "<table class=\"tunnels\"><tr><th>Name</th><th>Upgrades</th><th>Refused</th><th>Upgrade Errors</th><th>Open Tunnels</th><th>To Backend</th><th>To Client</th></tr>\n",
        );
        for (name, t) in rows {
            let _ = writeln!(
                self.out,
                "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                escape(name),
                t.upgrades,
                t.refused,
                t.failures,
                t.open,
                size(t.bytes_to_backend),
                size(t.bytes_to_client)
            );
        }
        self.out.push_str("</table>\n");
    }

    fn ajp_config_head(&mut self) {
        self.out.push_str(
            "<th>Type</th><th>Hostname</th><th>Address:Port</th><th>Source</th><th>Connection Pool Timeout</th><th>Connect Timeout</th><th>Prepost Timeout</th><th>Reply Timeout</th><th>Retries</th><th>Recovery Options</th><th>Busy Limit</th><th>Max Packet Size</th>",
        );
    }

    fn ajp_config_row(&mut self, a: &AjpModel) {
        let _ = write!(
            self.out,
            "<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>",
            a.kind,
            escape(&a.host),
            escape(&a.address),
            escape(&a.source),
            a.connection_pool_timeout,
            a.connect_timeout,
            a.prepost_timeout,
            a.reply_timeout,
            a.retries,
            a.recovery_options,
            a.busy_limit,
            a.max_packet_size
        );
    }

    /// The rule and heading above a worker's tables, with its action links.
    fn worker_heading(&mut self, name: &str) {
        let single = self.current_cmd() == Cmd::Show;
        self.out.push_str("<hr><h3>");
        self.worker_links(name, None, single);
        let _ = writeln!(
            self.out,
            "&nbsp;&nbsp;Worker Status for {}</h3>",
            escape(name)
        );
    }

    fn ajp(&mut self, ajp: &AjpModel) {
        let options = self.options();
        self.worker_heading(&ajp.name);
        if options & opt::NO_AJP_CONF == 0 {
            self.out.push_str("<table><tr>");
            self.ajp_config_head();
            self.out.push_str("<th>[");
            self.toggle("Hide", opt::NO_AJP_CONF, 0);
            self.out.push_str("]</th></tr>\n<tr>");
            self.ajp_config_row(ajp);
            self.out.push_str("<td></td></tr></table>\n");
        } else {
            self.out.push_str("<p>");
            self.toggle("Show AJP Configuration", 0, opt::NO_AJP_CONF);
            self.out.push_str("</p>\n");
        }
        let per = |n: u64| {
            if ajp.last_reset_ago > 0 {
                size(n / ajp.last_reset_ago.unsigned_abs())
            } else {
                "-".into()
            }
        };
        let _ = writeln!(
            self.out,
            "<table><tr><th>State</th><th>Acc</th><th>Err</th><th>CE</th><th>RE</th><th>Wr</th><th>Rd</th><th>Busy</th><th>MaxBusy</th><th>Con</th><th>MaxCon</th><th>LR</th><th>LE</th></tr>\n\
             <tr><td><span class=\"state {}\">{}</span></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{} ({}/sec)</td><td class=\"num\">{} ({}/sec)</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr></table>",
            match ajp.state {
                "ERR" => "st-err",
                "OK" => "st-ok",
                _ => "st-idle",
            },
            ajp.state,
            ajp.used,
            ajp.errors,
            ajp.client_errors,
            ajp.reply_timeouts,
            size(ajp.transferred),
            per(ajp.transferred),
            size(ajp.read),
            per(ajp.read),
            ajp.busy,
            ajp.max_busy,
            ajp.connected,
            ajp.max_connected,
            ajp.last_reset_ago,
            error_time(ajp.error_time)
        );
        self.tunnels(&[ajp]);
        self.maps(&ajp.name, &ajp.maps);
    }

    fn maps(&mut self, worker: &str, maps: &[MapModel]) {
        if self.options() & opt::NO_MAPS != 0 {
            if !maps.is_empty() {
                self.out.push_str("<p>");
                self.toggle("Show URI Mappings", 0, opt::NO_MAPS);
                self.out.push_str("</p>\n");
            }
            return;
        }
        if maps.is_empty() {
            let _ = writeln!(
                self.out,
                "<h4>Warning: No URI Mappings defined for {} !</h4>",
                escape(worker)
            );
            return;
        }
        let _ = write!(
            self.out,
            "<h4>URI Mappings for {} ({} maps) [",
            escape(worker),
            maps.len()
        );
        self.toggle("Hide", opt::NO_MAPS, 0);
        self.out.push_str(
            "]</h4>\n<table><tr><th>Server</th><th>URI</th><th>Match Type</th><th>Source</th><th>Reply Timeout</th><th>Sticky Ignore</th><th>Stateless</th><th>Fail on Status</th><th>Active</th><th>Disabled</th><th>Stopped</th><th>Use Server Errors</th></tr>\n",
        );
        for map in maps {
            let dash = |s: &str| {
                if s.is_empty() {
                    "-".to_string()
                } else {
                    escape(s)
                }
            };
            let _ = writeln!(
                self.out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td></tr>",
                escape(&map.server),
                escape(&map.uri),
                escape(&map.kind),
                map.source,
                map.reply_timeout,
                map.sticky_ignore,
                map.stateless,
                dash(&map.fail_on_status),
                dash(&map.active),
                dash(&map.disabled),
                dash(&map.stopped),
                map.use_server_errors
            );
        }
        self.out.push_str("</table>\n");
    }

    pub(super) fn dump(&mut self) {
        self.out.push_str(
            "<hr><h2>Configuration Data</h2>\n<p class=\"note\">This dump does not include any changes applied by the status worker to the configuration after the initial startup.</p>\n<pre>\n",
        );
        for (key, value) in self.page.dump {
            let _ = writeln!(self.out, "{}={}", escape(key), escape(value));
        }
        self.out.push_str("</pre>\n");
    }
}

fn state_class(state: MemberState) -> &'static str {
    match state {
        MemberState::Ok => "st-ok",
        MemberState::OkIdle => "st-idle",
        MemberState::OkBusy => "st-busy",
        MemberState::Err => "st-err",
        MemberState::ErrRec | MemberState::ErrFrc | MemberState::ErrPrb => "st-rec",
    }
}

fn or_nbsp(text: &str) -> String {
    if text.is_empty() {
        "&nbsp;".into()
    } else {
        escape(text)
    }
}

fn error_time(time: Option<i64>) -> String {
    time.map_or_else(|| "&nbsp;".into(), |t| escape(&local_time(t, HTML_TIME).0))
}

/// A byte count like APR's `apr_strfsize` (mod_jk's Wr and Rd columns): `973 `, `1.2K`, `15M`.
fn size(bytes: u64) -> String {
    if bytes < 973 {
        return format!("{bytes} ");
    }
    let mut size = bytes;
    for unit in ['K', 'M', 'G', 'T', 'P', 'E'] {
        let remain = size & 0x3FF;
        size >>= 10;
        if size >= 973 {
            continue;
        }
        if size < 9 || (size == 9 && remain < 973) {
            let mut whole = size;
            let mut tenth = (remain * 5 + 256) / 512;
            if tenth >= 10 {
                whole += 1;
                tenth = 0;
            }
            return format!("{whole}.{tenth}{unit}");
        }
        if remain >= 512 {
            size += 1;
        }
        return format!("{size}{unit}");
    }
    "****".into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_like_apr() {
        assert_eq!(size(0), "0 ");
        assert_eq!(size(972), "972 ");
        assert_eq!(size(973), "1.0K");
        assert_eq!(size(1234), "1.2K");
        assert_eq!(size(15 * 1024 * 1024), "15M");
        assert_eq!(size(700 * 1024), "700K");
        assert_eq!(size(u64::MAX), "16E");
    }
}
