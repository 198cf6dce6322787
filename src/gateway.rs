//! A loaded configuration put to work: the running workers and the mount table that routes to them.
//!
//! This is where configuration (what the user wrote, resolved by [`crate::config`]) meets the backend
//! layer (what runs). Each ajp13 worker's properties become [`WorkerSettings`] (docs/ajp13.md#cping-and-cpong, docs/workers-properties.md#ajp13-worker-properties).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

mod route;
mod settings;

pub use self::route::{Forward, Refusal, Route};

use self::settings::worker_settings;
use crate::backend::resolve;
use crate::backend::{AjpWorker, WorkerSettings};
use crate::balancer::LbWorker;
use crate::balancer::Member;
use crate::config::{
    AccessRules, Ajp13Config, Asker, Config, HttpConnector, LbConfig, MountTable, VirtualHosts,
    WorkerDef, Workers,
};
use crate::status::{Running, RunningWorkers, StatusWorker};
use crate::upgrade::{HttpEndpoint, TunnelStats};
use crate::vocabulary::Activation;

/// What a mount can lead to.
#[derive(Debug)]
pub enum Target {
    Ajp(Arc<AjpWorker>),
    Lb(Arc<LbWorker>),
    /// A status worker (jk-status), answered by ajpgate itself.
    Status(Arc<StatusWorker>),
    /// The worker exists but cannot serve: its host did not resolve, or its type is not served yet.
    Unavailable(&'static str),
    /// A mount names a worker that does not exist or is not in `worker.list`.
    Unknown,
}

#[derive(Debug)]
pub struct Gateway {
    mounts: MountTable,
    /// Virtual hosts with their own mount tables (an httpd configuration's); requests to none of
    /// them use `mounts`.
    vhosts: VirtualHosts,
    /// The main server's `<Location>` access rules (virtual hosts carry their own).
    access: AccessRules,
    targets: HashMap<String, Target>,
    /// What each running worker was built from, so that a reload can keep the ones that did not change.
    blueprints: HashMap<String, Blueprint>,
    /// The HTTP connectors for upgrades of each ajp13 worker (one entry) and lb (one per member, in
    /// member order), by worker name; `None` where `http_port` is not set.
    endpoints: HashMap<String, Endpoints>,
    maintain: Duration,
    /// The workers as configured (jk-status shows them in `worker.list` order, with their settings).
    workers: Workers,
}

/// The main server or one virtual host, with its own mounts and `<Location>` access rules.
#[derive(Debug, Clone, Copy)]
pub struct Server<'g> {
    gateway: &'g Gateway,
    mounts: &'g MountTable,
    access: &'g AccessRules,
    /// A virtual host's ServerName, which httpd gives mod_jk as `server_name` when the client named
    /// no host; `None` for the main server.
    pub name: Option<&'g str>,
}

impl<'g> Server<'g> {
    /// What answers a request for the normalised `path`.
    pub fn route(&self, path: &str) -> Route<'g> {
        self.gateway.route_in(self.mounts, path)
    }

    /// Whether the access rules let `client`, connected to `local`, have `path`; without rules, yes.
    pub fn allows(&self, path: &str, client: IpAddr, local: IpAddr) -> bool {
        self.access.allows(path, Asker { client, local })
    }
}

/// A worker's effective configuration, compared on reload.
#[derive(Debug, Clone, PartialEq)]
enum Blueprint {
    Ajp(Box<WorkerSettings>, Option<Box<HttpConnector>>),
    /// The lb's configuration (without line numbers) and its members' resolved addresses.
    Lb(Box<LbConfig>, Vec<Option<SocketAddr>>),
}

/// An lb configuration with the source positions blanked: moving lines around is not a change.
fn lb_blueprint(config: &LbConfig) -> Box<LbConfig> {
    let mut config = config.clone();
    config.explicit.clear();
    for member in &mut config.members {
        member.explicit.clear();
    }
    Box::new(config)
}

/// The HTTP connectors of one worker's members (see [`Gateway`]'s `endpoints`).
type Endpoints = Vec<Option<Arc<HttpEndpoint>>>;

/// The HTTP connector of an ajp13 worker (or lb member) that sets `http_port`, if its host resolves.
async fn http_endpoint(ajp: &Ajp13Config) -> Option<Arc<HttpEndpoint>> {
    let http = ajp.http.as_ref()?;
    let host = http.host.as_deref().unwrap_or(&ajp.host);
    match resolve(host, http.port).await {
        Some(address) => Some(HttpEndpoint::new(
            &ajp.name,
            address,
            ajp.socket_connect_timeout,
            http.idle_timeout,
        )),
        None => {
            tracing::error!(worker = %ajp.name, %host, "cannot resolve the HTTP connector's host; upgrades go over AJP");
            None
        }
    }
}

