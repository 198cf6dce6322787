//! `ajpgate serve`: load the configuration, start the workers, serve HTTP until SIGTERM or SIGINT.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;

use crate::config::Config;
use crate::gateway::Gateway;
use crate::http::server::{ServerSettings, serve};

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// workers.properties, as mod_jk reads it.
    #[arg(short = 'w', long = "workers", value_name = "FILE")]
    pub workers: PathBuf,
    /// uriworkermap.properties (JkMountFile).
    #[arg(short = 'm', long = "mounts", value_name = "FILE")]
    pub mounts: Option<PathBuf>,
    /// A JkMount rule, e.g. `/app/*=node1`. Repeatable.
    #[arg(long = "mount", value_name = "PATTERN=WORKER")]
    pub mount: Vec<String>,
    /// Address to listen on. Repeatable.
    #[arg(short = 'l', long = "listen", value_name = "ADDR", default_values_t = [SocketAddr::from(([127, 0, 0, 1], 8080))])]
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
    /// Seconds in-flight requests get to finish after SIGTERM/SIGINT.
    #[arg(long, default_value_t = 30)]
    pub shutdown_grace: u64,
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

pub fn run(args: ServeArgs) -> ExitCode {
    let config = match Config::load(&args.workers, args.mounts.as_deref(), &args.mount) {
        Ok(config) => config,
        Err(errors) => {
            eprintln!("{errors}");
            eprintln!("ajpgate serve: the configuration is invalid; not starting");
            return ExitCode::FAILURE;
        }
    };
    for warning in &config.warnings {
        tracing::warn!("{warning}");
    }
    let Some(runtime) = runtime("serve") else {
        return ExitCode::FAILURE;
    };
    let settings = ServerSettings {
        header_read_timeout: Duration::from_secs(args.header_read_timeout),
        client_body_timeout: Duration::from_secs(args.client_body_timeout),
        max_connections: args.max_connections,
        shutdown_grace: Duration::from_secs(args.shutdown_grace),
        ..ServerSettings::default()
    };
    runtime.block_on(async move {
        let Some(listeners) = bind("serve", &args.listen).await else {
            return ExitCode::FAILURE;
        };
        run_gateway("serve", config, listeners, settings).await
    })
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

/// Binds every listen address, or says which one failed.
pub(crate) async fn bind(
    command: &str,
    addresses: &[SocketAddr],
) -> Option<Vec<tokio::net::TcpListener>> {
    let mut listeners = Vec::new();
    for address in addresses {
        match tokio::net::TcpListener::bind(address).await {
            Ok(listener) => listeners.push(listener),
            Err(error) => {
                eprintln!("ajpgate {command}: cannot listen on {address}: {error}");
                return None;
            }
        }
    }
    Some(listeners)
}

/// Starts the workers of `config` and serves until SIGTERM/SIGINT.
pub(crate) async fn run_gateway(
    command: &str,
    config: Config,
    listeners: Vec<tokio::net::TcpListener>,
    settings: ServerSettings,
) -> ExitCode {
    let gateway = Arc::new(Gateway::start(config).await);
    let maintenance = gateway.spawn_maintenance();
    let source: Arc<dyn crate::http::server::GatewaySource> = Arc::new(Arc::clone(&gateway));
    let result = serve(listeners, source, settings, shutdown_signal()).await;
    if let Some(task) = maintenance {
        task.abort();
    }
    gateway.close();
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
