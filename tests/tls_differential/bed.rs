//! The shared test bed of this binary: one PKI, the shared Tomcat, one httpd (mod_ssl + mod_http2 +
//! mod_jk) with a TLS port per client-certificate policy, and one `ajpgate serve` per policy (ajpgate's
//! TLS settings are per process, so the three policies need three processes; each starts in well under
//! a second). Built on first use; stopped when the test process exits.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::{Mutex, OnceLock};

use crate::gate::{TlsGate, tls_flags};
use crate::support::ScratchDir;
use crate::support::httpd::Httpd;
use crate::support::pki::{Pair, Pki};
use crate::support::testbed::{at_exit, free_ports};
use crate::support::tomcat::shared_tomcat;

/// A client-certificate policy, with the same settings on both sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// No client certificate asked for; `one.test` (default), `two.test`, `*.wild.test` and
    /// `ec.test` (ECDSA) by SNI.
    Plain,
    /// `SSLVerifyClient require` / `--tls-verify-client require`; the leaf alone is forwarded.
    Require,
    /// `SSLVerifyClient optional` + `JkOptions +ForwardSSLCertChain` / `--tls-verify-client optional
    /// --tls-forward-chain`.
    OptionalChain,
    /// httpd with its default `SSLVerifyDepth 1` / ajpgate with its default `--tls-verify-depth 1`
    /// (the other policies set depth 2 on both sides: the client certificates come from an
    /// intermediate).
    RequireDepth1,
    /// httpd as Debian ships it: `SSLVerifyClient require` but no `SSLOptions`, so mod_ssl exports
    /// nothing for mod_jk to forward; ajpgate's side is [`Policy::Require`]'s process.
    RequireNoOptions,
}

/// The policies with an ajpgate process of their own.
pub const POLICIES: [Policy; 4] = [
    Policy::Plain,
    Policy::Require,
    Policy::OptionalChain,
    Policy::RequireDepth1,
];

/// The policies with an httpd port of their own.
const HTTPD_POLICIES: [Policy; 5] = [
    Policy::Plain,
    Policy::Require,
    Policy::OptionalChain,
    Policy::RequireDepth1,
    Policy::RequireNoOptions,
];

pub struct Bed {
    pub pki: Pki,
    pub workers: String,
    httpd: [SocketAddr; 5],
    gate: [SocketAddr; 4],
}

impl Bed {
    pub fn httpd(&self, policy: Policy) -> SocketAddr {
        self.httpd[policy as usize]
    }

    pub fn gate(&self, policy: Policy) -> SocketAddr {
        match policy {
            Policy::RequireNoOptions => self.gate[Policy::Require as usize],
            _ => self.gate[policy as usize],
        }
    }
}

/// What must be stopped at exit.
static RUNNING: Mutex<Option<(Httpd, Vec<TlsGate>, ScratchDir)>> = Mutex::new(None);

pub fn bed() -> &'static Bed {
    static BED: OnceLock<Bed> = OnceLock::new();
    BED.get_or_init(|| {
        let dir = ScratchDir::new("tls-pki");
        let pki = Pki::generate(&dir.0);
        let tomcat = shared_tomcat();
        let workers = tomcat.workers_properties(&[]);
        let ports = free_ports(HTTPD_POLICIES.len());
        let httpd = Httpd::start_ssl("tls-differential", &workers, &httpd_conf(&pki, &ports));
        let gates: Vec<TlsGate> = POLICIES
            .iter()
            .map(|&p| TlsGate::start(&workers, &gate_flags(&pki, p)))
            .collect();
        let local = |port: u16| SocketAddr::from(([127, 0, 0, 1], port));
        let bed = Bed {
            pki,
            workers,
            httpd: [ports[0], ports[1], ports[2], ports[3], ports[4]].map(local),
            gate: [gates[0].addr, gates[1].addr, gates[2].addr, gates[3].addr],
        };
        *RUNNING.lock().unwrap() = Some((httpd, gates, dir));
        at_exit(|| drop(RUNNING.lock().unwrap_or_else(|e| e.into_inner()).take()));
        bed
    })
}

