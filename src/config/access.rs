//! Access control by `<Location>`, as httpd's mod_authz_core and mod_authz_host decide it
//! (modules/aaa/mod_authz_core.c `check_section`, `authorize_user_core`; mod_authz_host.c;
//! server/request.c `ap_location_walk`). Read from an httpd configuration by `crate::site`.
//!
//! A `<Location PATH>` applies to PATH itself and to what lies below it at a segment boundary
//! (`/jk-status` covers `/jk-status/x`, not `/jk-statusx`); a PATH with wildcards is matched with
//! `fnmatch` and `/` only matched by `/`. Of the Locations that apply, in the order written (the
//! main server's first, then the virtual host's), the last one with `Require` lines decides alone
//! (httpd's default `AuthMerging Off`). Its `Require` lines are alternatives, as if in
//! `<RequireAny>`. Each requirement grants, denies or has no opinion; a decision without a grant is
//! 403 Forbidden.

use std::net::IpAddr;

use ipnet::IpNet;

use super::diagnostic::Origin;

/// What one requirement says about a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Granted,
    Denied,
    Neutral,
}

/// One `Require` line or `<Require…>` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requirement {
    /// `Require all granted` / `Require all denied`.
    All(bool),
    /// `Require ip ADDRESS…`: the client's address is in one of the networks.
    Ip(Vec<IpNet>),
    /// `Require local`: the client is a loopback address or the server's own address.
    Local,
    /// `Require not …`: a match denies, a miss has no opinion.
    Not(Box<Requirement>),
    /// `<RequireAny>`, and the lines of a Location together.
    Any(Vec<Requirement>),
    /// `<RequireAll>`.
    AllOf(Vec<Requirement>),
    /// `<RequireNone>`: none may grant.
    NoneOf(Vec<Requirement>),
}

/// Who asks: the client as ajpgate believes it, and the address it connected to.
#[derive(Debug, Clone, Copy)]
pub struct Asker {
    pub client: IpAddr,
    pub local: IpAddr,
}

impl Requirement {
    pub fn decide(&self, asker: Asker) -> Decision {
        let leaf = |granted: bool| {
            if granted {
                Decision::Granted
            } else {
                Decision::Denied
            }
        };
        match self {
            Requirement::All(granted) => leaf(*granted),
            Requirement::Ip(nets) => leaf(
                nets.iter()
                    .any(|net| net.contains(&canonical(asker.client))),
            ),
            Requirement::Local => {
                let client = canonical(asker.client);
                leaf(client.is_loopback() || client == canonical(asker.local))
            }
            Requirement::Not(inner) => negate(inner.decide(asker)),
            Requirement::Any(children) => any(children, asker),
            Requirement::AllOf(children) => all(children, asker),
            Requirement::NoneOf(children) => negate(any(children, asker)),
        }
    }
}

/// A negation cannot grant: a grant becomes a denial, a denial no opinion.
fn negate(decision: Decision) -> Decision {
    match decision {
        Decision::Granted => Decision::Denied,
        Decision::Denied | Decision::Neutral => Decision::Neutral,
    }
}

fn any(children: &[Requirement], asker: Asker) -> Decision {
    let mut result = Decision::Neutral;
    for child in children {
        match child.decide(asker) {
            Decision::Granted => return Decision::Granted,
            Decision::Denied => result = Decision::Denied,
            Decision::Neutral => {}
        }
    }
    result
}

fn all(children: &[Requirement], asker: Asker) -> Decision {
    let mut result = Decision::Neutral;
    for child in children {
        match child.decide(asker) {
            Decision::Denied => return Decision::Denied,
            Decision::Granted => result = Decision::Granted,
            Decision::Neutral => {}
        }
    }
    result
}

/// An IPv4 client seen through an IPv6 socket is the IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        IpAddr::V4(_) => ip,
    }
}

/// One `<Location>` with requirements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocationRule {
    pub path: String,
    pub requirement: Requirement,
    pub defined_at: Origin,
}

impl LocationRule {
    /// Whether the Location covers the normalised request `path`.
    pub fn covers(&self, path: &str) -> bool {
        let pattern = self.path.as_bytes();
        if self.path.contains(['*', '?', '[']) {
            return path_fnmatch(pattern, path.as_bytes());
        }
        let path = path.as_bytes();
        path.starts_with(pattern)
            && (pattern.ends_with(b"/") || matches!(path.get(pattern.len()), None | Some(b'/')))
    }
}

/// The rules of a server, main server's first; the last that covers the path decides.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccessRules {
    pub locations: Vec<LocationRule>,
}

impl AccessRules {
    /// Whether `asker` may have `path`; with no Location covering it, yes.
    pub fn allows(&self, path: &str, asker: Asker) -> bool {
        let deciding = self.locations.iter().rev().find(|rule| rule.covers(path));
        deciding.is_none_or(|rule| rule.requirement.decide(asker) == Decision::Granted)
    }

    pub fn is_empty(&self) -> bool {
        self.locations.is_empty()
    }
}

