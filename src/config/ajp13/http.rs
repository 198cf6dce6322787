//! The Tomcat member's HTTP connector, where upgraded requests (WebSocket) go, since AJP cannot carry an
//! upgrade (docs/websocket.md#configuration).
//!
//! The keys are free variables, `ajpgate.ajp13.<worker>.http_port` and friends, not
//! `worker.<worker>.…`: mod_jk rejects every `worker.*` key whose last part it does not know (httpd
//! would not start), and ignores keys outside `worker.*` except for `$(name)` substitution.

use std::time::Duration;

use crate::config::diagnostic::{Diagnostics, Origin};
use crate::config::properties::Properties;
use crate::config::reader::Explicit;

/// Prefix of the free variables of one ajp13 worker: `ajpgate.ajp13.<worker>.`.
pub const PREFIX: &str = "ajpgate.ajp13.";

/// How long a tunnel may carry no byte in either direction before it is closed, unless set.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(300);

/// The keys after the prefix, as `ajpgate check` names them (with `ajpgate.` in front).
const KEYS: [(&str, &str); 3] = [
    ("http_port", "ajpgate.http_port"),
    ("http_host", "ajpgate.http_host"),
    ("upgrade_idle_timeout", "ajpgate.upgrade_idle_timeout"),
];

/// Where a worker's Tomcat takes plain HTTP, for upgrades.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpConnector {
    /// The connector's host; the worker's AJP host unless set.
    pub host: Option<String>,
    pub port: u16,
    /// Idle time after which a tunnel is closed (s); ZERO = never.
    pub idle_timeout: Duration,
}

impl HttpConnector {
    /// The worker's HTTP connector from its `ajpgate.ajp13.<name>.*` keys; `None` when `http_port` is
    /// not set (or invalid: then `diags` has the error). Every key that is set goes into `explicit`.
    pub(crate) fn read(
        name: &str,
        props: &Properties,
        diags: &mut Diagnostics,
        explicit: &mut Explicit,
    ) -> Option<HttpConnector> {
        let mut get = |key: &'static str| {
            let entry = props.get(&format!("{PREFIX}{name}.{key}"))?;
            let shown = KEYS.iter().find(|(k, _)| *k == key).map_or(key, |k| k.1);
            explicit.insert(shown, entry.origin().clone());
            Some((entry.value(), entry.origin().clone()))
        };
        let port = get("http_port");
        let host = get("http_host");
        let idle = get("upgrade_idle_timeout");
        warn_unknown(name, props, diags);
        let idle_timeout = match idle {
            None => DEFAULT_IDLE_TIMEOUT,
            Some((text, origin)) => match whole_number(&text) {
                Some(secs) => Duration::from_secs(secs),
                None => {
                    diags.error_at(
                        &origin,
                        format!("upgrade_idle_timeout '{text}' is not a number of seconds"),
                    );
                    DEFAULT_IDLE_TIMEOUT
                }
            },
        };
        let (text, origin) = port?;
        let port = match whole_number(&text).and_then(|p| u16::try_from(p).ok()) {
            Some(port) if port > 0 => port,
            _ => {
                diags.error_at(
                    &origin,
                    format!("http_port '{text}' is not a port number between 1 and 65535"),
                );
                return None;
            }
        };
        let host = match host {
            Some((text, origin)) if text.is_empty() || text.contains(char::is_whitespace) => {
                diags.error_at(&origin, format!("http_host '{text}' is not a host name"));
                return None;
            }
            other => other.map(|(text, _)| text),
        };
        Some(HttpConnector {
            host,
            port,
            idle_timeout,
        })
    }

    /// The properties `ajpgate check` shows, after the mod_jk ones.
    pub fn properties(&self, ajp_host: &str) -> Vec<(&'static str, String)> {
        vec![
            ("ajpgate.http_port", self.port.to_string()),
            (
                "ajpgate.http_host",
                self.host.clone().unwrap_or_else(|| ajp_host.to_string()),
            ),
            (
                "ajpgate.upgrade_idle_timeout",
                format!("{} s", self.idle_timeout.as_secs()),
            ),
        ]
    }
}

/// A decimal number and nothing else: these keys are ajpgate's own, so mod_jk's loose integers (`12x`
/// read as 12) are not copied.
fn whole_number(text: &str) -> Option<u64> {
    let text = text.trim();
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// A key under the worker's prefix that ajpgate does not read is most likely a typo.
fn warn_unknown(name: &str, props: &Properties, diags: &mut Diagnostics) {
    let prefix = format!("{PREFIX}{name}.");
    for entry in props.entries() {
        let Some(rest) = entry.key.strip_prefix(&prefix) else {
            continue;
        };
        if !KEYS.iter().any(|(k, _)| *k == rest) {
            let known: Vec<&str> = KEYS.iter().map(|(k, _)| *k).collect();
            let origin: &Origin = entry.origin();
            diags.warn_at(
                origin,
                format!(
                    "ajpgate reads only {} under {prefix}; this key is ignored",
                    known.join(", ")
                ),
            );
        }
    }
}
