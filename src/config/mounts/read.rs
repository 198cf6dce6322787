//! Building the mount table from its three sources, and checking it against the workers.
//!
//! Each source has its own rules for a bad or repeated pattern (see the parent module), so each has
//! its own reader; they all end in [`MountRule`]s that [`MountTable::from_rules`] sorts.

use std::path::Path;

use super::extensions::{RuleExtensions, parse_target};
use super::table::{MountRule, MountTable, RuleSource};
use crate::config::diagnostic::{Diagnostics, Origin, Severity};
use crate::config::keys::Repeat;
use crate::config::properties::{EnvLookup, Properties};
use crate::config::values;
use crate::config::workers::{WorkerDef, Workers};

/// The files and arguments mount rules are read from.
pub(crate) struct MountSources<'a> {
    pub workers_file: &'a Properties,
    pub uriworkermap: Option<(&'a Path, &'a [u8])>,
    pub cli: &'a [String],
    pub env: EnvLookup<'a>,
}

/// What `--mount` diagnostics name as their file.
pub const COMMAND_LINE: &str = "command line";

impl MountTable {
    pub(crate) fn build(
        sources: MountSources<'_>,
        workers: &Workers,
        diags: &mut Diagnostics,
    ) -> MountTable {
        let mut rules = Vec::new();
        worker_mounts(sources.workers_file, workers, &mut rules, diags);
        if let Some((file, bytes)) = sources.uriworkermap {
            uriworkermap(file, bytes, sources.env, &mut rules, diags);
        }
        command_line(sources.cli, &mut rules, diags);
        let table = MountTable::from_rules(rules);
        table.check(workers, diags);
        table
    }

    /// Rules whose worker or extensions cannot work. mod_jk logs these and answers such requests with
    /// HTTP 500, so they are warnings.
    fn check(&self, workers: &Workers, diags: &mut Diagnostics) {
        for (i, rule) in self.rules().iter().enumerate() {
            if rule.disabled {
                continue;
            }
            let mut warn = |message: String| match &rule.origin {
                Some(origin) => diags.warn_at(origin, message),
                None => diags.file(
                    Severity::Warning,
                    Path::new(COMMAND_LINE),
                    Some(&rule.defined_at),
                    message,
                ),
            };
            let def = workers
                .get(&rule.worker)
                .filter(|_| workers.is_listed(&rule.worker));
            if rule.exclude {
                if rule.worker != "*" && def.is_none() {
                    warn(format!(
                        "exclusion for worker '{}', which is not in worker.list: it never applies",
                        rule.worker
                    ));
                }
            } else if def.is_none() {
                warn(format!(
                    "worker '{}' is not in worker.list: requests matching this rule get HTTP 500, as in mod_jk",
                    rule.worker
                ));
            }
            if let Some(other) = self.rules()[..i].iter().find(|r| {
                r.pattern == rule.pattern
                    && r.exclude == rule.exclude
                    && r.source == rule.source
                    && !r.disabled
                    && r.worker != rule.worker
            }) {
                warn(format!(
                    "the same pattern also maps to '{}' ({}); mod_jk's choice between them is undefined, ajpgate takes '{}'",
                    other.worker, other.defined_at, other.worker
                ));
            }
            let lb = match def {
                Some(WorkerDef::Lb(lb)) => Some(lb),
                _ => None,
            };
            let ext = &rule.extensions;
            match lb {
                None if ext.touches_members() || ext.touches_sessions() => warn(format!(
                    "worker '{}' is not an lb: its lb extensions (active, disabled, stopped, session_*) are ignored",
                    rule.worker
                )),
                Some(lb) => {
                    for name in ext.active.iter().chain(&ext.disabled).chain(&ext.stopped) {
                        if lb.member(name).is_none() {
                            warn(format!(
                                "'{name}' is not a member of lb '{}': extension ignored",
                                lb.name
                            ));
                        }
                    }
                }
                None => {}
            }
        }
    }
}

/// `worker.<w>.mount` of the listed workers: no `|` expansion and no extensions, as in mod_jk.
fn worker_mounts(
    props: &Properties,
    workers: &Workers,
    rules: &mut Vec<MountRule>,
    diags: &mut Diagnostics,
) {
    for name in workers.defs.keys() {
        let Some(entry) = props.get(&format!("worker.{name}.mount")) else {
            continue;
        };
        if !workers.is_listed(name) {
            diags.warn_at(
                entry.origin(),
                format!(
                    "worker '{name}' is not in worker.list: its mount is ignored, as in mod_jk"
                ),
            );
            continue;
        }
        for (part, origin) in &entry.parts {
            for pattern in values::list(part) {
                let defined_at = format!("{origin} {}", origin.key);
                match Pattern::parse(pattern) {
                    Ok(p) => {
                        if p.pattern.contains(['|', ';']) {
                            diags.warn_at(
                                origin,
                                format!(
                                    "mount '{pattern}': worker mounts take no '|' shortcut and no ';' extensions, these characters are part of the pattern"
                                ),
                            );
                        }
                        rules.push(p.rule(
                            name,
                            RuleExtensions::default(),
                            RuleSource::WorkerDefinition,
                            defined_at,
                            Some(origin.clone()),
                        ));
                    }
                    Err(message) => diags.error_at(origin, format!("mount {message}")),
                }
            }
        }
    }
}

