//! Real backends for the acceptance tests: private Tomcat 10.1 bases and a private httpd + mod_jk,
//! started and stopped with the testbed scripts (`tests/testbed/tomcat.sh`, `httpd.sh`).
//!
//! Every instance listens on 127.0.0.1 on ports chosen at run time and lives in its own scratch
//! directory. Nothing outlives the test process:
//! * an instance owned by a test is killed when its guard drops (also on panic);
//! * a per-binary shared instance ([`shared_tomcat`]) is killed by an `atexit` handler;
//! * every instance also gets a watchdog shell that kills it if the test process dies without running
//!   either (SIGKILL, abort).
//!
//! A test that needs Tomcat fails, with the script's output, when Tomcat cannot be started; it never
//! skips. Set `AJPGATE_KEEP_TESTBED=1` to keep the scratch directories (logs) after the run.
//!
//! Also here: the raw HTTP/1.1 exchange used to send byte-identical requests to httpd and ajpgate, a
//! keep-alive hyper client, bodies generated on the fly, checksums, socket counting and peak RSS.

use std::collections::HashSet;
use std::ffi::OsStr;
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, Once, OnceLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body::{Frame, SizeHint};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The AJP secret of every testbed Tomcat (its connector has `secretRequired="true"`).
pub const SECRET: &str = "s3cret";

/// The JVM route of the Tomcat bases started here, and the name of their worker.
pub const ROUTE: &str = "node1";

/// A copy of echo.jsp deployed under a directory whose name needs escaping: `/app/a b/é/echo.jsp`.
pub const ENCODED_ECHO: &str = "/app/a%20b/%C3%A9/echo.jsp";

/// A page added to each base: one `name: <header name>` line per header, names exactly as Tomcat
/// holds them (`getHeaderNames()`).
pub const NAMES_PAGE: &str = "/app/header-names.jsp";

pub fn testbed_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/testbed")
}

