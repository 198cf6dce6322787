//! Which worker serves a request path: the mount rules and mod_jk's way of matching them.
//!
//! Rules come from three sources: uriworkermap.properties (`pattern=worker[;ext…]`), `--mount
//! PATTERN=WORKER` on the command line (what `JkMount` was in httpd.conf), and `worker.<w>.mount` in
//! workers.properties. A pattern may be prefixed by `-` (rule disabled) and then `!` (exclusion), must
//! then start with `/`, and may use `*` (any bytes, `/` included) and `?` (one byte); without either it
//! is an exact rule. `A|B` stands for the two rules `A` and `AB` (not in `worker.<w>.mount`).
//!
//! mod_jk sorts all rules by number of `/` (most first), then length (longest first), then source
//! (uriworkermap, JkMount, worker definition), and the first enabled non-exclusion rule that matches
//! wins, exact and wildcard alike. Then, if any enabled exclusion rule for that worker (or for `*`)
//! matches too, the request is not mapped at all: an exclusion vetoes, it does not fall through to the
//! next rule. [`MountTable::map`] does exactly this, on a path already normalised by
//! [`super::uri::normalize`].
//!
//! A rule mod_jk would skip with a log line (a bad pattern in uriworkermap.properties) is a warning
//! here; a bad `worker.<w>.mount` or `--mount` is an error, as a bad `JkMount` stops httpd.

use std::fmt;
use std::path::Path;
use std::time::Duration;

use super::diagnostic::{Diagnostics, Origin, Severity};
use super::keys::Repeat;
use super::properties::{EnvLookup, Properties};
use super::uri::MAX_MAPPED_URI_LEN;
use super::values;
use super::workers::{WorkerDef, Workers};

/// Where a rule was defined; among otherwise equal patterns the earlier variant wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RuleSource {
    UriWorkerMap,
    /// `--mount` on the command line, which stands for httpd's `JkMount`.
    JkMount,
    /// `worker.<w>.mount` in workers.properties.
    WorkerDefinition,
}

impl RuleSource {
    fn rank(self) -> u8 {
        match self {
            RuleSource::UriWorkerMap => 0,
            RuleSource::JkMount => 1,
            RuleSource::WorkerDefinition => 2,
        }
    }

    /// The text jk-status shows.
    pub fn as_str(self) -> &'static str {
        match self {
            RuleSource::UriWorkerMap => "uriworkermap",
            RuleSource::JkMount => "JkMount",
            RuleSource::WorkerDefinition => "worker definition",
        }
    }
}

