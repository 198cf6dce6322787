//! Reading an ajp13 worker from its properties, with mod_jk's defaults, clamps and fallbacks.

use crate::vocabulary::Activation;
use std::time::Duration;

use super::HttpConnector;
use super::settings::{
    Ajp13Config, AjpKind, DEFAULT_AJP13_PORT, DEFAULT_AJP14_PORT, DEFAULT_CONNECTION_POOL_SIZE,
    PingMode,
};
use crate::config::diagnostic::Diagnostics;
use crate::config::properties::Properties;
use crate::config::reader::WorkerReader;

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
        let http = HttpConnector::read(name, props, r.diags, &mut r.explicit).map(Box::new);

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
            http,
            explicit: r.explicit,
        }
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
        let read = crate::config::values::int(&item);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_with_port() {
        assert!(looks_like_host_and_port("tomcat1:8009"));
        assert!(!looks_like_host_and_port("::1"));
        assert!(!looks_like_host_and_port("fe80::1"));
        assert!(!looks_like_host_and_port("localhost"));
    }
}