/// `n` distinct ports that are free on 127.0.0.1 right now.
pub fn free_ports(n: usize) -> Vec<u16> {
    let listeners: Vec<_> = (0..n)
        .map(|_| std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0"))
        .collect();
    listeners
        .iter()
        .map(|l| l.local_addr().unwrap().port())
        .collect()
}

fn keep_testbed() -> bool {
    std::env::var_os("AJPGATE_KEEP_TESTBED").is_some_and(|v| !v.is_empty() && v != "0")
}

fn scratch_root(tag: &str) -> PathBuf {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::temp_dir().join(format!(
        "ajpgate-testbed-{tag}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    // httpd's children run as www-data when the tests run as root: they must reach the directory.
    let _ = Command::new("chmod").arg("755").arg(&dir).status();
    dir
}

/// Runs a testbed script with its output going to a file (never a pipe: the daemons it starts must not
/// hold our pipes open). Returns the exit status and what it printed.
fn run_script(script: &str, args: &[&OsStr], env: &[(&str, &str)], log: &Path) -> (bool, String) {
    let out = std::fs::File::create(log).unwrap();
    let err = out.try_clone().unwrap();
    let mut command = Command::new("bash");
    command
        .arg(testbed_dir().join(script))
        .args(args)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err);
    for (k, v) in env {
        command.env(k, v);
    }
    let status = command
        .status()
        .unwrap_or_else(|e| panic!("cannot run bash {script}: {e}"));
    let text = std::fs::read_to_string(log).unwrap_or_default();
    (status.success(), text)
}

// ---------------------------------------------------------------------------------------------------
// Cleanup at process exit.

type ExitHook = Box<dyn FnOnce() + Send>;

static EXIT_HOOKS: Mutex<Vec<ExitHook>> = Mutex::new(Vec::new());

unsafe extern "C" {
    fn atexit(callback: extern "C" fn()) -> std::os::raw::c_int;
}

extern "C" fn run_exit_hooks() {
    let hooks = std::mem::take(&mut *EXIT_HOOKS.lock().unwrap_or_else(|e| e.into_inner()));
    for hook in hooks.into_iter().rev() {
        hook();
    }
}

/// Runs `hook` when the test process exits normally (libtest returns from main or calls exit).
pub fn at_exit(hook: impl FnOnce() + Send + 'static) {
    static REGISTER: Once = Once::new();
    REGISTER.call_once(|| {
        // SAFETY: registers a plain `extern "C" fn()`; atexit has no other preconditions.
        let rc = unsafe { atexit(run_exit_hooks) };
        assert_eq!(rc, 0, "atexit failed");
    });
    EXIT_HOOKS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(Box::new(hook));
}

/// A detached shell that runs `script ARGS` once this test process is gone, however it ended. Normally
/// the guard or exit hook has already stopped the instance and this finds nothing to do.
fn spawn_watchdog(script: &str, args: &[&OsStr], remove: &Path) {
    use std::os::unix::process::CommandExt;
    let mut command = Command::new("bash");
    command
        .arg("-c")
        .arg(
            "while kill -0 \"$1\" 2>/dev/null; do sleep 0.5; done; \
             bash \"$2\" \"${@:4}\" >/dev/null 2>&1; \
             if [ -d \"$3\" ] && [ -z \"$AJPGATE_KEEP_TESTBED\" ]; then rm -rf \"$3\"; fi",
        )
        .arg("ajpgate-testbed-watchdog")
        .arg(std::process::id().to_string())
        .arg(testbed_dir().join(script))
        .arg(remove)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        // Its own process group: a Ctrl-C to the test run does not reach it.
        .process_group(0);
    if let Ok(child) = command.spawn() {
        // Not waited for: it outlives this process by design (reparented to init).
        std::mem::forget(child);
    }
}

// ---------------------------------------------------------------------------------------------------
// Tomcat.

/// A private Tomcat base (AJP connector with `secret`, `secretRequired="true"`, jvmRoute [`ROUTE`]).
/// Killed (and its directory removed) on drop.
#[derive(Debug)]
pub struct Tomcat {
    pub base: PathBuf,
    pub ajp_port: u16,
    pub http_port: u16,
    pub shutdown_port: u16,
    root: PathBuf,
    owned: bool,
}

impl Tomcat {
    /// Makes a fresh base with jvmRoute [`ROUTE`] and starts it; panics with the script's output if
    /// Tomcat cannot start.
    pub fn start_new(tag: &str) -> Tomcat {
        Self::start_with_route(tag, ROUTE)
    }

    /// Like [`Tomcat::start_new`], with another jvmRoute.
    pub fn start_with_route(tag: &str, route: &str) -> Tomcat {
        Self::start_custom(tag, route, "-Xmx512m")
    }

    /// A Tomcat that starts about twice as fast (C1 only, serial GC) but runs hot loops slower: for
    /// tests that restart it and send little.
    pub fn start_new_quick(tag: &str) -> Tomcat {
        Self::start_new_with(
            tag,
            "-Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData",
        )
    }

    /// Like [`Tomcat::start_new`], with these JVM options (`TESTBED_JAVA_OPTS` of `make-base`).
    pub fn start_new_with(tag: &str, java_opts: &str) -> Tomcat {
        Self::start_custom(tag, ROUTE, java_opts)
    }

    /// A fresh base with this jvmRoute and these JVM options.
    pub fn start_custom(tag: &str, route: &str, java_opts: &str) -> Tomcat {
        let root = scratch_root(tag);
        let base = root.join("tomcat");
        let mut last = String::new();
        for attempt in 1..=3 {
            let ports = free_ports(3);
            let tomcat = Tomcat {
                base: base.clone(),
                ajp_port: ports[0],
                http_port: ports[1],
                shutdown_port: ports[2],
                root: root.clone(),
                owned: true,
            };
            let (ok, text) = run_script(
                "tomcat.sh",
                &[
                    OsStr::new("make-base"),
                    base.as_os_str(),
                    OsStr::new(route),
                    OsStr::new(&ports[0].to_string()),
                    OsStr::new(&ports[1].to_string()),
                    OsStr::new(&ports[2].to_string()),
                    OsStr::new(SECRET),
                ],
                &[("TESTBED_JAVA_OPTS", java_opts)],
                &root.join("make-base.log"),
            );
            assert!(
                ok,
                "tests need a real Tomcat 10.1: `tomcat.sh make-base` failed (is tomcat10 installed?):\n{text}"
            );
            tomcat.deploy_extra_pages();
            spawn_watchdog("tomcat.sh", &[OsStr::new("kill"), base.as_os_str()], &root);
            match tomcat.try_start() {
                Ok(()) => {
                    tomcat.warm_up();
                    return tomcat;
                }
                Err(text) => {
                    last = text;
                    // A port taken between choosing and binding: choose again. Anything else is fatal.
                    if !last.contains("Address already in use") && !last.contains("BindException") {
                        break;
                    }
                    eprintln!("Tomcat start attempt {attempt}: port clash, retrying");
                }
            }
        }
        panic!(
            "tests need a real Tomcat 10.1 but it could not be started from {} \
             (tests/testbed/tomcat.sh start):\n{last}",
            base.display()
        );
    }

    /// Two additions to the testbed webapp, made in this base only: `webapps/app/a b/é/echo.jsp`, so
    /// encoded paths can reach a page, and [`NAMES_PAGE`], which shows header names as Tomcat received
    /// them (echo.jsp lower-cases them).
    fn deploy_extra_pages(&self) {
        let app = self.base.join("webapps/app");
        let dir = app.join("a b").join("\u{e9}");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::copy(app.join("echo.jsp"), dir.join("echo.jsp")).unwrap();
        std::fs::write(
            app.join(NAMES_PAGE.trim_start_matches("/app/")),
            "<%@ page session=\"false\" isErrorPage=\"true\" trimDirectiveWhitespaces=\"true\" \
             contentType=\"text/plain;charset=UTF-8\" %><%\n\
             StringBuilder o = new StringBuilder();\n\
             java.util.Enumeration<String> names = request.getHeaderNames();\n\
             while (names.hasMoreElements()) { o.append(\"name: \").append(names.nextElement()).append('\\n'); }\n\
             out.print(o);\n%>\n",
        )
        .unwrap();
    }

    fn try_start(&self) -> Result<(), String> {
        let (ok, text) = run_script(
            "tomcat.sh",
            &[OsStr::new("start"), self.base.as_os_str()],
            // UTF-8 file names (the "é" directory) need a UTF-8 locale in the JVM.
            &[("LC_ALL", "C.UTF-8"), ("LANG", "C.UTF-8")],
            &self.root.join("start.log"),
        );
        if ok { Ok(()) } else { Err(text) }
    }

    /// Starts this (stopped) base again on the same ports; panics if it cannot.
    pub fn start(&self) {
        if let Err(text) = self.try_start() {
            panic!(
                "Tomcat {} could not be started again (tests/testbed/tomcat.sh start):\n{text}",
                self.base.display()
            );
        }
    }

    /// Graceful stop (SHUTDOWN port, kill -9 after 10 s).
    pub fn stop(&self) {
        let (ok, text) = run_script(
            "tomcat.sh",
            &[OsStr::new("stop"), self.base.as_os_str()],
            &[],
            &self.root.join("stop.log"),
        );
        assert!(ok, "tomcat.sh stop failed:\n{text}");
    }

    /// kill -9.
    pub fn kill(&self) {
        let (ok, text) = run_script(
            "tomcat.sh",
            &[OsStr::new("kill"), self.base.as_os_str()],
            &[],
            &self.root.join("kill.log"),
        );
        assert!(ok, "tomcat.sh kill failed:\n{text}");
    }

    /// The pid of the running JVM, if any.
    pub fn pid(&self) -> Option<u32> {
        std::fs::read_to_string(self.base.join("tomcat.pid"))
            .ok()
            .and_then(|s| s.trim().parse().ok())
    }

    /// workers.properties with one ajp13 worker [`ROUTE`] for this Tomcat, plus `worker.node1.*` lines.
    pub fn workers_properties(&self, extra: &[&str]) -> String {
        let mut text = format!(
            "worker.list={ROUTE}\nworker.{ROUTE}.type=ajp13\nworker.{ROUTE}.host=127.0.0.1\n\
             worker.{ROUTE}.port={}\nworker.{ROUTE}.secret={SECRET}\n",
            self.ajp_port
        );
        for line in extra {
            text.push_str(&format!("worker.{ROUTE}.{line}\n"));
        }
        text
    }

    /// Compiles every page once through the HTTP connector, so the first test request does not pay
    /// for Jasper.
    fn warm_up(&self) {
        for page in [
            "/app/echo.jsp",
            ENCODED_ECHO,
            NAMES_PAGE,
            "/app/body.jsp",
            "/app/stream.jsp?n=10",
            "/app/session.jsp",
            "/app/sleep.jsp?ms=0",
            "/app/status.jsp?code=200",
        ] {
            let response = http_get_blocking(self.http_port, page);
            assert!(
                response.starts_with("HTTP/1.1 200"),
                "warm-up GET {page} on Tomcat's HTTP connector:\n{response}\n{}",
                self.log_tail()
            );
        }
    }

    /// The end of catalina.out, for failure messages.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(self.base.join("logs/catalina.out")).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        format!(
            "--- tail of {}/logs/catalina.out\n{}",
            self.base.display(),
            lines[lines.len().saturating_sub(30)..].join("\n")
        )
    }

    /// Client ports of the TCP connections Tomcat has ESTABLISHED on its AJP port right now (its side
    /// of each connection, from /proc/net/tcp and tcp6).
    pub fn ajp_peer_ports(&self) -> HashSet<u16> {
        established_peers(self.ajp_port)
    }
}

