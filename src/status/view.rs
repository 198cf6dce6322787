//! What the status worker may see of the running gateway: the configured workers, the mounts, and each
//! running ajp or lb worker by name. Defined here and implemented by the gateway, so the status worker
//! depends on no gateway or HTTP type and can be driven by anything that offers this view.

use std::sync::Arc;

use crate::backend::AjpWorker;
use crate::balancer::LbWorker;
use crate::config::{MountTable, Workers};
use crate::upgrade::TunnelStats;

/// A running worker jk-status can show and edit.
#[derive(Debug, Clone, Copy)]
pub enum Running<'a> {
    Ajp(&'a Arc<AjpWorker>),
    Lb(&'a Arc<LbWorker>),
}

/// The read-only view of the gateway the status worker needs.
pub trait RunningWorkers: Send + Sync {
    /// The workers as configured, in `worker.list` order.
    fn workers(&self) -> &Workers;
    /// The mount rules in match order.
    fn mounts(&self) -> &MountTable;
    /// The running ajp13 or lb worker `name`; None for other types and workers that are not running.
    fn worker(&self, name: &str) -> Option<Running<'_>>;
    /// The upgrade tunnels of ajp13 worker `worker`, or of lb `worker`'s `member`; None when it has no
    /// HTTP connector for upgrades.
    fn tunnels(&self, _worker: &str, _member: Option<&str>) -> Option<TunnelStats> {
        None
    }
    /// `cmd=reset`: clears those counters (of every member when `member` is None), open tunnels aside.
    fn reset_tunnels(&self, _worker: &str, _member: Option<&str>) {}
}
