//! `mime=html` (the default): the JK Status Manager page for people.
//!
//! It follows mod_jk's page in content and navigation, so an operator who knows one finds the same
//! tables, columns and links in the other: a version table, refresh / format / read-only / dump
//! controls, per lb its configuration, a summary (good, degraded, bad, busy, next maintenance, last
//! reset), its members' configuration and status with `[S|E|R|T]` links (show, edit, reset, try
//! recovery; T only for a member in ERR), an edit-all-members form, and the URI maps; then the ajp
//! workers, and a legend. States and activations are colour-coded. In read-only mode (the `read_only`
//! property or `opt=32`) nothing that changes state is offered. Every value printed is HTML-escaped.
//!
//! It is our own markup (HTML5 with an embedded stylesheet; `css` adds the configured one), not a copy
//! of mod_jk's: monitoring scripts read xml, prop or txt, and the edit forms use the same update codes
//! as mod_jk's, so bookmarked and scripted update URLs keep working.

use std::fmt::Write;

use super::model::{AjpModel, HTML_TIME, LbModel, MapModel, MemberModel, Snapshot, local_time};
use super::page::{Cmd, Page, opt};
use super::params::encode;
use super::rating::Rating;
use super::text::{escape, true_false};
use crate::balancer::state::MemberState;

/// What the HTML page needs beyond [`Page`].
#[derive(Debug)]
pub struct Html<'a> {
    /// The (normalised, masked) request path: every link and form points back here.
    pub req_uri: &'a str,
    pub css: Option<&'a str>,
    /// The `read_only` property (then the read-only toggle is not offered).
    pub config_read_only: bool,
}