impl Drop for Tomcat {
    fn drop(&mut self) {
        if self.owned {
            let _ = run_script(
                "tomcat.sh",
                &[OsStr::new("kill"), self.base.as_os_str()],
                &[],
                &self.root.join("kill.log"),
            );
            if !keep_testbed() {
                let _ = std::fs::remove_dir_all(&self.root);
            }
        }
    }
}

/// One Tomcat for the whole test binary, started on first use and killed when the process exits.
pub fn shared_tomcat() -> &'static Tomcat {
    static SHARED: OnceLock<Tomcat> = OnceLock::new();
    SHARED.get_or_init(|| {
        let mut tomcat = Tomcat::start_new("shared");
        // The static is never dropped: the exit hook does what Drop would.
        tomcat.owned = false;
        let (base, root) = (tomcat.base.clone(), tomcat.root.clone());
        at_exit(move || {
            let _ = run_script(
                "tomcat.sh",
                &[OsStr::new("kill"), base.as_os_str()],
                &[],
                &root.join("kill.log"),
            );
            if !keep_testbed() {
                let _ = std::fs::remove_dir_all(&root);
            }
        });
        tomcat
    })
}

fn http_get_blocking(port: u16, path: &str) -> String {
    let attempt = || -> std::io::Result<String> {
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", port))?;
        stream.set_read_timeout(Some(Duration::from_secs(60)))?;
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
        )?;
        let mut out = Vec::new();
        stream.read_to_end(&mut out)?;
        Ok(String::from_utf8_lossy(&out).into_owned())
    };
    attempt().unwrap_or_else(|e| format!("(error: {e})"))
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

