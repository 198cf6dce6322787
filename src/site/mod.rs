//! An httpd site as ajpgate takes it over: what a configuration read by [`crate::httpd_conf`] means
//! — listeners, virtual hosts, mod_jk's workers file and mounts per server — and the verdict on
//! every directive ajpgate does not act on (docs/httpd-conf.md).
//!
//! Layout:
//! * [`vhosts`] — `<VirtualHost>`, ServerName/ServerAlias, and httpd's choice of host per request.
//! * [`jk`] — mod_jk's directives per server (JkWorkersFile, JkMount in its contexts, JkMountCopy).
//! * [`access`] — `Require` in `<Location>`, for the requirements that need only addresses.
//! * [`jk_options`] — each `JkOptions` flag against what ajpgate does.
//! * [`proxy`] — mod_proxy_balancer's `<Proxy balancer://>` and `ProxyPass` as lb workers and mounts.
//! * [`catalog`] — used, harmless to ignore, or changes what clients get.

pub mod access;
pub mod catalog;
pub mod jk;
pub mod jk_options;
pub mod proxy;
pub mod vhosts;

use std::path::{Path, PathBuf};

use crate::config::{
    AccessRules, Config, ConfigErrors, Diagnostic, Origin, Severity, SourceFile, VirtualHosts,
};
use crate::httpd_conf::{Directive, HttpdConf, Place};
use catalog::{Context, Verdict, verdict};
use jk::JkServer;

/// One `Listen [ADDRESS:]PORT [PROTOCOL]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listen {
    /// As written without the protocol: `80`, `127.0.0.1:8080`, `[::1]:443`.
    pub address: String,
    pub protocol: Option<String>,
    pub place: Place,
}

impl Listen {
    /// The socket address to bind: `80` is every IPv4 address (httpd would also take IPv6's).
    pub fn socket_addr(&self) -> Result<std::net::SocketAddr, String> {
        if let Ok(port) = self.address.parse::<u16>() {
            return Ok(std::net::SocketAddr::from(([0, 0, 0, 0], port)));
        }
        let parsed = self.address.parse::<std::net::SocketAddr>();
        parsed.map_err(|_| {
            format!(
                "'{}' is not [ADDRESS:]PORT with a numeric address",
                self.address
            )
        })
    }
}

#[derive(Debug, Clone)]
pub struct Site {
    pub main_name: String,
    pub listens: Vec<Listen>,
    pub workers_file: Option<(PathBuf, Place)>,
    pub main: JkServer,
    pub vhosts: VirtualHosts,
    /// mod_jk settings of each virtual host, in the order of `vhosts.hosts`.
    pub vhost_jk: Vec<JkServer>,
    /// The main server's `<Location>` access rules; each virtual host's own are in `vhosts`.
    pub access: AccessRules,
    /// mod_proxy_balancer's balancers as workers.properties keys.
    pub balancers: Vec<(String, String, Origin)>,
    /// The mounts of the main server's ProxyPass lines, and of each virtual host's own.
    pub main_proxy: Vec<jk::JkMountLine>,
    pub vhost_proxy: Vec<Vec<jk::JkMountLine>>,
    /// What the translation to mod_jk's terms left out or found unused.
    pub warnings: Vec<Diagnostic>,
    /// Every directive ajpgate does not act on, with its verdict.
    pub ignored: Vec<(Place, String, Verdict)>,
}

/// What an untranslated ProxyPass means.
const NOT_TRANSLATED: &str = "mod_proxy: these paths would not reach their backend";

/// What an unsupported `Require` does in ajpgate.
const FAILS_CLOSED: &str = "ajpgate cannot judge this requirement, so it denies everyone here";

