//! Creating one worker by its type, and an lb's members with what they inherit from the lb.
//!
//! Each worker is created once, however many lbs name it, and a failure is reported once.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::checks::check_name;
use super::set::WorkerDef;
use crate::config::ajp13::{Ajp13Config, AjpKind};
use crate::config::diagnostic::{Diagnostics, Origin};
use crate::config::keys;
use crate::config::lb::LbConfig;
use crate::config::properties::{Entry, Properties};
use crate::config::reader::MAX_NAME_LEN;
use crate::config::status::StatusConfig;
use crate::vocabulary::Activation;

/// The listed workers (names checked first) and, through them, the lb members: the workers created,
/// and the names whose creation failed (reported).
pub(super) fn instantiate(
    props: &Properties,
    listed: &[(String, Option<Origin>)],
    file: &Path,
    diags: &mut Diagnostics,
) -> (BTreeMap<String, WorkerDef>, BTreeSet<String>) {
    let mut builder = Builder {
        props,
        diags,
        defs: BTreeMap::new(),
        failed: BTreeSet::new(),
    };
    for (name, origin) in listed {
        check_name(name, origin.as_ref(), file, builder.diags);
        if name.len() <= MAX_NAME_LEN {
            builder.worker(name);
        }
    }
    (builder.defs, builder.failed)
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