impl fmt::Display for RuleSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Per-rule overrides written after the worker name (`/app=lb;reply_timeout=60000;stopped=n1`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RuleExtensions {
    /// Replaces the worker's reply_timeout; `Some(ZERO)` disables it.
    pub reply_timeout: Option<Duration>,
    pub sticky_ignore: bool,
    pub stateless: bool,
    /// lb members forced into an activation for requests of this rule.
    pub active: Vec<String>,
    pub disabled: Vec<String>,
    pub stopped: Vec<String>,
    /// Replaces the worker's fail_on_status entirely.
    pub fail_on_status: Option<Vec<i32>>,
    /// Backend statuses at or above this are answered with ajpgate's own error page.
    pub use_server_errors: Option<u16>,
    pub session_cookie: Option<String>,
    pub session_path: Option<String>,
    pub set_session_cookie: Option<bool>,
    pub session_cookie_path: Option<String>,
}

impl RuleExtensions {
    pub fn is_empty(&self) -> bool {
        self == &RuleExtensions::default()
    }

    fn touches_members(&self) -> bool {
        !(self.active.is_empty() && self.disabled.is_empty() && self.stopped.is_empty())
    }

    fn touches_sessions(&self) -> bool {
        self.session_cookie.is_some()
            || self.session_path.is_some()
            || self.set_session_cookie.is_some()
            || self.session_cookie_path.is_some()
    }
}

impl fmt::Display for RuleExtensions {
    /// As they would be written after the worker name: `;reply_timeout=60000;stopped=n1`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(t) = self.reply_timeout {
            write!(f, ";reply_timeout={}", t.as_millis())?;
        }
        if self.sticky_ignore {
            f.write_str(";sticky_ignore=1")?;
        }
        if self.stateless {
            f.write_str(";stateless=1")?;
        }
        for (name, members) in [
            ("active", &self.active),
            ("disabled", &self.disabled),
            ("stopped", &self.stopped),
        ] {
            if !members.is_empty() {
                write!(f, ";{name}={}", members.join(","))?;
            }
        }
        if let Some(statuses) = &self.fail_on_status {
            let list: Vec<String> = statuses.iter().map(i32::to_string).collect();
            write!(f, ";fail_on_status={}", list.join(","))?;
        }
        if let Some(n) = self.use_server_errors {
            write!(f, ";use_server_errors={n}")?;
        }
        for (name, value) in [
            ("session_cookie", &self.session_cookie),
            ("session_path", &self.session_path),
            ("session_cookie_path", &self.session_cookie_path),
        ] {
            if let Some(value) = value {
                write!(f, ";{name}={value}")?;
            }
        }
        if let Some(on) = self.set_session_cookie {
            write!(f, ";set_session_cookie={}", u8::from(on))?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MountRule {
    /// Without the `-` and `!` prefixes; starts with `/`.
    pub pattern: String,
    /// A worker name, or `*` in an exclusion rule (any worker).
    pub worker: String,
    pub source: RuleSource,
    /// `!`: a match vetoes the mapping to this worker.
    pub exclude: bool,
    /// `-`: the rule is ignored.
    pub disabled: bool,
    /// The pattern has `*` or `?`; otherwise it must equal the path.
    pub wildcard: bool,
    pub extensions: RuleExtensions,
    /// Where the rule was written, for people: `uriworkermap.properties:3`, `--mount /app=lb`.
    pub defined_at: String,
    /// The line it was written on; `None` for `--mount`.
    pub origin: Option<Origin>,
}

impl MountRule {
    /// Whether the (normalised) path matches the pattern. Case-sensitive, byte by byte.
    pub fn matches(&self, path: &str) -> bool {
        if self.wildcard {
            // Compare the bytes the text stands for, so that `?` is one byte as in mod_jk.
            wildcard_match(
                &super::latin1::latin1_bytes(&self.pattern),
                &super::latin1::latin1_bytes(path),
            )
        } else {
            self.pattern == path
        }
    }

    /// The pattern as written, with its prefixes.
    pub fn written(&self) -> String {
        format!(
            "{}{}{}",
            if self.disabled { "-" } else { "" },
            if self.exclude { "!" } else { "" },
            self.pattern
        )
    }
}

/// The rules in match order (mod_jk's sort).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MountTable {
    rules: Vec<MountRule>,
}

impl MountTable {
    /// Every rule, disabled ones included, in the order they are tried.
    pub fn rules(&self) -> &[MountRule] {
        &self.rules
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// `path` must already be normalised. The matching rule (after exclusions), if any.
    pub fn map(&self, path: &str) -> Option<&MountRule> {
        if !path.starts_with('/') || path.len() > MAX_MAPPED_URI_LEN {
            return None;
        }
        let rule = self
            .rules
            .iter()
            .find(|r| !r.disabled && !r.exclude && r.matches(path))?;
        let vetoed = self.rules.iter().any(|r| {
            r.exclude
                && !r.disabled
                && (r.worker == rule.worker || r.worker == "*")
                && r.matches(path)
        });
        (!vetoed).then_some(rule)
    }

    /// Sorts rules into match order. The sort is stable, so rules mod_jk leaves in undefined order
    /// (same pattern, same source) keep the order they were defined in.
    pub fn from_rules(mut rules: Vec<MountRule>) -> MountTable {
        rules.sort_by_key(|r| {
            (
                std::cmp::Reverse(r.pattern.bytes().filter(|&b| b == b'/').count()),
                std::cmp::Reverse(r.pattern.len()),
                r.source.rank(),
            )
        });
        MountTable { rules }
    }
}

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
        for (i, rule) in self.rules.iter().enumerate() {
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
            if let Some(other) = self.rules[..i].iter().find(|r| {
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

/// mod_jk's `parse_rule_extensions`: the value is cut at every `;` (empty pieces skipped); the first
/// piece is the worker, the others are extensions. Problems go to `warn`.
fn parse_target(text: &str, warn: &mut dyn FnMut(String)) -> (String, RuleExtensions) {
    let mut pieces = text.split(';').filter(|p| !p.is_empty());
    let worker = pieces.next().unwrap_or_default().to_string();
    let mut ext = RuleExtensions::default();
    let once = |slot_taken: bool, name: &str, warn: &mut dyn FnMut(String)| {
        if slot_taken {
            warn(format!(
                "rule extension '{name}' is allowed only once: the first one is kept"
            ));
        }
        !slot_taken
    };
    while let Some(piece) = pieces.next() {
        let (name, value) = piece.split_once('=').unwrap_or((piece, ""));
        let number = |warn: &mut dyn FnMut(String)| {
            let read = values::int(value);
            if !read.clean {
                warn(format!(
                    "{name}='{value}' is not an integer; mod_jk reads it as {}",
                    read.value
                ));
            }
            read.value
        };
        let members = || {
            value
                .split([',', ' '])
                .filter(|m| !m.is_empty())
                .map(str::to_string)
                .collect::<Vec<_>>()
        };
        match (name, piece.contains('=')) {
            ("reply_timeout", true) => {
                let ms = number(warn);
                ext.reply_timeout = (ms >= 0).then(|| Duration::from_millis(ms as u64));
            }
            ("sticky_ignore", true) => ext.sticky_ignore = number(warn) != 0,
            ("stateless", true) => ext.stateless = number(warn) != 0,
            ("use_server_errors", true) => {
                let n = number(warn);
                ext.use_server_errors = (n > 0).then(|| u16::try_from(n).unwrap_or(u16::MAX));
            }
            ("active", true) => {
                if once(!ext.active.is_empty(), name, warn) {
                    ext.active = members();
                }
            }
            ("disabled", true) => {
                if once(!ext.disabled.is_empty(), name, warn) {
                    ext.disabled = members();
                }
            }
            ("stopped", true) => {
                if once(!ext.stopped.is_empty(), name, warn) {
                    ext.stopped = members();
                }
            }
            ("fail_on_status", true) => {
                if once(ext.fail_on_status.is_some(), name, warn) {
                    let mut statuses = Vec::new();
                    for item in value.split([',', ' ']).filter(|s| !s.is_empty()) {
                        let read = values::int(item);
                        if read.clean {
                            statuses.push(read.value);
                        } else {
                            warn(format!(
                                "fail_on_status item '{item}' is not a status code: ignored"
                            ));
                        }
                    }
                    ext.fail_on_status = Some(statuses);
                }
            }
            ("session_cookie", true) => {
                if once(ext.session_cookie.is_some(), name, warn) {
                    ext.session_cookie = Some(value.to_string());
                }
            }
            ("session_path", true) => {
                if once(ext.session_path.is_some(), name, warn) {
                    // `session_path=;jsessionid` arrives as two pieces: the value is the next one.
                    ext.session_path = if value.is_empty() {
                        pieces.next().map(str::to_string)
                    } else {
                        Some(value.to_string())
                    };
                }
            }
            ("set_session_cookie", true) => {
                if once(ext.set_session_cookie.is_some(), name, warn) {
                    ext.set_session_cookie = Some(number(warn) != 0);
                }
            }
            ("session_cookie_path", true) => {
                if once(ext.session_cookie_path.is_some(), name, warn) {
                    ext.session_cookie_path = Some(value.to_string());
                }
            }
            _ => warn(format!("unknown rule extension '{piece}': ignored")),
        }
    }
    let not_applied = [
        ("fail_on_status", ext.fail_on_status.is_some()),
        ("use_server_errors", ext.use_server_errors.is_some()),
        ("session_cookie", ext.session_cookie.is_some()),
        ("session_path", ext.session_path.is_some()),
        ("set_session_cookie", ext.set_session_cookie.is_some()),
        ("session_cookie_path", ext.session_cookie_path.is_some()),
    ];
    for (name, _) in not_applied.iter().filter(|(_, set)| *set) {
        warn(format!(
            "rule extension '{name}' is not applied by ajpgate: the worker's own setting is used"
        ));
    }
    (worker, ext)
}

/// mod_jk's `jk_wildchar_match`: `*` matches any run of bytes (`/` included, possibly empty), `?`
/// exactly one byte, everything else itself. Iterative, so no pattern can make it slow.
fn wildcard_match(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    // The last `*` seen and the text position it is currently assumed to cover up to.
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(b'*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(&c) if c == b'?' || c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        let m = |p: &str, t: &str| wildcard_match(p.as_bytes(), t.as_bytes());
        assert!(m("/*", "/"));
        assert!(m("/*", "/a/b/c"));
        assert!(m("/app/*", "/app/"));
        assert!(!m("/app/*", "/app"));
        assert!(m("/*.jsp", "/a/b/x.jsp"));
        assert!(!m("/*.jsp", "/a/b/x.jspx"));
        assert!(m("/?", "/a"));
        assert!(!m("/?", "/"));
        assert!(!m("/?", "/ab"));
        assert!(!m("/?", "/é"));
        assert!(m("/a*b*c", "/aXbYbZc"));
        assert!(!m("/a*b*c", "/aXbYbZ"));
        assert!(m("/**", "/x"));
        assert!(!m("/App/*", "/app/x"));
        let long = format!("/{}", "a".repeat(4000));
        assert!(!m("/*a*a*a*a*a*a*a*a*a*a*b", &long));
    }

    #[test]
    fn extensions_parse_as_mod_jk_does() {
        let mut warnings = Vec::new();
        let (worker, ext) = parse_target(
            "lb;reply_timeout=60000;;stopped=m1, m2;disabled=m3;sticky_ignore=1;stateless=0;fail_on_status=-404,500 503;use_server_errors=400;session_path=;jsessionid;set_session_cookie=1;session_cookie=SID;session_cookie_path=/app;bogus=1",
            &mut |w| warnings.push(w),
        );
        assert_eq!(worker, "lb");
        assert_eq!(ext.reply_timeout, Some(Duration::from_secs(60)));
        assert_eq!(ext.stopped, vec!["m1", "m2"]);
        assert_eq!(ext.disabled, vec!["m3"]);
        assert!(ext.sticky_ignore && !ext.stateless);
        assert_eq!(ext.fail_on_status, Some(vec![-404, 500, 503]));
        assert_eq!(ext.use_server_errors, Some(400));
        assert_eq!(ext.session_path.as_deref(), Some("jsessionid"));
        assert_eq!(ext.set_session_cookie, Some(true));
        assert_eq!(ext.session_cookie.as_deref(), Some("SID"));
        assert_eq!(ext.session_cookie_path.as_deref(), Some("/app"));
        assert_eq!(warnings[0], "unknown rule extension 'bogus=1': ignored");
        assert_eq!(warnings.len(), 7, "{warnings:?}");
        assert!(
            warnings[1..]
                .iter()
                .all(|w| w.contains("not applied by ajpgate"))
        );
        assert_eq!(
            ext.to_string(),
            ";reply_timeout=60000;sticky_ignore=1;disabled=m3;stopped=m1,m2;fail_on_status=-404,500,503;use_server_errors=400;session_cookie=SID;session_path=jsessionid;session_cookie_path=/app;set_session_cookie=1"
        );

        let mut warnings = Vec::new();
        let (worker, ext) = parse_target(
            "w;stopped=a;stopped=b;reply_timeout=-1;reply_timeout=x",
            &mut |w| warnings.push(w),
        );
        assert_eq!(worker, "w");
        assert_eq!(ext.stopped, vec!["a"]);
        assert_eq!(ext.reply_timeout, Some(Duration::ZERO));
        assert_eq!(warnings.len(), 2);
    }

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
