//! `ajpgate serve --httpd` against real httpd + mod_jk on the same configuration file, both in front of
//! the same real Tomcat: two name-based virtual hosts with their own JkMount/JkUnMount rules, one
//! with JkMountCopy and a wildcard alias, the main server's mounts, and requests with and without a
//! known Host. Each request goes to both; the status must agree, and where Tomcat answered, what it
//! saw (URI, query, method, protocol, server name, port as each front end's own).
//!
//! The one file serves both because `${PORT}` and `${DIR}` come from each process's environment, as
//! httpd resolves `${NAME}` from it and ajpgate does the same.

mod support;

use std::net::{IpAddr, SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use support::ScratchDir;
use support::process::terminate;
use support::testbed::free_ports;
use support::tomcat::shared_tomcat;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

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
        terminate(&mut self.child);
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
    let mut front = Front { child, addr };
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(addr).is_err() {
        let exited = front.child.try_wait().ok().flatten();
        assert!(
            exited.is_none(),
            "the front end for {addr} exited: {exited:?}"
        );
        assert!(Instant::now() < deadline, "nothing listens on {addr}");
        std::thread::sleep(Duration::from_millis(50));
    }
    front
}

/// (status, body) of GET `path` with this Host (None: HTTP/1.0 without Host).
fn get(addr: SocketAddr, host: Option<&str>, path: &str) -> (u16, String) {
    get_from("127.0.0.1".parse().unwrap(), addr, host, path)
}

