//! The real curl (7.88, OpenSSL and nghttp2) as the TLS client of the tests: protocol versions, forced
//! ciphers, HTTP/1.1 or h2 by ALPN, a client certificate, the CA to trust, and `--resolve` so that a
//! name (and so SNI) reaches 127.0.0.1. What it reports back comes from `-w`: the HTTP version, the
//! status, the verify result and the served certificate's subject; and from `-v`, whether it resumed
//! a TLS session.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::pki::Pair;

/// One curl invocation.
#[derive(Debug, Clone, Default)]
pub struct Curl {
    /// The name in the URL (SNI and Host); it resolves to the server's address.
    pub host: String,
    pub path: String,
    pub http2: bool,
    /// `--tlsv1.2 --tls-max 1.2` (else TLS 1.3 only: `--tlsv1.3`).
    pub tls12: bool,
    /// `--ciphers` (TLS 1.2 suites, OpenSSL names).
    pub ciphers: Option<String>,
    /// `--tls13-ciphers`.
    pub tls13_ciphers: Option<String>,
    /// A `Host:` header instead of the one curl makes from the URL.
    pub host_header: Option<String>,
    pub client: Option<Pair>,
    pub cacert: PathBuf,
    /// `-k`: go on when the server's certificate does not verify (`ssl_verify_result` still says).
    pub insecure: bool,
}

/// What curl saw of one request.
#[derive(Debug, Clone)]
pub struct CurlSeen {
    /// curl's exit code (0: a response came; 35, 56, ...: TLS or transfer failure), the same for
    /// every request of an invocation.
    pub exit: i32,
    /// `%{http_code}` (0 without a response).
    pub status: u16,
    /// `%{http_version}`: `1.1`, `2`.
    pub http_version: String,
    /// `%{ssl_verify_result}`: 0 when the server's certificate verified.
    pub verify_result: i64,
    /// The served leaf's `Subject:` from curl's certinfo (`%{certs}`), `O=x, CN=y`; empty if none.
    pub server_subject: String,
    pub body: String,
    /// curl's error message, without the `curl: (N)` prefix.
    pub error: String,
    /// curl's `-v` said it re-used a TLS session (invocations of several requests only).
    pub resumed: bool,
}

const END: &str = "--end-of-transfer--";

impl Curl {
    pub fn new(host: &str, path: &str, cacert: &Path) -> Curl {
        Curl {
            host: host.into(),
            path: path.into(),
            cacert: cacert.to_owned(),
            ..Curl::default()
        }
    }

    /// Runs curl against `addr` (at most 20 s).
    pub fn run(&self, addr: SocketAddr) -> CurlSeen {
        self.run_many(addr, 1, false).remove(0)
    }

    /// `n` requests in one curl invocation: on one connection, or with `reconnect` on a new
    /// connection each (the server is asked to close), where curl resumes the TLS session it got.
    pub fn run_many(&self, addr: SocketAddr, n: usize, reconnect: bool) -> Vec<CurlSeen> {
        let dir = super::ScratchDir::new("curl");
        let url = format!("https://{}:{}{}", self.host, addr.port(), self.path);
        let mut command = Command::new("curl");
        command
            .args(["-sS", "-v", "--max-time", "20", "--no-progress-meter"])
            .arg("--resolve")
            .arg(format!("{}:{}:{}", self.host, addr.port(), addr.ip()))
            .arg("--cacert")
            .arg(&self.cacert)
            .arg(if self.http2 { "--http2" } else { "--http1.1" })
            .arg("-w")
            .arg(format!(
                "%{{http_code}}\\n%{{http_version}}\\n%{{ssl_verify_result}}\\n%{{certs}}\\n{END}\\n"
            ));
        if self.tls12 {
            command.args(["--tlsv1.2", "--tls-max", "1.2"]);
        } else {
            command.arg("--tlsv1.3");
        }
        let options = [
            ("--ciphers", &self.ciphers),
            ("--tls13-ciphers", &self.tls13_ciphers),
        ];
        for (flag, value) in options {
            if let Some(value) = value {
                command.arg(flag).arg(value);
            }
        }
        if let Some(host) = &self.host_header {
            command.arg("-H").arg(format!("Host: {host}"));
        }
        if self.insecure {
            command.arg("-k");
        }
        if reconnect {
            command.args(["-H", "Connection: close"]);
        }
        if let Some(client) = &self.client {
            command
                .arg("--cert")
                .arg(&client.cert)
                .arg("--key")
                .arg(&client.key);
        }
        let bodies: Vec<PathBuf> = (0..n).map(|i| dir.0.join(format!("body{i}"))).collect();
        for body in &bodies {
            command.arg("-o").arg(body).arg(&url);
        }
        let out = command
            .output()
            .unwrap_or_else(|e| panic!("tests need curl (Debian package curl): {e}"));
        let stderr = String::from_utf8_lossy(&out.stderr);
        let error = stderr
            .lines()
            .find_map(|l| l.strip_prefix("curl: ("))
            .and_then(|l| l.split_once(") "))
            .map(|(_, message)| message.to_owned())
            .unwrap_or_default();
        let resumed = stderr.contains("SSL re-using session ID");
        let written = String::from_utf8_lossy(&out.stdout).into_owned();
        let mut transfers = written.split(END);
        bodies
            .iter()
            .map(|body| {
                let mut lines = transfers.next().unwrap_or_default().trim_start().lines();
                CurlSeen {
                    exit: out.status.code().unwrap_or(-1),
                    status: lines.next().and_then(|l| l.parse().ok()).unwrap_or(0),
                    http_version: lines.next().unwrap_or_default().to_owned(),
                    verify_result: lines.next().and_then(|l| l.parse().ok()).unwrap_or(-1),
                    server_subject: lines
                        .find_map(|l| l.strip_prefix("Subject:"))
                        .unwrap_or_default()
                        .trim()
                        .replace(" = ", "="),
                    body: std::fs::read_to_string(body).unwrap_or_default(),
                    error: error.clone(),
                    resumed,
                }
            })
            .collect()
    }
}