// ---------------------------------------------------------------------------------------------------
// httpd + mod_jk.

/// A private httpd + mod_jk (`tests/testbed/httpd.sh`), stopped on drop.
#[derive(Debug)]
pub struct Httpd {
    pub dir: PathBuf,
    pub port: u16,
    root: PathBuf,
    owned: bool,
}

impl Httpd {
    /// Starts httpd with this workers.properties text and extra configuration (JkMount lines ...).
    pub fn start_new(tag: &str, workers: &str, extra_conf: &str) -> Httpd {
        let root = scratch_root(tag);
        let dir = root.join("httpd");
        let workers_file = root.join("workers.properties");
        let extra_file = root.join("extra.conf");
        std::fs::write(&workers_file, workers).unwrap();
        std::fs::write(&extra_file, extra_conf).unwrap();
        let mut last = String::new();
        for _ in 0..3 {
            let port = free_ports(1)[0];
            spawn_watchdog("httpd.sh", &[OsStr::new("stop"), dir.as_os_str()], &root);
            let (ok, text) = run_script(
                "httpd.sh",
                &[
                    OsStr::new("start"),
                    dir.as_os_str(),
                    OsStr::new(&port.to_string()),
                    workers_file.as_os_str(),
                    extra_file.as_os_str(),
                ],
                &[],
                &root.join("start.log"),
            );
            if ok {
                return Httpd {
                    dir,
                    port,
                    root,
                    owned: true,
                };
            }
            last = text;
            if !last.contains("Address already in use") {
                break;
            }
        }
        panic!(
            "tests need httpd + mod_jk (apache2, libapache2-mod-jk) but tests/testbed/httpd.sh start \
             failed in {}:\n{last}",
            dir.display()
        );
    }

    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    fn stop_now(&self) {
        let _ = run_script(
            "httpd.sh",
            &[OsStr::new("stop"), self.dir.as_os_str()],
            &[],
            &self.root.join("stop.log"),
        );
        if !keep_testbed() {
            let _ = std::fs::remove_dir_all(&self.root);
        }
    }

