//! ajpgate as a subprocess ([`GateProcess`]), and readers of /proc: peak RSS and the peers of
//! established TCP connections.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::testbed::free_ports;

/// `ajpgate serve` as a child process; killed on drop.
pub struct GateProcess {
    pub child: Child,
    pub addr: SocketAddr,
    pub log: PathBuf,
    _root: super::ScratchDir,
}

impl GateProcess {
    /// Runs the built binary with this workers.properties text and `--mount` rules, and waits until
    /// it accepts connections.
    pub fn start(workers: &str, mounts: &[&str]) -> GateProcess {
        Self::start_with_args(workers, mounts, &[])
    }

    /// Like [`GateProcess::start`], with more `serve` arguments (e.g. `--h2c`) after the listen address.
    pub fn start_with_args(workers: &str, mounts: &[&str], args: &[&str]) -> GateProcess {
        let root = super::ScratchDir::new("gate-process");
        let file = root.0.join("workers.properties");
        std::fs::write(&file, workers).unwrap();
        let log = root.0.join("ajpgate.log");
        let port = free_ports(1)[0];
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let out = std::fs::File::create(&log).unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_ajpgate"));
        command
            .arg("serve")
            .arg("-w")
            .arg(&file)
            .arg("-l")
            .arg(addr.to_string());
        for mount in mounts {
            command.arg("--mount").arg(mount);
        }
        command.args(args);
        let child = command
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .expect("spawn ajpgate serve");
        let mut gate = GateProcess {
            child,
            addr,
            log,
            _root: root,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if std::net::TcpStream::connect(addr).is_ok() {
                return gate;
            }
            if let Ok(Some(status)) = gate.child.try_wait() {
                panic!(
                    "ajpgate serve exited ({status}):\n{}",
                    std::fs::read_to_string(&gate.log).unwrap_or_default()
                );
            }
            assert!(
                Instant::now() < deadline,
                "ajpgate serve did not listen on {addr} within 30 s"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for GateProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A `VmXxx:` line of /proc/PID/status, in kB.
pub fn proc_status_kb(pid: u32, key: &str) -> u64 {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no {key} in /proc/{pid}/status"))
}

/// Resets the peak RSS (VmHWM) of `pid` to its current RSS (Linux ≥ 4.0). False if not permitted.
pub fn reset_peak_rss(pid: u32) -> bool {
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5").is_ok()
}

/// Remote ports of ESTABLISHED connections whose local port is `local_port` (IPv4 and IPv6 tables).
pub fn established_peers(local_port: u16) -> HashSet<u16> {
    let mut out = HashSet::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(table) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            if fields.len() < 4 || fields[3] != "01" {
                continue;
            }
            let port_of = |addr: &str| {
                addr.rsplit(':')
                    .next()
                    .and_then(|p| u16::from_str_radix(p, 16).ok())
            };
            if port_of(fields[1]) == Some(local_port)
                && let Some(peer) = port_of(fields[2])
            {
                out.insert(peer);
            }
        }
    }
    out
}

/// SIGTERM, so that httpd stops its worker processes too (SIGKILL would orphan them), then waits;
/// SIGKILL if it has not gone within 10 s.
pub fn terminate(child: &mut Child) {
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status();
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
}
