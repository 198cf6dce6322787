//! The edit forms: an lb's settings, one member's or ajp worker's settings, and one attribute of
//! every member. They submit mod_jk's update codes, so scripted update URLs keep working.

use std::fmt::Write;

use super::super::model::{AjpModel, LbModel, MemberModel, Snapshot};
use super::super::page::Cmd;
use super::super::text::escape;
use super::Writer;

impl Writer<'_, '_> {
    /// Under the members table: pick one attribute to edit for every member of `lb`.
    pub(super) fn edit_all_members_form(&mut self, lb: &str) {
        let options = self.options();
        self.form_start(Cmd::Edit);
        self.hidden("w", lb);
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

    pub(super) fn edit(&mut self, snapshot: &Snapshot) {
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
