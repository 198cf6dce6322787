//! Private Tomcat 10.1 bases for the acceptance tests, made and started with
//! `tests/testbed/tomcat.sh`: one owned by a test ([`Tomcat`], killed on drop) or one shared by the
//! whole test binary ([`shared_tomcat`]).
//!
//! Every instance listens on 127.0.0.1 on ports chosen at run time and lives in its own scratch
//! directory; see [`super::testbed`] for how nothing outlives the test process. A test that needs
//! Tomcat fails, with the script's output, when Tomcat cannot be started; it never skips.

use std::collections::HashSet;
use std::ffi::OsStr;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use super::process::established_peers;
use super::testbed::{at_exit, free_ports, keep_testbed, run_script, scratch_root, spawn_watchdog};

/// The AJP secret of every testbed Tomcat (its connector has `secretRequired="true"`).
pub const SECRET: &str = "s3cret";

/// The JVM route of the Tomcat bases started here, and the name of their worker.
pub const ROUTE: &str = "node1";

/// A copy of echo.jsp deployed under a directory whose name needs escaping: `/app/a b/é/echo.jsp`.
pub const ENCODED_ECHO: &str = "/app/a%20b/%C3%A9/echo.jsp";

/// A page added to each base: one `name: <header name>` line per header, names exactly as Tomcat
/// holds them (`getHeaderNames()`).
pub const NAMES_PAGE: &str = "/app/header-names.jsp";

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
