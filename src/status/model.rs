//! One consistent picture of the workers for one jk-status request.
//!
//! Every format prints from this snapshot, built once per request from the running gateway: the lb and
//! ajp13 workers of `worker.list` in file order, each lb's members (state and counters copied under the
//! lb's lock), the counters of every ajp worker, the URI maps of each worker, and the derived times
//! (time to maintenance, time to recovery, seconds since reset). Values use mod_jk's units: seconds for
//! `recover_time` and `connection_pool_timeout`, milliseconds for the other timeouts.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::rating::{Rating, Rules};
use super::view::{Running, RunningWorkers};
use crate::backend::AjpWorker;
use crate::balancer::LbWorker;
use crate::balancer::{Member, MemberState};
use crate::config::{Ajp13Config, LbConfig, MountRule, WorkerDef};
use crate::upgrade::TunnelStats;
use crate::vocabulary::{Activation, LbLock, LbMethod};

/// Seconds since the Unix epoch.
pub fn unix(time: SystemTime) -> i64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// An `Instant` in the past as Unix seconds, given the current time in both clocks.
fn instant_unix(then: Instant, now: Instant, now_unix: i64) -> i64 {
    now_unix - i64::try_from(now.saturating_duration_since(then).as_secs()).unwrap_or(0)
}

fn secs(d: Duration) -> u64 {
    d.as_secs()
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// The name and port the request was addressed to (httpd's `ServerName` with `UseCanonicalName Off`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Server {
    pub name: String,
    pub port: u16,
}

impl Server {
    /// The `server` column of the URI maps.
    pub fn display(&self) -> String {
        format!("{}:{}", self.name, self.port)
    }
}

#[derive(Debug, Clone)]
pub struct Snapshot {
    pub now: i64,
    pub server: Server,
    /// `worker.maintain` in seconds.
    pub maintain: i64,
    pub lbs: Vec<LbModel>,
    pub ajps: Vec<AjpModel>,
}

impl Snapshot {
    pub fn lb(&self, name: &str) -> Option<&LbModel> {
        self.lbs.iter().find(|lb| lb.name == name)
    }

    pub fn ajp(&self, name: &str) -> Option<&AjpModel> {
        self.ajps.iter().find(|ajp| ajp.name == name)
    }
}

/// One URI map entry as jk-status shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapModel {
    pub id: usize,
    pub server: String,
    pub uri: String,
    /// `Exact` or `Wildchar`, after optional `Disabled ` and `Unmount `.
    pub kind: String,
    pub source: &'static str,
    /// Milliseconds, -1 when the rule does not set it.
    pub reply_timeout: i64,
    pub sticky_ignore: u8,
    pub stateless: u8,
    pub fail_on_status: String,
    pub active: String,
    pub disabled: String,
    pub stopped: String,
    pub use_server_errors: u16,
}

#[derive(Debug, Clone)]
pub struct LbModel {
    pub name: String,
    pub worker: Arc<LbWorker>,
    pub sticky_session: bool,
    pub sticky_session_force: bool,
    pub retries: u32,
    pub retry_interval: u64,
    pub recover_time: u64,
    pub error_escalation_time: u64,
    pub max_reply_timeouts: u32,
    pub method: LbMethod,
    pub lock: LbLock,
    pub members: Vec<MemberModel>,
    pub good: usize,
    pub degraded: usize,
    pub bad: usize,
    pub busy: u64,
    pub max_busy: u64,
    pub maps: Vec<MapModel>,
    pub time_to_maintenance_min: i64,
    pub time_to_maintenance_max: i64,
    pub last_reset_at: i64,
    pub last_reset_ago: i64,
}

impl LbModel {
    pub fn member(&self, name: &str) -> Option<&MemberModel> {
        self.members.iter().find(|m| m.ajp.name == name)
    }