const STYLE: &str = "
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;font-size:14px;margin:1.2em 2em;color:#1d2430;background:#f6f7f9}
h1{font-size:1.5em;margin:.2em 0 .6em}h2{font-size:1.25em;margin:1.4em 0 .4em;border-bottom:2px solid #c9d1dc;padding-bottom:.2em}
h3{font-size:1.1em;margin:1.2em 0 .4em}h4{margin:.9em 0 .3em}
table{border-collapse:collapse;margin:.3em 0 .8em;background:#fff;box-shadow:0 1px 2px rgba(0,0,0,.08)}
th,td{border:1px solid #d5dbe3;padding:3px 7px;text-align:left;vertical-align:top}
th{background:#e8ecf2;font-weight:600;font-size:.92em}
table.plain,table.plain td,table.plain th{border:none;box-shadow:none;background:transparent}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}td.time{font-size:11.5px}
a{color:#1f5fbf;text-decoration:none}a:hover{text-decoration:underline}
.links{white-space:nowrap;font-family:monospace}
.state,.act{font-weight:600;padding:1px 6px;border-radius:3px;white-space:nowrap}
.st-ok{background:#d4f4dd;color:#11622c}.st-idle{background:#e3efe6;color:#36613f}
.st-busy{background:#fff1c2;color:#7a5a00}.st-rec{background:#ffe0b8;color:#8a4300}.st-err{background:#ffd0d0;color:#9b0c0c}
.act-ACT{background:#d4f4dd;color:#11622c}.act-DIS{background:#fff1c2;color:#7a5a00}.act-STP{background:#e2e2e2;color:#555}
tr.good td:first-child{border-left:4px solid #2ea44f}tr.degraded td:first-child{border-left:4px solid #d4a72c}
tr.bad td:first-child{border-left:4px solid #cf222e}
.summary td{font-size:1.1em;text-align:center}.n-good{color:#11622c}.n-degraded{color:#7a5a00}.n-bad{color:#9b0c0c}
.result-ok{color:#11622c}.result-error{color:#9b0c0c}
.nav td{padding-right:1.2em}form{margin:0}input[type=text]{width:8em}
.note{color:#5a6472;font-size:.9em}table.members th,table.members td{padding:2px 5px;font-size:12.5px}small{color:#5a6472}footer{margin-top:2em;color:#5a6472;font-size:.85em;text-align:center}
";

/// Renders the whole page.
pub fn render(page: &Page<'_>, html: &Html<'_>) -> String {
    let mut w = Writer {
        out: String::with_capacity(32 * 1024),
        page,
        html,
    };
    w.document();
    w.out
}

struct Writer<'p, 'a> {
    out: String,
    page: &'p Page<'a>,
    html: &'p Html<'a>,
}

impl Writer<'_, '_> {
    fn options(&self) -> u32 {
        self.page.params.options()
    }

    fn read_only(&self) -> bool {
        self.page.read_only
    }

    fn current_cmd(&self) -> Cmd {
        self.page.cmd.unwrap_or(Cmd::List)
    }

    /// A link target back to this status worker. `cmd` edit/reset/recover also record where they came
    /// from (`from`), so that the page after the change returns there.
    fn uri(
        &self,
        cmd: Cmd,
        worker: Option<&str>,
        sub_worker: Option<&str>,
        add: u32,
        remove: u32,
    ) -> String {
        self.uri_refreshing(cmd, worker, sub_worker, add, remove, true)
    }

    fn uri_refreshing(
        &self,
        cmd: Cmd,
        worker: Option<&str>,
        sub_worker: Option<&str>,
        add: u32,
        remove: u32,
        refresh: bool,
    ) -> String {
        let mut query = vec![("cmd".to_string(), cmd.as_str().to_string())];
        if matches!(cmd, Cmd::Edit | Cmd::Reset | Cmd::Recover) {
            query.push(("from".into(), self.current_cmd().as_str().into()));
        }
        if let Some(worker) = worker {
            query.push(("w".into(), worker.into()));
        }
        if let Some(sub_worker) = sub_worker {
            query.push(("sw".into(), sub_worker.into()));
        }
        if let Some(seconds) = self.page.params.get("re").filter(|_| refresh) {
            query.push(("re".into(), seconds.into()));
        }
        let options = (self.options() | add) & !remove;
        if options != 0 {
            query.push(("opt".into(), options.to_string()));
        }
        let mut uri = self.html.req_uri.to_string();
        for (i, (key, value)) in query.iter().enumerate() {
            uri.push(if i == 0 { '?' } else { '&' });
            uri.push_str(key);
            uri.push('=');
            uri.push_str(&encode(value));
        }
        uri
    }

    fn link(&mut self, text: &str, target: &str) {
        let _ = write!(
            self.out,
            "<a href=\"{}\">{}</a>",
            escape(target),
            escape(text)
        );
    }

    /// The current view with `opt` bits changed.
    fn toggle(&mut self, text: &str, add: u32, remove: u32) {
        let target = self.uri(
            self.current_cmd(),
            self.page.worker(),
            self.page.sub_worker(),
            add,
            remove,
        );
        self.link(text, &target);
    }

    fn document(&mut self) {
        self.out
            .push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        self.out.push_str("<title>JK Status Manager</title>\n");
        let cmd = self.page.cmd;
        let ok = self.page.error.is_none();
        let refresh = self.page.params.int("re", 0);
        if ok && matches!(cmd, Some(Cmd::List | Cmd::Show)) && refresh > 0 {
            let target = format!("{}?{}", self.html.req_uri, self.page.params.raw());
            let _ = writeln!(
                self.out,
                "<meta http-equiv=\"Refresh\" content=\"{refresh};url={}\">",
                escape(&target)
            );
        }
        if ok && cmd.is_some_and(Cmd::changes) {
            let back = self.back_after_change();
            let _ = writeln!(
                self.out,
                "<meta http-equiv=\"Refresh\" content=\"3;url={}\">",
                escape(&back)
            );
        }
        let _ = writeln!(self.out, "<style>{STYLE}</style>");
        if let Some(css) = self.html.css {
            let _ = writeln!(
                self.out,
                "<link rel=\"stylesheet\" type=\"text/css\" href=\"{}\">",
                escape(css)
            );
        }
        self.out.push_str("</head>\n<body>\n");
        let server = &self.page.server;
        let _ = writeln!(
            self.out,
            "<h1>JK Status Manager for {}:{}{}</h1>",
            escape(&server.name),
            server.port,
            if self.read_only() { " (read only)" } else { "" }
        );
        match (cmd, ok) {
            (Some(cmd), true) if cmd.changes() => {
                self.out.push_str(
                    "<p class=\"result-ok\"><b>Result: OK - You will be redirected in 3 seconds.</b></p>\n",
                );
            }
            (Some(cmd), true) => self.view(cmd),
            _ => {}
        }
        match &self.page.error {
            Some(error) => {
                let _ = write!(
                    self.out,
                    "<p class=\"result-error\"><b>Result: ERROR - {}</b><br>",
                    escape(error)
                );
                let start = self.html.req_uri.to_string();
                self.link("JK Status Manager Start Page", &start);
                self.out.push_str("</p>\n");
            }
            None => {
                self.out.push_str("<p>");
                let start = self.html.req_uri.to_string();
                self.link("JK Status Manager Start Page", &start);
                self.out.push_str("</p>\n");
            }
        }
        let _ = writeln!(
            self.out,
            "<footer>ajpgate {} &mdash; jk-status compatible with {}</footer>\n</body>\n</html>",
            env!("CARGO_PKG_VERSION"),
            self.page.head.jk_version
        );
    }

    /// Where the page after update/reset/recover goes: the view the change was started from.
    fn back_after_change(&self) -> String {
        let params = self.page.params;
        let from = Cmd::parse(params.get("from")).filter(|c| !c.changes() && *c != Cmd::Edit);
        match from {
            Some(Cmd::Show) => {
                let sub_worker = params.get("psw").filter(|s| !s.is_empty());
                self.uri(Cmd::Show, self.page.worker(), sub_worker, 0, 0)
            }
            _ => self.uri(Cmd::List, None, None, 0, 0),
        }
    }

    fn view(&mut self, cmd: Cmd) {
        if cmd.has_head() {
            self.version_table();
        }
        self.controls(cmd);
        let snapshot = self.page.snapshot;
        match (cmd, snapshot) {
            (Cmd::List, Some(snapshot)) => self.list(snapshot),
            (Cmd::Show, Some(snapshot)) => self.show(snapshot),
            (Cmd::Edit, Some(snapshot)) => self.edit(snapshot),
            (Cmd::Dump, _) => self.dump(),
            _ => {}
        }
        if matches!(cmd, Cmd::List | Cmd::Show) {
            self.legend();
        }
    }

    fn version_table(&mut self) {
        let head = &self.page.head;
        let (html_time, _) = local_time(head.unix, HTML_TIME);
        let _ = writeln!(
            self.out,
            "<table class=\"plain\"><tr><td>Server Version:</td><td>{}</td><td>&nbsp;&nbsp;&nbsp;</td><td>Server Time:</td><td>{}</td></tr>\n\
             <tr><td>JK Version:</td><td>{}</td><td></td><td>Unix Seconds:</td><td>{}</td></tr></table>\n<hr>",
            escape(head.web_server),
            escape(&html_time),
            escape(head.jk_version),
            head.unix
        );
    }

    fn hidden(&mut self, name: &str, value: &str) {
        let _ = writeln!(
            self.out,
            "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
            escape(name),
            escape(value)
        );
    }

    fn form_start(&mut self, cmd: Cmd) {
        let _ = writeln!(
            self.out,
            "<form method=\"get\" action=\"{}\">",
            escape(self.html.req_uri)
        );
        self.hidden("cmd", cmd.as_str());
    }

    /// Refresh, format, back, read-only, dump and help controls.
    fn controls(&mut self, cmd: Cmd) {
        self.out.push_str("<table class=\"plain nav\"><tr>\n");
        let keep = |w: &Writer<'_, '_>| -> Vec<(String, String)> {
            w.page
                .params
                .pairs()
                .iter()
                .filter(|(k, _)| k != "cmd" && k != "mime" && k != "re")
                .cloned()
                .collect()
        };
        if matches!(cmd, Cmd::List | Cmd::Show) {
            self.out.push_str("<td>");
            if self.page.params.int("re", 0) > 0 {
                let target = self.uri_refreshing(
                    cmd,
                    self.page.worker(),
                    self.page.sub_worker(),
                    0,
                    0,
                    false,
                );
                self.out.push('[');
                self.link("Stop auto refresh", &target);
                self.out.push(']');
            } else {
                self.form_start(cmd);
                for (key, value) in keep(self) {
                    self.hidden(&key, &value);
                }
                self.out.push_str(
                    "<input type=\"submit\" value=\"Start auto refresh\"> (every <input name=\"re\" type=\"text\" size=\"3\" value=\"10\" style=\"width:3em\"> seconds)</form>",
                );
            }
            self.out.push_str("</td>\n");
        }
        if cmd.has_head() {
            self.out.push_str("<td>");
            self.form_start(cmd);
            for (key, value) in keep(self) {
                self.hidden(&key, &value);
            }
            self.out.push_str(
                "<input type=\"submit\" value=\"Change format\"> <select name=\"mime\" size=\"1\"><option value=\"xml\">XML</option><option value=\"prop\">Properties</option><option value=\"txt\">Text</option></select></form></td>\n",
            );
        }
        if matches!(cmd, Cmd::Show | Cmd::Edit | Cmd::Version | Cmd::Dump) {
            self.out.push_str("<td>[");
            let back_to_list = !matches!(cmd, Cmd::Edit)
                || Cmd::parse(self.page.params.get("from")) == Some(Cmd::List);
            if back_to_list {
                let target = self.uri(Cmd::List, None, None, 0, 0);
                self.link("Back to worker list", &target);
            } else {
                let sub_worker = self.page.params.get("psw").filter(|s| !s.is_empty());
                let target = self.uri(Cmd::Show, self.page.worker(), sub_worker, 0, 0);
                self.link("Back to worker view", &target);
            }
            self.out.push_str("]</td>\n");
        }
        if matches!(cmd, Cmd::List | Cmd::Show) && !self.html.config_read_only {
            self.out.push_str("<td>[");
            if self.read_only() {
                self.toggle("Read/Write", 0, opt::READ_ONLY);
            } else {
                self.toggle("Read Only", opt::READ_ONLY, 0);
            }
            self.out.push_str("]</td>\n");
        }
        if matches!(cmd, Cmd::List | Cmd::Show | Cmd::Version) {
            self.out.push_str("<td>[");
            let target = self.uri(Cmd::Dump, None, None, 0, 0);
            self.link("Dump", &target);
            self.out.push_str("]</td>\n");
        }
        if matches!(cmd, Cmd::List | Cmd::Show) && (cmd == Cmd::List || !self.read_only()) {
            self.out.push_str("<td class=\"note\">[");
            if cmd == Cmd::List {
                self.out.push_str("<b>S</b>=Show only this worker");
            }
            if !self.read_only() {
                if cmd == Cmd::List {
                    self.out.push_str(", ");
                }
                self.out.push_str(
                    "<b>E</b>=Edit worker, <b>R</b>=Reset worker state, <b>T</b>=Try worker recovery",
                );
            }
            self.out.push_str("]</td>\n");
        }
        self.out.push_str("</tr></table>\n");
    }

    fn list(&mut self, snapshot: &Snapshot) {
        self.listing("Load Balancing", snapshot.lbs.len(), opt::NO_LB, |page| {
            for lb in &snapshot.lbs {
                page.lb(lb, None, snapshot);
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

    fn show(&mut self, snapshot: &Snapshot) {
        let Some(name) = self.page.worker() else {
            return;
        };
        if let Some(lb) = snapshot.lb(name) {
            let only = self.page.sub_worker();
            self.lb(lb, only, snapshot);
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

    fn lb(&mut self, lb: &LbModel, only: Option<&str>, snapshot: &Snapshot) {
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
            self.members(lb, only, snapshot);
        }
        self.maps(&lb.name, &lb.maps);
    }

    fn members(&mut self, lb: &LbModel, only: Option<&str>, snapshot: &Snapshot) {
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
            let rating = match member.rating {
                Rating::Good => "good",
                Rating::Degraded => "degraded",
                Rating::Bad => "bad",
            };
            let _ = write!(self.out, "<tr class=\"{rating}\"><td>");
            let this_one = only.is_some();
            self.worker_links(&lb.name, Some(member), this_one);
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
        self.out.push_str("</table>\n");
        if !self.read_only() {
            self.form_start(Cmd::Edit);
            self.hidden("w", &lb.name);
            self.hidden("from", self.current_cmd().as_str());
            if options != 0 {
                self.hidden("opt", &options.to_string());
            }
            self.out.push_str(
                "<table class=\"plain\"><tr><td><b>E</b>dit this attribute for all members:</td><td><select name=\"att\" size=\"1\">\n",
            );
            for (code, text) in MEMBER_ATTRIBUTES {
                let _ = writeln!(self.out, "<option value=\"{code}\">{text}</option>");
            }
            self.out.push_str(
                "</select></td><td><input type=\"submit\" value=\"Go\"></td></tr></table></form>\n",
            );
        }
        let _ = snapshot;
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

    fn edit(&mut self, snapshot: &Snapshot) {
        let Some(name) = self.page.worker() else {
            return;
        };
        if let Some(lb) = snapshot.lb(name) {
            match (self.page.sub_worker(), self.page.params.get("att")) {
                (Some(sub), _) => {
                    if let Some(member) = lb.member(sub) {
                        self.edit_member(&lb.name, Some(member), &member.ajp);
                    }
                }
                (None, Some(attribute)) => self.edit_all_members(lb, attribute),
                (None, None) => self.edit_lb(lb),
            }
        } else if let Some(ajp) = snapshot.ajp(name) {
            self.edit_member(&ajp.name, None, ajp);
        }
    }

    /// The hidden fields every edit form carries: the update's target and where to return.
    fn update_form(&mut self, worker: &str, sub_worker: Option<&str>) {
        self.form_start(Cmd::Update);
        self.hidden("w", worker);
        if let Some(sub_worker) = sub_worker {
            self.hidden("sw", sub_worker);
        }
        let from = self.page.params.get("from").unwrap_or("list").to_string();
        self.hidden("from", &from);
        if let Some(previous) = self.page.params.get("psw") {
            let previous = previous.to_string();
            self.hidden("psw", &previous);
        }
        let options = self.options();
        if options != 0 {
            self.hidden("opt", &options.to_string());
        }
    }

    fn text_input(&mut self, label: &str, name: &str, value: &str) {
        let _ = writeln!(
            self.out,
            "<tr><td>{}:</td><td><input name=\"{name}\" type=\"text\" value=\"{}\"></td></tr>",
            escape(label),
            escape(value)
        );
    }

    fn radios(&mut self, label: &str, name: &str, choices: &[(&str, &str)], current: &str) {
        let _ = write!(self.out, "<tr><td>{}:</td><td>", escape(label));
        for (value, text) in choices {
            let checked = if *value == current { " checked" } else { "" };
            let _ = write!(
                self.out,
                "<label><input name=\"{name}\" type=\"radio\" value=\"{value}\"{checked}> {text}</label> "
            );
        }
        self.out.push_str("</td></tr>\n");
    }

    fn edit_lb(&mut self, lb: &LbModel) {
        let _ = writeln!(
            self.out,
            "<hr><h3>Edit load balancer settings for {}</h3>",
            escape(&lb.name)
        );
        self.update_form(&lb.name, None);
        self.out.push_str("<table>\n");
        self.text_input("Retries", "vlr", &lb.retries.to_string());
        self.text_input("Retry Interval", "vlri", &lb.retry_interval.to_string());
        self.text_input("Recover Wait Time", "vlt", &lb.recover_time.to_string());
        self.text_input(
            "Error Escalation Time",
            "vlee",
            &lb.error_escalation_time.to_string(),
        );
        self.text_input(
            "Max Reply Timeouts",
            "vlx",
            &lb.max_reply_timeouts.to_string(),
        );
        let yes_no = [("1", "True"), ("0", "False")];
        self.radios(
            "Sticky Sessions",
            "vls",
            &yes_no,
            if lb.sticky_session { "1" } else { "0" },
        );
        self.radios(
            "Force Sticky Sessions",
            "vlf",
            &yes_no,
            if lb.sticky_session_force { "1" } else { "0" },
        );
        let method = lb.method.as_str();
        self.radios(
            "LB Method",
            "vlm",
            &[
                ("R", "Request"),
                ("T", "Traffic"),
                ("B", "Busyness"),
                ("S", "Sessions"),
                ("N", "Next"),
            ],
            &method[..1],
        );
        self.radios(
            "Locking",
            "vll",
            &[("O", "Optimistic"), ("P", "Pessimistic")],
            &lb.lock.as_str()[..1],
        );
        self.out
            .push_str("</table>\n<input type=\"submit\" value=\"Update Balancer\"></form>\n");
    }

    fn edit_member(&mut self, worker: &str, member: Option<&MemberModel>, ajp: &AjpModel) {
        let _ = writeln!(
            self.out,
            "<hr><h3>Edit worker settings for {}</h3>",
            escape(&ajp.name)
        );
        self.update_form(worker, member.map(|m| m.ajp.name.as_str()));
        self.out.push_str("<table class=\"plain\"><tr>");
        if let Some(member) = member {
            self.out
                .push_str("<td><h4>Balancing related settings</h4><table>\n");
            self.radios(
                "Activation",
                "vwa",
                &[("A", "Active"), ("D", "Disabled"), ("S", "Stopped")],
                &member.activation.as_str()[..1],
            );
            self.text_input("LB Factor", "vwf", &member.lbfactor.to_string());
            self.text_input("Route", "vwn", &member.route);
            self.text_input("Redirect Route", "vwr", &member.redirect);
            self.text_input("Cluster Domain", "vwc", &member.domain);
            self.text_input("Distance", "vwd", &member.distance.to_string());
            self.out.push_str("</table></td><td>&nbsp;&nbsp;</td>");
        }
        self.out.push_str("<td><h4>AJP settings</h4><table>\n");
        self.text_input("Reply Timeout", "vart", &ajp.reply_timeout.to_string());
        self.text_input("Retries", "var", &ajp.retries.to_string());
        self.text_input("Retry Interval", "vari", &ajp.retry_interval.to_string());
        self.text_input(
            "Recovery Options",
            "varo",
            &ajp.recovery_options.to_string(),
        );
        self.text_input("Busy Limit", "vabl", &ajp.busy_limit.to_string());
        for (label, value) in [
            ("Hostname", ajp.host.clone()),
            ("Port", ajp.port.to_string()),
            (
                "Connection Pool Timeout",
                ajp.connection_pool_timeout.to_string(),
            ),
            ("Ping Timeout", ajp.ping_timeout.to_string()),
            ("Connect Timeout", ajp.connect_timeout.to_string()),
            ("Prepost Timeout", ajp.prepost_timeout.to_string()),
            (
                "Connection Ping Interval",
                ajp.connection_ping_interval.to_string(),
            ),
            ("Max Packet Size", ajp.max_packet_size.to_string()),
        ] {
            let _ = writeln!(
                self.out,
                "<tr><td>{label}:</td><td>{} <span class=\"note\">(workers.properties)</span></td></tr>",
                escape(&value)
            );
        }
        self.out.push_str(
            "</table></td></tr></table>\n<input type=\"submit\" value=\"Update Worker\"></form>\n",
        );
    }

    fn edit_all_members(&mut self, lb: &LbModel, attribute: &str) {
        let Some((_, label)) = MEMBER_ATTRIBUTES
            .iter()
            .find(|(code, _)| *code == attribute)
        else {
            return;
        };
        let _ = writeln!(
            self.out,
            "<hr><h3>Edit attribute '{}' for all members of load balancer {}</h3>",
            label,
            escape(&lb.name)
        );
        self.update_form(&lb.name, None);
        self.hidden("att", attribute);
        let _ = writeln!(
            self.out,
            "<table><tr><th>Balanced Worker</th><th>{label}</th></tr>"
        );
        for (i, m) in lb.members.iter().enumerate() {
            let a = &m.ajp;
            let name = format!("val{i}");
            let _ = write!(self.out, "<tr><td>{}</td><td>", escape(&a.name));
            let value = match attribute {
                "vwa" => {
                    for (code, text) in [("A", "Active"), ("D", "Disabled"), ("S", "Stopped")] {
                        let checked = if m.activation.as_str().starts_with(code) {
                            " checked"
                        } else {
                            ""
                        };
                        let _ = write!(
                            self.out,
                            "<label><input name=\"{name}\" type=\"radio\" value=\"{code}\"{checked}> {text}</label> "
                        );
                    }
                    None
                }
                "vwf" => Some(m.lbfactor.to_string()),
                "vwn" => Some(m.route.clone()),
                "vwr" => Some(m.redirect.clone()),
                "vwc" => Some(m.domain.clone()),
                "vwd" => Some(m.distance.to_string()),
                "vacpt" => Some(a.connection_pool_timeout.to_string()),
                "vapng" => Some(a.ping_timeout.to_string()),
                "vact" => Some(a.connect_timeout.to_string()),
                "vapt" => Some(a.prepost_timeout.to_string()),
                "vart" => Some(a.reply_timeout.to_string()),
                "var" => Some(a.retries.to_string()),
                "vari" => Some(a.retry_interval.to_string()),
                "vacpi" => Some(a.connection_ping_interval.to_string()),
                "varo" => Some(a.recovery_options.to_string()),
                "vabl" => Some(a.busy_limit.to_string()),
                "vamps" => Some(a.max_packet_size.to_string()),
                _ => None,
            };
            if let Some(value) = value {
                let _ = write!(
                    self.out,
                    "<input name=\"{name}\" type=\"text\" value=\"{}\">",
                    escape(&value)
                );
            }
            self.out.push_str("</td></tr>\n");
        }
        self.out
            .push_str("</table>\n<input type=\"submit\" value=\"Update Balancer\"></form>\n");
    }

    fn dump(&mut self) {
        self.out.push_str(
            "<hr><h2>Configuration Data</h2>\n<p class=\"note\">This dump does not include any changes applied by the status worker to the configuration after the initial startup.</p>\n<pre>\n",
        );
        for (key, value) in self.page.dump {
            let _ = writeln!(self.out, "{}={}", escape(key), escape(value));
        }
        self.out.push_str("</pre>\n");
    }

    fn legend(&mut self) {
        if self.options() & opt::NO_LEGEND != 0 {
            self.out.push_str("<p>");
            self.toggle("Show Legend", 0, opt::NO_LEGEND);
            self.out.push_str("</p>\n");
            return;
        }
        self.out.push_str("<h2>Legend [");
        self.toggle("Hide", opt::NO_LEGEND, 0);
        self.out.push_str("]</h2>\n<table>\n");
        for (name, text) in LEGEND {
            let _ = writeln!(self.out, "<tr><th>{name}</th><td>{text}</td></tr>");
        }
        self.out.push_str("</table>\n");
    }
}

/// The member attributes `att` may name, with their labels (mod_jk's list and order).
const MEMBER_ATTRIBUTES: [(&str, &str); 17] = [
    ("vwa", "Activation"),
    ("vwf", "LB Factor"),
    ("vwn", "Route"),
    ("vwr", "Redirect Route"),
    ("vwc", "Cluster Domain"),
    ("vwd", "Distance"),
    ("vacpt", "Connection Pool Timeout"),
    ("vapng", "Ping Timeout"),
    ("vact", "Connect Timeout"),
    ("vapt", "Prepost Timeout"),
    ("vart", "Reply Timeout"),
    ("var", "Retries"),
    ("vari", "Retry Interval"),
    ("vacpi", "Connection Ping Interval"),
    ("varo", "Recovery Options"),
    ("vabl", "Busy Limit"),
    ("vamps", "Max Packet Size"),
];

const LEGEND: [(&str, &str); 25] = [
    ("Name", "Worker name"),
    ("Type", "Worker type"),
    ("Route", "Worker route"),
    (
        "Act",
        "Worker activation configuration<br>ACT=Active, DIS=Disabled, STP=Stopped",
    ),
    (
        "State",
        "Worker error status<br>OK=OK, ERR=Error with substates<br>IDLE=No requests handled, BUSY=All connections busy,<br>REC=Recovering, PRB=Probing, FRC=Forced Recovery",
    ),
    ("D", "Worker distance"),
    ("F", "Load Balancer factor"),
    ("M", "Load Balancer multiplicity"),
    ("V", "Load Balancer value"),
    ("Acc", "Number of requests"),
    ("Sess", "Number of sessions"),
    ("Err", "Number of failed requests"),
    ("CE", "Number of client errors"),
    ("RE", "Number of reply timeouts (decayed)"),
    ("Wr", "Number of bytes transferred"),
    ("Rd", "Number of bytes read"),
    ("Busy", "Current number of busy connections"),
    ("MaxBusy", "Maximum number of busy connections"),
    ("Con", "Current number of backend connections"),
    ("MaxCon", "Maximum number of backend connections"),
    ("RR", "Route redirect"),
    ("Cd", "Cluster domain"),
    ("Rs", "Recovery scheduled in app. min/max seconds"),
    ("LR", "Seconds since last reset of statistics counters"),
    ("LE", "Timestamp of the last error"),
];

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
pub fn size(bytes: u64) -> String {
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
