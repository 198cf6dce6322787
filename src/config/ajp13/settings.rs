//! The resolved settings of one ajp13 worker, and their names and units as jk-status shows them.

use crate::vocabulary::Activation;
use std::fmt;
use std::time::Duration;

use crate::config::reader::{Explicit, millis, secs};

/// mod_jk's pool defaults to httpd's threads per child process (1 under prefork), because each httpd
/// process has its own pool. ajpgate is one process serving every connection, so its pool is for the
/// whole server; 128 allows as many concurrent requests per backend as a typical worker MPM child with
/// some headroom. Set `connection_pool_size` to the Tomcat connector's `maxConnections` share you want.
pub const DEFAULT_CONNECTION_POOL_SIZE: usize = 128;

pub const DEFAULT_AJP13_PORT: u16 = 8009;
pub const DEFAULT_AJP14_PORT: u16 = 8011;

/// Which worker type the file named; both are served as AJP13.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AjpKind {
    Ajp13,
    Ajp14,
}

impl AjpKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AjpKind::Ajp13 => "ajp13",
            AjpKind::Ajp14 => "ajp14",
        }
    }
}

/// When pooled connections are probed with CPing (`ping_mode` letters C, P, I; A = all).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PingMode {
    /// After opening a connection (C).
    pub connect: bool,
    /// Before sending each request (P).
    pub prepost: bool,
    /// Idle connections, during maintenance (I).
    pub interval: bool,
}

impl PingMode {
    /// mod_jk's `jk_ajp_get_cping_mode`: letters in any order and case, unknown ones ignored, `A` sets
    /// all three. Returns the mode and whether every letter was known.
    pub fn parse(text: &str) -> (PingMode, bool) {
        let mut mode = PingMode::default();
        let mut clean = true;
        for c in text.chars() {
            match c.to_ascii_uppercase() {
                'C' => mode.connect = true,
                'P' => mode.prepost = true,
                'I' => mode.interval = true,
                'A' => {
                    return (
                        PingMode {
                            connect: true,
                            prepost: true,
                            interval: true,
                        },
                        clean,
                    );
                }
                _ => clean = false,
            }
        }
        (mode, clean)
    }
}

impl fmt::Display for PingMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (on, letter) in [
            (self.connect, 'C'),
            (self.prepost, 'P'),
            (self.interval, 'I'),
        ] {
            if on {
                write!(f, "{letter}")?;
            }
        }
        Ok(())
    }
}

/// One ajp13 (or ajp14) worker with every property resolved. Durations are converted from the unit
/// mod_jk uses for each property; `Duration::ZERO` means "none" where mod_jk's 0 does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ajp13Config {
    pub name: String,
    pub kind: AjpKind,
    pub host: String,
    /// 0 disables the worker (an lb member with port 0 is stopped).
    pub port: u16,
    /// Local address to bind outgoing connections to.
    pub source: Option<String>,
    pub prefer_ipv6: bool,
    /// Sent as request attribute 0x0C; must equal the Tomcat connector's `secret`.
    pub secret: Option<String>,
    /// Connections (and so concurrent requests) to this backend; see [`DEFAULT_CONNECTION_POOL_SIZE`].
    pub connection_pool_size: usize,
    /// Idle connections kept when the idle timeout sweeps the pool.
    pub connection_pool_minsize: usize,
    /// Idle time after which a pooled connection is closed (s); ZERO = never.
    pub connection_pool_timeout: Duration,
    /// How long a request waits for a free pool slot (ms). mod_jk quirk: ZERO fails every acquisition.
    pub connection_acquire_timeout: Duration,
    /// OS send/receive timeout on backend sockets (s); ZERO = none.
    pub socket_timeout: Duration,
    /// Connect timeout (ms); ZERO = the OS default.
    pub socket_connect_timeout: Duration,
    pub socket_keepalive: bool,
    /// SO_SNDBUF/SO_RCVBUF when non-zero (never below max_packet_size).
    pub socket_buffer: usize,
    pub ping_mode: PingMode,
    /// CPong wait for interval probes and the fallback for the other two (ms).
    pub ping_timeout: Duration,
    /// CPong wait after connecting (ms); non-ZERO enables the probe even without `C` in ping_mode.
    pub connect_timeout: Duration,
    /// CPong wait before each request (ms); non-ZERO enables the probe even without `P`.
    pub prepost_timeout: Duration,
    /// Idle time after which maintenance probes a pooled connection (s); ZERO = never.
    pub connection_ping_interval: Duration,
    /// Longest wait for each packet from Tomcat (ms); ZERO = none.
    pub reply_timeout: Duration,
    /// Attempts (first one included) on this worker; at least 1.
    pub retries: u32,
    /// Pause before each retry (ms).
    pub retry_interval: Duration,
    /// Bit mask, docs/workers-properties.md#request-algorithm-and-recovery-options.
    pub recovery_options: u32,
    /// Concurrent requests above which new ones are refused (503); 0 = no limit.
    pub busy_limit: u32,
    /// 8192..=65536, a multiple of 1024.
    pub max_packet_size: usize,
    /// Statuses that fail the request (positive) or fail it softly (negative).
    pub fail_on_status: Vec<i32>,
    /// lb weight, at least 1.
    pub lbfactor: u32,
    /// Session route (Tomcat's jvmRoute); the worker name unless set.
    pub route: String,
    /// Replication group; from the route's part before its first `.` unless set.
    pub domain: String,
    /// Route of the preferred failover member.
    pub redirect: String,
    pub distance: u32,
    pub activation: Activation,
    /// URI patterns mapped to this worker (used only when it is in worker.list).
    pub mount: Vec<String>,
    /// Tomcat's HTTP connector for upgraded requests (ajpgate's own keys); None = upgrades go over
    /// AJP like any request, as with mod_jk.
    pub http: Option<Box<super::HttpConnector>>,
    /// The properties the file set, and where.
    pub explicit: Explicit,
}

