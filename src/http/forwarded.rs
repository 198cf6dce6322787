//! The client behind trusted HTTP proxies: `X-Forwarded-For` walked right to left as httpd's
//! mod_remoteip walks it (`remoteip_modify_request`), and `X-Forwarded-Proto` as Tomcat's RemoteIpValve
//! reads it (docs/proxy-protocol.md#x-forwarded-for).
//!
//! Only a peer in one of the lists is believed; from any other peer both headers are ignored (and still
//! forwarded to Tomcat unchanged, as mod_jk forwards every header). The walk starts at the peer (the
//! socket's, or the one a PROXY header gave), takes the rightmost entry as the client while the current
//! one is a listed proxy, and stops at the first unlisted one. An entry that is not an IP address ends
//! the walk. From a *trusted* (external) proxy, a private, loopback or link-local IPv4 address or an
//! IPv6 address outside 2000::/3 also ends it; an *internal* proxy may present any address, and may
//! present an external proxy, but what an external proxy presents is never treated as internal.

use std::net::IpAddr;

use http::HeaderMap;
use ipnet::IpNet;

/// The proxies whose forwarding headers are believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies {
    /// `--trusted-proxy` (RemoteIPTrustedProxy): may not present private addresses.
    pub trusted: Vec<IpNet>,
    /// `--internal-proxy` (RemoteIPInternalProxy): may present any address.
    pub internal: Vec<IpNet>,
}

/// What trusted proxies said about a request's client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Forwarded {
    /// The client from `X-Forwarded-For`, when the walk found one.
    pub client: Option<IpAddr>,
    /// From `X-Forwarded-Proto`: whether the client used https to the proxy; `None` without the
    /// header (or from an unlisted peer).
    pub https: Option<bool>,
}

impl TrustedProxies {
    pub fn is_empty(&self) -> bool {
        self.trusted.is_empty() && self.internal.is_empty()
    }

    /// `Some(true)` for an internal proxy, `Some(false)` for a trusted one, `None` if unlisted. The
    /// internal list is looked at first, so an address in both is internal.
    fn kind(&self, address: IpAddr) -> Option<bool> {
        let address = address.to_canonical();
        if self.internal.iter().any(|net| net.contains(&address)) {
            Some(true)
        } else if self.trusted.iter().any(|net| net.contains(&address)) {
            Some(false)
        } else {
            None
        }
    }

    /// The client and scheme that `headers` give for a request from `peer`.
    pub fn forwarded(&self, peer: IpAddr, headers: &HeaderMap) -> Forwarded {
        if self.kind(peer).is_none() {
            return Forwarded {
                client: None,
                https: None,
            };
        }
        let xff = joined(headers, "x-forwarded-for");
        Forwarded {
            client: xff.and_then(|list| self.walk(peer, &list)),
            https: joined(headers, "x-forwarded-proto").map(|value| is_https(&value)),
        }
    }

    /// mod_remoteip's walk over an `X-Forwarded-For` list, from the right.
    pub fn walk(&self, peer: IpAddr, list: &str) -> Option<IpAddr> {
        let mut current = peer;
        // With lists configured mod_remoteip starts out "internal"; the first external hop ends that.
        let mut internal = true;
        let mut client = None;
        let mut rest = Some(list);
        while let Some(remaining) = rest {
            let Some(kind) = self.kind(current) else {
                break;
            };
            internal = internal && kind;
            let (left, entry) = match remaining.rfind(',') {
                Some(comma) => (Some(&remaining[..comma]), &remaining[comma + 1..]),
                None => (None, remaining),
            };
            let entry = entry.trim_matches([' ', '\t']);
            let Ok(address) = entry.parse::<IpAddr>() else {
                break;
            };
            let address = address.to_canonical();
            if !internal && !is_public(address) {
                break;
            }
            client = Some(address);
            current = address;
            rest = left;
        }
        client
    }
}

/// Every value of header `name`, joined with ", " as httpd merges repeated request headers.
fn joined(headers: &HeaderMap, name: &str) -> Option<String> {
    let values: Vec<&str> = headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    (!values.is_empty()).then(|| values.join(", "))
}

/// Tomcat's RemoteIpValve rule (`isForwardedProtoHeaderValueSecure`): secure when every
/// comma-separated value is `https`, compared case-insensitively.
fn is_https(value: &str) -> bool {
    let mut values = value.split(',').map(str::trim).filter(|v| !v.is_empty());
    let mut any = false;
    values.all(|v| {
        any = true;
        v.eq_ignore_ascii_case("https")
    }) && any
}

