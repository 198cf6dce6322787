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
//!
//! One `Writer` prints the page: here the links and form starts every part uses; in `frame` the
//! document, version table, controls and legend around each view; in `views` the list, one
//! worker, its members and maps, and the dump; in `forms` the edit forms.

mod forms;
mod frame;
mod views;

use std::fmt::Write;

use super::page::{Cmd, Page};
use super::params::encode;
use super::text::escape;

/// What the HTML page needs beyond [`Page`].
#[derive(Debug)]
pub struct Html<'a> {
    /// The (normalised, masked) request path: every link and form points back here.
    pub req_uri: &'a str,
    pub css: Option<&'a str>,
    /// The `read_only` property (then the read-only toggle is not offered).
    pub config_read_only: bool,
}

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
}