    /// The members a page shows: all, or only the one `sw` names.
    pub fn members_shown<'m>(
        &'m self,
        only: Option<&'m str>,
    ) -> impl Iterator<Item = &'m MemberModel> {
        self.members
            .iter()
            .filter(move |m| only.is_none_or(|o| o == m.ajp.name))
    }
}

/// An ajp13 worker, standalone or as the AJP side of an lb member.
#[derive(Debug, Clone)]
pub struct AjpModel {
    pub name: String,
    pub kind: &'static str,
    pub host: String,
    pub port: u16,
    pub address: String,
    pub source: String,
    pub connection_pool_timeout: u64,
    pub ping_timeout: u64,
    pub connect_timeout: u64,
    pub prepost_timeout: u64,
    pub reply_timeout: u64,
    pub connection_ping_interval: u64,
    pub retries: u32,
    pub retry_interval: u64,
    pub recovery_options: u32,
    pub busy_limit: u32,
    pub max_packet_size: usize,
    pub used: u64,
    pub errors: u64,
    pub client_errors: u64,
    pub reply_timeouts: u64,
    pub transferred: u64,
    pub read: u64,
    pub busy: u64,
    pub max_busy: u64,
    pub connected: u64,
    pub max_connected: u64,
    pub last_reset_at: i64,
    pub last_reset_ago: i64,
    /// When an exchange last failed here (Unix seconds).
    pub error_time: Option<i64>,
    /// mod_jk's ajp state: `OK/IDLE`, `OK` or `ERR`.
    pub state: &'static str,
    pub maps: Vec<MapModel>,
    /// `None` when the worker could not be started (port 0, host not resolved).
    pub worker: Option<Arc<AjpWorker>>,
    /// Upgrades relayed to the worker's HTTP connector; `None` when it has none (`http_port` unset).
    pub tunnels: Option<TunnelStats>,
}

impl AjpModel {
    /// The tunnel counters every format adds after mod_jk's fields, by the names it shows them under;
    /// none for a worker without an HTTP connector, so such a worker prints exactly as in mod_jk.
    pub fn tunnel_fields(&self) -> Vec<(&'static str, u64)> {
        let Some(t) = self.tunnels else {
            return Vec::new();
        };
        vec![
            ("upgrades", t.upgrades),
            ("upgrades_refused", t.refused),
            ("upgrade_errors", t.failures),
            ("tunnels_open", t.open),
            ("tunnel_bytes_to_backend", t.bytes_to_backend),
            ("tunnel_bytes_to_client", t.bytes_to_client),
        ]
    }
}

#[derive(Debug, Clone)]
pub struct MemberModel {
    pub ajp: AjpModel,
    pub activation: Activation,
    pub lbfactor: u32,
    pub route: String,
    pub redirect: String,
    pub domain: String,
    pub distance: u32,
    pub state: MemberState,
    pub lbmult: u64,
    pub lbvalue: u64,
    pub sessions: u64,
    /// lb-level errors (mod_jk's `wr->s->errors`).
    pub errors: u64,
    pub time_to_recover_min: i64,
    pub time_to_recover_max: i64,
    /// The member's error time (Unix seconds) while it has one.
    pub error_time: Option<i64>,
    pub rating: Rating,
}