    pub fn error_log(&self) -> String {
        std::fs::read_to_string(self.dir.join("logs/error.log")).unwrap_or_default()
    }
}

impl Drop for Httpd {
    fn drop(&mut self) {
        if self.owned {
            self.stop_now();
        }
    }
}

// ---------------------------------------------------------------------------------------------------
// ajpgate as a subprocess.

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

/// Runs a test body with an upper bound on its time, so that a hang fails the test instead of
/// blocking the run. (The future is boxed: test bodies are large.)
pub async fn bounded<T>(secs: u64, body: impl std::future::Future<Output = T>) -> T {
    match tokio::time::timeout(Duration::from_secs(secs), Box::pin(body)).await {
        Ok(value) => value,
        Err(_) => panic!("the test did not finish within {secs} s"),
    }
}

// ---------------------------------------------------------------------------------------------------
// Bodies: stream.jsp's pattern, and a pseudo-random upload generated on the fly.

/// stream.jsp's byte i.
pub const ALPHABET: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";

/// Checks a download against stream.jsp's pattern piece by piece, without keeping it.
pub struct PatternCheck {
    pub offset: u64,
    reference: Vec<u8>,
}

impl Default for PatternCheck {
    fn default() -> Self {
        Self::new()
    }
}

impl PatternCheck {
    pub fn new() -> Self {
        let reference = (0..36 * 2048)
            .map(|i| ALPHABET[i % 36])
            .collect::<Vec<u8>>();
        Self {
            offset: 0,
            reference,
        }
    }

    /// Feeds the next piece; Err with the first bad offset.
    pub fn feed(&mut self, mut data: &[u8]) -> Result<(), String> {
        let window = self.reference.len() - 36;
        while !data.is_empty() {
            let start = (self.offset % 36) as usize;
            let n = data.len().min(window);
            if data[..n] != self.reference[start..start + n] {
                let bad = (0..n)
                    .find(|&i| data[i] != self.reference[start + i])
                    .unwrap();
                return Err(format!(
                    "byte {} is {:?}, expected {:?}",
                    self.offset + bad as u64,
                    data[bad] as char,
                    self.reference[start + bad] as char
                ));
            }
            self.offset += n as u64;
            data = &data[n..];
        }
        Ok(())
    }
}

/// 64 KiB of xorshift noise; an upload's page p is this block rotated by p × 7919, so moved, lost or
/// repeated pieces change the checksum.
fn noise_block() -> &'static [u8] {
    static BLOCK: OnceLock<Vec<u8>> = OnceLock::new();
    BLOCK.get_or_init(|| {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut out = Vec::with_capacity(65536);
        while out.len() < 65536 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            out.extend_from_slice(&x.to_le_bytes());
        }
        out
    })
}

/// Fills `buf` with the upload bytes at `offset`.
pub fn fill_noise(mut offset: u64, mut buf: &mut [u8]) {
    let block = noise_block();
    while !buf.is_empty() {
        let page = offset / 65536;
        let in_page = (offset % 65536) as usize;
        let rotation = (page * 7919 % 65536) as usize;
        let start = (in_page + rotation) % 65536;
        let n = buf.len().min(65536 - in_page).min(65536 - start);
        buf[..n].copy_from_slice(&block[start..start + n]);
        offset += n as u64;
        buf = &mut buf[n..];
    }
}

pub fn noise(len: usize) -> Vec<u8> {
    let mut v = vec![0; len];
    fill_noise(0, &mut v);
    v
}

/// A request body of `total` noise bytes generated as it is sent, in frames whose sizes cycle
/// through `frames`. With `known_length` hyper sends Content-Length, otherwise chunked.
pub struct NoiseBody {
    total: u64,
    sent: u64,
    frames: Vec<usize>,
    next: usize,
    known_length: bool,
}

impl NoiseBody {
    pub fn new(total: u64, frames: &[usize], known_length: bool) -> Self {
        assert!(!frames.is_empty() && frames.iter().all(|&f| f > 0));
        Self {
            total,
            sent: 0,
            frames: frames.to_vec(),
            next: 0,
            known_length,
        }
    }
}

