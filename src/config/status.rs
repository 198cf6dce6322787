//! The status worker (jk-status): properties that shape its pages and who may change things.
//!
//! Defaults are mod_jk 1.2.48's (`jk_status.c`). The worker must be mapped like any other, and its
//! protection depends on access checks seeing the normalised path (see [`super::uri`]).

use super::diagnostic::Diagnostics;
use super::properties::Properties;
use super::reader::{Explicit, WorkerReader};

/// The `good` rating rules when the worker sets none.
pub const DEFAULT_GOOD: &str = "a.o,a.i,a.b,a.r";
/// The `bad` rating rules when the worker sets none.
pub const DEFAULT_BAD: &str = "s,e";
pub const DEFAULT_XMLNS: &str = "xmlns:jk=\"http://tomcat.apache.org\"";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusConfig {
    pub name: String,
    /// Only list/show/version/dump are allowed.
    pub read_only: bool,
    /// Users allowed (all when empty), compared with the authenticated remote user.
    pub user: Vec<String>,
    pub user_case_insensitive: bool,
    /// Rating rules (docs/jk-status.md#rating), one per item, as written.
    pub good: Vec<String>,
    pub bad: Vec<String>,
    /// Stylesheet URL for the HTML page.
    pub css: Option<String>,
    /// Key prefix of the `mime=prop` output.
    pub prefix: String,
    /// XML element prefix; empty when configured as `-`.
    pub ns: String,
    /// Root namespace declaration; empty when configured as `-`.
    pub xmlns: String,
    /// Line inserted after the XML declaration.
    pub doctype: Option<String>,
    pub mount: Vec<String>,
    pub explicit: Explicit,
}

impl StatusConfig {
    pub(crate) fn read(name: &str, props: &Properties, diags: &mut Diagnostics) -> StatusConfig {
        let mut r = WorkerReader::new(name, props, diags);
        let good = list_or(&mut r, "good", DEFAULT_GOOD);
        let bad = list_or(&mut r, "bad", DEFAULT_BAD);
        // mod_jk: a value starting with '-' means "none".
        let dash_is_none = |value: String| {
            if value.starts_with('-') {
                String::new()
            } else {
                value
            }
        };
        StatusConfig {
            name: name.to_string(),
            read_only: r.boolean("read_only", false),
            user: r.list("user").into_iter().map(|(u, _)| u).collect(),
            user_case_insensitive: r.boolean("user_case_insensitive", false),
            good,
            bad,
            css: r.string("css").map(|(v, _)| v),
            prefix: r
                .string("prefix")
                .map(|(v, _)| v)
                .unwrap_or_else(|| "worker".into()),
            ns: r
                .string("ns")
                .map(|(v, _)| dash_is_none(v))
                .unwrap_or_else(|| "jk:".into()),
            xmlns: r
                .string("xmlns")
                .map(|(v, _)| dash_is_none(v))
                .unwrap_or_else(|| DEFAULT_XMLNS.into()),
            doctype: r.string("doctype").map(|(v, _)| v),
            mount: r.list("mount").into_iter().map(|(m, _)| m).collect(),
            explicit: r.explicit,
        }
    }

    /// Every effective property by its mod_jk name, in a fixed order.
    pub fn properties(&self) -> Vec<(&'static str, String)> {
        vec![
            ("type", "status".into()),
            ("read_only", self.read_only.to_string()),
            ("user", self.user.join(",")),
            (
                "user_case_insensitive",
                self.user_case_insensitive.to_string(),
            ),
            ("good", self.good.join(",")),
            ("bad", self.bad.join(",")),
            ("css", self.css.clone().unwrap_or_default()),
            ("prefix", self.prefix.clone()),
            ("ns", self.ns.clone()),
            ("xmlns", self.xmlns.clone()),
            ("doctype", self.doctype.clone().unwrap_or_default()),
            ("mount", self.mount.join(" ")),
        ]
    }
}

fn list_or(r: &mut WorkerReader<'_>, property: &'static str, default: &str) -> Vec<String> {
    let items: Vec<String> = r.list(property).into_iter().map(|(i, _)| i).collect();
    if items.is_empty() {
        super::values::list(default).map(str::to_string).collect()
    } else {
        items
    }
}