/// uriworkermap.properties: the properties syntax, a repeated pattern replaces the earlier one.
fn uriworkermap(
    file: &Path,
    bytes: &[u8],
    env: EnvLookup<'_>,
    rules: &mut Vec<MountRule>,
    diags: &mut Diagnostics,
) {
    let props = Properties::read(file, bytes, &|_| Repeat::Replace, env, diags);
    for entry in props.entries() {
        let origin = entry.origin();
        let (worker, extensions) = parse_target(&entry.value(), &mut |m| diags.warn_at(origin, m));
        for written in expand_pipe(&entry.key) {
            match Pattern::parse(&written) {
                Ok(p) => rules.push(p.rule(
                    &worker,
                    extensions.clone(),
                    RuleSource::UriWorkerMap,
                    origin.to_string(),
                    Some(origin.clone()),
                )),
                Err(message) => {
                    diags.warn_at(origin, format!("rule skipped, as mod_jk does: {message}"))
                }
            }
        }
    }
}

/// `--mount PATTERN=WORKER[;ext…]`: like httpd's `JkMount`, a bad one is an error, and the same pattern
/// given twice keeps the last.
fn command_line(args: &[String], rules: &mut Vec<MountRule>, diags: &mut Diagnostics) {
    let mut parsed: Vec<(String, Vec<MountRule>)> = Vec::new();
    for arg in args {
        let key = format!("--mount {arg}");
        let mut report = |severity, message: String| {
            diags.file(severity, Path::new(COMMAND_LINE), Some(&key), message);
        };
        let Some((pattern, target)) = arg.split_once('=') else {
            report(Severity::Error, "expected PATTERN=WORKER".into());
            continue;
        };
        let (pattern, target) = (values::trim_c(pattern), values::trim_c(target));
        let (worker, extensions) = parse_target(target, &mut |m| report(Severity::Warning, m));
        if worker.is_empty() {
            report(Severity::Error, "no worker after '='".into());
            continue;
        }
        let mut expanded = Vec::new();
        for written in expand_pipe(pattern) {
            match Pattern::parse(&written) {
                Ok(p) => expanded.push(p.rule(
                    &worker,
                    extensions.clone(),
                    RuleSource::JkMount,
                    key.clone(),
                    None,
                )),
                Err(message) => report(Severity::Error, message),
            }
        }
        if let Some(at) = parsed.iter().position(|(p, _)| p == pattern) {
            report(
                Severity::Warning,
                format!(
                    "pattern given again: replaces '{}'",
                    parsed[at].1.first().map_or("", |r| r.worker.as_str())
                ),
            );
            parsed.remove(at);
        }
        parsed.push((pattern.to_string(), expanded));
    }
    rules.extend(parsed.into_iter().flat_map(|(_, r)| r));
}

/// A pattern with its prefixes taken off.
#[derive(Debug)]
struct Pattern {
    pattern: String,
    disabled: bool,
    exclude: bool,
}

impl Pattern {
    /// mod_jk's `uri_worker_map_add`: an optional `-`, then an optional `!`, then `/…`.
    fn parse(written: &str) -> Result<Pattern, String> {
        let (disabled, rest) = match written.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, written),
        };
        let (exclude, rest) = match rest.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, rest),
        };
        if !rest.starts_with('/') {
            let hint = if rest.starts_with(['*', '?']) {
                format!(" (mod_jk rejects this despite its docs; write '/{rest}')")
            } else {
                String::new()
            };
            return Err(format!("'{written}' does not start with '/'{hint}"));
        }
        Ok(Pattern {
            pattern: rest.to_string(),
            disabled,
            exclude,
        })
    }

    fn rule(
        self,
        worker: &str,
        extensions: RuleExtensions,
        source: RuleSource,
        defined_at: String,
        origin: Option<Origin>,
    ) -> MountRule {
        MountRule {
            wildcard: self.pattern.contains(['*', '?']),
            pattern: self.pattern,
            worker: worker.to_string(),
            source,
            exclude: self.exclude,
            disabled: self.disabled,
            extensions,
            defined_at,
            origin,
        }
    }
}

/// `A|B` is the two rules `A` and `AB` (only the first `|` counts).
fn expand_pipe(written: &str) -> Vec<String> {
    match written.split_once('|') {
        Some((a, b)) => vec![a.to_string(), format!("{a}{b}")],
        None => vec![written.to_string()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_and_pipes() {
        assert_eq!(expand_pipe("/app|/*"), vec!["/app", "/app/*"]);
        assert_eq!(expand_pipe("!/a|/b|/c"), vec!["!/a", "!/a/b|/c"]);
        let p = Pattern::parse("-!/x").unwrap();
        assert!(p.disabled && p.exclude && p.pattern == "/x");
        assert!(Pattern::parse("!-/x").is_err());
        assert!(
            Pattern::parse("*.jsp")
                .unwrap_err()
                .contains("write '/*.jsp'")
        );
        assert!(Pattern::parse("app").is_err());
    }
}
