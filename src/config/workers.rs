//! From the key map of workers.properties to resolved workers, as mod_jk's `wc_open` builds them.
//!
//! mod_jk instantiates the workers named in `worker.list` (or one `ajp13` worker on localhost:8009 when
//! there is no `worker.list`), and each lb instantiates its members, which need not be listed. Other
//! definitions (templates for `reference`) are not instantiated. Every `worker.*` key is checked by its
//! last component, as mod_jk does; an unknown one stops the load.
//!
//! Beyond mod_jk we check what it leaves to chance: lb members that have no definition at all (mod_jk
//! would quietly use localhost:8009), a `redirect` that names no route of its lb, and a status or lb
//! worker used as an lb member (mod_jk misbehaves). We also warn about properties that are valid but
//! mean nothing for the worker's type, and about definitions nothing uses.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

pub use super::ajp13::{Ajp13Config, AjpKind, PingMode};
pub use super::lb::LbConfig;
pub use super::status::StatusConfig;
use crate::vocabulary::Activation;

use super::diagnostic::{Diagnostics, Origin, Severity};
use super::keys::{self, Applies};
use super::properties::{Entry, Properties};
use super::reader::{Explicit, MAX_NAME_LEN};
use super::values;

/// The worker mod_jk creates when workers.properties has no `worker.list`.
pub const IMPLICIT_WORKER: &str = "ajp13";

/// mod_jk's default `worker.maintain`.
pub const DEFAULT_MAINTAIN: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workers {
    /// `worker.list` in file order without repeats: the workers requests can be mapped to and that
    /// jk-status shows.
    pub list: Vec<String>,
    /// Maintenance interval (pool sweeps, lb recovery); ZERO disables maintenance.
    pub maintain: Duration,
    /// Every instantiated worker: the listed ones and the lb members, each as defined on its own (an
    /// lb's view of its members, with inherited secret, is in [`LbConfig::members`]).
    pub defs: BTreeMap<String, WorkerDef>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkerDef {
    Ajp13(Ajp13Config),
    Lb(LbConfig),
    Status(StatusConfig),
}

impl WorkerDef {
    pub fn name(&self) -> &str {
        match self {
            WorkerDef::Ajp13(w) => &w.name,
            WorkerDef::Lb(w) => &w.name,
            WorkerDef::Status(w) => &w.name,
        }
    }

    /// The type as written in workers.properties.
    pub fn type_name(&self) -> &'static str {
        match self {
            WorkerDef::Ajp13(w) => w.kind.as_str(),
            WorkerDef::Lb(_) => "lb",
            WorkerDef::Status(_) => "status",
        }
    }

    pub fn mount(&self) -> &[String] {
        match self {
            WorkerDef::Ajp13(w) => &w.mount,
            WorkerDef::Lb(w) => &w.mount,
            WorkerDef::Status(w) => &w.mount,
        }
    }

    /// Every effective property by its mod_jk name.
    pub fn properties(&self) -> Vec<(&'static str, String)> {
        match self {
            WorkerDef::Ajp13(w) => w.properties(),
            WorkerDef::Lb(w) => w.properties(),
            WorkerDef::Status(w) => w.properties(),
        }
    }

    /// The properties the file set, and where; the others have their default.
    pub fn explicit(&self) -> &Explicit {
        match self {
            WorkerDef::Ajp13(w) => &w.explicit,
            WorkerDef::Lb(w) => &w.explicit,
            WorkerDef::Status(w) => &w.explicit,
        }
    }

    fn applies(&self) -> Applies {
        match self {
            WorkerDef::Ajp13(_) => Applies::AJP,
            WorkerDef::Lb(_) => Applies::LB,
            WorkerDef::Status(_) => Applies::STATUS,
        }
    }
}

impl Workers {
    pub fn get(&self, name: &str) -> Option<&WorkerDef> {
        self.defs.get(name)
    }

    /// Whether requests can be mapped to this worker.
    pub fn is_listed(&self, name: &str) -> bool {
        self.list.iter().any(|w| w == name)
    }

    pub(crate) fn build(props: &Properties, file: &Path, diags: &mut Diagnostics) -> Workers {
        check_keys(props, diags);
        let listed = read_list(props, diags);
        let maintain = read_maintain(props, diags);
        let mut builder = Builder {
            props,
            diags,
            defs: BTreeMap::new(),
            failed: BTreeSet::new(),
        };
        for (name, origin) in &listed {
            check_name(name, origin.as_ref(), file, builder.diags);
            if name.len() <= MAX_NAME_LEN {
                builder.worker(name);
            }
        }
        let Builder { defs, failed, .. } = builder;
        let attempted: BTreeSet<&str> = defs
            .keys()
            .chain(&failed)
            .map(String::as_str)
            .chain(listed.iter().map(|(name, _)| name.as_str()))
            .collect();
        warn_unused(props, &attempted, diags);
        warn_inapplicable(props, &defs, diags);
        Workers {
            list: listed.into_iter().map(|(name, _)| name).collect(),
            maintain,
            defs,
        }
    }
}

