//! `ajpgate serve` with TLS flags, as an operator runs it: support's [`GateProcess`] with
//! `--listen-tls` on a port of its own, and SIGHUP with a wait for the log line that answers it.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::process::GateProcess;
use crate::support::testbed::free_ports;

pub struct TlsGate {
    process: GateProcess,
    /// The `--listen-tls` address.
    pub addr: SocketAddr,
}

impl TlsGate {
    /// `ajpgate serve --mount /app/*=node1 --listen-tls ADDR` plus `tls_args`; returns once the TLS
    /// listener accepts too.
    pub fn start(workers: &str, tls_args: &[String]) -> TlsGate {
        let addr = SocketAddr::from(([127, 0, 0, 1], free_ports(1)[0]));
        let mut args = vec!["--listen-tls".to_owned(), addr.to_string()];
        args.extend(tls_args.iter().cloned());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let process = GateProcess::start_with_args(workers, &["/app/*=node1"], &args);
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(addr).is_err() {
            assert!(
                Instant::now() < deadline,
                "ajpgate serve {args:?} did not listen on {addr}:\n{}",
                std::fs::read_to_string(&process.log).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        TlsGate { process, addr }
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.process.log).unwrap_or_default()
    }

    /// Sends SIGHUP and waits (up to 10 s) until the log has one more line containing `expect`.
    pub fn sighup_and_wait(&self, expect: &str) {
        let before = self.log_text().matches(expect).count();
        let pid = self.process.pid().to_string();
        let status = Command::new("kill").args(["-HUP", &pid]).status();
        assert!(status.is_ok_and(|s| s.success()), "kill -HUP {pid}");
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.log_text().matches(expect).count() <= before {
            assert!(
                Instant::now() < deadline,
                "no new {expect:?} in the log within 10 s of SIGHUP:\n{}",
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn is_running(&mut self) -> bool {
        matches!(self.process.child.try_wait(), Ok(None))
    }
}

/// `--tls-cert C --tls-key K` for each pair, then the rest.
pub fn tls_flags(pairs: &[(&Path, &Path)], rest: &[&str]) -> Vec<String> {
    let mut args = Vec::new();
    for (cert, key) in pairs {
        args.push("--tls-cert".to_owned());
        args.push(cert.display().to_string());
        args.push("--tls-key".to_owned());
        args.push(key.display().to_string());
    }
    args.extend(rest.iter().map(|a| a.to_string()));
    args
}