impl Site {
    pub fn read(conf: &HttpdConf) -> Result<Site, ConfigErrors> {
        let top = &conf.directives;
        let mut errors = Vec::new();
        let main_name = top
            .iter()
            .rev()
            .find(|d| d.is("ServerName"))
            .and_then(|d| d.args.first().cloned())
            .unwrap_or_else(|| "localhost".into());
        let main = jk::read_server(top, &conf.root, &mut errors);
        let mut unsupported = Vec::new();
        let access = locations(top, &mut errors, &mut unsupported);
        let translation = proxy::balancers(top);
        errors.extend(translation.errors);
        let mut proxy_warnings = translation.warnings;
        let mut main_proxy = Vec::new();
        let mut untranslated = proxy::proxy_passes(top, &mut main_proxy, &mut proxy_warnings);
        let (mut hosts, mut vhost_jk, mut vhost_proxy) = (Vec::new(), Vec::new(), Vec::new());
        for section in top.iter().filter(|d| d.is("VirtualHost")) {
            match vhosts::read(section, &main_name) {
                Ok(mut host) => {
                    let own = locations(section.children(), &mut errors, &mut unsupported);
                    host.access.locations = access.locations.clone();
                    host.access.locations.extend(own.locations);
                    hosts.push(host);
                }
                Err(message) => errors.push((section.place.clone(), section.name.clone(), message)),
            }
            vhost_jk.push(jk::read_server(section.children(), &conf.root, &mut errors));
            let mut lines = Vec::new();
            let children = section.children();
            untranslated.extend(proxy::proxy_passes(
                children,
                &mut lines,
                &mut proxy_warnings,
            ));
            vhost_proxy.push(lines);
        }
        let listens = listens(top, &mut errors);
        if !errors.is_empty() {
            return Err(ConfigErrors(errors.into_iter().map(error).collect()));
        }
        let mut ignored = Vec::new();
        inventory(top, Context::Server, &mut ignored);
        for (place, text) in unsupported {
            ignored.push((place, text, Verdict::ChangesResponses(FAILS_CLOSED)));
        }
        for (place, text) in untranslated {
            ignored.push((place, text, Verdict::ChangesResponses(NOT_TRANSLATED)));
        }
        Ok(Site {
            main_name,
            listens,
            workers_file: jk::workers_file(top, &conf.root),
            main,
            vhosts: VirtualHosts { hosts },
            vhost_jk,
            access,
            balancers: translation.properties,
            main_proxy,
            vhost_proxy,
            warnings: proxy_warnings.into_iter().map(warning).collect(),
            ignored,
        })
    }

    /// Everything `serve --httpd` runs on: the workers, the main server's mounts, and each virtual
    /// host with its own.
    pub fn config(&self) -> Result<Config, ConfigErrors> {
        let mut config = self.main_config()?;
        let mut hosts = self.vhosts.clone();
        for (index, host) in hosts.hosts.iter_mut().enumerate() {
            let own = self.vhost_config(index)?;
            // A host's configuration reads the same workers file again: keep only what is new.
            for warning in own.warnings {
                if !config.warnings.contains(&warning) {
                    config.warnings.push(warning);
                }
            }
            host.mounts = own.mounts;
        }
        config.vhosts = hosts;
        config.access = self.access.clone();
        config.warnings.extend(self.warnings.iter().cloned());
        Ok(config)
    }

    /// The workers and mounts of the main server, as `serve -w FILE -m FILE --mount …` would load
    /// them; problems in a JkMount are reported at its line.
    pub fn main_config(&self) -> Result<Config, ConfigErrors> {
        self.config_for(&self.main, &self.main_proxy)
    }

    /// The same for virtual host `index`: its own mounts, the main server's with JkMountCopy, and
    /// the main server's ProxyPass lines before its own (mod_proxy merges them so).
    pub fn vhost_config(&self, index: usize) -> Result<Config, ConfigErrors> {
        let own = &self.vhost_jk[index];
        let mut merged = own.clone();
        if own.mount_copy || self.main.mount_copy {
            merged.mounts.extend(self.main.mounts.iter().cloned());
            if merged.mount_file.is_none() {
                merged.mount_file = self.main.mount_file.clone();
            }
        }
        let mut proxy = self.main_proxy.clone();
        proxy.extend(self.vhost_proxy[index].iter().cloned());
        self.config_for(&merged, &proxy)
    }

    fn config_for(
        &self,
        server: &JkServer,
        proxy: &[jk::JkMountLine],
    ) -> Result<Config, ConfigErrors> {
        if self.workers_file.is_none() && self.balancers.is_empty() {
            return Err(ConfigErrors(vec![Diagnostic {
                file: PathBuf::from("httpd configuration"),
                line: None,
                key: Some("JkWorkersFile".into()),
                message: "no JkWorkersFile and no balancer: mod_jk's default workers.properties is not guessed".into(),
                severity: Severity::Error,
            }]));
        }
        let mut lines = server.mounts.clone();
        lines.extend(proxy.iter().cloned());
        let args: Vec<String> = lines.iter().map(jk::JkMountLine::as_mount_arg).collect();
        let workers = self
            .workers_file
            .as_ref()
            .map(|(path, _)| read_file(path))
            .transpose()?;
        let mounts = server
            .mount_file
            .as_ref()
            .map(|(path, _)| read_file(path))
            .transpose()?;
        let loaded = Config::from_parts(source(&workers), &self.balancers, source(&mounts), &args);
        let placed = |diagnostics: Vec<Diagnostic>| -> Vec<Diagnostic> {
            diagnostics
                .into_iter()
                .map(|d| at_jkmount(d, &lines))
                .collect()
        };
        match loaded {
            Ok(mut config) => {
                config.warnings = placed(std::mem::take(&mut config.warnings));
                Ok(config)
            }
            Err(ConfigErrors(diagnostics)) => Err(ConfigErrors(placed(diagnostics))),
        }
    }