/// Every `worker.*` key the file wrote (inherited copies were checked as the template's keys).
fn check_keys(props: &Properties, diags: &mut Diagnostics) {
    for entry in props
        .entries()
        .iter()
        .filter(|e| e.inherited_from.is_none())
    {
        let origin = entry.origin();
        let Some(key) = keys::worker_key(&entry.key) else {
            if entry
                .key
                .to_ascii_lowercase()
                .starts_with(keys::WORKER_PREFIX)
            {
                diags.warn_at(
                    origin,
                    "'worker.' is case-sensitive: this is a free variable, not a worker property",
                );
            }
            continue;
        };
        let Some(spec) = keys::spec(key.property) else {
            let message = match key.worker {
                Some(worker) => format!("unknown property '{}' of worker '{worker}'", key.property),
                None => format!("unknown global property '{}'", entry.key),
            };
            diags.error_at(origin, message);
            continue;
        };
        match key.worker {
            Some(worker) if spec.applies == Applies::GLOBAL => diags.warn_at(
                origin,
                format!(
                    "'{}' is a global property: write 'worker.{}'; mod_jk ignores it here (worker '{worker}')",
                    key.property, key.property
                ),
            ),
            Some("") => diags.warn_at(origin, "empty worker name: the key has no effect"),
            None if spec.applies != Applies::GLOBAL => diags.warn_at(
                origin,
                format!(
                    "'{}' names no worker (write worker.NAME.{}): the key has no effect",
                    entry.key, key.property
                ),
            ),
            _ => {}
        }
        if let Some(instead) = spec.deprecated {
            diags.warn_at(
                origin,
                format!("deprecated property '{}': {instead}", key.property),
            );
        }
    }
}

/// `worker.list` without repeats, each name with where it was written; the implicit `ajp13` worker
/// when the key is absent.
fn read_list(props: &Properties, diags: &mut Diagnostics) -> Vec<(String, Option<Origin>)> {
    let Some(entry) = props.get("worker.list") else {
        return vec![(IMPLICIT_WORKER.to_string(), None)];
    };
    let mut listed: Vec<(String, Option<Origin>)> = Vec::new();
    for (part, origin) in &entry.parts {
        for name in values::list(part) {
            if listed.iter().any(|(seen, _)| seen == name) {
                diags.warn_at(origin, format!("worker '{name}' is listed more than once"));
            } else {
                listed.push((name.to_string(), Some(origin.clone())));
            }
        }
    }
    if listed.is_empty() {
        diags.error_at(entry.origin(), "worker.list names no worker");
    }
    listed
}

fn read_maintain(props: &Properties, diags: &mut Diagnostics) -> Duration {
    let Some(entry) = props.get("worker.maintain") else {
        return DEFAULT_MAINTAIN;
    };
    let read = values::int(&entry.value());
    if !read.clean {
        diags.warn_at(
            entry.origin(),
            format!(
                "'{}' is not an integer; mod_jk reads it as {}",
                entry.value(),
                read.value
            ),
        );
    }
    if read.value <= 0 {
        diags.warn_at(
            entry.origin(),
            "maintenance is disabled: idle connections are never closed and failed lb members never recover by time",
        );
    }
    Duration::from_secs(read.value.max(0) as u64)
}

/// mod_jk limits names to 63 bytes; its docs allow `[A-Za-z0-9_-]`.
fn check_name(name: &str, origin: Option<&Origin>, file: &Path, diags: &mut Diagnostics) {
    let problem = if name.len() > MAX_NAME_LEN {
        Some((
            Severity::Error,
            format!(
                "worker name '{name}' is {} bytes long; mod_jk allows at most {MAX_NAME_LEN}",
                name.len()
            ),
        ))
    } else if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        Some((
            Severity::Warning,
            format!(
                "worker name '{name}' has characters outside mod_jk's documented [A-Za-z0-9_-]"
            ),
        ))
    } else {
        None
    };
    if let Some((severity, message)) = problem {
        match origin {
            Some(origin) => diags.at(severity, origin, message),
            None => diags.file(severity, file, None, message),
        }
    }
}

struct Builder<'a> {
    props: &'a Properties,
    diags: &'a mut Diagnostics,
    defs: BTreeMap<String, WorkerDef>,
    /// Workers whose creation failed (reported once).
    failed: BTreeSet<String>,
}

