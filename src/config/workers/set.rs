//! The resolved worker set: what the rest of ajpgate reads of workers.properties.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::config::ajp13::Ajp13Config;
use crate::config::keys::Applies;
use crate::config::lb::LbConfig;
use crate::config::reader::Explicit;
use crate::config::status::StatusConfig;

/// The worker mod_jk creates when workers.properties has no `worker.list`.
pub const IMPLICIT_WORKER: &str = "ajp13";

/// mod_jk's default `worker.maintain`.
pub const DEFAULT_MAINTAIN: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workers {
    /// `worker.list` in file order without repeats: the workers requests can be mapped to and that
    /// jk-status shows.
    pub list: Vec<String>,
    /// Maintenance interval (pool sweeps, lb recovery); ZERO disables maintenance.
    pub maintain: Duration,
    /// Every instantiated worker: the listed ones and the lb members, each as defined on its own (an
    /// lb's view of its members, with inherited secret, is in [`LbConfig::members`]).
    pub defs: BTreeMap<String, WorkerDef>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkerDef {
    Ajp13(Ajp13Config),
    Lb(LbConfig),
    Status(StatusConfig),
}

impl WorkerDef {
    pub fn name(&self) -> &str {
        match self {
            WorkerDef::Ajp13(w) => &w.name,
            WorkerDef::Lb(w) => &w.name,
            WorkerDef::Status(w) => &w.name,
        }
    }

    /// The type as written in workers.properties.
    pub fn type_name(&self) -> &'static str {
        match self {
            WorkerDef::Ajp13(w) => w.kind.as_str(),
            WorkerDef::Lb(_) => "lb",
            WorkerDef::Status(_) => "status",
        }
    }

    pub fn mount(&self) -> &[String] {
        match self {
            WorkerDef::Ajp13(w) => &w.mount,
            WorkerDef::Lb(w) => &w.mount,
            WorkerDef::Status(w) => &w.mount,
        }
    }

    /// Every effective property by its mod_jk name.
    pub fn properties(&self) -> Vec<(&'static str, String)> {
        match self {
            WorkerDef::Ajp13(w) => w.properties(),
            WorkerDef::Lb(w) => w.properties(),
            WorkerDef::Status(w) => w.properties(),
        }
    }

    /// The properties the file set, and where; the others have their default.
    pub fn explicit(&self) -> &Explicit {
        match self {
            WorkerDef::Ajp13(w) => &w.explicit,
            WorkerDef::Lb(w) => &w.explicit,
            WorkerDef::Status(w) => &w.explicit,
        }
    }

    pub(super) fn applies(&self) -> Applies {
        match self {
            WorkerDef::Ajp13(_) => Applies::AJP,
            WorkerDef::Lb(_) => Applies::LB,
            WorkerDef::Status(_) => Applies::STATUS,
        }
    }
}

impl Workers {
    pub fn get(&self, name: &str) -> Option<&WorkerDef> {
        self.defs.get(name)
    }

    /// The ajp13 worker of this name, if it is one.
    pub fn ajp13(&self, name: &str) -> Option<&Ajp13Config> {
        match self.defs.get(name) {
            Some(WorkerDef::Ajp13(worker)) => Some(worker),
            _ => None,
        }
    }

    /// The lb worker of this name, if it is one.
    pub fn lb(&self, name: &str) -> Option<&LbConfig> {
        match self.defs.get(name) {
            Some(WorkerDef::Lb(worker)) => Some(worker),
            _ => None,
        }
    }

    /// Whether requests can be mapped to this worker.
    pub fn is_listed(&self, name: &str) -> bool {
        self.list.iter().any(|w| w == name)
    }
}
