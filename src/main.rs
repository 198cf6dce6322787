use std::process::ExitCode;

use ajpgate::cli::{Cli, Command, check, check_httpd, decode, demo, fake_backend, serve};
use ajpgate::fakeajp::FakeConfig;
use clap::Parser;

/// Logs to stderr at the level RUST_LOG asks for (default: info).
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => {
            init_logging();
            serve::run(args)
        }
        Command::Demo(args) => {
            init_logging();
            demo::run(args)
        }
        Command::Decode {
            file,
            max_packet_size,
        } => {
            let stdout = std::io::stdout();
            match decode::run(
                file.as_deref(),
                max_packet_size as usize,
                &mut stdout.lock(),
            ) {
                Ok(()) => ExitCode::SUCCESS,
                Err(err) => {
                    eprintln!("ajpgate decode: {err}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::FakeBackend {
            listen,
            route,
            secret,
            max_packet_size,
            no_cpong,
        } => {
            let config = FakeConfig {
                listen,
                route,
                secret,
                max_packet_size: max_packet_size as usize,
                answer_cping: !no_cpong,
            };
            match fake_backend::run(config, &mut std::io::stdout()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(err) => {
                    eprintln!("ajpgate fake-backend: {err}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Check {
            workers,
            httpd,
            define,
            mounts,
            mount,
            tls,
            client_addr,
        } => {
            let mut out = std::io::stdout().lock();
            let mut err = std::io::stderr().lock();
            let loaded = match (&httpd, &workers) {
                (Some(httpd), _) => check_httpd::run(httpd, &define, &mut out, &mut err),
                (None, Some(workers)) => {
                    check::run(workers, mounts.as_deref(), &mount, &mut out, &mut err)
                }
                (None, None) => Err(std::io::Error::other("give -w FILE or --httpd FILE")),
            };
            let result = loaded
                .and_then(|ok| Ok(check::report_tls(&tls, &mut out, &mut err)? && ok))
                .and_then(|ok| check::report_client_addr(&client_addr, &mut out).map(|()| ok));
            match result {
                Ok(true) => ExitCode::SUCCESS,
                Ok(false) => ExitCode::FAILURE,
                Err(err) => {
                    eprintln!("ajpgate check: {err}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}