    /// Whether any ignored directive changes what clients get.
    pub fn changes_responses(&self) -> bool {
        let changes =
            |(_, _, v): &&(Place, String, Verdict)| matches!(v, Verdict::ChangesResponses(_));
        self.ignored.iter().any(|entry| changes(&entry))
    }
}

/// A diagnostic about a `--mount` argument moved to the JkMount or ProxyPass line it came from.
fn at_jkmount(mut diagnostic: Diagnostic, lines: &[jk::JkMountLine]) -> Diagnostic {
    let arg = diagnostic
        .key
        .as_deref()
        .and_then(|k| k.strip_prefix("--mount "));
    let line = arg.and_then(|arg| lines.iter().find(|m| m.as_mount_arg() == arg));
    if let Some(line) = line {
        diagnostic.file = line.place.file.clone();
        diagnostic.line = Some(line.place.line);
        diagnostic.key = Some(format!(
            "{} {} {}",
            line.directive, line.pattern, line.worker
        ));
    }
    diagnostic
}

fn source(file: &Option<(PathBuf, Vec<u8>)>) -> Option<SourceFile<'_>> {
    file.as_ref()
        .map(|(path, bytes)| SourceFile { path, bytes })
}

/// A file a configuration names, or an error that names it.
fn read_file(path: &Path) -> Result<(PathBuf, Vec<u8>), ConfigErrors> {
    match std::fs::read(path) {
        Ok(bytes) => Ok((path.to_path_buf(), bytes)),
        Err(err) => Err(ConfigErrors(vec![Diagnostic {
            file: path.to_path_buf(),
            line: None,
            key: None,
            message: format!("cannot read: {err}"),
            severity: Severity::Error,
        }])),
    }
}

fn listens(top: &[Directive], errors: &mut Vec<(Place, String, String)>) -> Vec<Listen> {
    let mut out = Vec::new();
    for directive in top.iter().filter(|d| d.is("Listen")) {
        match directive.args.as_slice() {
            [address] | [address, _] => out.push(Listen {
                address: address.clone(),
                protocol: directive.args.get(1).cloned(),
                place: directive.place.clone(),
            }),
            _ => errors.push((
                directive.place.clone(),
                directive.name.clone(),
                "takes an address and an optional protocol".into(),
            )),
        }
    }
    out
}

/// The access rules of the `<Location>`s among `directives`, in order.
fn locations(
    directives: &[Directive],
    errors: &mut Vec<(Place, String, String)>,
    unsupported: &mut Vec<(Place, String)>,
) -> AccessRules {
    let mut rules = AccessRules::default();
    for location in directives.iter().filter(|d| d.is("Location")) {
        let read = access::read_location(location);
        errors.extend(read.errors);
        unsupported.extend(read.unsupported);
        rules.locations.extend(read.rule);
    }
    rules
}

fn inventory(directives: &[Directive], context: Context, out: &mut Vec<(Place, String, Verdict)>) {
    for directive in directives {
        if directive.is("JkOptions") {
            for (word, verdict) in jk_options::verdicts(&directive.args) {
                if verdict != Verdict::Used {
                    let name = format!("JkOptions {word}");
                    out.push((directive.place.clone(), name, verdict));
                }
            }
            continue;
        }
        let verdict = verdict(&directive.name, context);
        if verdict != Verdict::Used {
            out.push((directive.place.clone(), directive.name.clone(), verdict));
        }
        if directive.section.is_some() {
            let files = ["Directory", "DirectoryMatch", "Files", "FilesMatch"];
            let inner = if files.iter().any(|f| directive.is(f)) {
                Context::FileSystem
            } else if directive.is("Location") {
                Context::Location
            } else {
                context
            };
            inventory(directive.children(), inner, out);
        }
    }
}

fn warning((place, message): (Place, String)) -> Diagnostic {
    Diagnostic {
        file: place.file,
        line: Some(place.line),
        key: None,
        message,
        severity: Severity::Warning,
    }
}

fn error((place, key, message): (Place, String, String)) -> Diagnostic {
    Diagnostic {
        file: place.file,
        line: Some(place.line),
        key: Some(key),
        message,
        severity: Severity::Error,
    }
}

/// Reads the tree at `main` and what it means, in one step.
pub fn load(
    main: &Path,
    options: &crate::httpd_conf::ReadOptions,
) -> Result<(HttpdConf, Site), ConfigErrors> {
    let conf = crate::httpd_conf::read(main, options)?;
    let site = Site::read(&conf)?;
    Ok((conf, site))
}
