//! Building the worker set: the global keys (`worker.list`, `worker.maintain`), then every listed
//! worker, then the checks that need the whole file.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use super::checks::{check_keys, warn_inapplicable, warn_unused};
use super::instantiate::instantiate;
use super::set::{DEFAULT_MAINTAIN, IMPLICIT_WORKER, Workers};
use crate::config::diagnostic::{Diagnostics, Origin};
use crate::config::properties::Properties;
use crate::config::values;

impl Workers {
    pub(crate) fn build(props: &Properties, file: &Path, diags: &mut Diagnostics) -> Workers {
        check_keys(props, diags);
        let listed = read_list(props, diags);
        let maintain = read_maintain(props, diags);
        let (defs, failed) = instantiate(props, &listed, file, diags);
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
