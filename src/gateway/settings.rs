//! Configuration becomes run-time settings: what the user wrote, resolved by `crate::config`, turned
//! into the values the backend and balancer layers run with. Neither of those layers reads a
//! configuration type; this is the one place that knows both.

use std::net::SocketAddr;
use std::time::Duration;

use crate::backend::ConnectSettings;
use crate::backend::WorkerSettings;
use crate::backend::{PoolSettings, Probes};
use crate::balancer::LbSettings;
use crate::balancer::Timing;
use crate::config::{Ajp13Config, LbConfig};

/// The pool and request settings of one ajp13 worker. The configuration has already applied mod_jk's
/// rules for how the ping properties combine, so the probe timeouts carry over as they are.
pub fn worker_settings(config: &Ajp13Config, address: SocketAddr) -> WorkerSettings {
    let source = config
        .source
        .as_deref()
        .and_then(|s| s.parse::<std::net::IpAddr>().ok())
        .map(|ip| SocketAddr::new(ip, 0));
    WorkerSettings {
        pool: PoolSettings {
            connect: ConnectSettings {
                host: config.host.clone(),
                address,
                source,
                connect_timeout: config.socket_connect_timeout,
                keepalive: config.socket_keepalive,
                max_packet_size: config.max_packet_size,
            },
            size: config.connection_pool_size,
            min_idle: config.connection_pool_minsize,
            idle_timeout: config.connection_pool_timeout,
            acquire_timeout: config.connection_acquire_timeout,
            probes: Probes {
                ping_timeout: config.ping_timeout,
                connect_timeout: config.connect_timeout,
                prepost_timeout: config.prepost_timeout,
                idle_interval: config.connection_ping_interval,
            },
        },
        reply_timeout: config.reply_timeout,
        retries: config.retries,
        retry_interval: config.retry_interval,
        recovery_options: config.recovery_options,
        busy_limit: config.busy_limit,
        fail_on_status: config.fail_on_status.clone(),
        secret: config
            .secret
            .as_deref()
            .map(|s| crate::config::latin1_bytes(s).into()),
    }
}

/// An lb's run-time settings; `maintain` is `worker.maintain`, which the recovery timing needs.
pub fn lb_settings(config: &LbConfig, maintain: Duration) -> LbSettings {
    LbSettings {
        sticky_session: config.sticky_session,
        sticky_session_force: config.sticky_session_force,
        session_cookie: config.session_cookie.clone(),
        session_path: config.session_path.clone(),
        set_session_cookie: config.set_session_cookie,
        session_cookie_path: config.session_cookie_path.clone(),
        rounds: config.retries.max(1),
        per_round: config.lb_retries.max(1),
        retry_interval: config.retry_interval,
        timing: Timing {
            recover_time: config.recover_time,
            error_escalation_time: config.error_escalation_time,
            max_reply_timeouts: config.max_reply_timeouts,
            maintain,
        },
        lock: config.lock,
    }
}
