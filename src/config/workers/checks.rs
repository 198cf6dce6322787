//! The rules on keys and names, and the warnings about definitions that have no effect.
//!
//! mod_jk stops on an unknown key and otherwise says little; these checks say what a key or a name
//! will (not) do before a request finds out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::set::WorkerDef;
use crate::config::diagnostic::{Diagnostics, Origin, Severity};
use crate::config::keys::{self, Applies};
use crate::config::properties::Properties;
use crate::config::reader::MAX_NAME_LEN;

/// Every `worker.*` key the file wrote (inherited copies were checked as the template's keys).
pub(super) fn check_keys(props: &Properties, diags: &mut Diagnostics) {
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

/// mod_jk limits names to 63 bytes; its docs allow `[A-Za-z0-9_-]`.
pub(super) fn check_name(
    name: &str,
    origin: Option<&Origin>,
    file: &Path,
    diags: &mut Diagnostics,
) {
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

/// Definitions that nothing instantiates or references have no effect: often a typo in a name.
pub(super) fn warn_unused(props: &Properties, attempted: &BTreeSet<&str>, diags: &mut Diagnostics) {
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
pub(super) fn warn_inapplicable(
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