/// The same from the client address `from` (any of 127.0.0.0/8).
fn get_from(from: IpAddr, addr: SocketAddr, host: Option<&str>, path: &str) -> (u16, String) {
    let request = match host {
        Some(host) => format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"),
        None => format!("GET {path} HTTP/1.0\r\n\r\n"),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let response = runtime.block_on(async {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind(SocketAddr::new(from, 0)).unwrap();
        let mut stream = socket.connect(addr).await.unwrap();
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut response = Vec::new();
        let read = stream.read_to_end(&mut response);
        let _ = tokio::time::timeout(Duration::from_secs(20), read).await;
        response
    });
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

/// httpd and ajpgate started on the same configuration text, with their ports.
struct Pair {
    httpd: Front,
    gate: Front,
    ports: Vec<u16>,
    _dir: ScratchDir,
}

fn pair(tag: &str, conf_text: &str) -> Pair {
    let tomcat = shared_tomcat();
    let dir = ScratchDir::new(tag);
    std::fs::create_dir_all(dir.0.join("run")).unwrap();
    std::fs::write(
        dir.0.join("workers.properties"),
        tomcat.workers_properties(&[]),
    )
    .unwrap();
    let conf = dir.0.join("httpd.conf");
    std::fs::write(&conf, conf_text).unwrap();
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
    Pair {
        httpd,
        gate,
        ports,
        _dir: dir,
    }
}

#[test]
fn virtual_hosts_and_their_mounts_answer_as_httpd_with_mod_jk() {
    let Pair {
        httpd, gate, ports, ..
    } = pair("httpd-serve", CONF);
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

/// Locations with Require, in the main server and in a virtual host, for clients 127.0.0.1 and
/// 127.0.0.2: httpd and ajpgate must let in and keep out the same ones.
const ACCESS: &str = "\
LoadModule authz_host_module /usr/lib/apache2/modules/mod_authz_host.so
<Location /app/status.jsp>
  Require ip 127.0.0.1
</Location>
<Location /app/echo>
  Require all denied
</Location>
<Location /app/body.jsp>
  Require local
</Location>
<VirtualHost *:${PORT}>
  ServerName a.example
  JkMount /app/* node1
  <Location /app/session.jsp>
    <RequireAll>
      Require all granted
      Require not ip 127.0.0.2
    </RequireAll>
  </Location>
  <Location /app/header-names.jsp>
    Require ip 10.0.0.0/8
    Require ip 127.0.0.2
  </Location>
</VirtualHost>
";

#[test]
fn location_access_rules_let_in_and_keep_out_the_clients_httpd_does() {
    let conf = CONF.split("<VirtualHost").next().unwrap().to_string() + ACCESS;
    let pair = pair("httpd-access", &conf);
    let paths = [
        "/app/status.jsp?code=200",
        "/app/echo.jsp",
        "/app/echo/x.jsp",
        "/app/body.jsp",
        "/app/session.jsp",
        "/app/header-names.jsp",
        "/app/sleep.jsp?ms=0",
    ];
    let mut statuses = std::collections::BTreeSet::new();
    for from in ["127.0.0.1", "127.0.0.2"] {
        let from: IpAddr = from.parse().unwrap();
        for path in paths {
            let (theirs, body) = get_from(from, pair.httpd.addr, Some("a.example"), path);
            let (ours, gate_body) = get_from(from, pair.gate.addr, Some("a.example"), path);
            assert_eq!(
                ours, theirs,
                "client {from} GET {path}\nhttpd: {body}\najpgate: {gate_body}"
            );
            statuses.insert(theirs);
        }
    }
    assert!(
        statuses.contains(&403) && statuses.contains(&200),
        "{statuses:?}"
    );
    let _ = &pair.ports;
}

/// A mod_proxy_balancer site as Tomcat-cluster tutorials build it: two AJP members, the Tomcat
/// (jvmRoute node1) and one that is down (nothing listens on its port), sticky on JSESSIONID, an
/// exclusion before the mount. Requests the balancer sends to the dead member fail over.
fn balancer_conf(ajp_port: u16, dead_port: u16) -> String {
    format!(
        "\
LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
LoadModule slotmem_shm_module /usr/lib/apache2/modules/mod_slotmem_shm.so
LoadModule proxy_module /usr/lib/apache2/modules/mod_proxy.so
LoadModule proxy_ajp_module /usr/lib/apache2/modules/mod_proxy_ajp.so
LoadModule proxy_balancer_module /usr/lib/apache2/modules/mod_proxy_balancer.so
LoadModule lbmethod_byrequests_module /usr/lib/apache2/modules/mod_lbmethod_byrequests.so
ServerName main.example
DefaultRuntimeDir ${{DIR}}/run
PidFile ${{DIR}}/run/httpd-${{PORT}}.pid
ErrorLog ${{DIR}}/error-${{PORT}}.log
Listen 127.0.0.1:${{PORT}}
ProxyRequests Off
ProxyPreserveHost On
<Proxy balancer://cluster>
  BalancerMember ajp://127.0.0.1:{ajp_port} route=node1 secret={secret}
  BalancerMember ajp://127.0.0.1:{dead_port} route=node2 secret={secret} loadfactor=1
  ProxySet lbmethod=byrequests stickysession=JSESSIONID|jsessionid
</Proxy>
ProxyPass /app/sleep.jsp !
ProxyPass /app balancer://cluster/app
ProxyPassReverse /app balancer://cluster/app
",
        secret = support::tomcat::SECRET
    )
}

#[test]
fn a_mod_proxy_balancer_site_answers_as_httpd_does() {
    let conf = balancer_conf(shared_tomcat().ajp_port, free_ports(1)[0]);
    let pair = pair("httpd-balancer", &conf);
    let (status, body) = get(pair.httpd.addr, Some("www.example"), "/app/session.jsp");
    assert_eq!(status, 200, "{body}");
    let cases = [
        ("/app/echo.jsp?via=balancer", 200),
        ("/app/a%20b/%C3%A9/echo.jsp", 200),
        ("/app/sleep.jsp?ms=0", 404),
        ("/application", 404),
        ("/elsewhere", 404),
        ("/app/session.jsp", 200),
        ("/app/echo.jsp?again", 200),
        ("/app/echo.jsp?and-again", 200),
    ];
    for (path, expected) in cases {
        let (theirs, httpd_body) = get(pair.httpd.addr, Some("www.example"), path);
        let (ours, gate_body) = get(pair.gate.addr, Some("www.example"), path);
        assert_eq!(theirs, expected, "httpd GET {path}: {httpd_body}");
        assert_eq!(ours, theirs, "ajpgate vs httpd GET {path}: {gate_body}");
        if path.contains("echo.jsp") {
            let keys = |body: &str| -> Vec<String> {
                let wanted = ["uri: ", "query: ", "method: ", "serverName: ", "secure: "];
                let lines = body
                    .lines()
                    .filter(|l| wanted.iter().any(|w| l.starts_with(w)));
                lines.map(str::to_owned).collect()
            };
            assert_eq!(
                keys(&gate_body),
                keys(&httpd_body),
                "what Tomcat saw, GET {path}"
            );
        }
    }
    let _ = &pair.ports;
}
