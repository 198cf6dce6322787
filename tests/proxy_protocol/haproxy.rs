//! haproxy (Debian package `haproxy`) in front of ajpgate, as the real PROXY-protocol sender and
//! X-Forwarded-For proxy: started in the foreground on 127.0.0.1 with a generated configuration, killed
//! by its pid when dropped.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::support::ScratchDir;

pub struct Haproxy {
    child: Child,
    _dir: ScratchDir,
}

impl Haproxy {
    /// Starts haproxy with these `frontend`/`backend` sections after common defaults; waits until
    /// every port in `ports` accepts connections.
    pub fn start(sections: &str, ports: &[u16]) -> Haproxy {
        let dir = ScratchDir::new("haproxy");
        let config = dir.0.join("haproxy.cfg");
        let text = format!(
            "global\n  maxconn 100\n\ndefaults\n  timeout connect 5s\n  timeout client 30s\n  \
             timeout server 30s\n\n{sections}"
        );
        std::fs::write(&config, text).unwrap();
        let log = std::fs::File::create(dir.0.join("haproxy.log")).unwrap();
        let child = Command::new("haproxy")
            .arg("-db")
            .arg("-f")
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run haproxy (Debian package haproxy): {e}"));
        let mut haproxy = Haproxy { child, _dir: dir };
        let deadline = Instant::now() + Duration::from_secs(10);
        for port in ports {
            while std::net::TcpStream::connect(("127.0.0.1", *port)).is_err() {
                if let Ok(Some(status)) = haproxy.child.try_wait() {
                    panic!("haproxy exited ({status}):\n{}", haproxy.log());
                }
                assert!(
                    Instant::now() < deadline,
                    "haproxy not listening on {port}:\n{}",
                    haproxy.log()
                );
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        haproxy
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self._dir.0.join("haproxy.log")).unwrap_or_default()
    }
}

impl Drop for Haproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `curl` from the client address `from` (one of 127.0.0.0/8): the status and body.
pub fn curl_from(from: &str, url: &str, extra: &[&str]) -> (u16, String) {
    let output = Command::new("curl")
        .args(["-sS", "-k", "--max-time", "20", "--interface", from])
        .args(["-o", "-", "-w", "\n%{http_code}"])
        .args(extra)
        .arg(url)
        .output()
        .expect("curl runs");
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let (body, code) = text.rsplit_once('\n').unwrap_or(("", "0"));
    (
        code.trim().parse().unwrap_or(0),
        format!("{body}{}", String::from_utf8_lossy(&output.stderr)),
    )
}

/// The value of the `key: value` line of an echo.jsp body.
pub fn line<'a>(body: &'a str, key: &str) -> Option<&'a str> {
    body.lines()
        .find_map(|l| l.strip_prefix(key).and_then(|r| r.strip_prefix(": ")))
}
