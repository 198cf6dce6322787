//! A plain Debian apache2 serving the tree: mpm_event, authz_core, mime (TypesConfig /etc/mime.types),
//! dir (DirectoryIndex index.html), alias, autoindex with `Options FollowSymLinks` and no Indexes
//! (so a directory without index is 403), Debian's `<FilesMatch "^\.ht">` and `TraceEnable Off`.
//! Run in the foreground as a child of the test, stopped by its PID on drop; it never skips.

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::support::testbed::free_ports;
use super::tree::Tree;

const MODULES: &str = "/usr/lib/apache2/modules";

pub struct Apache {
    child: Child,
    pub addr: SocketAddr,
}

impl Apache {
    pub fn start(dir: &Path, tree: &Tree) -> Apache {
        assert!(
            Path::new("/usr/sbin/apache2").exists(),
            "apache2 is missing (Debian package apache2)"
        );
        for sub in ["logs", "run"] {
            std::fs::create_dir_all(dir.join(sub)).unwrap();
        }
        let port = free_ports(1)[0];
        let user = if is_root() {
            "User www-data\nGroup www-data\n"
        } else {
            ""
        };
        let modules: String = [
            "mpm_event",
            "authz_core",
            "mime",
            "dir",
            "alias",
            "autoindex",
        ]
        .iter()
        .map(|m| format!("LoadModule {m}_module {MODULES}/mod_{m}.so\n"))
        .collect();
        let (root, assets, d) = (tree.root.display(), tree.assets.display(), dir.display());
        let conf = format!(
            "ServerRoot \"{d}\"\nDefaultRuntimeDir \"{d}/run\"\nPidFile \"{d}/httpd.pid\"\n\
             ErrorLog \"{d}/logs/error.log\"\nLogLevel warn\nListen 127.0.0.1:{port}\n\
             ServerName 127.0.0.1\n{user}{modules}Timeout 20\nTraceEnable Off\n\
             TypesConfig /etc/mime.types\nDirectoryIndex index.html\nDocumentRoot \"{root}\"\n\
             Alias /assets \"{assets}\"\n\
             <Directory />\n Options FollowSymLinks\n AllowOverride None\n Require all denied\n</Directory>\n\
             <Directory \"{root}\">\n Options FollowSymLinks\n AllowOverride None\n Require all granted\n</Directory>\n\
             <Directory \"{assets}\">\n Require all granted\n</Directory>\n\
             <FilesMatch \"^\\.ht\">\n Require all denied\n</FilesMatch>\n"
        );
        let file = dir.join("httpd.conf");
        std::fs::write(&file, conf).unwrap();
        let log = std::fs::File::create(dir.join("logs/stdout.log")).unwrap();
        let child = Command::new("/usr/sbin/apache2")
            .arg("-d")
            .arg(dir)
            .arg("-f")
            .arg(&file)
            .arg("-DFOREGROUND")
            .env("LANG", "C")
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("spawn apache2");
        let mut apache = Apache {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(apache.addr).is_err() {
            if let Ok(Some(status)) = apache.child.try_wait() {
                let log = std::fs::read_to_string(dir.join("logs/error.log")).unwrap_or_default();
                panic!("apache2 exited ({status}):\n{log}");
            }
            assert!(
                Instant::now() < deadline,
                "apache2 did not listen within 30 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        apache
    }
}

fn is_root() -> bool {
    let out = Command::new("id").arg("-u").output().expect("id -u");
    String::from_utf8_lossy(&out.stdout).trim() == "0"
}

impl Drop for Apache {
    /// SIGTERM (graceful stop of the children too), SIGKILL after 10 s.
    fn drop(&mut self) {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").arg("-TERM").arg(&pid).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