impl Builder<'_> {
    fn type_of(&self, name: &str) -> Option<&Entry> {
        self.props.get(&format!("worker.{name}.type"))
    }

    /// Creates the worker once; `None` when it cannot be created (reported).
    fn worker(&mut self, name: &str) -> Option<&WorkerDef> {
        if !self.defs.contains_key(name) && !self.failed.contains(name) {
            match self.create(name) {
                Some(def) => {
                    self.defs.insert(name.to_string(), def);
                }
                None => {
                    self.failed.insert(name.to_string());
                }
            }
        }
        self.defs.get(name)
    }

    fn create(&mut self, name: &str) -> Option<WorkerDef> {
        let (worker_type, origin) = match self.type_of(name) {
            Some(entry) => (entry.value(), Some(entry.origin().clone())),
            None => ("ajp13".to_string(), None),
        };
        let unsupported = |reason: String| (reason, origin.clone());
        let failure = match worker_type.as_str() {
            "ajp13" => {
                return Some(WorkerDef::Ajp13(Ajp13Config::read(
                    name,
                    AjpKind::Ajp13,
                    self.props,
                    self.diags,
                )));
            }
            "ajp14" => {
                if let Some(origin) = &origin {
                    self.diags.warn_at(
                        origin,
                        "type ajp14 is served as ajp13 (ajpgate does not speak AJP14's login); the default port stays 8011",
                    );
                }
                return Some(WorkerDef::Ajp13(Ajp13Config::read(
                    name,
                    AjpKind::Ajp14,
                    self.props,
                    self.diags,
                )));
            }
            "status" => {
                return Some(WorkerDef::Status(StatusConfig::read(
                    name, self.props, self.diags,
                )));
            }
            "lb" => return self.lb(name).map(WorkerDef::Lb),
            "ajp12" => unsupported(format!(
                "worker '{name}': type ajp12 is obsolete and not supported; use ajp13 (Tomcat's AJP connector)"
            )),
            "jni" => unsupported(format!(
                "worker '{name}': type jni (Tomcat inside the web server) is not supported; run Tomcat with an AJP connector and use ajp13"
            )),
            other => unsupported(format!(
                "unknown type '{other}' of worker '{name}' (expected ajp13, ajp14, lb or status)"
            )),
        };
        if let (message, Some(origin)) = failure {
            self.diags.error_at(&origin, message);
        }
        None
    }

    fn lb(&mut self, name: &str) -> Option<LbConfig> {
        let (mut lb, members) = LbConfig::read(name, self.props, self.diags);
        if members.is_empty() {
            let entry = self
                .props
                .get(&format!("worker.{name}.balance_workers"))
                .or_else(|| self.props.get(&format!("worker.{name}.balanced_workers")))
                .or_else(|| self.type_of(name));
            if let Some(entry) = entry {
                let origin = entry.origin().clone();
                self.diags.error_at(
                    &origin,
                    format!("lb worker '{name}' has no members: set worker.{name}.balance_workers"),
                );
            }
            return None;
        }
        let mut ok = true;
        let mut seen = BTreeSet::new();
        let mut member_origins = Vec::new();
        for (member, origin) in members {
            if !seen.insert(member.clone()) {
                self.diags.error_at(
                    &origin,
                    format!("member '{member}' is listed twice in the balance_workers of '{name}'"),
                );
                ok = false;
                continue;
            }
            match self.member(name, &member, &origin, lb.secret.as_deref()) {
                Some(config) => {
                    lb.members.push(config);
                    member_origins.push(origin);
                }
                None => ok = false,
            }
        }
        ok &= self.check_routes(&lb, &member_origins);
        lb.max_packet_size = lb
            .members
            .iter()
            .map(|m| m.max_packet_size)
            .max()
            .unwrap_or(8192);
        ok.then_some(lb)
    }

    /// The lb's copy of one member, or `None` (reported) when it cannot be one.
    fn member(
        &mut self,
        lb: &str,
        member: &str,
        origin: &Origin,
        lb_secret: Option<&str>,
    ) -> Option<Ajp13Config> {
        let fail = |diags: &mut Diagnostics, message: String| {
            diags.error_at(origin, message);
            None
        };
        if member.len() > MAX_NAME_LEN {
            return fail(
                self.diags,
                format!(
                    "member name '{member}' is {} bytes long; mod_jk allows at most {MAX_NAME_LEN}",
                    member.len()
                ),
            );
        }
        if member == lb {
            return fail(
                self.diags,
                format!("lb worker '{lb}' lists itself as a member"),
            );
        }
        if !has_properties(self.props, member) {
            return fail(
                self.diags,
                format!(
                    "member '{member}' of lb '{lb}' is not defined: no worker.{member}.* property (mod_jk would quietly use an ajp13 worker on localhost:8009)"
                ),
            );
        }
        let member_type = self.type_of(member).map(Entry::value);
        match member_type.as_deref() {
            Some("status") => {
                return fail(
                    self.diags,
                    format!(
                        "member '{member}' of lb '{lb}' is a status worker; an lb balances only ajp13 workers"
                    ),
                );
            }
            Some("lb") => {
                return fail(
                    self.diags,
                    format!(
                        "member '{member}' of lb '{lb}' is an lb worker; an lb balances only ajp13 workers"
                    ),
                );
            }
            _ => {}
        }
        check_name(member, Some(origin), Path::new(""), self.diags);
        let WorkerDef::Ajp13(config) = self.worker(member)? else {
            return None;
        };
        let mut config = config.clone();
        if config.secret.is_none() {
            config.secret = lb_secret.map(str::to_string);
        }
        if config.port == 0 && config.activation != Activation::Stopped {
            self.diags.warn_at(
                origin,
                format!("member '{member}' has port 0: it is stopped, as in mod_jk"),
            );
            config.activation = Activation::Stopped;
        }
        Some(config)
    }

    /// Routes must be unique in an lb (mod_jk aborts otherwise), and a redirect must name one of them.
    fn check_routes(&mut self, lb: &LbConfig, origins: &[Origin]) -> bool {
        let mut ok = true;
        for (i, member) in lb.members.iter().enumerate() {
            if let Some(first) = lb.members[..i].iter().find(|m| m.route == member.route) {
                let origin = member.explicit.get("route").unwrap_or(&origins[i]);
                self.diags.error_at(
                    origin,
                    format!(
                        "members '{}' and '{}' of lb '{}' share the route '{}'",
                        first.name, member.name, lb.name, member.route
                    ),
                );
                ok = false;
            }
            if !member.redirect.is_empty() && !lb.members.iter().any(|m| m.route == member.redirect)
            {
                let origin = member.explicit.get("redirect").unwrap_or(&origins[i]);
                self.diags.error_at(
                    origin,
                    format!(
                        "redirect '{}' of member '{}' is not the route of any member of lb '{}'",
                        member.redirect, member.name, lb.name
                    ),
                );
                ok = false;
            }
        }
        ok
    }
}

