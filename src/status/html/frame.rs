//! The page frame: the document around every view, the version table, the controls row and the legend.

use std::fmt::Write;

use super::super::model::{HTML_TIME, local_time};
use super::super::page::{Cmd, opt};
use super::super::text::escape;
use super::Writer;

/// The embedded stylesheet (the `css` property adds the configured one after it).
const STYLE: &str = include_str!("style.css");

impl Writer<'_, '_> {
    pub(super) fn document(&mut self) {
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
        let _ = writeln!(self.out, "<style>\n{STYLE}</style>");
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
