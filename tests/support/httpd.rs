//! A private httpd + mod_jk started with `tests/testbed/httpd.sh` from a workers.properties text and
//! extra configuration, on 127.0.0.1 and a port chosen at run time; stopped on drop. It never skips:
//! a test that needs it fails when apache2 or libapache2-mod-jk is missing.

use std::ffi::OsStr;
use std::net::SocketAddr;
use std::path::PathBuf;

use super::testbed::{free_ports, keep_testbed, run_script, scratch_root, spawn_watchdog};

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
        Self::start_env(tag, workers, extra_conf, &[])
    }

    /// Like [`Httpd::start_new`] with mod_ssl and mod_http2 loaded (`HTTPD_SSL=1`): `extra_conf` brings
    /// the `Listen ... https` lines and the TLS virtual hosts.
    pub fn start_ssl(tag: &str, workers: &str, extra_conf: &str) -> Httpd {
        Self::start_env(tag, workers, extra_conf, &[("HTTPD_SSL", "1")])
    }

    fn start_env(tag: &str, workers: &str, extra_conf: &str, env: &[(&str, &str)]) -> Httpd {
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
                env,
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
