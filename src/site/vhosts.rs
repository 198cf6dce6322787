//! Reading httpd's `<VirtualHost>` sections into [`crate::config::VirtualHost`]s: the addresses it
//! is written for, ServerName (the main server's when it has none, as httpd does) and ServerAlias.
//! The choice of host per request is in `crate::config::vhosts`.

use std::net::IpAddr;

use crate::config::{AccessRules, MountTable, Origin, VhostAddr, VirtualHost, host_of};
use crate::httpd_conf::Directive;

/// Reads a `<VirtualHost>` section; `main_name` is the main server's ServerName. Its mounts are
/// filled in later, once the workers are known.
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
        server_name: server_name.unwrap_or_else(|| host_of(main_name)),
        aliases,
        wild_aliases,
        defined_at: Origin {
            file: section.place.file.clone(),
            line: section.place.line,
            key: "VirtualHost".into(),
        },
        mounts: MountTable::default(),
        access: AccessRules::default(),
    })
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
