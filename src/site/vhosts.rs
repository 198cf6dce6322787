//! httpd's virtual hosts and how a request picks one (server/vhost.c: `ap_fini_vhost_config`,
//! `ap_update_vhost_given_ip`, `ap_update_vhost_from_headers`, `matches_aliases`).
//!
//! A connection first picks the address set: the `<VirtualHost>`s written for the exact local
//! IP and port, else those written for `*` (or `_default_`) and that port, else none, and then the
//! main server answers. Within the set, the Host header (lower-cased, port dropped) is compared with
//! each host's ServerName, then its ServerAliases, then its wildcard aliases, hosts in the order they
//! were written; the first host of the set is the default when nothing matches or Host is absent.
//! A host without a ServerName takes the main server's. ServerName's own port plays no part.

use std::net::{IpAddr, SocketAddr};

use crate::httpd_conf::include::fnmatch;
use crate::httpd_conf::{Directive, Place};

/// One address a `<VirtualHost>` is written for: `None` stands for `*` or `_default_`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VhostAddr {
    pub ip: Option<IpAddr>,
    pub port: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VirtualHost {
    pub addrs: Vec<VhostAddr>,
    pub server_name: String,
    pub aliases: Vec<String>,
    pub wild_aliases: Vec<String>,
    pub place: Place,
}

impl VirtualHost {
    /// Reads a `<VirtualHost>` section; `main_name` is the main server's ServerName.
    pub fn read(section: &Directive, main_name: &str) -> Result<VirtualHost, String> {
        let addrs = section
            .args
            .iter()
            .map(|a| parse_addr(a))
            .collect::<Result<Vec<_>, _>>()?;
        if addrs.is_empty() {
            return Err("<VirtualHost> needs at least one address".into());
        }
        let mut server_name = None;
        let (mut aliases, mut wild_aliases) = (Vec::new(), Vec::new());
        for directive in section.children() {
            if directive.is("ServerName") {
                server_name = directive.args.first().map(|n| host_of(n));
            } else if directive.is("ServerAlias") {
                for alias in &directive.args {
                    let alias = alias.to_ascii_lowercase();
                    if alias.contains(['*', '?']) {
                        wild_aliases.push(alias);
                    } else {
                        aliases.push(alias);
                    }
                }
            }
        }
        Ok(VirtualHost {
            addrs,
            server_name: server_name.unwrap_or_else(|| main_name.to_ascii_lowercase()),
            aliases,
            wild_aliases,
            place: section.place.clone(),
        })
    }

    fn answers_to(&self, host: &str) -> bool {
        self.server_name == host
            || self.aliases.iter().any(|a| a == host)
            || self
                .wild_aliases
                .iter()
                .any(|w| fnmatch(w.as_bytes(), host.as_bytes()))
    }
}

/// `ServerName www.example.com:8080` names the host `www.example.com`.
fn host_of(name: &str) -> String {
    let name = name.rsplit_once("://").map_or(name, |(_, rest)| rest);
    let host = match name.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(v6),
        None => name.split(':').next().unwrap_or(name),
    };
    host.to_ascii_lowercase()
}

/// `*:80`, `_default_:443`, `192.0.2.1`, `[::1]:8080`, `*`.
pub fn parse_addr(text: &str) -> Result<VhostAddr, String> {
    let bad = || format!("'{text}' is not an address for <VirtualHost>");
    let (host, port) = match text.strip_prefix('[') {
        Some(rest) => {
            let (host, after) = rest.split_once(']').ok_or_else(bad)?;
            (host, after.strip_prefix(':'))
        }
        None => match text.rsplit_once(':') {
            Some((host, port)) if !host.contains(':') => (host, Some(port)),
            _ => (text, None),
        },
    };
    let port = match port {
        None | Some("*") => None,
        Some(port) => Some(port.parse::<u16>().map_err(|_| bad())?),
    };
    let ip = match host {
        "*" | "_default_" => None,
        host => Some(host.parse::<IpAddr>().map_err(|_| bad())?),
    };
    Ok(VhostAddr { ip, port })
}

/// Every `<VirtualHost>` of a configuration, in the order written.
#[derive(Debug, Clone, Default)]
pub struct VirtualHosts {
    pub hosts: Vec<VirtualHost>,
}