/// Starts an lb: a private ajp13 worker per member (as mod_jk creates them), and its background tasks.
/// A member whose host does not resolve is stopped, as in mod_jk.
async fn start_lb(
    config: &LbConfig,
    maintain: Duration,
    addresses: &[Option<SocketAddr>],
) -> Arc<LbWorker> {
    let mut members = Vec::with_capacity(config.members.len());
    for (ajp, address) in config.members.iter().zip(addresses) {
        let mut activation = ajp.activation;
        let address = match address {
            Some(address) if ajp.port != 0 => *address,
            _ => {
                tracing::error!(lb = %config.name, member = %ajp.name, host = %ajp.host, "member cannot be contacted; it is stopped");
                activation = Activation::Stopped;
                SocketAddr::from(([127, 0, 0, 1], ajp.port))
            }
        };
        let worker = AjpWorker::new(ajp.name.clone(), worker_settings(ajp, address));
        let member = Member::new(
            &ajp.name,
            &ajp.route,
            &ajp.domain,
            &ajp.redirect,
            ajp.distance,
            activation,
            ajp.lbfactor,
        );
        members.push((worker, member, ajp.fail_on_status.clone()));
    }
    let lb = LbWorker::new(
        &config.name,
        settings::lb_settings(config, maintain),
        config.method,
        members,
    );
    lb.spawn_background();
    lb
}

impl Gateway {
    /// Starts the workers of a validated configuration.
    pub async fn start(config: Config) -> Self {
        Self::start_reusing(config, None).await
    }

    /// Starts a configuration, keeping every worker of `previous` whose effective configuration did not
    /// change: its pool, its connections and, for an lb, its member states and counters.
    pub async fn start_reusing(config: Config, previous: Option<&Gateway>) -> Self {
        let mut targets = HashMap::new();
        let mut blueprints = HashMap::new();
        let mut endpoints = HashMap::new();
        let maintain = config.workers.maintain;
        for (name, def) in &config.workers.defs {
            if !config.workers.is_listed(name) {
                continue;
            }
            let (target, blueprint) = match def {
                WorkerDef::Ajp13(ajp) if ajp.port == 0 => {
                    (Target::Unavailable("worker port is 0 (disabled)"), None)
                }
                WorkerDef::Ajp13(ajp) => match resolve(&ajp.host, ajp.port).await {
                    Some(address) => {
                        let settings = worker_settings(ajp, address);
                        let blueprint =
                            Blueprint::Ajp(Box::new(settings.clone()), ajp.http.clone());
                        let target = match previous.and_then(|p| p.reusable(name, &blueprint)) {
                            Some(Target::Ajp(worker)) => {
                                endpoints.insert(name.clone(), previous_endpoints(previous, name));
                                Target::Ajp(Arc::clone(worker))
                            }
                            _ => {
                                endpoints.insert(name.clone(), vec![http_endpoint(ajp).await]);
                                Target::Ajp(AjpWorker::new(name.clone(), settings))
                            }
                        };
                        (target, Some(blueprint))
                    }
                    None => {
                        tracing::error!(worker = %name, host = %ajp.host, "cannot resolve the worker's host; it answers 503");
                        (Target::Unavailable("worker host does not resolve"), None)
                    }
                },
                WorkerDef::Lb(lb) => {
                    let mut addresses = Vec::with_capacity(lb.members.len());
                    for member in &lb.members {
                        addresses.push(resolve(&member.host, member.port).await);
                    }
                    let blueprint = Blueprint::Lb(lb_blueprint(lb), addresses.clone());
                    let target = match previous.and_then(|p| p.reusable(name, &blueprint)) {
                        Some(Target::Lb(running)) => {
                            endpoints.insert(name.clone(), previous_endpoints(previous, name));
                            Target::Lb(Arc::clone(running))
                        }
                        _ => {
                            let mut members = Vec::with_capacity(lb.members.len());
                            for member in &lb.members {
                                members.push(http_endpoint(member).await);
                            }
                            endpoints.insert(name.clone(), members);
                            Target::Lb(start_lb(lb, maintain, &addresses).await)
                        }
                    };
                    (target, Some(blueprint))
                }
                WorkerDef::Status(status) => {
                    (Target::Status(StatusWorker::new(status, &config)), None)
                }
            };
            if let Some(blueprint) = blueprint {
                blueprints.insert(name.clone(), blueprint);
            }
            targets.insert(name.clone(), target);
        }
        Self {
            mounts: config.mounts,
            vhosts: config.vhosts,
            access: config.access,
            targets,
            blueprints,
            endpoints,
            maintain,
            workers: config.workers,
        }
    }

    /// The workers as configured.
    pub fn workers(&self) -> &Workers {
        &self.workers
    }

    /// The mount rules in match order.
    pub fn mounts(&self) -> &MountTable {
        &self.mounts
    }

    /// The running worker `name`, if it was built from exactly `blueprint`.
    fn reusable(&self, name: &str, blueprint: &Blueprint) -> Option<&Target> {
        (self.blueprints.get(name) == Some(blueprint)).then(|| self.targets.get(name))?
    }

