//! Reloading the configuration without dropping a request.
//!
//! SIGHUP re-reads workers.properties and the mount file (or the whole httpd tree with `--httpd`). So does a change to the mount file's
//! modification time, checked every `--mount-file-reload` seconds like mod_jk's JkMountFileReload. A valid
//! new configuration replaces the old one in one step. Requests in flight keep the gateway they started with
//! until they finish, and workers whose effective configuration did not change carry their pools,
//! connections and lb states over ([`Gateway::start_reusing`]). An invalid configuration is logged with
//! file, line and key, and the old one stays.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use crate::config::Config;
use crate::gateway::Gateway;
use crate::http::server::GatewaySource;
use crate::httpd_conf::ReadOptions;
use crate::tls::TlsSetup;

/// Where the configuration comes from.
#[derive(Debug, Clone)]
pub enum ConfigSources {
    /// workers.properties, an optional mount file and `--mount` rules.
    Files {
        workers: PathBuf,
        mounts: Option<PathBuf>,
        cli_mounts: Vec<String>,
    },
    /// An httpd configuration tree, re-read whole (docs/httpd-conf.md).
    Httpd { main: PathBuf, options: ReadOptions },
}

impl ConfigSources {
    pub fn load(&self) -> Result<Config, crate::config::ConfigErrors> {
        match self {
            ConfigSources::Files {
                workers,
                mounts,
                cli_mounts,
            } => Config::load(workers, mounts.as_deref(), cli_mounts),
            ConfigSources::Httpd { main, options } => crate::site::load(main, options)?.1.config(),
        }
    }

    /// The mount file's modification time; an httpd tree is re-read on SIGHUP only.
    fn mount_file_modified(&self) -> Option<SystemTime> {
        let ConfigSources::Files { mounts, .. } = self else {
            return None;
        };
        let path = mounts.as_ref()?;
        std::fs::metadata(path).and_then(|m| m.modified()).ok()
    }
}

/// The current gateway, swappable.
#[derive(Debug)]
pub struct Reloadable {
    current: RwLock<Arc<Gateway>>,
    sources: ConfigSources,
    /// One reload at a time; a signal during a reload waits for it.
    reloading: tokio::sync::Mutex<Option<SystemTime>>,
    maintenance: std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
    /// Certificates re-read on every reload, whatever becomes of the configuration.
    tls: Option<Arc<TlsSetup>>,
}

impl GatewaySource for Reloadable {
    fn current(&self) -> Arc<Gateway> {
        Arc::clone(&self.current.read().unwrap_or_else(|p| p.into_inner()))
    }
}

impl Reloadable {
    pub fn new(gateway: Arc<Gateway>, sources: ConfigSources) -> Arc<Self> {
        Self::with_tls(gateway, sources, None)
    }

    /// As [`Self::new`]; a reload also re-reads the certificates of `tls`.
    pub fn with_tls(
        gateway: Arc<Gateway>,
        sources: ConfigSources,
        tls: Option<Arc<TlsSetup>>,
    ) -> Arc<Self> {
        let maintenance = gateway.spawn_maintenance();
        let modified = sources.mount_file_modified();
        Arc::new(Self {
            current: RwLock::new(gateway),
            sources,
            reloading: tokio::sync::Mutex::new(modified),
            maintenance: std::sync::Mutex::new(maintenance),
            tls,
        })
    }

    /// Re-reads the configuration; returns whether a new one is in force.
    pub async fn reload(&self, why: &str) -> bool {
        let mut last_modified = self.reloading.lock().await;
        self.reload_certificates(why);
        let config = match self.sources.load() {
            Ok(config) => config,
            Err(errors) => {
                tracing::error!(
                    "reload ({why}) refused, the running configuration stays:\n{errors}"
                );
                return false;
            }
        };
        for warning in &config.warnings {
            tracing::warn!("{warning}");
        }
        *last_modified = self.sources.mount_file_modified();
        let previous = self.current();
        let next = Arc::new(Gateway::start_reusing(config, Some(&previous)).await);
        let maintenance = next.spawn_maintenance();
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = Arc::clone(&next);
        let old_task = std::mem::replace(
            &mut *self.maintenance.lock().unwrap_or_else(|p| p.into_inner()),
            maintenance,
        );
        if let Some(task) = old_task {
            task.abort();
        }
        tracing::info!("configuration reloaded ({why})");
        true
    }

    /// New handshakes get the new certificates; a file that no longer loads keeps the old ones.
    fn reload_certificates(&self, why: &str) {
        let Some(tls) = &self.tls else { return };
        match tls.reload() {
            Ok(()) => tracing::info!("certificates reloaded ({why})"),
            Err(error) => {
                tracing::error!(
                    "certificate reload ({why}) refused, the running ones stay: {error}"
                )
            }
        }
    }

    /// Reloads on SIGHUP and when the mount file changes (checked every `mount_check`; zero: never).
    pub fn spawn_triggers(self: &Arc<Self>, mount_check: Duration) -> tokio::task::JoinHandle<()> {
        let this = Arc::downgrade(self);
        tokio::spawn(async move {
            #[cfg(unix)]
            let mut hangup =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
            let mut ticks = tokio::time::interval(if mount_check.is_zero() {
                Duration::from_secs(3600)
            } else {
                mount_check
            });
            ticks.tick().await;
            loop {
                #[cfg(unix)]
                let hup = async {
                    match hangup.as_mut() {
                        Some(signal) => signal.recv().await,
                        None => std::future::pending().await,
                    }
                };
                #[cfg(not(unix))]
                let hup = std::future::pending::<Option<()>>();
                let why = tokio::select! {
                    _ = hup => "SIGHUP",
                    _ = ticks.tick() => {
                        if mount_check.is_zero() {
                            continue;
                        }
                        let Some(this) = this.upgrade() else { return };
                        let seen = *this.reloading.lock().await;
                        if this.sources.mount_file_modified() == seen {
                            continue;
                        }
                        "mount file changed"
                    }
                };
                let Some(this) = this.upgrade() else { return };
                this.reload(why).await;
            }
        })
    }

    /// Closes the idle connections of the gateway in force (shutdown).
    pub fn close(&self) {
        self.current().close();
        if let Some(task) = self
            .maintenance
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        {
            task.abort();
        }
    }
}