/// Builds the snapshot; `rules` rate the lb members.
pub fn snapshot(running: &dyn RunningWorkers, server: Server, rules: &Rules) -> Snapshot {
    let now_instant = Instant::now();
    let now = unix(SystemTime::now());
    let workers = running.workers();
    let maintain = i64::try_from(workers.maintain.as_secs()).unwrap_or(i64::MAX);
    let display_server = server.display();
    let maps_of = |name: &str| maps(running.mounts().rules(), name, &display_server);
    let mut snapshot = Snapshot {
        now,
        server,
        maintain,
        lbs: Vec::new(),
        ajps: Vec::new(),
    };
    for name in &workers.list {
        match (workers.get(name), running.worker(name)) {
            (Some(WorkerDef::Lb(config)), Some(Running::Lb(lb))) => {
                let clock = Clock {
                    now,
                    now_instant,
                    maintain,
                };
                let mut model = lb_model(config, lb, maps_of(name), &clock, rules);
                for member in &mut model.members {
                    member.ajp.tunnels = running.tunnels(name, Some(&member.ajp.name));
                }
                snapshot.lbs.push(model);
            }
            (Some(WorkerDef::Ajp13(config)), target) => {
                let worker = match target {
                    Some(Running::Ajp(worker)) => Some(worker),
                    _ => None,
                };
                let mut model = ajp_model(config, worker, maps_of(name), now);
                model.tunnels = running.tunnels(name, None);
                snapshot.ajps.push(model);
            }
            _ => {}
        }
    }
    snapshot
}

struct Clock {
    now: i64,
    now_instant: Instant,
    maintain: i64,
}

fn lb_model(
    config: &LbConfig,
    lb: &Arc<LbWorker>,
    maps: Vec<MapModel>,
    clock: &Clock,
    rules: &Rules,
) -> LbModel {
    let settings = lb.settings();
    let runtime = lb.runtime();
    let elapsed = i64::try_from(
        clock
            .now_instant
            .saturating_duration_since(runtime.last_maintain)
            .as_secs(),
    )
    .unwrap_or(i64::MAX);
    let ms_min = clock.maintain - elapsed;
    let ms_max = ms_min.saturating_add(clock.maintain);
    let ms_min = ms_min.max(0);
    let recover_time = secs(settings.timing.recover_time);
    let members: Vec<MemberModel> = lb
        .members()
        .into_iter()
        .map(|view| {
            let ajp_config = config.members.iter().find(|m| m.name == view.member.name);
            member_model(
                &view.member,
                &view.worker,
                ajp_config,
                (recover_time, ms_min),
                clock,
                rules,
            )
        })
        .collect();
    let count = |rating: Rating| members.iter().filter(|m| m.rating == rating).count();
    let last_reset_at = unix(runtime.last_reset);
    LbModel {
        name: lb.name().to_string(),
        worker: Arc::clone(lb),
        sticky_session: settings.sticky_session,
        sticky_session_force: settings.sticky_session_force,
        retries: settings.rounds,
        retry_interval: millis(settings.retry_interval),
        recover_time,
        error_escalation_time: secs(settings.timing.error_escalation_time),
        max_reply_timeouts: settings.timing.max_reply_timeouts,
        method: runtime.method,
        lock: settings.lock,
        good: count(Rating::Good),
        degraded: count(Rating::Degraded),
        bad: count(Rating::Bad),
        members,
        busy: runtime.busy,
        max_busy: runtime.max_busy,
        maps,
        time_to_maintenance_min: ms_min,
        time_to_maintenance_max: ms_max.max(0),
        last_reset_at,
        last_reset_ago: clock.now - last_reset_at,
    }
}

fn member_model(
    member: &Member,
    worker: &Arc<AjpWorker>,
    config: Option<&Ajp13Config>,
    (recover_time, ms_min): (u64, i64),
    clock: &Clock,
    rules: &Rules,
) -> MemberModel {
    let to_unix = |t: Instant| instant_unix(t, clock.now_instant, clock.now);
    let (time_to_recover_min, time_to_recover_max) = if member.state == MemberState::Err {
        let since = member.last_error.map_or(0, |t| clock.now - to_unix(t));
        let min = (i64::try_from(recover_time).unwrap_or(i64::MAX) - since).max(0);
        (min.max(ms_min), min.saturating_add(clock.maintain))
    } else {
        (0, 0)
    };
    MemberModel {
        ajp: ajp_model_for(config, &member.name, Some(worker), Vec::new(), clock.now),
        activation: member.activation,
        lbfactor: member.lbfactor,
        route: member.route.clone(),
        redirect: member.redirect.clone(),
        domain: member.domain.clone(),
        distance: member.distance,
        state: member.state,
        lbmult: member.lb_mult,
        lbvalue: member.lb_value,
        sessions: member.sessions,
        errors: member.errors,
        time_to_recover_min,
        time_to_recover_max,
        error_time: member.error_time.map(to_unix),
        rating: rules.rate(member.activation, member.state),
    }
}