/// The ajpgate flags of `policy`.
fn gate_flags(pki: &Pki, policy: Policy) -> Vec<String> {
    let pair = |p: &Pair| (p.cert.clone(), p.key.clone());
    let (one, two, wild, ec) = (
        pair(&pki.one),
        pair(&pki.two),
        pair(&pki.wild),
        pair(&pki.ec),
    );
    let (dual_rsa, dual_ec) = (pair(&pki.dual_rsa), pair(&pki.dual_ec));
    let root = pki.root.display().to_string();
    match policy {
        Policy::Plain => tls_flags(
            &[
                (&one.0, &one.1),
                (&two.0, &two.1),
                (&wild.0, &wild.1),
                (&ec.0, &ec.1),
                (&dual_rsa.0, &dual_rsa.1),
                (&dual_ec.0, &dual_ec.1),
            ],
            &[],
        ),
        Policy::Require | Policy::RequireNoOptions => tls_flags(
            &[(&one.0, &one.1)],
            &[
                "--tls-client-ca",
                &root,
                "--tls-verify-client",
                "require",
                "--tls-verify-depth",
                "2",
            ],
        ),
        Policy::RequireDepth1 => tls_flags(
            &[(&one.0, &one.1)],
            &["--tls-client-ca", &root, "--tls-verify-client", "require"],
        ),
        Policy::OptionalChain => tls_flags(
            &[(&one.0, &one.1)],
            &[
                "--tls-client-ca",
                &root,
                "--tls-verify-client",
                "optional",
                "--tls-forward-chain",
                "--tls-verify-depth",
                "2",
            ],
        ),
    }
}

/// What mod_jk's documentation tells a site to set, so that mod_ssl exports the values mod_jk forwards.
const OPTIONS: &str = "SSLOptions +StdEnvVars +ExportCertData\n";

/// The TLS part of httpd.conf: a port per policy, as a site would write it (mod_jk's documented
/// `SSLOptions +StdEnvVars +ExportCertData`, so that mod_jk has the values to forward).
fn httpd_conf(pki: &Pki, ports: &[u16]) -> String {
    let mut conf = String::new();
    for (policy, port) in HTTPD_POLICIES.iter().zip(ports) {
        writeln!(conf, "Listen 127.0.0.1:{port} https").unwrap();
        let require = "SSLVerifyClient require\n";
        let (verify, chain, depth, options) = match policy {
            Policy::Plain => ("", "", 2, OPTIONS),
            Policy::Require => (require, "", 2, OPTIONS),
            Policy::RequireDepth1 => (require, "", 1, OPTIONS),
            Policy::RequireNoOptions => (require, "", 2, ""),
            Policy::OptionalChain => (
                "SSLVerifyClient optional\n",
                "JkOptions +ForwardSSLCertChain\n",
                2,
                OPTIONS,
            ),
        };
        // (ServerName, more lines, pair): httpd picks the vhost by name, ajpgate the pair by its
        // certificate's names. dual.test's vhost has a second certificate: mod_ssl picks the one the
        // client can use, as ajpgate does among pairs of the same name.
        let dual_ec = format!(
            "SSLCertificateFile \"{}\"\nSSLCertificateKeyFile \"{}\"\n",
            pki.dual_ec.cert.display(),
            pki.dual_ec.key.display()
        );
        let mut names = vec![("one.test", "", &pki.one)];
        if *policy == Policy::Plain {
            names.push(("two.test", "", &pki.two));
            names.push(("wild.test", "ServerAlias *.wild.test\n", &pki.wild));
            names.push(("ec.test", "", &pki.ec));
            names.push(("dual.test", dual_ec.as_str(), &pki.dual_rsa));
        }
        for (name, more, pair) in names {
            write!(
                conf,
                "<VirtualHost 127.0.0.1:{port}>\n\
                 ServerName {name}\n\
                 {more}\
                 SSLEngine on\n\
                 SSLProtocol -all +TLSv1.2 +TLSv1.3\n\
                 SSLCertificateFile \"{cert}\"\n\
                 SSLCertificateKeyFile \"{key}\"\n\
                 SSLCACertificateFile \"{ca}\"\n\
                 SSLVerifyDepth {depth}\n\
                 {verify}\
                 {options}\
                 {chain}\
                 JkMount /app/* node1\n\
                 </VirtualHost>\n",
                cert = pair.cert.display(),
                key = pair.key.display(),
                ca = pki.root.display(),
            )
            .unwrap();
        }
    }
    conf
}
