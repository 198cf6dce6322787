//! Per-rule overrides written after the worker name of a mount (`/app=lb;reply_timeout=60000`).
//!
//! They are parsed the way mod_jk's `parse_rule_extensions` does, quirks included, so a
//! uriworkermap.properties means what it meant under httpd.

use std::fmt;
use std::time::Duration;

use crate::config::values;

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

    pub(super) fn touches_members(&self) -> bool {
        !(self.active.is_empty() && self.disabled.is_empty() && self.stopped.is_empty())
    }

    pub(super) fn touches_sessions(&self) -> bool {
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

/// mod_jk's `parse_rule_extensions`: the value is cut at every `;` (empty pieces skipped); the first
/// piece is the worker, the others are extensions. Problems go to `warn`.
pub(super) fn parse_target(text: &str, warn: &mut dyn FnMut(String)) -> (String, RuleExtensions) {
    let mut pieces = text.split(';').filter(|p| !p.is_empty());
    let worker = pieces.next().unwrap_or_default().to_string();
    let mut ext = RuleExtensions::default();
    while let Some(piece) = pieces.next() {
        ext.apply(piece, &mut pieces, warn);
    }
    warn_not_applied(&ext, warn);
    (worker, ext)
}

impl RuleExtensions {
    /// One `name=value` piece; `rest` is the pieces after it, of which `session_path` may take one.
    fn apply(
        &mut self,
        piece: &str,
        rest: &mut dyn Iterator<Item = &str>,
        warn: &mut dyn FnMut(String),
    ) {
        let Some((name, value)) = piece.split_once('=') else {
            warn(format!("unknown rule extension '{piece}': ignored"));
            return;
        };
        match name {
            "reply_timeout" => {
                let ms = number(name, value, warn);
                self.reply_timeout = (ms >= 0).then(|| Duration::from_millis(ms as u64));
            }
            "sticky_ignore" => self.sticky_ignore = number(name, value, warn) != 0,
            "stateless" => self.stateless = number(name, value, warn) != 0,
            "use_server_errors" => {
                let n = number(name, value, warn);
                self.use_server_errors = (n > 0).then(|| u16::try_from(n).unwrap_or(u16::MAX));
            }
            "active" => {
                if once(!self.active.is_empty(), name, warn) {
                    self.active = members(value);
                }
            }
            "disabled" => {
                if once(!self.disabled.is_empty(), name, warn) {
                    self.disabled = members(value);
                }
            }
            "stopped" => {
                if once(!self.stopped.is_empty(), name, warn) {
                    self.stopped = members(value);
                }
            }
            "fail_on_status" => {
                if once(self.fail_on_status.is_some(), name, warn) {
                    self.fail_on_status = Some(statuses(value, warn));
                }
            }
            "session_cookie" => {
                if once(self.session_cookie.is_some(), name, warn) {
                    self.session_cookie = Some(value.to_string());
                }
            }
            "session_path" => {
                if once(self.session_path.is_some(), name, warn) {
                    // `session_path=;jsessionid` arrives as two pieces: the value is the next one.
                    self.session_path = if value.is_empty() {
                        rest.next().map(str::to_string)
                    } else {
                        Some(value.to_string())
                    };
                }
            }
            "set_session_cookie" => {
                if once(self.set_session_cookie.is_some(), name, warn) {
                    self.set_session_cookie = Some(number(name, value, warn) != 0);
                }
            }
            "session_cookie_path" => {
                if once(self.session_cookie_path.is_some(), name, warn) {
                    self.session_cookie_path = Some(value.to_string());
                }
            }
            _ => warn(format!("unknown rule extension '{piece}': ignored")),
        }
    }
}

/// A repeated list or text extension keeps its first value; whether this one may be taken.
fn once(slot_taken: bool, name: &str, warn: &mut dyn FnMut(String)) -> bool {
    if slot_taken {
        warn(format!(
            "rule extension '{name}' is allowed only once: the first one is kept"
        ));
    }
    !slot_taken
}

/// An integer as mod_jk's `atoi` reads it, with a warning when it is not clean.
fn number(name: &str, value: &str, warn: &mut dyn FnMut(String)) -> i32 {
    let read = values::int(value);
    if !read.clean {
        warn(format!(
            "{name}='{value}' is not an integer; mod_jk reads it as {}",
            read.value
        ));
    }
    read.value
}

/// lb member names, separated by commas or spaces.
fn members(value: &str) -> Vec<String> {
    value
        .split([',', ' '])
        .filter(|m| !m.is_empty())
        .map(str::to_string)
        .collect()
}

/// `fail_on_status` items; one that is not a number is skipped with a warning.
fn statuses(value: &str, warn: &mut dyn FnMut(String)) -> Vec<i32> {
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
    statuses
}

/// Extensions ajpgate parses but does not apply: the worker's own setting is used.
fn warn_not_applied(ext: &RuleExtensions, warn: &mut dyn FnMut(String)) {
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
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