impl http_body::Body for NoiseBody {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        if this.sent >= this.total {
            return Poll::Ready(None);
        }
        let size = this.frames[this.next % this.frames.len()];
        this.next += 1;
        let n = (this.total - this.sent).min(size as u64) as usize;
        let mut buf = vec![0; n];
        fill_noise(this.sent, &mut buf);
        this.sent += n as u64;
        Poll::Ready(Some(Ok(Frame::data(Bytes::from(buf)))))
    }

    fn is_end_stream(&self) -> bool {
        self.known_length && self.sent >= self.total
    }

    fn size_hint(&self) -> SizeHint {
        if self.known_length {
            SizeHint::with_exact(self.total - self.sent)
        } else {
            SizeHint::default()
        }
    }
}

/// CRC-32 (8 hex digits, as body.jsp prints it) and SHA-256 of the first `len` noise bytes, computed by
/// python3's zlib and hashlib (fast, independent of the code under test).
pub fn noise_checksums(len: u64) -> (String, String) {
    let mut child = Command::new("python3")
        .arg("-c")
        .arg(
            "import sys, zlib, hashlib\n\
             c, h = 0, hashlib.sha256()\n\
             while True:\n\
             \x20   b = sys.stdin.buffer.read(1 << 20)\n\
             \x20   if not b: break\n\
             \x20   c = zlib.crc32(b, c); h.update(b)\n\
             print('%08x %s' % (c & 0xffffffff, h.hexdigest()))\n",
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 for checksums");
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let mut buf = vec![0; 1 << 20];
        let mut offset = 0u64;
        while offset < len {
            let n = (len - offset).min(buf.len() as u64) as usize;
            fill_noise(offset, &mut buf[..n]);
            stdin.write_all(&buf[..n]).unwrap();
            offset += n as u64;
        }
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let (crc, sha) = text
        .trim()
        .split_once(' ')
        .expect("python3 checksum output");
    (crc.to_string(), sha.to_string())
}

// ---------------------------------------------------------------------------------------------------
// A raw HTTP/1.1 exchange, so that httpd and ajpgate receive byte-identical requests.

/// A response as read off the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawResponse {
    pub version: String,
    pub status: u16,
    pub reason: String,
    /// Names lower-cased, in order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Interim (1xx) responses seen before the final one.
    pub interim: Vec<u16>,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// `key: value` lines of an echo.jsp-style body.
    pub fn lines(&self) -> Vec<(String, String)> {
        self.text()
            .lines()
            .filter_map(|l| l.split_once(": "))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// The value of the first `key: value` line with this key.
    pub fn line(&self, key: &str) -> Option<String> {
        self.lines()
            .into_iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    /// Every value of the lines with this key, in order.
    pub fn values(&self, key: &str) -> Vec<String> {
        self.lines()
            .into_iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v)
            .collect()
    }
}

/// Sends `request` as is on a new connection and reads one response (skipping 1xx); `head` says the
/// request was HEAD (no body follows). The client's local port is returned with it.
pub async fn raw_exchange(
    addr: SocketAddr,
    request: &[u8],
    head: bool,
) -> Result<(RawResponse, u16), String> {
    raw_exchange_built(addr, |_| request.to_vec(), head).await
}

/// Like [`raw_exchange`], with the request built once the client's port is known.
pub async fn raw_exchange_built(
    addr: SocketAddr,
    build: impl FnOnce(u16) -> Vec<u8>,
    head: bool,
) -> Result<(RawResponse, u16), String> {
    let socket = tokio::net::TcpSocket::new_v4().map_err(|e| e.to_string())?;
    socket
        .bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .map_err(|e| e.to_string())?;
    let local_port = socket.local_addr().unwrap().port();
    let request = build(local_port);
    let mut stream = socket
        .connect(addr)
        .await
        .map_err(|e| format!("connect {addr}: {e}"))?;
    stream
        .write_all(&request)
        .await
        .map_err(|e| format!("write: {e}"))?;
    let response = tokio::time::timeout(Duration::from_secs(60), read_response(&mut stream, head))
        .await
        .map_err(|_| "no complete response within 60 s".to_string())??;
    Ok((response, local_port))
}

/// Reads one response (after any 1xx) from `stream`; `head`: the request was HEAD.
pub async fn read_response(stream: &mut TcpStream, head: bool) -> Result<RawResponse, String> {
    let mut buf: Vec<u8> = Vec::new();
    let mut interim = Vec::new();
    loop {
        let end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i;
            }
            if !fill(stream, &mut buf).await? {
                return Err(format!(
                    "connection closed before a complete response head: {:?}",
                    String::from_utf8_lossy(&buf)
                ));
            }
        };
        let head_text = String::from_utf8_lossy(&buf[..end]).into_owned();
        buf.drain(..end + 4);
        let mut lines = head_text.split("\r\n");
        let status_line = lines.next().unwrap_or_default();
        let mut parts = status_line.splitn(3, ' ');
        let version = parts.next().unwrap_or_default().to_string();
        let status: u16 = parts
            .next()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| format!("bad status line {status_line:?}"))?;
        let reason = parts.next().unwrap_or_default().to_string();
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        if (100..200).contains(&status) {
            interim.push(status);
            continue;
        }
        let mut response = RawResponse {
            version,
            status,
            reason,
            headers,
            body: Vec::new(),
            interim,
        };
        if head || status == 204 || status == 304 {
            return Ok(response);
        }
        let chunked = response
            .header("transfer-encoding")
            .is_some_and(|v| v.eq_ignore_ascii_case("chunked"));
        if chunked {
            response.body = read_chunked(stream, buf).await?;
        } else if let Some(length) = response.header("content-length") {
            let length: usize = length.parse().map_err(|_| "bad content-length")?;
            while buf.len() < length {
                if !fill(stream, &mut buf).await? {
                    return Err(format!("body cut short at {} of {length}", buf.len()));
                }
            }
            buf.truncate(length);
            response.body = buf;
        } else {
            while fill(stream, &mut buf).await? {}
            response.body = buf;
        }
        return Ok(response);
    }
}

