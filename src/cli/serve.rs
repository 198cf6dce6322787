//! `ajpgate serve`: load the configuration and the TLS setup, start the workers, serve HTTP and HTTPS
//! until SIGTERM or SIGINT.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;

use super::client_addr::ClientAddrArgs;
use super::tls::TlsArgs;
use crate::config::Config;
use crate::gateway::Gateway;
use crate::http::listener::Listener;
use crate::http::server::{ServerSettings, serve};
use crate::httpd_conf::ReadOptions;
use crate::reload::{ConfigSources, Reloadable};
use crate::site::catalog::Verdict;
use crate::static_files::{Alias, StaticError, StaticFiles, StaticSettings};
use crate::tls::TlsSetup;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// workers.properties, as mod_jk reads it.
    #[arg(
        short = 'w',
        long = "workers",
        value_name = "FILE",
        required_unless_present = "httpd"
    )]
    pub workers: Option<PathBuf>,
    /// An httpd configuration (e.g. /etc/apache2/apache2.conf) instead of -w/-m/--mount: its Listen
    /// lines, virtual hosts, JkWorkersFile and JkMount rules (see `ajpgate check --httpd`).
    #[arg(long = "httpd", value_name = "FILE", conflicts_with_all = ["workers", "mounts", "mount"])]
    pub httpd: Option<PathBuf>,
    /// With --httpd: a name `<IfDefine>` sees as defined, as httpd's -D (repeatable).
    #[arg(short = 'D', value_name = "NAME", requires = "httpd")]
    pub define: Vec<String>,
    /// With --httpd: start even though the tree has directives that change what clients get and
    /// that ajpgate does not implement (listed by `ajpgate check --httpd`).
    #[arg(long, requires = "httpd")]
    pub accept_httpd_differences: bool,
    /// uriworkermap.properties (JkMountFile).
    #[arg(short = 'm', long = "mounts", value_name = "FILE")]
    pub mounts: Option<PathBuf>,
    /// A JkMount rule, e.g. `/app/*=node1`. Repeatable.
    #[arg(long = "mount", value_name = "PATTERN=WORKER")]
    pub mount: Vec<String>,
    /// Address to listen on (repeatable); 127.0.0.1:8080 when neither this nor --httpd's Listen
    /// lines give one.
    #[arg(short = 'l', long = "listen", value_name = "ADDR")]
    pub listen: Vec<SocketAddr>,
    /// Seconds a client may take to send a request head (also bounds idle keep-alive connections).
    #[arg(long, default_value_t = 20)]
    pub header_read_timeout: u64,
    /// Seconds a client may leave its request body stalled.
    #[arg(long, default_value_t = 60)]
    pub client_body_timeout: u64,
    /// Most client connections served at once.
    #[arg(long, default_value_t = 16384)]
    pub max_connections: usize,
    /// Seconds between checks of the mount file for changes (JkMountFileReload); 0: only SIGHUP reloads.
    #[arg(long, default_value_t = 60)]
    pub mount_file_reload: u64,
    /// Seconds in-flight requests get to finish after SIGTERM/SIGINT.
    #[arg(long, default_value_t = 30)]
    pub shutdown_grace: u64,
    /// Serve paths no mount matches from this directory (httpd's DocumentRoot); without it they get 404.
    #[arg(long = "document-root", value_name = "DIR")]
    pub document_root: Option<PathBuf>,
    /// Serve URL-PREFIX from DIR (httpd's Alias), tried before the document root. Repeatable.
    #[arg(long = "alias", value_name = "URL-PREFIX=DIR")]
    pub alias: Vec<String>,
    #[command(flatten)]
    pub tls: TlsArgs,
    #[command(flatten)]
    pub client_addr: ClientAddrArgs,
}

/// Resolves when SIGTERM or SIGINT arrives.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Where the configuration comes from (for reloads), the addresses to listen on, and the
/// configuration itself, each file read once.
fn sources(args: &ServeArgs) -> Result<(ConfigSources, Vec<SocketAddr>, Config), String> {
    let Some(main) = &args.httpd else {
        let sources = ConfigSources::Files {
            workers: args.workers.clone().unwrap_or_default(),
            mounts: args.mounts.clone(),
            cli_mounts: args.mount.clone(),
        };
        let config = sources.load().map_err(|e| e.to_string())?;
        return Ok((sources, listen_or_default(&args.listen), config));
    };
    let options = ReadOptions {
        defines: args.define.clone(),
        server_root: None,
    };
    let (_, site) = crate::site::load(main, &options).map_err(|e| e.to_string())?;
    let differences: Vec<String> = site
        .ignored
        .iter()
        .filter_map(|(place, name, verdict)| match verdict {
            Verdict::ChangesResponses(why) => Some(format!("{place}: {name}: {why}")),
            _ => None,
        })
        .collect();
    if !differences.is_empty() && !args.accept_httpd_differences {
        let list = differences.join("\n");
        return Err(format!(
            "{list}\nthese directives change what clients get and ajpgate does not implement them; \
             --accept-httpd-differences starts anyway"
        ));
    }
    for difference in &differences {
        tracing::warn!("accepted difference from httpd: {difference}");
    }
    let mut listen = args.listen.clone();
    if listen.is_empty() {
        for line in &site.listens {
            if line
                .protocol
                .as_deref()
                .is_some_and(|p| p.eq_ignore_ascii_case("https"))
            {
                return Err(format!(
                    "{}: Listen {} https: give TLS with --listen-tls",
                    line.place, line.address
                ));
            }
            listen.push(
                line.socket_addr()
                    .map_err(|e| format!("{}: Listen: {e}", line.place))?,
            );
        }
    }
    let config = site.config().map_err(|e| e.to_string())?;
    let sources = ConfigSources::Httpd {
        main: main.clone(),
        options,
    };
    Ok((sources, listen_or_default(&listen), config))
}