/// Whether any `worker.<name>.<property>` key exists.
fn has_properties(props: &Properties, name: &str) -> bool {
    props
        .entries()
        .iter()
        .any(|e| keys::worker_key(&e.key).and_then(|k| k.worker) == Some(name))
}

/// Definitions that nothing instantiates or references have no effect: often a typo in a name.
fn warn_unused(props: &Properties, attempted: &BTreeSet<&str>, diags: &mut Diagnostics) {
    let referenced: BTreeSet<String> = props
        .entries()
        .iter()
        .filter(|e| e.key.ends_with(".reference"))
        .filter_map(|e| {
            e.value()
                .strip_prefix(keys::WORKER_PREFIX)
                .map(str::to_string)
        })
        .collect();
    let mut reported = BTreeSet::new();
    for entry in props
        .entries()
        .iter()
        .filter(|e| e.inherited_from.is_none())
    {
        let Some(name) = keys::worker_key(&entry.key).and_then(|k| k.worker) else {
            continue;
        };
        if name.is_empty()
            || attempted.contains(name)
            || referenced.contains(name)
            || !reported.insert(name)
        {
            continue;
        }
        diags.warn_at(
            entry.origin(),
            format!(
                "worker '{name}' is defined but not in worker.list, not an lb member and not referenced: its properties have no effect"
            ),
        );
    }
}

/// Valid properties set directly on a worker whose type does not read them.
fn warn_inapplicable(
    props: &Properties,
    defs: &BTreeMap<String, WorkerDef>,
    diags: &mut Diagnostics,
) {
    for entry in props
        .entries()
        .iter()
        .filter(|e| e.inherited_from.is_none())
    {
        let Some(key) = keys::worker_key(&entry.key) else {
            continue;
        };
        let (Some(def), Some(spec)) = (
            key.worker.and_then(|w| defs.get(w)),
            keys::spec(key.property),
        ) else {
            continue;
        };
        let ignored = spec.applies == Applies::NOTHING || spec.applies == Applies::GLOBAL;
        if !ignored && !spec.applies.contains(def.applies()) {
            let article = if def.type_name() == "status" {
                "a"
            } else {
                "an"
            };
            diags.warn_at(
                entry.origin(),
                format!(
                    "'{}' has no effect on {article} {} worker",
                    key.property,
                    def.type_name()
                ),
            );
        }
    }
}