async fn fill(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Result<bool, String> {
    buf.reserve(65536);
    let n = stream
        .read_buf(buf)
        .await
        .map_err(|e| format!("read: {e}"))?;
    Ok(n > 0)
}

async fn read_chunked(stream: &mut TcpStream, mut buf: Vec<u8>) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    loop {
        let line_end = loop {
            if let Some(i) = buf.windows(2).position(|w| w == b"\r\n") {
                break i;
            }
            if !fill(stream, &mut buf).await? {
                return Err("chunked body cut short (size line)".into());
            }
        };
        let size_text = String::from_utf8_lossy(&buf[..line_end]).into_owned();
        let size = usize::from_str_radix(size_text.split(';').next().unwrap().trim(), 16)
            .map_err(|_| format!("bad chunk size {size_text:?}"))?;
        buf.drain(..line_end + 2);
        if size == 0 {
            // Trailers (none expected) up to the empty line.
            loop {
                if let Some(i) = buf.windows(2).position(|w| w == b"\r\n") {
                    if i == 0 {
                        return Ok(body);
                    }
                    buf.drain(..i + 2);
                    continue;
                }
                if !fill(stream, &mut buf).await? {
                    return Err("chunked body cut short (trailers)".into());
                }
            }
        }
        while buf.len() < size + 2 {
            if !fill(stream, &mut buf).await? {
                return Err("chunked body cut short (data)".into());
            }
        }
        body.extend_from_slice(&buf[..size]);
        buf.drain(..size + 2);
    }
}

// ---------------------------------------------------------------------------------------------------
// A keep-alive hyper client.

/// One client connection reused for many requests.
pub struct KeepAlive {
    sender: hyper::client::conn::http1::SendRequest<http_body_util::Full<Bytes>>,
}

impl KeepAlive {
    pub async fn connect(addr: SocketAddr) -> KeepAlive {
        let stream = TcpStream::connect(addr).await.unwrap();
        let (sender, connection) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                .await
                .unwrap();
        tokio::spawn(connection);
        KeepAlive { sender }
    }

    /// GET `path`; status and the whole body.
    pub async fn get(&mut self, path: &str) -> Result<(http::StatusCode, Bytes), String> {
        use http_body_util::BodyExt;
        self.sender.ready().await.map_err(|e| e.to_string())?;
        let request = http::Request::get(path)
            .header("host", "gate.test")
            .body(http_body_util::Full::new(Bytes::new()))
            .unwrap();
        let response = self
            .sender
            .send_request(request)
            .await
            .map_err(|e| e.to_string())?;
        let status = response.status();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| e.to_string())?
            .to_bytes();
        Ok((status, body))
    }
}