fn ajp_model(
    config: &Ajp13Config,
    worker: Option<&Arc<AjpWorker>>,
    maps: Vec<MapModel>,
    now: i64,
) -> AjpModel {
    ajp_model_for(Some(config), &config.name, worker, maps, now)
}

/// The static part comes from the configuration, what jk-status can change and every counter from the
/// running worker.
fn ajp_model_for(
    config: Option<&Ajp13Config>,
    name: &str,
    worker: Option<&Arc<AjpWorker>>,
    maps: Vec<MapModel>,
    now: i64,
) -> AjpModel {
    let mut model = AjpModel {
        name: name.to_string(),
        kind: "ajp13",
        host: String::new(),
        port: 0,
        address: "unresolved".into(),
        source: "undefined".into(),
        connection_pool_timeout: 0,
        ping_timeout: 0,
        connect_timeout: 0,
        prepost_timeout: 0,
        reply_timeout: 0,
        connection_ping_interval: 0,
        retries: 0,
        retry_interval: 0,
        recovery_options: 0,
        busy_limit: 0,
        max_packet_size: 0,
        used: 0,
        errors: 0,
        client_errors: 0,
        reply_timeouts: 0,
        transferred: 0,
        read: 0,
        busy: 0,
        max_busy: 0,
        connected: 0,
        max_connected: 0,
        last_reset_at: now,
        last_reset_ago: 0,
        error_time: None,
        state: "OK/IDLE",
        maps,
        worker: worker.cloned(),
        tunnels: None,
    };
    if let Some(config) = config {
        read_config(&mut model, config);
    }
    if let Some(worker) = worker {
        read_settings(&mut model, worker);
        read_counters(&mut model, worker, now);
    }
    model
}

/// The values as configured in workers.properties.
fn read_config(model: &mut AjpModel, config: &Ajp13Config) {
    model.kind = config.kind.as_str();
    model.host = config.host.clone();
    model.port = config.port;
    if config.port == 0 {
        model.address = "invalid".into();
    }
    if let Some(source) = &config.source {
        model.source = source.clone();
    }
    model.connection_pool_timeout = secs(config.connection_pool_timeout);
    model.ping_timeout = millis(config.ping_timeout);
    model.connect_timeout = millis(config.connect_timeout);
    model.prepost_timeout = millis(config.prepost_timeout);
    model.reply_timeout = millis(config.reply_timeout);
    model.connection_ping_interval = secs(config.connection_ping_interval);
    model.retries = config.retries;
    model.retry_interval = millis(config.retry_interval);
    model.recovery_options = config.recovery_options;
    model.busy_limit = config.busy_limit;
    model.max_packet_size = config.max_packet_size;
}

/// What jk-status can change is read back from the running worker.
fn read_settings(model: &mut AjpModel, worker: &AjpWorker) {
    let settings = worker.settings();
    let pool = &settings.pool;
    model.host = pool.connect.host.clone();
    model.port = pool.connect.address.port();
    model.address = if model.port == 0 {
        "invalid".into()
    } else {
        pool.connect.address.to_string()
    };
    model.connection_pool_timeout = secs(pool.idle_timeout);
    model.ping_timeout = millis(pool.probes.ping_timeout);
    model.connect_timeout = millis(pool.probes.connect_timeout);
    model.prepost_timeout = millis(pool.probes.prepost_timeout);
    model.connection_ping_interval = secs(pool.probes.idle_interval);
    model.reply_timeout = millis(settings.reply_timeout);
    model.retries = settings.retries;
    model.retry_interval = millis(settings.retry_interval);
    model.recovery_options = settings.recovery_options;
    model.busy_limit = settings.busy_limit;
    model.max_packet_size = settings.max_packet_size();
}