/// mod_remoteip's test for what an external trusted proxy may present: not 10/8, 127/8, 169.254/16,
/// 172.16/12 or 192.168/16, and for IPv6 only global unicast (2000::/3).
fn is_public(address: IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(a == 10
                || a == 127
                || a == 169 && b == 254
                || a == 172 && b & 0xF0 == 16
                || a == 192 && b == 168)
        }
        IpAddr::V6(v6) => v6.octets()[0] & 0xE0 == 0x20,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|n| n.parse().unwrap()).collect()
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn internal(list: &[&str]) -> TrustedProxies {
        TrustedProxies {
            internal: nets(list),
            ..Default::default()
        }
    }

    #[test]
    fn the_walk_strips_listed_proxies_from_the_right() {
        let proxies = internal(&["10.0.0.0/8"]);
        let peer = ip("10.0.0.1");
        assert_eq!(proxies.walk(peer, "198.51.100.9"), Some(ip("198.51.100.9")));
        assert_eq!(
            proxies.walk(peer, "6.6.6.6, 198.51.100.9, 10.0.0.7"),
            Some(ip("198.51.100.9")),
            "the first unlisted address from the right is the client; a forged one left of it is not"
        );
        assert_eq!(
            proxies.walk(peer, "10.0.0.8,10.0.0.7"),
            Some(ip("10.0.0.8"))
        );
        assert_eq!(
            proxies.walk(ip("192.0.2.1"), "198.51.100.9"),
            None,
            "unlisted peer"
        );
        // An invalid or empty entry stops the walk where it is.
        assert_eq!(proxies.walk(peer, "198.51.100.9, junk"), None);
        assert_eq!(proxies.walk(peer, "junk, 10.0.0.7"), Some(ip("10.0.0.7")));
        assert_eq!(
            proxies.walk(peer, "198.51.100.9, , 10.0.0.7"),
            Some(ip("10.0.0.7"))
        );
        assert_eq!(
            proxies.walk(peer, "198.51.100.9:443"),
            None,
            "a port is not an address"
        );
        assert_eq!(proxies.walk(peer, "[2001:db8::1]"), None);
        assert_eq!(proxies.walk(peer, " 2001:db8::1 "), Some(ip("2001:db8::1")));
        assert_eq!(
            proxies.walk(peer, "::ffff:198.51.100.9"),
            Some(ip("198.51.100.9")),
            "IPv4-mapped addresses count as IPv4"
        );
    }

    #[test]
    fn external_proxies_may_not_present_private_addresses() {
        let proxies = TrustedProxies {
            trusted: nets(&["192.0.2.0/24"]),
            internal: nets(&["10.0.0.0/8"]),
        };
        let lb = ip("192.0.2.1");
        assert_eq!(proxies.walk(lb, "198.51.100.9"), Some(ip("198.51.100.9")));
        for private in [
            "10.1.2.3",
            "127.0.0.1",
            "169.254.1.1",
            "172.20.0.1",
            "192.168.1.1",
            "fd00::1",
            "fe80::1",
        ] {
            assert_eq!(proxies.walk(lb, private), None, "{private}");
        }
        assert_eq!(proxies.walk(lb, "172.32.0.1"), Some(ip("172.32.0.1")));
        // Internal may present external, which then may not present private or internal ones.
        let internal_lb = ip("10.0.0.1");
        assert_eq!(
            proxies.walk(internal_lb, "192.0.2.5"),
            Some(ip("192.0.2.5"))
        );
        assert_eq!(
            proxies.walk(internal_lb, "10.9.9.9, 192.0.2.5"),
            Some(ip("192.0.2.5"))
        );
        assert_eq!(proxies.walk(internal_lb, "10.9.9.9"), Some(ip("10.9.9.9")));
    }

    #[test]
    fn headers_count_only_from_listed_peers() {
        let proxies = internal(&["127.0.0.1/32"]);
        let mut headers = HeaderMap::new();
        headers.append("x-forwarded-for", "198.51.100.1".parse().unwrap());
        headers.append("x-forwarded-for", "198.51.100.9".parse().unwrap());
        headers.append("x-forwarded-proto", "https".parse().unwrap());
        let seen = proxies.forwarded(ip("127.0.0.1"), &headers);
        assert_eq!(
            seen.client,
            Some(ip("198.51.100.9")),
            "repeated headers join in order"
        );
        assert_eq!(seen.https, Some(true));
        let stranger = proxies.forwarded(ip("127.0.0.2"), &headers);
        assert_eq!((stranger.client, stranger.https), (None, None));
        assert_eq!(
            proxies.forwarded(ip("127.0.0.1"), &HeaderMap::new()).https,
            None
        );
    }

    #[test]
    fn forwarded_proto_follows_remote_ip_valve() {
        assert!(is_https("https"));
        assert!(is_https("HTTPS"));
        assert!(is_https("https, https"));
        assert!(!is_https("https, http"));
        assert!(!is_https("http"));
        assert!(!is_https(""));
        assert!(!is_https(" , "));
    }
}