fn listen_or_default(listen: &[SocketAddr]) -> Vec<SocketAddr> {
    if listen.is_empty() {
        vec![SocketAddr::from(([127, 0, 0, 1], 8080))]
    } else {
        listen.to_vec()
    }
}

pub fn run(args: ServeArgs) -> ExitCode {
    let (sources, listen, config) = match sources(&args) {
        Ok(found) => found,
        Err(error) => {
            eprintln!("{error}");
            eprintln!("ajpgate serve: the configuration is invalid; not starting");
            return ExitCode::FAILURE;
        }
    };
    for warning in &config.warnings {
        tracing::warn!("{warning}");
    }
    let tls = match args.tls.load() {
        Ok(tls) => tls,
        Err(error) => {
            eprintln!("ajpgate serve: {error}");
            eprintln!("ajpgate serve: the TLS setup is invalid; not starting");
            return ExitCode::FAILURE;
        }
    };
    if let Some(tls) = &tls {
        for line in tls.describe(chrono::Utc::now().timestamp()) {
            tracing::info!("TLS {line}");
        }
    }
    let client_addr = args.client_addr.settings();
    if !client_addr.is_default_trust() {
        for line in client_addr.describe() {
            tracing::info!("{line}");
        }
    }
    let static_files = match static_files(&args) {
        Ok(files) => files,
        Err(error) => {
            eprintln!("ajpgate serve: {error}");
            return ExitCode::FAILURE;
        }
    };
    let Some(runtime) = runtime("serve") else {
        return ExitCode::FAILURE;
    };
    let settings = ServerSettings {
        static_files,
        header_read_timeout: Duration::from_secs(args.header_read_timeout),
        client_body_timeout: Duration::from_secs(args.client_body_timeout),
        max_connections: args.max_connections,
        shutdown_grace: Duration::from_secs(args.shutdown_grace),
        client_addr,
        ..ServerSettings::default()
    };
    runtime.block_on(async move {
        let Some(mut listeners) = bind("serve", &listen).await else {
            return ExitCode::FAILURE;
        };
        for listener in &mut listeners {
            listener.h2c = args.tls.h2c;
        }
        if let Some(tls) = &tls {
            let Some(secure) = bind("serve", &args.tls.listen_tls).await else {
                return ExitCode::FAILURE;
            };
            listeners.extend(secure.into_iter().map(|mut l| {
                l.tls = Some(Arc::clone(tls));
                l
            }));
        }
        let interval = Duration::from_secs(args.mount_file_reload);
        run_gateway(
            "serve",
            config,
            listeners,
            settings,
            Some((sources, interval)),
            tls,
        )
        .await
    })
}

/// `--document-root` and `--alias` made ready to serve; `None` when neither is given.
fn static_files(args: &ServeArgs) -> Result<Option<Arc<StaticFiles>>, StaticError> {
    if args.document_root.is_none() && args.alias.is_empty() {
        return Ok(None);
    }
    let settings = StaticSettings {
        document_root: args.document_root.clone(),
        aliases: args
            .alias
            .iter()
            .map(|a| Alias::parse(a))
            .collect::<Result<_, _>>()?,
        types_config: None,
    };
    Ok(Some(Arc::new(StaticFiles::load(&settings)?)))
}

/// The multi-threaded runtime every serving subcommand runs on.
pub(crate) fn runtime(command: &str) -> Option<tokio::runtime::Runtime> {
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => Some(runtime),
        Err(error) => {
            eprintln!("ajpgate {command}: cannot start the runtime: {error}");
            None
        }
    }
}

/// Binds every listen address (plain; the caller adds TLS or h2c), or says which one failed.
pub(crate) async fn bind(command: &str, addresses: &[SocketAddr]) -> Option<Vec<Listener>> {
    let mut listeners = Vec::new();
    for address in addresses {
        match tokio::net::TcpListener::bind(address).await {
            Ok(listener) => listeners.push(listener.into()),
            Err(error) => {
                eprintln!("ajpgate {command}: cannot listen on {address}: {error}");
                return None;
            }
        }
    }
    Some(listeners)
}

/// Starts the workers of `config` and serves until SIGTERM/SIGINT. With `reload`, SIGHUP and changes to
/// the mount file (checked at the given interval) reload the configuration from its files.
pub(crate) async fn run_gateway(
    command: &str,
    config: Config,
    listeners: Vec<Listener>,
    settings: ServerSettings,
    reload: Option<(ConfigSources, Duration)>,
    tls: Option<Arc<TlsSetup>>,
) -> ExitCode {
    let gateway = Arc::new(Gateway::start(config).await);
    let sources = reload
        .as_ref()
        .map(|(s, _)| s.clone())
        .unwrap_or_else(|| ConfigSources::Files {
            workers: PathBuf::new(),
            mounts: None,
            cli_mounts: Vec::new(),
        });
    let reloadable = Reloadable::with_tls(gateway, sources, tls);
    let triggers = reload.map(|(_, interval)| reloadable.spawn_triggers(interval));
    let source: Arc<dyn crate::http::server::GatewaySource> = reloadable.clone();
    let result = serve(listeners, source, settings, shutdown_signal()).await;
    if let Some(task) = triggers {
        task.abort();
    }
    reloadable.close();
    match result {
        Ok(()) => {
            tracing::info!("stopped");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("ajpgate {command}: {error}");
            ExitCode::FAILURE
        }
    }
}
