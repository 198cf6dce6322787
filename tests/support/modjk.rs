//! Real httpd + mod_jk next to ajpgate, for differential tests: a private httpd started with
//! `tests/testbed/httpd.sh` (stopped again on drop), an in-process ajpgate that also reads a
//! uriworkermap.properties, and a raw HTTP/1.1 client that sends the request target byte for byte to
//! either of them.
//!
//! Nothing here skips: when httpd or mod_jk is not installed, [`require_httpd`] panics.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use ajpgate::config::Config;
use ajpgate::http::server::ServerSettings;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::{Gate, ScratchDir};

pub const APACHE2: &str = "/usr/sbin/apache2";
pub const MOD_JK: &str = "/usr/lib/apache2/modules/mod_jk.so";

/// Panics (the test fails, it is not skipped) when httpd or mod_jk is missing.
pub fn require_httpd() {
    for (file, package) in [(APACHE2, "apache2"), (MOD_JK, "libapache2-mod-jk")] {
        assert!(
            Path::new(file).is_file(),
            "{file} is missing: this test needs real httpd + mod_jk (apt-get install {package})"
        );
    }
}

fn testbed() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/testbed")
}

/// A free TCP port on 127.0.0.1 (bound and released at once).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A private httpd + mod_jk; `Drop` stops it (`httpd.sh stop`) and removes its directory.
pub struct Httpd {
    pub addr: SocketAddr,
    pub dir: PathBuf,
    started: bool,
    _scratch: ScratchDir,
}

impl Httpd {
    /// Writes `workers.properties`, `uriworkermap.properties` (when given; `JkMountFile` points at it,
    /// never reloaded) and `extra.conf` (`extra_conf` plus the JkMountFile lines) into a scratch
    /// directory and starts httpd on a free port. Its DocumentRoot is left empty and `DirectoryIndex`
    /// is disabled, so every URI mod_jk does not map gets httpd's 404.
    pub fn start(workers: &str, uriworkermap: Option<&[u8]>, extra_conf: &str) -> Httpd {
        require_httpd();
        let scratch = ScratchDir::new("modjk");
        let dir = scratch.0.join("httpd");
        let workers_file = scratch.0.join("workers.properties");
        std::fs::write(&workers_file, workers).unwrap();
        let mut extra = String::new();
        if let Some(map) = uriworkermap {
            let map_file = scratch.0.join("uriworkermap.properties");
            std::fs::write(&map_file, map).unwrap();
            extra.push_str(&format!(
                "JkMountFile \"{}\"\nJkMountFileReload 0\n",
                map_file.display()
            ));
        }
        extra.push_str("DirectoryIndex disabled\n");
        extra.push_str(extra_conf);
        let extra_file = scratch.0.join("extra.conf");
        std::fs::write(&extra_file, extra).unwrap();
        let mut httpd = Httpd {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            dir: dir.clone(),
            started: false,
            _scratch: scratch,
        };
        let mut last = String::new();
        for _attempt in 0..3 {
            let port = free_port();
            // Marked started before the script runs: if it dies half-way, Drop still stops what is left.
            httpd.started = true;
            let out = Command::new("bash")
                .arg(testbed().join("httpd.sh"))
                .arg("start")
                .arg(&dir)
                .arg(port.to_string())
                .arg(&workers_file)
                .arg(&extra_file)
                .output()
                .expect("run tests/testbed/httpd.sh");
            if out.status.success() {
                httpd.addr = SocketAddr::from(([127, 0, 0, 1], port));
                // httpd.sh puts an index.html there; the DocumentRoot must be empty.
                let _ = std::fs::remove_file(dir.join("htdocs/index.html"));
                return httpd;
            }
            last = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            if !last.contains("already answers HTTP") {
                break;
            }
        }
        panic!("httpd + mod_jk did not start:\n{last}");
    }

    /// mod_jk's own log, for failure messages.
    pub fn mod_jk_log(&self) -> String {
        std::fs::read_to_string(self.dir.join("logs/mod_jk.log")).unwrap_or_default()
    }
}

impl Drop for Httpd {
    fn drop(&mut self) {
        if self.started {
            let _ = Command::new("bash")
                .arg(testbed().join("httpd.sh"))
                .arg("stop")
                .arg(&self.dir)
                .output();
        }
    }
}

/// ajpgate serving on an ephemeral port, from a workers.properties text, an optional
/// uriworkermap.properties and `--mount` arguments (what `JkMount`/`JkUnMount` were).
pub async fn gate_with_map(workers: &str, uriworkermap: Option<&[u8]>, mounts: &[String]) -> Gate {
    let dir = ScratchDir::new("gate-map");
    let workers_file = dir.0.join("workers.properties");
    std::fs::write(&workers_file, workers).unwrap();
    let map_file = dir.0.join("uriworkermap.properties");
    if let Some(map) = uriworkermap {
        std::fs::write(&map_file, map).unwrap();
    }
    let config = Config::load(
        &workers_file,
        uriworkermap.map(|_| map_file.as_path()),
        mounts,
    )
    .unwrap_or_else(|e| panic!("config: {e}"));
    Gate::serve(config, ServerSettings::default(), dir).await
}

/// What came back for one request: the status and the `X-Fake-Node` header, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub node: Option<String>,
}

impl Answer {
    /// `w1` when a fake backend with route `w1` answered 200, else `404`, `500`, ... (`200` alone would
    /// be a 200 that no fake backend sent).
    pub fn outcome(&self) -> String {
        match (&self.node, self.status) {
            (Some(node), 200) => node.clone(),
            (Some(node), status) => format!("{status} from {node}"),
            (None, status) => status.to_string(),
        }
    }
}

/// Sends `METHOD TARGET HTTP/1.1` with `Host` and `Connection: close` on a new connection, the target
/// byte for byte, and reads the answer to the end (10 s at most). `Err` when no status line came.
pub async fn raw_request(addr: SocketAddr, method: &str, target: &[u8]) -> Result<Answer, String> {
    let mut request = Vec::new();
    request.extend_from_slice(method.as_bytes());
    request.push(b' ');
    request.extend_from_slice(target);
    request.extend_from_slice(b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    let exchange = async {
        let mut stream = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
        stream
            .write_all(&request)
            .await
            .map_err(|e| e.to_string())?;
        let mut out = Vec::new();
        // A reset after a complete head still counts: keep what was read.
        let _ = stream.read_to_end(&mut out).await;
        Ok::<_, String>(out)
    };
    let out = tokio::time::timeout(Duration::from_secs(10), exchange)
        .await
        .map_err(|_| "no complete answer within 10 s".to_string())??;
    let head_end = out
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| format!("no response head in {:?}", String::from_utf8_lossy(&out)))?;
    let head = String::from_utf8_lossy(&out[..head_end]);
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| format!("bad status line {status_line:?}"))?;
    let node = lines.find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("x-fake-node")
            .then(|| value.trim().to_string())
    });
    Ok(Answer { status, node })
}