impl VirtualHosts {
    /// The host a request to `local` with this Host header goes to; `None` is the main server.
    pub fn choose(&self, local: SocketAddr, host: Option<&str>) -> Option<usize> {
        let set = self.address_set(local);
        let first = *set.first()?;
        let Some(host) = host.map(host_of).filter(|h| !h.is_empty()) else {
            return Some(first);
        };
        let named = set.iter().find(|&&i| self.hosts[i].answers_to(&host));
        Some(named.copied().unwrap_or(first))
    }

    /// The hosts written for the connection's exact address, else for `*` and its port.
    fn address_set(&self, local: SocketAddr) -> Vec<usize> {
        let port_fits = |a: &VhostAddr| a.port.is_none_or(|p| p == local.port());
        let exact = |a: &VhostAddr| a.ip == Some(local.ip()) && port_fits(a);
        let wildcard = |a: &VhostAddr| a.ip.is_none() && port_fits(a);
        let hosts_where = |test: &dyn Fn(&VhostAddr) -> bool| -> Vec<usize> {
            let indices = self.hosts.iter().enumerate();
            indices
                .filter(|(_, h)| h.addrs.iter().any(test))
                .map(|(i, _)| i)
                .collect()
        };
        let exact_hosts = hosts_where(&exact);
        if exact_hosts.is_empty() {
            hosts_where(&wildcard)
        } else {
            exact_hosts
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn vhost(addrs: &[&str], name: &str, aliases: &[&str]) -> VirtualHost {
        let mut children = Vec::new();
        let directive = |name: &str, args: Vec<String>| Directive {
            name: name.into(),
            raw_args: args.join(" "),
            args,
            place: Place {
                file: PathBuf::from("t.conf"),
                line: 1,
            },
            section: None,
        };
        if !name.is_empty() {
            children.push(directive("ServerName", vec![name.into()]));
        }
        let aliases: Vec<String> = aliases.iter().map(|a| a.to_string()).collect();
        if !aliases.is_empty() {
            children.push(directive("ServerAlias", aliases));
        }
        let mut section = directive("VirtualHost", addrs.iter().map(|a| a.to_string()).collect());
        section.section = Some(children);
        VirtualHost::read(&section, "main.example").unwrap()
    }

    fn at(addr: &str) -> SocketAddr {
        addr.parse().unwrap()
    }

    #[test]
    fn names_pick_within_the_address_and_the_first_is_the_default() {
        let hosts = VirtualHosts {
            hosts: vec![
                vhost(&["*:8080"], "a.example", &["www.a.example", "*.a.example"]),
                vhost(&["*:8080"], "B.example:8080", &[]),
                vhost(&["127.0.0.2:8080"], "c.example", &[]),
                vhost(&["*:8081"], "", &[]),
            ],
        };
        let local = at("127.0.0.1:8080");
        assert_eq!(hosts.choose(local, Some("b.EXAMPLE:8080")), Some(1));
        assert_eq!(hosts.choose(local, Some("x.a.example")), Some(0));
        assert_eq!(hosts.choose(local, Some("unknown")), Some(0));
        assert_eq!(hosts.choose(local, None), Some(0));
        // An exact address takes the connection away from the wildcard ones, names or not.
        assert_eq!(
            hosts.choose(at("127.0.0.2:8080"), Some("b.example")),
            Some(2)
        );
        assert_eq!(
            hosts.choose(at("127.0.0.1:8081"), Some("main.example")),
            Some(3)
        );
        assert_eq!(hosts.choose(at("127.0.0.1:9999"), Some("a.example")), None);
    }

    #[test]
    fn addresses_parse_as_httpd_writes_them() {
        let parse = |t: &str| parse_addr(t).unwrap();
        assert_eq!(
            parse("*:80"),
            VhostAddr {
                ip: None,
                port: Some(80)
            }
        );
        assert_eq!(
            parse("_default_:443"),
            VhostAddr {
                ip: None,
                port: Some(443)
            }
        );
        assert_eq!(
            parse("*"),
            VhostAddr {
                ip: None,
                port: None
            }
        );
        let v6 = parse("[::1]:8080");
        assert_eq!(
            (v6.ip.unwrap().to_string(), v6.port),
            ("::1".into(), Some(8080))
        );
        assert_eq!(parse("192.0.2.1").port, None);
        assert!(parse_addr("*:http").is_err() && parse_addr("host.example:80").is_err());
    }

    #[test]
    fn server_name_drops_scheme_and_port() {
        assert_eq!(host_of("https://WWW.example.com:443"), "www.example.com");
        assert_eq!(host_of("[::1]:80"), "::1");
    }
}
