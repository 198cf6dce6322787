//! The ajp13 worker: one Tomcat AJP connector, with its connection pool, probes and timeouts.
//!
//! Defaults, units and clamps are mod_jk 1.2.48's (`ajp_validate`, `ajp_init` and the `jk_get_worker_*`
//! getters), including its cross-property rules: `connect_timeout`/`prepost_timeout` fall back to
//! `ping_timeout` when their `ping_mode` letter is set, `connection_ping_interval` to `ping_timeout`/100
//! seconds, `connection_acquire_timeout` to `retries × retry_interval`, and a route with a `.` names
//! its domain. `ajp14` workers are read as ajp13 (ajpgate does not speak AJP14's login); like mod_jk
//! they default to port 8011.

use crate::vocabulary::Activation;
use std::fmt;
use std::time::Duration;

use super::diagnostic::Diagnostics;
use super::properties::Properties;
use super::reader::{Explicit, WorkerReader, millis, secs};

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
    /// Bit mask, modjk.md §2.5.
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
    /// The properties the file set, and where.
    pub explicit: Explicit,
}

impl Ajp13Config {
    pub(crate) fn read(
        name: &str,
        kind: AjpKind,
        props: &Properties,
        diags: &mut Diagnostics,
    ) -> Ajp13Config {
        let mut r = WorkerReader::new(name, props, diags);
        // Groups are read in this order so that diagnostics keep the order they always had.
        let address = read_address(&mut r, kind);
        let pool = read_pool(&mut r);
        let sockets = read_sockets(&mut r);
        let probes = read_probes(&mut r);
        let reply_timeout = r.millis("reply_timeout").unwrap_or(Duration::ZERO);
        let retries = read_retries(&mut r);
        let recovery_options = r.non_negative("recovery_options").unwrap_or(0);
        let busy_limit = r.non_negative("busy_limit").unwrap_or(0);
        let max_packet_size = read_max_packet_size(&mut r);
        let socket_buffer = match r.non_negative("socket_buffer") {
            Some(0) | None => 0,
            Some(size) => (size as usize).max(max_packet_size),
        };
        let fail_on_status = read_statuses(&mut r);
        let balancing = read_balancing(&mut r, name);
        let mount = r.list("mount").into_iter().map(|(m, _)| m).collect();

        Ajp13Config {
            name: name.to_string(),
            kind,
            host: address.host,
            port: address.port,
            source: address.source,
            prefer_ipv6: address.prefer_ipv6,
            secret: address.secret,
            connection_pool_size: pool.size,
            connection_pool_minsize: pool.minsize,
            connection_pool_timeout: pool.timeout,
            connection_acquire_timeout: retries.connection_acquire_timeout,
            socket_timeout: sockets.timeout,
            socket_connect_timeout: sockets.connect_timeout,
            socket_keepalive: sockets.keepalive,
            socket_buffer,
            ping_mode: probes.ping_mode,
            ping_timeout: probes.ping_timeout,
            connect_timeout: probes.connect_timeout,
            prepost_timeout: probes.prepost_timeout,
            connection_ping_interval: probes.connection_ping_interval,
            reply_timeout,
            retries: retries.retries,
            retry_interval: retries.retry_interval,
            recovery_options,
            busy_limit,
            max_packet_size,
            fail_on_status,
            lbfactor: balancing.lbfactor,
            route: balancing.route,
            domain: balancing.domain,
            redirect: balancing.redirect,
            distance: balancing.distance,
            activation: balancing.activation,
            mount,
            explicit: r.explicit,
        }
    }

    /// Every effective property by its mod_jk name, in a fixed order, with its unit; the secret shows
    /// only its length.
    pub fn properties(&self) -> Vec<(&'static str, String)> {
        vec![
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
        ]
    }
}

/// Where the worker's Tomcat is and what it must be sent to accept us.
struct Address {
    host: String,
    port: u16,
    source: Option<String>,
    prefer_ipv6: bool,
    secret: Option<String>,
}