/// The running worker's counters and state.
fn read_counters(model: &mut AjpModel, worker: &AjpWorker, now: i64) {
    let stats = worker.stats();
    let load = |counter: &std::sync::atomic::AtomicU64| counter.load(Ordering::Relaxed);
    model.used = load(&stats.elected);
    model.errors = load(&stats.errors);
    model.client_errors = load(&stats.client_errors);
    model.reply_timeouts = load(&stats.reply_timeouts);
    model.transferred = load(&stats.transferred);
    model.read = load(&stats.read);
    model.busy = stats.busy.load(Ordering::Relaxed) as u64;
    model.max_busy = stats.max_busy.load(Ordering::Relaxed) as u64;
    let counters = worker.pool().counters();
    model.connected = counters.open.load(Ordering::Relaxed) as u64;
    model.max_connected = counters.max_open.load(Ordering::Relaxed) as u64;
    let last_reset = i64::try_from(load(&stats.last_reset)).unwrap_or(0);
    model.last_reset_at = last_reset;
    model.last_reset_ago = now - last_reset;
    let error_time = load(&stats.error_time);
    model.error_time = (error_time > 0).then(|| i64::try_from(error_time).unwrap_or(0));
    model.state = if stats.in_error.load(Ordering::Relaxed) {
        "ERR"
    } else if model.used == 0 {
        "OK/IDLE"
    } else {
        "OK"
    };
}

/// The map entries naming `worker` (or `*`), in match order, numbered from 1.
fn maps(rules: &[MountRule], worker: &str, server: &str) -> Vec<MapModel> {
    let join = |items: &[String]| items.join(",");
    rules
        .iter()
        .filter(|rule| rule.worker == worker || rule.worker == "*")
        .enumerate()
        .map(|(i, rule)| {
            let ext = &rule.extensions;
            let mut kind = String::new();
            if rule.disabled {
                kind.push_str("Disabled ");
            }
            if rule.exclude {
                kind.push_str("Unmount ");
            }
            kind.push_str(if rule.wildcard { "Wildchar" } else { "Exact" });
            MapModel {
                id: i + 1,
                server: server.to_string(),
                uri: rule.pattern.clone(),
                kind,
                source: rule.source.as_str(),
                reply_timeout: ext
                    .reply_timeout
                    .map_or(-1, |t| i64::try_from(t.as_millis()).unwrap_or(i64::MAX)),
                sticky_ignore: u8::from(ext.sticky_ignore),
                stateless: u8::from(ext.stateless),
                fail_on_status: ext.fail_on_status.as_ref().map_or(String::new(), |codes| {
                    codes
                        .iter()
                        .map(i32::to_string)
                        .collect::<Vec<_>>()
                        .join(",")
                }),
                active: join(&ext.active),
                disabled: join(&ext.disabled),
                stopped: join(&ext.stopped),
                use_server_errors: ext.use_server_errors.unwrap_or(0),
            }
        })
        .collect()
}

/// A moment as mod_jk prints it: local time in `pattern` and the UTC offset (`%z`).
pub fn local_time(unix: i64, pattern: &str) -> (String, String) {
    use chrono::{Local, TimeZone};
    match Local.timestamp_opt(unix, 0).single() {
        Some(time) => (
            time.format(pattern).to_string(),
            time.format("%z").to_string(),
        ),
        None => (unix.to_string(), "+0000".to_string()),
    }
}

/// The pattern of `datetime` values in xml, txt and prop.
pub const TEXT_TIME: &str = "%Y%m%d%H%M%S";
/// The pattern of times on the HTML page.
pub const HTML_TIME: &str = "%Y-%m-%d %H:%M:%S %z";
