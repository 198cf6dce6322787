//! The configuration a mod_jk user already has: workers.properties, uriworkermap.properties and the
//! `JkMount`s (here `--mount`), read the way mod_jk 1.2.48 reads them.
//!
//! ajpgate is a drop-in replacement, so a file must mean exactly what it meant under httpd: same
//! syntax quirks, same defaults and clamps, same mount precedence, same URI normalisation. Where mod_jk
//! refuses to start we report an error; where it quietly does something surprising we do the same and
//! say so in a warning. The layers, each in its own module:
//!
//! * `properties` — the file syntax: comments, trimming, `$(name)`, repeated keys, `reference`;
//! * `workers` — the resolved workers (`ajp13`, `lb`, `status`) with every default filled in;
//! * `mounts` — the mount rules in mod_jk's order and the matching of a request path;
//! * `uri` — the normalisation every access decision must use (CVE-2018-11759).
//!
//! [`Config::load`] runs them in that order and returns either a usable configuration with its
//! warnings, or every diagnostic found when there was at least one error.
//!
//! The modules are private: every public item is used as `crate::config::Name`, from the list of
//! re-exports below, so each has one import path and moving code between the files changes no user.

mod access;
mod ajp13;
mod diagnostic;
mod keys;
mod latin1;
mod lb;
mod mounts;
mod properties;
mod reader;
mod status;
mod uri;
mod values;
mod vhosts;
mod workers;

use std::path::Path;

pub use access::{AccessRules, Asker, Decision, LocationRule, Requirement};
pub use ajp13::{Ajp13Config, AjpKind, DEFAULT_CONNECTION_POOL_SIZE, HttpConnector, PingMode};
pub use diagnostic::{ConfigErrors, Diagnostic, Origin, Severity};
pub use latin1::{latin1, latin1_bytes};
pub use lb::LbConfig;
pub use mounts::{MountRule, MountTable, RuleExtensions, RuleSource};
pub use reader::MAX_NAME_LEN;
pub use status::{DEFAULT_BAD, DEFAULT_GOOD, StatusConfig};
pub use uri::{NormalizeError, normalize};
pub use vhosts::{VhostAddr, VirtualHost, VirtualHosts, host_of};
pub use workers::{WorkerDef, Workers};

use diagnostic::Diagnostics;
use mounts::MountSources;
use properties::Properties;

/// Everything ajpgate needs from the mod_jk configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub workers: Workers,
    pub mounts: MountTable,
    /// What mod_jk would have accepted but deserves a look.
    pub warnings: Vec<Diagnostic>,
    /// Every key of workers.properties with its final value, in load order (mod_jk's property map:
    /// `$(...)` substituted, repeated list keys joined, `reference` copies included). jk-status's
    /// `cmd=dump` shows it, and keys outside `worker.*` are free variables that configure what mod_jk
    /// left to httpd (see [`Config::free_variable`]).
    pub properties: Vec<(String, String)>,
    /// Virtual hosts with their own mount tables (from an httpd configuration); none from
    /// workers.properties alone, and then every request uses [`Config::mounts`].
    pub vhosts: VirtualHosts,
    /// `<Location>` access rules of the main server (from an httpd configuration).
    pub access: AccessRules,
}

/// One input file: its name (used in diagnostics) and its bytes.
#[derive(Debug, Clone, Copy)]
pub struct SourceFile<'a> {
    pub path: &'a Path,
    pub bytes: &'a [u8],
}

