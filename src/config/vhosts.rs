//! Virtual hosts, each with its own mount table, and httpd's choice of host for a request
//! (server/vhost.c: `ap_update_vhost_given_ip`, `ap_update_vhost_from_headers`, `matches_aliases`).
//!
//! A connection first picks the address set: the hosts written for the exact local IP and port, else
//! those written for `*` (or `_default_`) and that port, else none, and then the main server answers
//! with [`crate::config::Config::mounts`]. Within the set, the Host header (lower-cased, port dropped)
//! is compared with each host's ServerName, then its ServerAliases, then its wildcard aliases (`*`
//! and `?`, as `ap_strcasecmp_match`), hosts in the order they were written; the first host of the
//! set is the default when nothing matches or Host is absent. ServerName's own port plays no part.
//! The hosts are read from httpd's `<VirtualHost>` sections by `crate::site`.

use std::net::{IpAddr, SocketAddr};

use super::access::AccessRules;
use super::diagnostic::Origin;
use super::mounts::MountTable;
// httpd's `ap_strcasecmp_match` on lower-cased text is mod_jk's wildcard matcher: `*` any run, `?`
// one character.
use super::mounts::wildcard_match;

/// One address a `<VirtualHost>` is written for: `None` stands for `*` or `_default_`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VhostAddr {
    pub ip: Option<IpAddr>,
    pub port: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VirtualHost {
    pub addrs: Vec<VhostAddr>,
    /// Lower case, without port.
    pub server_name: String,
    pub aliases: Vec<String>,
    pub wild_aliases: Vec<String>,
    /// Where the `<VirtualHost>` line is.
    pub defined_at: Origin,
    /// The host's own JkMount rules (with the main server's under JkMountCopy).
    pub mounts: MountTable,
    /// The main server's `<Location>` rules, then the host's own.
    pub access: AccessRules,
}

impl VirtualHost {
    fn answers_to(&self, host: &str) -> bool {
        self.server_name == host
            || self.aliases.iter().any(|a| a == host)
            || self
                .wild_aliases
                .iter()
                .any(|w| wildcard_match(w.as_bytes(), host.as_bytes()))
    }
}

/// The host part of a Host header or a ServerName, lower-cased: `WWW.example.com:8080` is
/// `www.example.com`, `[::1]:80` is `::1`; a scheme in a ServerName is dropped.
pub fn host_of(name: &str) -> String {
    let name = name.rsplit_once("://").map_or(name, |(_, rest)| rest);
    let host = match name.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(v6),
        None => name.split(':').next().unwrap_or(name),
    };
    host.trim_end_matches('.').to_ascii_lowercase()
}

/// Every virtual host, in the order written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VirtualHosts {
    pub hosts: Vec<VirtualHost>,
}

impl VirtualHosts {
    /// The host a request to `local` with this Host header goes to; `None` is the main server.
    /// Runs per request: no allocation but the lower-cased Host.
    pub fn choose(&self, local: SocketAddr, host: Option<&str>) -> Option<usize> {
        if self.hosts.is_empty() {
            return None;
        }
        let port_fits = |a: &VhostAddr| a.port.is_none_or(|p| p == local.port());
        let exact = |a: &VhostAddr| a.ip == Some(local.ip()) && port_fits(a);
        let wildcard = |a: &VhostAddr| a.ip.is_none() && port_fits(a);
        let any_exact = self.hosts.iter().any(|h| h.addrs.iter().any(exact));
        let in_set = |h: &&VirtualHost| {
            if any_exact {
                h.addrs.iter().any(exact)
            } else {
                h.addrs.iter().any(wildcard)
            }
        };
        let mut set = self.hosts.iter().enumerate().filter(|(_, h)| in_set(h));
        let (first, _) = set.next()?;
        let Some(host) = host.map(host_of).filter(|h| !h.is_empty()) else {
            return Some(first);
        };
        if self.hosts[first].answers_to(&host) {
            return Some(first);
        }
        let named = set.find(|(_, h)| h.answers_to(&host)).map(|(i, _)| i);
        Some(named.unwrap_or(first))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn vhost(addrs: &[(Option<&str>, Option<u16>)], name: &str, aliases: &[&str]) -> VirtualHost {
        let (wild, plain): (Vec<String>, Vec<String>) = aliases
            .iter()
            .map(|a| a.to_string())
            .partition(|a| a.contains(['*', '?']));
        VirtualHost {
            addrs: addrs
                .iter()
                .map(|(ip, port)| VhostAddr {
                    ip: ip.map(|ip| ip.parse().unwrap()),
                    port: *port,
                })
                .collect(),
            server_name: name.into(),
            aliases: plain,
            wild_aliases: wild,
            defined_at: Origin {
                file: PathBuf::from("t.conf"),
                line: 1,
                key: "VirtualHost".into(),
            },
            mounts: MountTable::default(),
            access: AccessRules::default(),
        }
    }

    fn at(addr: &str) -> SocketAddr {
        addr.parse().unwrap()
    }

    #[test]
    fn names_pick_within_the_address_and_the_first_is_the_default() {
        let hosts = VirtualHosts {
            hosts: vec![
                vhost(
                    &[(None, Some(8080))],
                    "a.example",
                    &["www.a.example", "*.a.example"],
                ),
                vhost(&[(None, Some(8080))], "b.example", &["b?.example"]),
                vhost(&[(Some("127.0.0.2"), Some(8080))], "c.example", &[]),
                vhost(&[(None, Some(8081))], "main.example", &[]),
            ],
        };
        let local = at("127.0.0.1:8080");
        assert_eq!(hosts.choose(local, Some("B.EXAMPLE:8080")), Some(1));
        assert_eq!(hosts.choose(local, Some("b7.example")), Some(1));
        assert_eq!(hosts.choose(local, Some("x.a.example.")), Some(0));
        assert_eq!(hosts.choose(local, Some("unknown")), Some(0));
        assert_eq!(hosts.choose(local, None), Some(0));
        // An exact address takes the connection away from the wildcard ones, names or not.
        assert_eq!(
            hosts.choose(at("127.0.0.2:8080"), Some("b.example")),
            Some(2)
        );
        assert_eq!(
            hosts.choose(at("127.0.0.1:8081"), Some("a.example")),
            Some(3)
        );
        assert_eq!(hosts.choose(at("127.0.0.1:9999"), Some("a.example")), None);
    }

    #[test]
    fn host_names_drop_scheme_port_and_case() {
        assert_eq!(host_of("https://WWW.example.com:443"), "www.example.com");
        assert_eq!(host_of("[::1]:80"), "::1");
    }

    #[test]
    fn wildcards_are_star_and_question_mark_only() {
        assert!(wildcard_match(b"*.example", b"a.b.example"));
        assert!(wildcard_match(b"b?.example", b"b1.example"));
        assert!(!wildcard_match(b"b?.example", b"b12.example"));
        assert!(!wildcard_match(b"[ab].example", b"a.example"));
    }
}
