//! What a jk-status answer contains, in mod_jk 1.2.48's order (`service()` in `jk_status.c`).
//!
//! The checks come first and stop at the first failure: access (`user`), read-only mode for the
//! commands that change something, an unknown `cmd`, an unknown `mime`, then the `w`/`sw` parameters.
//! A command that changes something (`update`, `reset`, `recover`) runs next. The text formats then
//! print the parts the command calls for, and every answer ends with a result (`OK`/`Action finished`
//! or `ERROR` and the first failure's message). Only the layout differs between formats; each one
//! implements [`Format`]. The HTML page follows the same decisions in [`super::html`].

use super::model::{AjpModel, LbModel, MapModel, MemberModel, Server, Snapshot};
use super::params::Params;

/// The `cmd` parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmd {
    List,
    Show,
    Edit,
    Update,
    Reset,
    Version,
    Recover,
    Dump,
}

impl Cmd {
    /// `None` for anything but the exact lower-case names; absent means `list`.
    pub fn parse(text: Option<&str>) -> Option<Cmd> {
        Some(match text {
            None | Some("list") => Cmd::List,
            Some("show") => Cmd::Show,
            Some("edit") => Cmd::Edit,
            Some("update") => Cmd::Update,
            Some("reset") => Cmd::Reset,
            Some("version") => Cmd::Version,
            Some("recover") => Cmd::Recover,
            Some("dump") => Cmd::Dump,
            Some(_) => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Cmd::List => "list",
            Cmd::Show => "show",
            Cmd::Edit => "edit",
            Cmd::Update => "update",
            Cmd::Reset => "reset",
            Cmd::Version => "version",
            Cmd::Recover => "recover",
            Cmd::Dump => "dump",
        }
    }

    /// Allowed in read-only mode.
    pub fn read_only_ok(self) -> bool {
        !matches!(self, Cmd::Edit | Cmd::Update | Cmd::Reset | Cmd::Recover)
    }

    /// Needs `w` (and checks `sw`).
    pub fn checks_worker(self) -> bool {
        !matches!(self, Cmd::List | Cmd::Version | Cmd::Dump)
    }

    /// Changes something, and prints nothing but the result.
    pub fn changes(self) -> bool {
        matches!(self, Cmd::Update | Cmd::Reset | Cmd::Recover)
    }

    /// Prints time and software after the server.
    pub fn has_head(self) -> bool {
        matches!(self, Cmd::List | Cmd::Show | Cmd::Version | Cmd::Dump)
    }
}

/// The `mime` parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mime {
    Html,
    Xml,
    Txt,
    Prop,
}

impl Mime {
    /// `None` for an unknown type; absent means `html`.
    pub fn parse(text: Option<&str>) -> Option<Mime> {
        Some(match text {
            None | Some("html") => Mime::Html,
            Some("xml") => Mime::Xml,
            Some("txt") => Mime::Txt,
            Some("prop") => Mime::Prop,
            Some(_) => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Mime::Html => "html",
            Mime::Xml => "xml",
            Mime::Txt => "txt",
            Mime::Prop => "prop",
        }
    }

    /// The Content-Type mod_jk sends (an unknown type is answered as `prop`, in text/plain).
    pub fn content_type(mime: Option<Mime>) -> &'static str {
        match mime {
            Some(Mime::Html) => "text/html",
            Some(Mime::Xml) => "text/xml",
            _ => "text/plain",
        }
    }
}

/// `opt` bits.
pub mod opt {
    pub const NO_MEMBERS: u32 = 0x1;
    pub const NO_MAPS: u32 = 0x2;
    pub const NO_LEGEND: u32 = 0x4;
    pub const NO_LB: u32 = 0x8;
    pub const NO_AJP: u32 = 0x10;
    pub const READ_ONLY: u32 = 0x20;
    pub const NO_LB_CONF: u32 = 0x40;
    pub const NO_LB_SUMMARY: u32 = 0x80;
    pub const NO_AJP_CONF: u32 = 0x100;
}

/// The parts `opt` hides in every format.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Hide {
    pub members: bool,
    pub maps: bool,
    pub lbs: bool,
    pub ajps: bool,
}

impl Hide {
    pub fn from_options(options: u32) -> Hide {
        Hide {
            members: options & opt::NO_MEMBERS != 0,
            maps: options & opt::NO_MAPS != 0,
            lbs: options & opt::NO_LB != 0,
            ajps: options & opt::NO_AJP != 0,
        }
    }
}

/// The time and software lines.
#[derive(Debug, Clone)]
pub struct Head {
    pub datetime: String,
    pub tz: String,
    pub unix: i64,
    pub web_server: &'static str,
    pub jk_version: &'static str,
}