    /// What answers a request for the normalised `path`, by the main server's mounts.
    pub fn route(&self, path: &str) -> Route<'_> {
        self.route_in(&self.mounts, path)
    }

    /// The server a request that came in on `local` with this Host header goes to: the virtual
    /// host httpd would choose (`config::vhosts`), else the main server. Chosen once per request.
    pub fn server_for(&self, local: SocketAddr, host: Option<&str>) -> Server<'_> {
        let chosen = self
            .vhosts
            .choose(local, host)
            .map(|i| &self.vhosts.hosts[i]);
        Server {
            gateway: self,
            mounts: chosen.map_or(&self.mounts, |h| &h.mounts),
            access: chosen.map_or(&self.access, |h| &h.access),
            name: chosen.map(|h| h.server_name.as_str()),
        }
    }

    fn route_in<'g>(&'g self, mounts: &'g MountTable, path: &str) -> Route<'g> {
        let Some(rule) = mounts.map(path) else {
            return Route::Refuse(Refusal::NO_MOUNT);
        };
        let endpoints = self.endpoints.get(&rule.worker).map_or(&[][..], |e| &e[..]);
        match self.targets.get(&rule.worker) {
            Some(Target::Ajp(worker)) => Route::Forward(Forward::ajp(rule, worker, endpoints)),
            Some(Target::Lb(lb)) => Route::Forward(Forward::lb(rule, lb, endpoints)),
            Some(Target::Status(status)) => Route::Status(status),
            Some(Target::Unavailable(reason)) => Route::Refuse(Refusal::unavailable(reason)),
            Some(Target::Unknown) | None => Route::Refuse(Refusal::UNKNOWN_WORKER),
        }
    }

    /// Every running ajp13 worker, lb members included.
    pub fn ajp_workers(&self) -> impl Iterator<Item = &Arc<AjpWorker>> {
        self.targets.values().flat_map(|t| match t {
            Target::Ajp(worker) => std::slice::from_ref(worker),
            Target::Lb(lb) => lb.workers(),
            Target::Status(_) | Target::Unavailable(_) | Target::Unknown => &[],
        })
    }

    /// Every lb worker, by name.
    pub fn lb_workers(&self) -> impl Iterator<Item = &Arc<LbWorker>> {
        self.targets.values().filter_map(|t| match t {
            Target::Lb(lb) => Some(lb),
            _ => None,
        })
    }

    /// A worker by name.
    pub fn target(&self, name: &str) -> Option<&Target> {
        self.targets.get(name)
    }

    /// Runs pool maintenance every `worker.maintain` seconds until the gateway is dropped.
    pub fn spawn_maintenance(self: &Arc<Self>) -> Option<tokio::task::JoinHandle<()>> {
        if self.maintain.is_zero() {
            return None;
        }
        let gateway = Arc::downgrade(self);
        let interval = self.maintain;
        Some(tokio::spawn(async move {
            let mut ticks = tokio::time::interval(interval);
            ticks.tick().await;
            loop {
                ticks.tick().await;
                let Some(gateway) = gateway.upgrade() else {
                    return;
                };
                for worker in gateway.ajp_workers() {
                    worker.pool().maintain().await;
                }
            }
        }))
    }

    /// Closes idle backend connections; requests in flight keep theirs.
    pub fn close(&self) {
        for worker in self.ajp_workers() {
            worker.pool().close();
        }
    }
}

impl RunningWorkers for Gateway {
    fn workers(&self) -> &Workers {
        &self.workers
    }

    fn mounts(&self) -> &MountTable {
        &self.mounts
    }

    fn worker(&self, name: &str) -> Option<Running<'_>> {
        match self.targets.get(name)? {
            Target::Ajp(worker) => Some(Running::Ajp(worker)),
            Target::Lb(lb) => Some(Running::Lb(lb)),
            Target::Status(_) | Target::Unavailable(_) | Target::Unknown => None,
        }
    }

    fn tunnels(&self, worker: &str, member: Option<&str>) -> Option<TunnelStats> {
        let endpoints = self.endpoints.get(worker)?;
        let endpoint = match member {
            None => endpoints.first()?,
            Some(member) => endpoints
                .iter()
                .find(|e| e.as_ref().is_some_and(|e| e.worker == member))?,
        };
        endpoint.as_ref().map(|e| e.stats())
    }

    fn reset_tunnels(&self, worker: &str, member: Option<&str>) {
        let endpoints = self.endpoints.get(worker).into_iter().flatten().flatten();
        for endpoint in endpoints.filter(|e| member.is_none_or(|m| e.worker == m)) {
            endpoint.counters().reset();
        }
    }
}

/// The endpoints `previous` ran for `name` (its worker is kept, so its counters carry on).
fn previous_endpoints(previous: Option<&Gateway>, name: &str) -> Endpoints {
    previous
        .and_then(|p| p.endpoints.get(name))
        .cloned()
        .unwrap_or_default()
}