fn read_address(r: &mut WorkerReader<'_>, kind: AjpKind) -> Address {
    let default_port = match kind {
        AjpKind::Ajp13 => DEFAULT_AJP13_PORT,
        AjpKind::Ajp14 => DEFAULT_AJP14_PORT,
    };
    let host = r.name_like("host").unwrap_or_else(|| "localhost".into());
    if let Some(origin) = r.explicit.get("host").cloned()
        && looks_like_host_and_port(&host)
    {
        r.warn(
            &origin,
            format!(
                "host '{host}' has a port: mod_jk does not split host:port (despite its docs) and reads it as an IPv6 address; set 'port' instead"
            ),
        );
    }
    let port = match r.int("port") {
        None => default_port,
        Some((value, origin)) => u16::try_from(value).unwrap_or_else(|_| {
            r.error(&origin, format!("port {value} is not between 0 and 65535"));
            default_port
        }),
    };
    let source = r.string("source").map(|(v, _)| v);
    let prefer_ipv6 = r.boolean("prefer_ipv6", false);
    let secret = r.string("secret").map(|(v, _)| v);
    if let Some((_, origin)) = r.string("secretkey") {
        r.warn(
            &origin,
            "secretkey is the ajp14 login key; ajpgate speaks AJP13 only and ignores it",
        );
    }
    Address {
        host,
        port,
        source,
        prefer_ipv6,
        secret,
    }
}

/// The `connection_pool_*` settings.
struct Pool {
    size: usize,
    minsize: usize,
    timeout: Duration,
}

fn read_pool(r: &mut WorkerReader<'_>) -> Pool {
    let size = read_pool_size(r);
    let minsize = match r.int("connection_pool_minsize") {
        None => size.div_ceil(2),
        Some((value, origin)) => {
            let clamped = (value.max(0) as usize).min(size);
            if clamped as i64 != i64::from(value) {
                r.warn(
                    &origin,
                    format!(
                        "connection_pool_minsize {value} is outside 0..={size} (the pool size): {clamped} is used"
                    ),
                );
            }
            clamped
        }
    };
    let timeout = match r.int("connection_pool_timeout") {
        Some((value, _)) if value >= 0 => Duration::from_secs(value as u64),
        _ => r.seconds("cache_timeout").unwrap_or(Duration::ZERO),
    };
    Pool {
        size,
        minsize,
        timeout,
    }
}

/// The `socket_*` settings except `socket_buffer`, which depends on `max_packet_size`.
struct Sockets {
    timeout: Duration,
    connect_timeout: Duration,
    keepalive: bool,
}

fn read_sockets(r: &mut WorkerReader<'_>) -> Sockets {
    let timeout = r.seconds("socket_timeout").unwrap_or(Duration::ZERO);
    Sockets {
        timeout,
        connect_timeout: r.millis("socket_connect_timeout").unwrap_or(timeout),
        keepalive: r.boolean("socket_keepalive", false),
    }
}

/// The CPing probes: `ping_mode` and the timeouts that fall back to `ping_timeout`.
struct Probes {
    ping_mode: PingMode,
    ping_timeout: Duration,
    connect_timeout: Duration,
    prepost_timeout: Duration,
    connection_ping_interval: Duration,
}

fn read_probes(r: &mut WorkerReader<'_>) -> Probes {
    let ping_mode = match r.string("ping_mode") {
        None => PingMode::default(),
        Some((text, origin)) => {
            let (mode, clean) = PingMode::parse(&text);
            if !clean {
                r.warn(
                    &origin,
                    format!("ping_mode '{text}': letters other than C, P, I and A are ignored"),
                );
            }
            mode
        }
    };
    let ping_timeout = r
        .millis("ping_timeout")
        .unwrap_or(Duration::from_millis(10_000));
    let mut connect_timeout = r.millis("connect_timeout").unwrap_or(Duration::ZERO);
    if ping_mode.connect && connect_timeout.is_zero() {
        connect_timeout = ping_timeout;
    }
    let mut prepost_timeout = r.millis("prepost_timeout").unwrap_or(Duration::ZERO);
    if ping_mode.prepost && prepost_timeout.is_zero() {
        prepost_timeout = ping_timeout;
    }
    let mut connection_ping_interval = r
        .seconds("connection_ping_interval")
        .unwrap_or(Duration::ZERO);
    if ping_mode.interval && connection_ping_interval.is_zero() {
        // mod_jk: ping_timeout (ms) / 100, read as seconds: ten times the timeout.
        connection_ping_interval = Duration::from_secs((ping_timeout.as_millis() / 100) as u64);
    }
    Probes {
        ping_mode,
        ping_timeout,
        connect_timeout,
        prepost_timeout,
        connection_ping_interval,
    }
}

/// Retries, and how long a request waits for a pooled connection (by default the retries' time).
struct Retries {
    retries: u32,
    retry_interval: Duration,
    connection_acquire_timeout: Duration,
}

