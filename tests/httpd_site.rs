//! What ajpgate makes of an httpd configuration (`ajpgate::site`, `ajpgate check --httpd`), against
//! the real `/usr/sbin/apache2`: the virtual host a request lands on (each host answers 404 with its
//! own ErrorDocument text, so the body names the host apache2 chose), and `check --httpd`'s verdicts
//! and exit status on Debian's stock tree and on a tree that only uses what ajpgate implements.

mod support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ajpgate::httpd_conf::ReadOptions;
use ajpgate::site;
use support::ScratchDir;
use support::process::terminate;
use support::testbed::free_ports;

/// apache2 running in the foreground on `conf`, killed on drop.
struct Apache(Child);

impl Drop for Apache {
    fn drop(&mut self) {
        terminate(&mut self.0);
    }
}

fn start_apache(root: &Path, conf: &Path, addrs: &[SocketAddr]) -> Apache {
    let child = Command::new("/usr/sbin/apache2")
        .arg("-d")
        .arg(root)
        .arg("-f")
        .arg(conf)
        .arg("-DFOREGROUND")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("/usr/sbin/apache2 (Debian's apache2 package)");
    let apache = Apache(child);
    let deadline = Instant::now() + Duration::from_secs(20);
    for addr in addrs {
        while TcpStream::connect(addr).is_err() {
            assert!(
                Instant::now() < deadline,
                "apache2 did not listen on {addr}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    apache
}

/// The body of apache2's answer to GET /missing with this Host header (None: no Host, HTTP/1.0).
fn body_for(addr: SocketAddr, host: Option<&str>) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let request = match host {
        Some(host) => format!("GET /missing HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"),
        None => "GET /missing HTTP/1.0\r\n\r\n".to_string(),
    };
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let body = response.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    body.trim().to_string()
}

#[test]
fn requests_land_on_the_virtual_host_apache2_picks() {
    let dir = ScratchDir::new("site-vhosts");
    std::fs::create_dir_all(dir.0.join("run")).unwrap();
    let ports = free_ports(2);
    let (p1, p2) = (ports[0], ports[1]);
    let text = format!(
        "LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so\n\
         LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so\n\
         ServerName main.example\nDefaultRuntimeDir {d}/run\nPidFile {d}/run/pid\nErrorLog {d}/error.log\n\
         DocumentRoot {d}\nErrorDocument 404 \"main\"\n\
         Listen 127.0.0.1:{p1}\nListen 127.0.0.2:{p1}\nListen 127.0.0.1:{p2}\n\
         <VirtualHost *:{p1}>\n  ServerName a.example\n  ServerAlias www.a.example *.a.example\n  ErrorDocument 404 \"a\"\n</VirtualHost>\n\
         <VirtualHost *:{p1}>\n  ServerName B.example:{p1}\n  ServerAlias b?.example\n  ErrorDocument 404 \"b\"\n</VirtualHost>\n\
         <VirtualHost 127.0.0.2:{p1}>\n  ServerName c.example\n  ErrorDocument 404 \"c\"\n</VirtualHost>\n\
         <VirtualHost 127.0.0.2:{p1}>\n  ServerName d.example\n  ErrorDocument 404 \"d\"\n</VirtualHost>\n",
        d = dir.0.display()
    );
    let conf = dir.0.join("httpd.conf");
    std::fs::write(&conf, text).unwrap();
    let one: SocketAddr = format!("127.0.0.1:{p1}").parse().unwrap();
    let two: SocketAddr = format!("127.0.0.2:{p1}").parse().unwrap();
    let other: SocketAddr = format!("127.0.0.1:{p2}").parse().unwrap();
    let _apache = start_apache(&dir.0, &conf, &[one, two, other]);
    let options = ReadOptions {
        server_root: Some(dir.0.clone()),
        ..ReadOptions::default()
    };
    let (_, site) = site::load(&conf, &options).unwrap();
    let name_of = |choice: Option<usize>| match choice {
        Some(i) => ["a", "b", "c", "d"][i].to_string(),
        None => "main".to_string(),
    };
    let hosts = [
        Some("a.example"),
        Some("A.EXAMPLE:80"),
        Some("www.a.example"),
        Some("x.y.a.example"),
        Some("b.example"),
        Some("b1.example"),
        Some("b12.example"),
        Some("c.example"),
        Some("d.example"),
        Some("unknown.example"),
        None,
    ];
    let mut compared = 0;
    for addr in [one, two, other] {
        for host in hosts {
            let apache = body_for(addr, host);
            let ours = name_of(site.vhosts.choose(addr, host));
            assert_eq!(ours, apache, "connection to {addr} with Host {host:?}");
            compared += 1;
        }
    }
    assert_eq!(compared, 33);
}

fn check(conf: &Path) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_ajpgate"))
        .arg("check")
        .arg("--httpd")
        .arg(conf)
        .output()
        .unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let code = output.status.code().unwrap_or(-1);
    (code, text(&output.stdout), text(&output.stderr))
}

#[test]
fn check_on_debians_stock_tree_names_what_it_cannot_do_yet() {
    let (code, out, err) = check(Path::new("/etc/apache2/apache2.conf"));
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(
        out.contains("(225) /etc/apache2/sites-enabled/000-default.conf"),
        "{out}"
    );
    assert!(out.contains("jk_module"), "{out}");
    assert!(out.contains("/jk-status   -> jk-status"), "{out}");
    let documentroot = "error: /etc/apache2/sites-enabled/000-default.conf:12: DocumentRoot";
    assert!(err.contains(documentroot), "{err}");
    assert!(out.contains("ServerTokens (1x, first at /etc/apache2/conf-enabled/security.conf"));
}

#[test]
fn check_on_a_tree_within_what_ajpgate_does_exits_zero_and_places_jkmount_problems() {
    let dir = ScratchDir::new("site-check");
    let workers = dir.0.join("workers.properties");
    std::fs::write(
        &workers,
        "worker.list=node1\nworker.node1.type=ajp13\nworker.node1.port=8009\n",
    )
    .unwrap();
    let conf = dir.0.join("httpd.conf");
    let text = format!(
        "ServerName www.example\nListen 8080\nLoadModule jk_module /usr/lib/apache2/modules/mod_jk.so\n\
         <IfModule jk_module>\n  JkWorkersFile {}\n  JkMount /app/* node1\n  JkUnMount /app/static/* node1\n</IfModule>\n\
         <VirtualHost *:8080>\n  ServerName other.example\n  JkMountCopy On\n  JkMount /shop/* node1\n</VirtualHost>\n\
         ServerTokens Prod\nKeepAlive On\nJkOptions +ForwardKeySize -ForwardDirectories ForwardURIProxy\n",
        workers.display()
    );
    std::fs::write(&conf, &text).unwrap();
    let (code, out, err) = check(&conf);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("/app/*") && out.contains("/shop/*"), "{out}");
    let (_, site) = site::load(&conf, &ReadOptions::default()).unwrap();
    let vhost = site.vhost_config(0).unwrap();
    let patterns: Vec<&str> = vhost
        .mounts
        .rules()
        .iter()
        .map(|r| r.pattern.as_str())
        .collect();
    assert!(
        patterns.contains(&"/app/*") && patterns.contains(&"/shop/*"),
        "{patterns:?}"
    );
    assert_eq!(site.main_config().unwrap().mounts.rules().len(), 2);

    std::fs::write(
        &conf,
        text.replace("JkMount /shop/* node1", "JkMount /shop/* nosuch"),
    )
    .unwrap();
    let (_, site) = site::load(&conf, &ReadOptions::default()).unwrap();
    let warnings = site.vhost_config(0).unwrap().warnings;
    let placed = warnings
        .iter()
        .find(|w| w.message.contains("nosuch"))
        .expect("a warning");
    assert_eq!(
        (placed.file.as_path(), placed.line),
        (conf.as_path(), Some(12))
    );

    std::fs::write(
        &conf,
        format!("{text}JkOptions +ForwardURICompatUnparsed\n"),
    )
    .unwrap();
    let (code, _, err) = check(&conf);
    assert_eq!(code, 1);
    let flag = format!(
        "error: {}:17: JkOptions +ForwardURICompatUnparsed",
        conf.display()
    );
    assert!(err.contains(&flag), "{err}");

    std::fs::write(&conf, format!("{text}Redirect /old /new\n")).unwrap();
    let (code, _, err) = check(&conf);
    assert_eq!(code, 1);
    assert!(
        err.contains(&format!("error: {}:17: Redirect", conf.display())),
        "{err}"
    );
}