impl Ajp13Config {
    /// Every effective property by its mod_jk name, in a fixed order, with its unit; the secret shows
    /// only its length.
    pub fn properties(&self) -> Vec<(&'static str, String)> {
        let mut properties = vec![
            ("type", self.kind.as_str().into()),
            ("host", self.host.clone()),
            ("port", self.port.to_string()),
            ("source", self.source.clone().unwrap_or_default()),
            ("prefer_ipv6", self.prefer_ipv6.to_string()),
            ("secret", hidden(self.secret.as_deref())),
            (
                "connection_pool_size",
                self.connection_pool_size.to_string(),
            ),
            (
                "connection_pool_minsize",
                self.connection_pool_minsize.to_string(),
            ),
            (
                "connection_pool_timeout",
                secs(self.connection_pool_timeout),
            ),
            (
                "connection_acquire_timeout",
                millis(self.connection_acquire_timeout),
            ),
            ("socket_timeout", secs(self.socket_timeout)),
            (
                "socket_connect_timeout",
                millis(self.socket_connect_timeout),
            ),
            ("socket_keepalive", self.socket_keepalive.to_string()),
            ("socket_buffer", self.socket_buffer.to_string()),
            ("ping_mode", self.ping_mode.to_string()),
            ("ping_timeout", millis(self.ping_timeout)),
            ("connect_timeout", millis(self.connect_timeout)),
            ("prepost_timeout", millis(self.prepost_timeout)),
            (
                "connection_ping_interval",
                secs(self.connection_ping_interval),
            ),
            ("reply_timeout", millis(self.reply_timeout)),
            ("retries", self.retries.to_string()),
            ("retry_interval", millis(self.retry_interval)),
            ("recovery_options", self.recovery_options.to_string()),
            ("busy_limit", self.busy_limit.to_string()),
            ("max_packet_size", self.max_packet_size.to_string()),
            ("fail_on_status", join(&self.fail_on_status)),
            ("lbfactor", self.lbfactor.to_string()),
            ("route", self.route.clone()),
            ("domain", self.domain.clone()),
            ("redirect", self.redirect.clone()),
            ("distance", self.distance.to_string()),
            ("activation", self.activation.as_str().into()),
            ("mount", self.mount.join(" ")),
        ];
        // Shown only when set, so that configurations without them print as before.
        if let Some(http) = &self.http {
            properties.extend(http.properties(&self.host));
        }
        properties
    }
}

pub(crate) fn hidden(secret: Option<&str>) -> String {
    match secret {
        Some(s) => format!("(set, {} bytes)", s.len()),
        None => String::new(),
    }
}

pub(crate) fn join<T: ToString>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ping_mode_letters() {
        assert_eq!(PingMode::parse("cp").0.to_string(), "CP");
        assert_eq!(PingMode::parse("I").0.to_string(), "I");
        assert_eq!(PingMode::parse("a").0.to_string(), "CPI");
        assert_eq!(PingMode::parse("Cx"), (PingMode::parse("C").0, false));
        assert_eq!(PingMode::parse("xyz").0, PingMode::default());
    }
}
