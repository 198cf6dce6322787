//! The ajp settings an update changes, for a member and for a standalone ajp worker alike.

use std::net::SocketAddr;
use std::sync::Arc;

use super::super::model::AjpModel;
use super::super::params::atoi;
use super::edits::{Edits, Failures, changed_text, too_long};
use super::error::CommandError;
use crate::backend::AjpWorker;
use crate::backend::resolve;

/// The ajp settings of a member or a standalone worker. All apply at once: request settings to the
/// next attempt, pool settings to the next connection (a new address or packet size also closes the
/// idle connections, and busy ones when their request ends).
pub(super) async fn commit_ajp<'p>(
    ajp: &AjpModel,
    worker: Option<&Arc<AjpWorker>>,
    edits: &Edits<'p>,
) -> Result<(), CommandError> {
    let mut failures = Failures::default();
    let changes = AjpChanges::requested(ajp, edits, &mut failures).await;
    if changes.any() {
        match worker {
            Some(worker) => changes.apply(worker),
            None => failures.add(CommandError::NotRunning {
                name: ajp.name.clone(),
            }),
        }
    }
    failures.into_result()
}

/// The ajp settings an update asks for that differ from the current ones and are in range.
#[derive(Debug, Default)]
struct AjpChanges {
    /// The host name and the address it resolved to (`None` for port 0).
    address: Option<(String, Option<SocketAddr>)>,
    pool_timeout: Option<i64>,
    ping_timeout: Option<i64>,
    connect_timeout: Option<i64>,
    prepost_timeout: Option<i64>,
    reply_timeout: Option<i64>,
    retries: Option<i64>,
    retry_interval: Option<i64>,
    ping_interval: Option<i64>,
    recovery_options: Option<i64>,
    busy_limit: Option<i64>,
    packet: Option<i64>,
}

/// The value asked for `code` if it is in `min..=max` and not `current`.
fn changed_int(edits: &Edits<'_>, code: &str, current: i64, min: i64, max: i64) -> Option<i64> {
    edits(code)
        .map(atoi)
        .filter(|&v| v != current && (min..=max).contains(&v))
}

fn to_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

impl AjpChanges {
    async fn requested(ajp: &AjpModel, edits: &Edits<'_>, failures: &mut Failures) -> AjpChanges {
        let max = i64::from(i32::MAX);
        let int = |code: &str, current: i64, min: i64| changed_int(edits, code, current, min, max);
        AjpChanges {
            address: new_address(ajp, edits, failures).await,
            pool_timeout: int("vacpt", to_i64(ajp.connection_pool_timeout), 0),
            ping_timeout: int("vapng", to_i64(ajp.ping_timeout), 0),
            connect_timeout: int("vact", to_i64(ajp.connect_timeout), 0),
            prepost_timeout: int("vapt", to_i64(ajp.prepost_timeout), 0),
            reply_timeout: int("vart", to_i64(ajp.reply_timeout), 0),
            retries: int("var", i64::from(ajp.retries), 1),
            retry_interval: int("vari", to_i64(ajp.retry_interval), 1),
            ping_interval: int("vacpi", to_i64(ajp.connection_ping_interval), 1),
            recovery_options: int("varo", i64::from(ajp.recovery_options), 0),
            busy_limit: int("vabl", i64::from(ajp.busy_limit), 0),
            packet: edits("vamps")
                .map(atoi)
                .filter(|v| (8192..=65536).contains(v))
                .map(|v| (v + 1023) / 1024 * 1024)
                .filter(|&v| v != to_i64(ajp.max_packet_size as u64)),
        }
    }

    fn any(&self) -> bool {
        self.address.is_some()
            || [
                self.pool_timeout,
                self.ping_timeout,
                self.connect_timeout,
                self.prepost_timeout,
                self.reply_timeout,
                self.retries,
                self.retry_interval,
                self.ping_interval,
                self.recovery_options,
                self.busy_limit,
                self.packet,
            ]
            .iter()
            .any(Option::is_some)
    }

    fn apply(self, worker: &AjpWorker) {
        use std::time::Duration;
        let positive = |v: i64| v.unsigned_abs();
        let as_u32 = |v: i64| u32::try_from(v).unwrap_or(u32::MAX);
        worker.update_settings(|s| {
            let pool = &mut s.pool;
            if let Some((host, address)) = self.address {
                pool.connect.host = host;
                pool.connect.address =
                    address.unwrap_or_else(|| SocketAddr::new(pool.connect.address.ip(), 0));
            }
            if let Some(seconds) = self.pool_timeout {
                pool.idle_timeout = Duration::from_secs(positive(seconds));
            }
            if let Some(ms) = self.ping_timeout {
                pool.probes.ping_timeout = Duration::from_millis(positive(ms));
            }
            if let Some(ms) = self.connect_timeout {
                pool.probes.connect_timeout = Duration::from_millis(positive(ms));
            }
            if let Some(ms) = self.prepost_timeout {
                pool.probes.prepost_timeout = Duration::from_millis(positive(ms));
            }
            if let Some(seconds) = self.ping_interval {
                pool.probes.idle_interval = Duration::from_secs(positive(seconds));
            }
            if let Some(size) = self.packet {
                pool.connect.max_packet_size = usize::try_from(size).unwrap_or(8192);
            }
            if let Some(ms) = self.reply_timeout {
                s.reply_timeout = Duration::from_millis(positive(ms));
            }
            if let Some(n) = self.retries {
                s.retries = as_u32(n);
            }
            if let Some(ms) = self.retry_interval {
                s.retry_interval = Duration::from_millis(positive(ms));
            }
            if let Some(bits) = self.recovery_options {
                s.recovery_options = as_u32(bits);
            }
            if let Some(limit) = self.busy_limit {
                s.busy_limit = as_u32(limit);
            }
        });
    }
}

/// A new host or port must resolve, or the address stays as it was. Port 0 needs no address: the
/// worker is then unusable ("invalid"), as in mod_jk.
async fn new_address(
    ajp: &AjpModel,
    edits: &Edits<'_>,
    failures: &mut Failures,
) -> Option<(String, Option<SocketAddr>)> {
    let name = &ajp.name;
    let host = changed_text(edits, "vahst", &ajp.host).unwrap_or_else(|value| {
        failures.add(too_long("host name", value, name));
        None
    });
    let port = changed_int(edits, "vaprt", i64::from(ajp.port), 0, i64::from(u16::MAX))
        .and_then(|p| u16::try_from(p).ok());
    match (host, port) {
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
    }
}
