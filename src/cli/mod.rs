//! The `ajpgate` command line. `main.rs` parses arguments with clap and calls one function per subcommand.

pub mod check;
pub mod check_httpd;
pub mod client_addr;
pub mod decode;
pub mod demo;
pub mod fake_backend;
pub mod serve;
pub mod tls;

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::ajp::codes::DEFAULT_MAX_PACKET_SIZE;

#[derive(Debug, Parser)]
#[command(
    name = "ajpgate",
    version,
    about = "HTTP front end for Tomcat over AJP13, a drop-in for httpd + mod_jk"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve HTTP on the given addresses, forwarding to the workers of a mod_jk workers.properties.
    ///
    /// Stops on SIGTERM or SIGINT: no new connections, requests in flight finish (up to
    /// --shutdown-grace), backend connections close. SIGHUP reloads the configuration files; so does a
    /// change of the mount file (see --mount-file-reload). An invalid new configuration is logged and the
    /// running one stays. Logs go to stderr; the level comes from RUST_LOG
    /// (default info), access lines have the target ajpgate::access.
    Serve(serve::ServeArgs),
    /// Run the embedded demo: two in-process fake Tomcats behind a sticky lb, and jk-status. No Tomcat
    /// needed. Prints the URLs to open and the workers.properties it runs.
    Demo(demo::DemoArgs),
    /// Print the AJP13 packets of a one-direction capture as JSON lines.
    ///
    /// Reads FILE (standard input when absent): the raw bytes one side of an AJP connection sent. The
    /// direction comes from the first magic (12 34: to the container, 41 42: from it). Malformed input
    /// prints the packets decoded so far, then the error with its byte offset, and exits with status 1.
    Decode {
        /// Capture file; standard input when absent.
        file: Option<PathBuf>,
        /// The max_packet_size both sides were configured with (8192 to 65536).
        #[arg(long, default_value_t = DEFAULT_MAX_PACKET_SIZE as u32,
              value_parser = clap::value_parser!(u32).range(8192..=65536))]
        max_packet_size: u32,
    },
    /// Run a fake Tomcat (AJP13 container) until Ctrl-C: a testing aid for benchmarks and manual checks.
    ///
    /// Answers fixed pages (/echo, /bytes?n=N, /upload, /session, /slow?ms=N, ...) and misbehaves on
    /// /fault/... paths; see the `fakeajp` module docs. Prints `listening ADDR route NAME` once bound and its
    /// counters as JSON on exit.
    FakeBackend {
        /// Address to listen on; port 0 picks a free port.
        #[arg(long, default_value = "127.0.0.1:8009")]
        listen: SocketAddr,
        /// The jvmRoute: suffix of session ids and value of the X-Fake-Node header.
        #[arg(long, default_value = "node1")]
        route: String,
        /// Require this AJP secret, answering 403 without it as Tomcat does.
        #[arg(long)]
        secret: Option<String>,
        /// Tomcat's packetSize; must equal the gateway's max_packet_size (8192 to 65536).
        #[arg(long, default_value_t = DEFAULT_MAX_PACKET_SIZE as u32,
              value_parser = clap::value_parser!(u32).range(8192..=65536))]
        max_packet_size: u32,
        /// Read CPINGs but never answer them, like a hung container.
        #[arg(long)]
        no_cpong: bool,
    },
    /// Read workers.properties (and mounts) as the gateway would, and print what it makes of them.
    ///
    /// Prints every worker in worker.list with every effective property, marking where each came from
    /// (a line, a template, or the default), then the mount rules in the order they are tried.
    /// Problems go to standard error as `error: FILE:LINE: KEY: message` (or `warning: ...`). Exits
    /// with status 0 when the configuration is valid, 1 when it has errors.
    Check {
        /// workers.properties.
        #[arg(
            short = 'w',
            long = "workers",
            value_name = "FILE",
            required_unless_present = "httpd"
        )]
        workers: Option<PathBuf>,
        /// An httpd configuration (e.g. /etc/apache2/apache2.conf) to read instead of -w/-m/--mount:
        /// its JkWorkersFile, JkMount lines and virtual hosts, and a verdict on every directive
        /// ajpgate does not act on.
        #[arg(long = "httpd", value_name = "FILE", conflicts_with_all = ["workers", "mounts", "mount"])]
        httpd: Option<PathBuf>,
        /// With --httpd: a name `<IfDefine>` sees as defined, as httpd's -D (repeatable).
        #[arg(short = 'D', value_name = "NAME", requires = "httpd")]
        define: Vec<String>,
        /// uriworkermap.properties (httpd's JkMountFile).
        #[arg(short = 'm', long = "mounts", value_name = "FILE")]
        mounts: Option<PathBuf>,
        /// A mount rule as httpd's JkMount would give it, e.g. `/app/*=lb` (repeatable).
        #[arg(long = "mount", value_name = "PATTERN=WORKER")]
        mount: Vec<String>,
        /// The TLS flags `serve` would get: their certificates are loaded and shown.
        #[command(flatten)]
        tls: tls::TlsArgs,
        /// The client-address flags `serve` would get: the trusted networks are shown.
        #[command(flatten)]
        client_addr: client_addr::ClientAddrArgs,
    },
}