/// `fnmatch(pattern, path, FNM_PATHNAME)`: `*` and `?` never match `/`; `[...]` sets.
fn path_fnmatch(pattern: &[u8], path: &[u8]) -> bool {
    let (Some(&p), rest) = (pattern.first(), &pattern[pattern.len().min(1)..]) else {
        return path.is_empty();
    };
    match p {
        b'*' => (0..=path.len())
            .take_while(|&i| i == 0 || path[i - 1] != b'/')
            .any(|i| path_fnmatch(rest, &path[i..])),
        b'?' => path.first().is_some_and(|&c| c != b'/') && path_fnmatch(rest, &path[1..]),
        b'[' => match (path.first(), rest.iter().position(|&c| c == b']')) {
            (Some(&c), Some(end)) if c != b'/' => {
                let (set, after) = (&rest[..end], &rest[end + 1..]);
                let (negated, set) = match set.first() {
                    Some(b'!' | b'^') => (true, &set[1..]),
                    _ => (false, set),
                };
                in_set(set, c) != negated && path_fnmatch(after, &path[1..])
            }
            _ => path.first() == Some(&b'[') && path_fnmatch(rest, &path[1..]),
        },
        literal => path.first() == Some(&literal) && path_fnmatch(rest, &path[1..]),
    }
}

fn in_set(set: &[u8], c: u8) -> bool {
    let mut i = 0;
    while i < set.len() {
        if i + 2 < set.len() && set[i + 1] == b'-' {
            if set[i] <= c && c <= set[i + 2] {
                return true;
            }
            i += 3;
        } else {
            if set[i] == c {
                return true;
            }
            i += 1;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn asker(client: &str) -> Asker {
        Asker {
            client: client.parse().unwrap(),
            local: "192.0.2.10".parse().unwrap(),
        }
    }

    fn ip(nets: &[&str]) -> Requirement {
        let net = |n: &&str| match n.parse::<IpNet>() {
            Ok(net) => net,
            Err(_) => IpNet::from(n.parse::<IpAddr>().unwrap()),
        };
        Requirement::Ip(nets.iter().map(net).collect())
    }

    fn rule(path: &str, requirement: Requirement) -> LocationRule {
        LocationRule {
            path: path.into(),
            requirement,
            defined_at: Origin {
                file: PathBuf::from("t.conf"),
                line: 1,
                key: "Location".into(),
            },
        }
    }

    #[test]
    fn requirements_combine_as_mod_authz_core() {
        let d = |r: &Requirement, c: &str| r.decide(asker(c));
        assert_eq!(d(&ip(&["127.0.0.1"]), "127.0.0.1"), Decision::Granted);
        assert_eq!(
            d(&ip(&["10.0.0.0/8"]), "::ffff:10.1.2.3"),
            Decision::Granted
        );
        assert_eq!(d(&ip(&["10.0.0.0/8"]), "192.0.2.1"), Decision::Denied);
        assert_eq!(d(&Requirement::Local, "192.0.2.10"), Decision::Granted);
        assert_eq!(d(&Requirement::Local, "::1"), Decision::Granted);
        let all_but = Requirement::AllOf(vec![
            Requirement::All(true),
            Requirement::Not(Box::new(ip(&["10.0.0.0/8"]))),
        ]);
        assert_eq!(d(&all_but, "10.0.0.1"), Decision::Denied);
        assert_eq!(d(&all_but, "192.0.2.1"), Decision::Granted);
        let only_negation =
            Requirement::AllOf(vec![Requirement::Not(Box::new(ip(&["10.0.0.0/8"])))]);
        assert_eq!(d(&only_negation, "192.0.2.1"), Decision::Neutral);
        let none = Requirement::NoneOf(vec![ip(&["10.0.0.0/8"])]);
        assert_eq!(d(&none, "10.0.0.1"), Decision::Denied);
        assert_eq!(d(&none, "192.0.2.1"), Decision::Neutral);
    }

    #[test]
    fn locations_cover_at_segment_boundaries_and_the_last_decides() {
        let rules = AccessRules {
            locations: vec![
                rule("/jk-status", ip(&["127.0.0.1"])),
                rule("/app/", Requirement::All(false)),
                rule("/app/public", Requirement::All(true)),
                rule("/files/*.txt", Requirement::All(false)),
            ],
        };
        let outside = asker("192.0.2.1");
        assert!(!rules.allows("/jk-status", outside));
        assert!(!rules.allows("/jk-status/x", outside));
        assert!(rules.allows("/jk-statusx", outside));
        assert!(rules.allows("/jk-status", asker("127.0.0.1")));
        assert!(!rules.allows("/app/secret", outside));
        assert!(rules.allows("/app/public/x", outside));
        assert!(rules.allows("/app", outside));
        assert!(!rules.allows("/files/a.txt", outside));
        assert!(rules.allows("/files/d/a.txt", outside));
        assert!(rules.allows("/other", outside));
    }
}