fn read_retries(r: &mut WorkerReader<'_>) -> Retries {
    let retries = r.at_least("retries", 2, 1);
    let retry_interval = r
        .millis("retry_interval")
        .unwrap_or(Duration::from_millis(100));
    let connection_acquire_timeout = match r.int("connection_acquire_timeout") {
        None => retry_interval * retries,
        Some((value, origin)) => {
            if value <= 0 {
                r.warn(
                    &origin,
                    format!(
                        "connection_acquire_timeout {value}: mod_jk then fails every connection acquisition (HTTP 503)"
                    ),
                );
            }
            Duration::from_millis(value.max(0) as u64)
        }
    };
    Retries {
        retries,
        retry_interval,
        connection_acquire_timeout,
    }
}

/// What an lb reads of its member: weight, session route, domain, failover and activation.
struct Balancing {
    lbfactor: u32,
    route: String,
    domain: String,
    redirect: String,
    distance: u32,
    activation: Activation,
}

fn read_balancing(r: &mut WorkerReader<'_>, name: &str) -> Balancing {
    let lbfactor = r.at_least("lbfactor", 1, 1);
    let route = r
        .name_like("route")
        .or_else(|| r.name_like("jvm_route"))
        .unwrap_or_else(|| name.to_string());
    let domain = r.name_like("domain").unwrap_or_else(|| {
        route
            .split_once('.')
            .map(|(domain, _)| domain.to_string())
            .unwrap_or_default()
    });
    Balancing {
        lbfactor,
        route,
        domain,
        redirect: r.name_like("redirect").unwrap_or_default(),
        distance: r.non_negative("distance").unwrap_or(0),
        activation: read_activation(r),
    }
}

/// `connection_pool_size` (or the deprecated `cachesize` when the new name is unset or negative).
fn read_pool_size(r: &mut WorkerReader<'_>) -> usize {
    let (value, origin) = match r.int("connection_pool_size") {
        Some((value, origin)) if value >= 0 => (value, origin),
        _ => match r.int("cachesize") {
            Some(found) => found,
            None => return DEFAULT_CONNECTION_POOL_SIZE,
        },
    };
    if value < 1 {
        let property = origin.key.rsplit('.').next().unwrap_or_default();
        r.error(
            &origin,
            format!(
                "{property} {value}: a pool without connections fails every request (mod_jk answers 503)"
            ),
        );
        return DEFAULT_CONNECTION_POOL_SIZE;
    }
    value as usize
}

/// mod_jk aligns `max_packet_size` up to a multiple of 1024 and clamps it to 8192..=65536.
fn read_max_packet_size(r: &mut WorkerReader<'_>) -> usize {
    const MIN: i64 = 8192;
    const MAX: i64 = 65536;
    let Some((value, origin)) = r.int("max_packet_size") else {
        return MIN as usize;
    };
    let aligned = (i64::from(value) + 1023) / 1024 * 1024;
    let size = aligned.clamp(MIN, MAX);
    if size != i64::from(value) {
        r.warn(
            &origin,
            format!(
                "max_packet_size {value} is read as {size} (a multiple of 1024 in {MIN}..={MAX})"
            ),
        );
    }
    size as usize
}

fn read_statuses(r: &mut WorkerReader<'_>) -> Vec<i32> {
    let mut statuses = Vec::new();
    for (item, origin) in r.list("fail_on_status") {
        let read = super::values::int(&item);
        if read.clean {
            statuses.push(read.value);
        } else {
            r.warn(
                &origin,
                format!("fail_on_status item '{item}' is not a status code: ignored"),
            );
        }
    }
    statuses
}

/// `activation`, else the deprecated booleans `stopped` (which wins) and `disabled`.
fn read_activation(r: &mut WorkerReader<'_>) -> Activation {
    if r.is_set("activation") {
        return r.letter(
            "activation",
            &[
                (&['a', 'A', '0'], Activation::Active),
                (&['d', 'D', '1'], Activation::Disabled),
                (&['s', 'S', '2'], Activation::Stopped),
            ],
            Activation::Active,
            "active, disabled or stopped",
        );
    }
    let stopped = r.boolean("stopped", false);
    let disabled = r.boolean("disabled", false);
    if stopped {
        Activation::Stopped
    } else if disabled {
        Activation::Disabled
    } else {
        Activation::Active
    }
}

/// `name:1234` with a single colon: what the docs wrongly say `host` accepts.
fn looks_like_host_and_port(host: &str) -> bool {
    match host.split_once(':') {
        Some((name, port)) => {
            !name.is_empty()
                && !port.contains(':')
                && !port.is_empty()
                && port.bytes().all(|b| b.is_ascii_digit())
        }
        None => false,
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

    #[test]
    fn host_with_port() {
        assert!(looks_like_host_and_port("tomcat1:8009"));
        assert!(!looks_like_host_and_port("::1"));
        assert!(!looks_like_host_and_port("fe80::1"));
        assert!(!looks_like_host_and_port("localhost"));
    }
}
