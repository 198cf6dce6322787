//! The ajp settings an update changes, for a member and for a standalone ajp worker alike.

use std::net::SocketAddr;
use std::sync::Arc;

use super::super::model::AjpModel;
use super::super::params::atoi;
use super::{CommandError, Edits, Failures, changed_text, too_long};
use crate::backend::AjpWorker;
use crate::backend::connection::resolve;

/// The ajp settings of a member or a standalone worker. All apply at once: request settings to the
/// next attempt, pool settings to the next connection (a new address or packet size also closes the
/// idle connections, and busy ones when their request ends).
pub(super) async fn commit_ajp<'p>(
    ajp: &AjpModel,
    worker: Option<&Arc<AjpWorker>>,
    edits: &Edits<'p>,
) -> Result<(), CommandError> {
    let name = &ajp.name;
    let mut failures = Failures::default();
    use std::time::Duration;
    let int = |code: &str, current: i64, min: i64, max: i64| {
        edits(code)
            .map(atoi)
            .filter(|&v| v != current && (min..=max).contains(&v))
    };
    let max = i64::from(i32::MAX);
    let to_i64 = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    let positive = |v: i64| v.unsigned_abs();
    let as_u32 = |v: i64| u32::try_from(v).unwrap_or(u32::MAX);

    // A new host or port must resolve, or the address stays as it was. Port 0 needs no address: the
    // worker is then unusable ("invalid"), as in mod_jk.
    let host = changed_text(edits, "vahst", &ajp.host).unwrap_or_else(|value| {
        failures.add(too_long("host name", value, name));
        None
    });
    let port = int("vaprt", i64::from(ajp.port), 0, i64::from(u16::MAX))
        .and_then(|p| u16::try_from(p).ok());
    let address = match (host, port) {
        (None, None) => None,
        (_, Some(0)) => Some((host.unwrap_or(&ajp.host).to_string(), None)),
        _ => {
            let host = host.unwrap_or(&ajp.host);
            let port = port.unwrap_or(ajp.port);
            match resolve(host, port).await {
                Some(address) => Some((host.to_string(), Some(address))),
                None => {
                    failures.add(CommandError::Unresolved {
                        host: host.to_string(),
                        port,
                        name: name.to_string(),
                    });
                    None
                }
            }
        }
    };
    let pool_timeout = int("vacpt", to_i64(ajp.connection_pool_timeout), 0, max);
    let ping_timeout = int("vapng", to_i64(ajp.ping_timeout), 0, max);
    let connect_timeout = int("vact", to_i64(ajp.connect_timeout), 0, max);
    let prepost_timeout = int("vapt", to_i64(ajp.prepost_timeout), 0, max);
    let reply_timeout = int("vart", to_i64(ajp.reply_timeout), 0, max);
    let retries = int("var", i64::from(ajp.retries), 1, max);
    let retry_interval = int("vari", to_i64(ajp.retry_interval), 1, max);
    let ping_interval = int("vacpi", to_i64(ajp.connection_ping_interval), 1, max);
    let recovery_options = int("varo", i64::from(ajp.recovery_options), 0, max);
    let busy_limit = int("vabl", i64::from(ajp.busy_limit), 0, max);
    let packet = edits("vamps")
        .map(atoi)
        .filter(|v| (8192..=65536).contains(v))
        .map(|v| (v + 1023) / 1024 * 1024)
        .filter(|&v| v != to_i64(ajp.max_packet_size as u64));
    let changes = address.is_some()
        || [
            pool_timeout,
            ping_timeout,
            connect_timeout,
            prepost_timeout,
            reply_timeout,
            retries,
            retry_interval,
            ping_interval,
            recovery_options,
            busy_limit,
            packet,
        ]
        .iter()
        .any(Option::is_some);
    let Some(worker) = worker.filter(|_| changes) else {
        if changes {
            failures.add(CommandError::NotRunning {
                name: name.to_string(),
            });
        }
        return failures.into_result();
    };
    worker.update_settings(|s| {
        let pool = &mut s.pool;
        if let Some((host, address)) = address {
            pool.connect.host = host;
            pool.connect.address =
                address.unwrap_or_else(|| SocketAddr::new(pool.connect.address.ip(), 0));
        }
        if let Some(seconds) = pool_timeout {
            pool.idle_timeout = Duration::from_secs(positive(seconds));
        }
        if let Some(ms) = ping_timeout {
            pool.probes.ping_timeout = Duration::from_millis(positive(ms));
        }
        if let Some(ms) = connect_timeout {
            pool.probes.connect_timeout = Duration::from_millis(positive(ms));
        }
        if let Some(ms) = prepost_timeout {
            pool.probes.prepost_timeout = Duration::from_millis(positive(ms));
        }
        if let Some(seconds) = ping_interval {
            pool.probes.idle_interval = Duration::from_secs(positive(seconds));
        }
        if let Some(size) = packet {
            pool.connect.max_packet_size = usize::try_from(size).unwrap_or(8192);
        }
        if let Some(ms) = reply_timeout {
            s.reply_timeout = Duration::from_millis(positive(ms));
        }
        if let Some(n) = retries {
            s.retries = as_u32(n);
        }
        if let Some(ms) = retry_interval {
            s.retry_interval = Duration::from_millis(positive(ms));
        }
        if let Some(bits) = recovery_options {
            s.recovery_options = as_u32(bits);
        }
        if let Some(limit) = busy_limit {
            s.busy_limit = as_u32(limit);
        }
    });
    failures.into_result()
}