/// Everything one answer is made from.
#[derive(Debug)]
pub struct Page<'a> {
    pub params: &'a Params,
    /// `None`: an unknown command.
    pub cmd: Option<Cmd>,
    pub mime: Option<Mime>,
    pub read_only: bool,
    pub server: Server,
    pub head: Head,
    /// The first failure, if any.
    pub error: Option<String>,
    pub snapshot: Option<&'a Snapshot>,
    /// `cmd=dump`'s lines.
    pub dump: &'a [(String, String)],
}

impl Page<'_> {
    pub fn hide(&self) -> Hide {
        Hide::from_options(self.params.options())
    }

    pub fn worker(&self) -> Option<&str> {
        self.params.get("w").filter(|w| !w.is_empty())
    }

    pub fn sub_worker(&self) -> Option<&str> {
        self.params.get("sw").filter(|w| !w.is_empty())
    }
}

/// One text format's way of printing each part.
pub trait Format {
    fn start(&mut self);
    fn server(&mut self, server: &Server);
    fn head(&mut self, head: &Head);
    fn lbs_start(&mut self, count: usize);
    fn lbs_end(&mut self);
    /// An lb's own values; its members and maps follow, then [`Format::lb_end`].
    fn lb_start(&mut self, lb: &LbModel);
    /// A member of the lb named `lb`.
    fn member(&mut self, lb: &str, member: &MemberModel, now: i64);
    /// A URI map of the lb or ajp worker named `worker`.
    fn map(&mut self, worker: &str, map: &MapModel);
    fn lb_end(&mut self);
    fn ajps_start(&mut self, count: usize);
    fn ajps_end(&mut self);
    /// An ajp worker's own values; its maps follow.
    fn ajp(&mut self, ajp: &AjpModel, now: i64);
    fn dump(&mut self, entries: &[(String, String)]);
    fn result(&mut self, error: Option<&str>);
    fn end(&mut self);
    fn finish(self: Box<Self>) -> String;
}

/// Prints a page in one of the text formats.
pub fn render<'f>(mut format: Box<dyn Format + 'f>, page: &Page<'_>) -> String {
    format.start();
    if let (None, Some(cmd)) = (&page.error, page.cmd)
        && !cmd.changes()
    {
        format.server(&page.server);
        if cmd.has_head() {
            format.head(&page.head);
        }
        match (cmd, page.snapshot) {
            (Cmd::List, Some(snapshot)) => list(format.as_mut(), snapshot, page.hide()),
            (Cmd::Show, Some(snapshot)) => show(format.as_mut(), snapshot, page),
            (Cmd::Dump, _) => format.dump(page.dump),
            _ => {}
        }
    }
    format.result(page.error.as_deref());
    format.end();
    format.finish()
}

fn list(format: &mut dyn Format, snapshot: &Snapshot, hide: Hide) {
    let now = snapshot.now;
    if !snapshot.lbs.is_empty() && !hide.lbs {
        format.lbs_start(snapshot.lbs.len());
        for lb in &snapshot.lbs {
            lb_parts(format, lb, None, hide, now);
        }
        format.lbs_end();
    }
    if !snapshot.ajps.is_empty() && !hide.ajps {
        format.ajps_start(snapshot.ajps.len());
        for ajp in &snapshot.ajps {
            ajp_parts(format, ajp, hide, now);
        }
        format.ajps_end();
    }
}

fn show(format: &mut dyn Format, snapshot: &Snapshot, page: &Page<'_>) {
    let Some(name) = page.worker() else {
        return;
    };
    if let Some(lb) = snapshot.lb(name) {
        lb_parts(format, lb, page.sub_worker(), page.hide(), snapshot.now);
    } else if let Some(ajp) = snapshot.ajp(name) {
        ajp_parts(format, ajp, page.hide(), snapshot.now);
    }
}

/// An lb, then its members (only `only`, if given), then its maps, as `hide` allows: the walk every
/// text format shares. (The HTML page is laid out in tables and offers a "Show" link for each hidden
/// part, so it walks the same parts its own way.)
fn lb_parts(format: &mut dyn Format, lb: &LbModel, only: Option<&str>, hide: Hide, now: i64) {
    format.lb_start(lb);
    if !hide.members {
        for member in lb.members_shown(only) {
            format.member(&lb.name, member, now);
        }
    }
    if !hide.maps {
        for map in &lb.maps {
            format.map(&lb.name, map);
        }
    }
    format.lb_end();
}

/// An ajp worker, then its maps unless hidden.
fn ajp_parts(format: &mut dyn Format, ajp: &AjpModel, hide: Hide, now: i64) {
    format.ajp(ajp, now);
    if !hide.maps {
        for map in &ajp.maps {
            format.map(&ajp.name, map);
        }
    }
}