impl Config {
    /// Reads workers.properties, an optional uriworkermap.properties and command-line mounts.
    pub fn load(
        workers_file: &Path,
        mount_file: Option<&Path>,
        cli_mounts: &[String],
    ) -> Result<Config, ConfigErrors> {
        let read = |path: &Path| {
            std::fs::read(path).map_err(|err| {
                ConfigErrors(vec![Diagnostic {
                    file: path.to_path_buf(),
                    line: None,
                    key: None,
                    message: format!("cannot read: {err}"),
                    severity: Severity::Error,
                }])
            })
        };
        let workers_bytes = read(workers_file)?;
        let mount_bytes = mount_file.map(read).transpose()?;
        Config::parse(
            SourceFile {
                path: workers_file,
                bytes: &workers_bytes,
            },
            mount_file
                .zip(mount_bytes.as_deref())
                .map(|(path, bytes)| SourceFile { path, bytes }),
            cli_mounts,
            &|name| std::env::var(name).ok(),
        )
    }

    /// [`Config::load`] on contents already in memory; `env` answers `$(name)` lookups that no earlier
    /// property answers.
    pub fn parse(
        workers_file: SourceFile<'_>,
        mount_file: Option<SourceFile<'_>>,
        cli_mounts: &[String],
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigErrors> {
        let mut diags = Diagnostics::default();
        // Everything is read one character per byte (see [`latin1`]); command-line mounts too.
        let cli_mounts: Vec<String> = cli_mounts.iter().map(|m| latin1(m.as_bytes())).collect();
        let cli_mounts = &cli_mounts[..];
        let mut props = Properties::read(
            workers_file.path,
            workers_file.bytes,
            &keys::repeat,
            env,
            &mut diags,
        );
        props.resolve_references(&mut diags);
        Self::build(props, workers_file.path, mount_file, cli_mounts, env, diags)
    }

    /// A configuration from an optional workers.properties plus properties written elsewhere (an
    /// httpd `<Proxy balancer://…>` put in mod_jk's terms): `(key, value, where it was written)`;
    /// mount rules in `--mount` form.
    pub fn from_parts(
        workers_file: Option<SourceFile<'_>>,
        extra: &[(String, String, Origin)],
        mount_file: Option<SourceFile<'_>>,
        cli_mounts: &[String],
    ) -> Result<Config, ConfigErrors> {
        let mut diags = Diagnostics::default();
        let env = |name: &str| std::env::var(name).ok();
        let mut props = match workers_file {
            Some(file) => Properties::read(file.path, file.bytes, &keys::repeat, &env, &mut diags),
            None => Properties::default(),
        };
        for (key, value, origin) in extra {
            props.set(key, value, origin.clone(), &keys::repeat);
        }
        props.resolve_references(&mut diags);
        let path = match (workers_file, extra.first()) {
            (Some(file), _) => file.path.to_path_buf(),
            (None, Some((_, _, origin))) => origin.file.clone(),
            (None, None) => std::path::PathBuf::new(),
        };
        Self::build(props, &path, mount_file, cli_mounts, &env, diags)
    }

    fn build(
        props: Properties,
        workers_path: &Path,
        mount_file: Option<SourceFile<'_>>,
        cli_mounts: &[String],
        env: &dyn Fn(&str) -> Option<String>,
        mut diags: Diagnostics,
    ) -> Result<Config, ConfigErrors> {
        let workers = Workers::build(&props, workers_path, &mut diags);
        let mounts = MountTable::build(
            MountSources {
                workers_file: &props,
                uriworkermap: mount_file.map(|f| (f.path, f.bytes)),
                cli: cli_mounts,
                env,
            },
            &workers,
            &mut diags,
        );
        if diags.has_errors() {
            return Err(ConfigErrors(diags.0));
        }
        Ok(Config {
            workers,
            mounts,
            warnings: diags.0,
            properties: props
                .entries()
                .iter()
                .map(|e| (e.key.clone(), e.value()))
                .collect(),
            vhosts: VirtualHosts::default(),
            access: AccessRules::default(),
        })
    }

    /// A free variable of workers.properties (a key outside `worker.*`, which mod_jk only uses for
    /// `$(name)`), e.g. `ajpgate.status.jkstatus.allow`.
    pub fn free_variable(&self, name: &str) -> Option<&str> {
        if name.starts_with(keys::WORKER_PREFIX) {
            return None;
        }
        self.properties
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}
