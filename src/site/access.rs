//! `Require` lines and `<RequireAll|Any|None>` sections inside `<Location>`, read into
//! [`crate::config::LocationRule`]s (mod_authz_core.c `add_authz_provider`, mod_authz_host.c
//! `ip_parse_config`).
//!
//! The providers that need nothing but the client's address are read: `all`, `ip`, `local`, each
//! optionally after `not`. Any other (`user`, `valid-user`, `group`, `host`, `env`, `method`,
//! `expr`, …) would need what ajpgate does not have; such a requirement denies (fail closed), and is
//! listed as a difference from httpd.

use std::net::{IpAddr, Ipv4Addr};

use ipnet::{IpNet, Ipv4Net};

use crate::config::{LocationRule, Origin, Requirement};
use crate::httpd_conf::{Directive, Place};

/// What reading a Location's requirements found.
#[derive(Debug, Default)]
pub struct Read {
    pub rule: Option<LocationRule>,
    /// Requirements that deny everyone here because ajpgate cannot judge them.
    pub unsupported: Vec<(Place, String)>,
    pub errors: Vec<(Place, String, String)>,
}

/// The rule of one `<Location PATH>`, if it has requirements.
pub fn read_location(location: &Directive) -> Read {
    let mut read = Read::default();
    let Some(path) = location.args.first() else {
        return read;
    };
    let lines = requirements(location.children(), &mut read);
    if lines.is_empty() {
        return read;
    }
    read.rule = Some(LocationRule {
        path: path.clone(),
        requirement: Requirement::Any(lines),
        defined_at: Origin {
            file: location.place.file.clone(),
            line: location.place.line,
            key: "Location".into(),
        },
    });
    read
}

fn requirements(directives: &[Directive], read: &mut Read) -> Vec<Requirement> {
    let mut out = Vec::new();
    for directive in directives {
        let section = |children: Vec<Requirement>| -> Requirement {
            if directive.is("RequireAll") {
                Requirement::AllOf(children)
            } else if directive.is("RequireNone") {
                Requirement::NoneOf(children)
            } else {
                Requirement::Any(children)
            }
        };
        if ["RequireAll", "RequireAny", "RequireNone"]
            .iter()
            .any(|n| directive.is(n))
        {
            let children = requirements(directive.children(), read);
            out.push(section(children));
        } else if directive.is("Require") {
            match require_line(&directive.args) {
                Ok(requirement) => out.push(requirement),
                Err(Unreadable::Unsupported) => {
                    let text = format!("Require {}", directive.raw_args);
                    read.unsupported.push((directive.place.clone(), text));
                    out.push(Requirement::All(false));
                }
                Err(Unreadable::Invalid(message)) => {
                    let key = directive.name.clone();
                    read.errors.push((directive.place.clone(), key, message));
                }
            }
        }
    }
    out
}

enum Unreadable {
    Unsupported,
    Invalid(String),
}

fn require_line(args: &[String]) -> Result<Requirement, Unreadable> {
    let (negated, args) = match args.split_first() {
        Some((first, rest)) if first.eq_ignore_ascii_case("not") => (true, rest),
        _ => (false, args),
    };
    let Some((provider, values)) = args.split_first() else {
        return Err(Unreadable::Invalid(
            "needs a provider (all, ip, local, …)".into(),
        ));
    };
    let requirement = match provider.to_ascii_lowercase().as_str() {
        "all" => match values {
            [v] if v.eq_ignore_ascii_case("granted") => Requirement::All(true),
            [v] if v.eq_ignore_ascii_case("denied") => Requirement::All(false),
            _ => return Err(Unreadable::Invalid("'all' takes granted or denied".into())),
        },
        "local" => Requirement::Local,
        "ip" => {
            if values.is_empty() {
                return Err(Unreadable::Invalid(
                    "'ip' needs at least one address".into(),
                ));
            }
            let nets = values
                .iter()
                .map(|v| network(v))
                .collect::<Result<Vec<_>, _>>();
            Requirement::Ip(nets.map_err(Unreadable::Invalid)?)
        }
        _ => return Err(Unreadable::Unsupported),
    };
    Ok(if negated {
        Requirement::Not(Box::new(requirement))
    } else {
        requirement
    })
}

/// An address as mod_authz_host takes it: `10.1.2.3`, `10.1` (a prefix of whole octets),
/// `10.1.0.0/16`, `10.1.0.0/255.255.0.0`, `::1`, `2001:db8::/32`.
fn network(text: &str) -> Result<IpNet, String> {
    let bad = || format!("'{text}' is not an IP address, prefix or network");
    if let Some((address, mask)) = text.split_once('/') {
        let address: IpAddr = address.parse().map_err(|_| bad())?;
        let bits = match mask.parse::<u8>() {
            Ok(bits) => bits,
            Err(_) => {
                let mask: Ipv4Addr = mask.parse().map_err(|_| bad())?;
                let mask = u32::from(mask);
                if mask.leading_ones() + mask.trailing_zeros() != 32 {
                    return Err(bad());
                }
                mask.leading_ones() as u8
            }
        };
        return IpNet::new(address, bits)
            .map(|n| n.trunc())
            .map_err(|_| bad());
    }
    if let Ok(address) = text.parse::<IpAddr>() {
        return Ok(IpNet::from(address));
    }
    let octets: Vec<&str> = text.trim_end_matches('.').split('.').collect();
    if octets.is_empty() || octets.len() > 3 {
        return Err(bad());
    }
    let mut address = [0u8; 4];
    for (slot, octet) in address.iter_mut().zip(&octets) {
        *slot = octet.parse().map_err(|_| bad())?;
    }
    let bits = (octets.len() * 8) as u8;
    Ipv4Net::new(Ipv4Addr::from(address), bits)
        .map(IpNet::V4)
        .map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn directive(name: &str, args: &[&str], children: Option<Vec<Directive>>) -> Directive {
        Directive::for_test(name, args, children, ("t.conf", 7))
    }

    #[test]
    fn networks_in_every_form_mod_authz_host_takes() {
        let n = |t: &str| network(t).unwrap().to_string();
        assert_eq!(n("10.1"), "10.1.0.0/16");
        assert_eq!(n("10.1.2.3"), "10.1.2.3/32");
        assert_eq!(n("10.1.2.3/8"), "10.0.0.0/8");
        assert_eq!(n("10.1.0.0/255.255.0.0"), "10.1.0.0/16");
        assert_eq!(n("::1"), "::1/128");
        assert!(network("10.1.0.0/255.0.255.0").is_err() && network("host.example").is_err());
    }

    #[test]
    fn a_location_reads_into_one_rule_and_unknown_providers_deny() {
        let location = directive(
            "Location",
            &["/jk-status"],
            Some(vec![
                directive("Require", &["ip", "127.0.0.1", "::1"], None),
                directive(
                    "RequireAll",
                    &[],
                    Some(vec![
                        directive("Require", &["all", "granted"], None),
                        directive("Require", &["not", "ip", "10"], None),
                    ]),
                ),
                directive("Require", &["valid-user"], None),
                directive("Require", &["all", "maybe"], None),
                directive("SetHandler", &["x"], None),
            ]),
        );
        let read = read_location(&location);
        let rule = read.rule.unwrap();
        let Requirement::Any(lines) = &rule.requirement else {
            panic!("{:?}", rule.requirement);
        };
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[2], Requirement::All(false));
        assert_eq!(read.unsupported.len(), 1);
        assert_eq!(read.errors.len(), 1);
        assert_eq!(read.errors[0].0.line, 7);
    }
}
