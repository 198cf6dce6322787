//! `ajpgate serve --httpd` against real httpd + mod_jk on the same configuration file, both in front of
//! the same real Tomcat: two name-based virtual hosts with their own JkMount/JkUnMount rules, one
//! with JkMountCopy and a wildcard alias, the main server's mounts, and requests with and without a
//! known Host. Each request goes to both; the status must agree, and where Tomcat answered, what it
//! saw (URI, query, method, protocol, server name, port as each front end's own).
//!
//! The one file serves both because `${PORT}` and `${DIR}` come from each process's environment, as
//! httpd resolves `${NAME}` from it and ajpgate does the same.

mod support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use support::ScratchDir;
use support::testbed::free_ports;
use support::tomcat::shared_tomcat;

const CONF: &str = "\
LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
LoadModule jk_module /usr/lib/apache2/modules/mod_jk.so
ServerName main.example
DefaultRuntimeDir ${DIR}/run
PidFile ${DIR}/run/httpd-${PORT}.pid
ErrorLog ${DIR}/error-${PORT}.log
Listen 127.0.0.1:${PORT}
<IfModule jk_module>
  JkWorkersFile ${DIR}/workers.properties
  JkShmFile ${DIR}/run/jk-${PORT}.shm
  JkLogFile ${DIR}/jk-${PORT}.log
  JkLogLevel info
  JkMount /app/echo.jsp node1
</IfModule>
<VirtualHost *:${PORT}>
  ServerName a.example
  JkMount /app/* node1
  JkUnMount /app/status.jsp node1
</VirtualHost>
<VirtualHost *:${PORT}>
  ServerName b.example
  ServerAlias *.b.example
  JkMountCopy On
  JkMount /app/session.jsp node1
</VirtualHost>
";

/// A front end started from CONF with its own PORT, killed on drop.
struct Front {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Front {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(mut command: Command, dir: &Path, port: u16) -> Front {
    command
        .env("PORT", port.to_string())
        .env("DIR", dir)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    let child = command.spawn().expect("start the front end");
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let front = Front { child, addr };
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(addr).is_err() {
        assert!(Instant::now() < deadline, "nothing listens on {addr}");
        std::thread::sleep(Duration::from_millis(50));
    }
    front
}

/// (status, body) of GET `path` with this Host (None: HTTP/1.0 without Host).
fn get(addr: SocketAddr, host: Option<&str>, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let request = match host {
        Some(host) => format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"),
        None => format!("GET {path} HTTP/1.0\r\n\r\n"),
    };
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let response = String::from_utf8_lossy(&response).into_owned();
    let status = response
        .get(9..12)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_string();
    (status, body)
}

/// The echo.jsp lines a request's routing decides (the port is each front end's own).
fn seen(body: &str, own_port: u16) -> Vec<String> {
    let keys = [
        "uri",
        "query",
        "method",
        "protocol",
        "serverName",
        "serverPort",
    ];
    body.lines()
        .filter(|line| keys.iter().any(|k| line.starts_with(&format!("{k}: "))))
        .map(|line| line.replace(&own_port.to_string(), "PORT"))
        .collect()
}

#[test]
fn virtual_hosts_and_their_mounts_answer_as_httpd_with_mod_jk() {
    let tomcat = shared_tomcat();
    let dir = ScratchDir::new("httpd-serve");
    std::fs::create_dir_all(dir.0.join("run")).unwrap();
    std::fs::write(
        dir.0.join("workers.properties"),
        tomcat.workers_properties(&[]),
    )
    .unwrap();
    let conf = dir.0.join("httpd.conf");
    std::fs::write(&conf, CONF).unwrap();
    let ports = free_ports(2);

    let mut httpd = Command::new("/usr/sbin/apache2");
    httpd
        .arg("-d")
        .arg(&dir.0)
        .arg("-f")
        .arg(&conf)
        .arg("-DFOREGROUND");
    let httpd = start(httpd, &dir.0, ports[0]);
    let mut gate = Command::new(env!("CARGO_BIN_EXE_ajpgate"));
    gate.arg("serve").arg("--httpd").arg(&conf);
    let gate = start(gate, &dir.0, ports[1]);

    let cases = [
        (Some("a.example"), "/app/echo.jsp?x=1", 200),
        (Some("a.example"), "/app/status.jsp?code=200", 404),
        (Some("A.Example:80"), "/app/session.jsp", 200),
        (Some("b.example"), "/app/echo.jsp?from=main", 200),
        (Some("x.b.example"), "/app/echo.jsp", 200),
        (Some("b.example"), "/app/status.jsp?code=200", 404),
        (Some("b.example"), "/app/body.jsp", 404),
        (Some("unknown.example"), "/app/echo.jsp?default=a", 200),
        (None, "/app/echo.jsp?nohost", 200),
        (Some("b.example"), "/elsewhere", 404),
    ];
    for (host, path, expected) in cases {
        let (httpd_status, httpd_body) = get(httpd.addr, host, path);
        let (gate_status, gate_body) = get(gate.addr, host, path);
        let case = format!("Host {host:?} GET {path}");
        assert_eq!(httpd_status, expected, "httpd, {case}:\n{httpd_body}");
        assert_eq!(
            gate_status, httpd_status,
            "ajpgate vs httpd, {case}:\n{gate_body}"
        );
        if expected == 200 && path.contains("echo.jsp") {
            let theirs = seen(&httpd_body, ports[0]);
            assert!(!theirs.is_empty(), "{case}: {httpd_body}");
            assert_eq!(
                seen(&gate_body, ports[1]),
                theirs,
                "what Tomcat saw, {case}"
            );
        }
    }
}
