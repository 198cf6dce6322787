//! The mount rules in mod_jk's match order, and the matching of a normalised path against them.
//!
//! This is the part of the mount configuration that runs on every request; reading and checking the
//! rules is in [`super::read`].

use std::fmt;

use super::extensions::RuleExtensions;
use crate::config::diagnostic::Origin;
use crate::config::uri::MAX_MAPPED_URI_LEN;

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
                &crate::config::latin1::latin1_bytes(&self.pattern),
                &crate::config::latin1::latin1_bytes(path),
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

/// mod_jk's `jk_wildchar_match`: `*` matches any run of bytes (`/` included, possibly empty), `?`
/// exactly one byte, everything else itself. Iterative, so no pattern can make it slow.
pub(crate) fn wildcard_match(pattern: &[u8], text: &[u8]) -> bool {
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
}
