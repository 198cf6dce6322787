//! Who the client is, when a balancer or proxy stands between it and ajpgate: the policy
//! ([`ClientAddrSettings`]) and its two steps, per connection (a PROXY header, [`super::proxy_protocol`])
//! and per request (`X-Forwarded-For` / `X-Forwarded-Proto`, [`super::forwarded`]).
//! docs/proxy-protocol.md says what is believed from whom and where this differs from httpd.
//!
//! The client found here is what Tomcat receives as `remote_addr` (and `AJP_REMOTE_PORT`), what the
//! access log shows and what jk-status access control checks, as httpd's `r->useragent_ip` after
//! mod_remoteip is for mod_jk and `Require ip`.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use http::HeaderMap;
use ipnet::IpNet;
use tokio::net::TcpStream;

pub use super::forwarded::TrustedProxies;
use super::proxy_protocol::{self, ProxyError, ProxyHeader};
use super::request::ConnectionInfo;

/// Peers believed about the client's address (docs/proxy-protocol.md). Empty lists: nobody, and the
/// socket's peer is the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientAddrSettings {
    /// Peers that must open every connection with a PROXY header (`--proxy-protocol-from`); others
    /// must not send one.
    pub proxy_protocol_from: Vec<IpNet>,
    /// How long a listed peer may take to send its PROXY header.
    pub proxy_header_timeout: Duration,
    /// Peers whose `X-Forwarded-For` / `X-Forwarded-Proto` are believed.
    pub proxies: TrustedProxies,
}

impl Default for ClientAddrSettings {
    fn default() -> Self {
        Self {
            proxy_protocol_from: Vec::new(),
            proxy_header_timeout: Duration::from_secs(5),
            proxies: TrustedProxies::default(),
        }
    }
}

impl ClientAddrSettings {
    /// Whether a connection from `peer` must start with a PROXY header.
    pub fn expects_proxy_header(&self, peer: IpAddr) -> bool {
        let peer = peer.to_canonical();
        self.proxy_protocol_from
            .iter()
            .any(|net| net.contains(&peer))
    }
}

/// The client of a connection after its PROXY header, if one was due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionClient {
    pub client: SocketAddr,
    /// The balancer said the client used TLS to it (PROXY v2 `PP2_TYPE_SSL`).
    pub ssl: bool,
}

impl ClientAddrSettings {
    /// The connection's client: from its PROXY header when `peer` is listed, else `peer` itself.
    /// Consumes exactly the header's bytes; an error means the connection is to be closed.
    pub async fn connection_client(
        &self,
        stream: &mut TcpStream,
        peer: SocketAddr,
    ) -> Result<ConnectionClient, ProxyError> {
        let direct = ConnectionClient {
            client: peer,
            ssl: false,
        };
        if !self.expects_proxy_header(peer.ip()) {
            return Ok(direct);
        }
        match proxy_protocol::read_header(stream, self.proxy_header_timeout).await? {
            ProxyHeader::Proxied { source, ssl, .. } => Ok(ConnectionClient {
                client: canonical(source),
                ssl,
            }),
            ProxyHeader::Local => Ok(direct),
        }
    }

    /// `conn` for one request: the client and scheme a trusted proxy's headers give, if any. As
    /// mod_remoteip does, an address from `X-Forwarded-For` comes without a port (0).
    pub fn for_request(&self, conn: &ConnectionInfo, headers: &HeaderMap) -> ConnectionInfo {
        let mut conn = conn.clone();
        if self.proxies.is_empty() {
            return conn;
        }
        let forwarded = self.proxies.forwarded(conn.peer.ip(), headers);
        if let Some(client) = forwarded.client {
            conn.client = SocketAddr::new(client, 0);
        }
        if let Some(https) = forwarded.https {
            conn.secure_by_proxy = Some(https);
        }
        conn
    }

    /// Whether no network is listed: nobody is believed and the socket's peer is the client.
    pub fn is_default_trust(&self) -> bool {
        self.proxy_protocol_from.is_empty() && self.proxies.is_empty()
    }

    /// The lines `ajpgate check` prints, one per network list (an empty list says "none").
    pub fn describe(&self) -> Vec<String> {
        let list = |nets: &[IpNet]| {
            if nets.is_empty() {
                "none".to_owned()
            } else {
                nets.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        };
        vec![
            format!(
                "PROXY protocol required from: {} (header timeout {:?})",
                list(&self.proxy_protocol_from),
                self.proxy_header_timeout
            ),
            format!(
                "X-Forwarded-For/-Proto believed from trusted proxies: {}",
                list(&self.proxies.trusted)
            ),
            format!(
                "X-Forwarded-For/-Proto believed from internal proxies: {}",
                list(&self.proxies.internal)
            ),
        ]
    }
}

/// An IPv4-mapped IPv6 address as the IPv4 address it is.
fn canonical(address: SocketAddr) -> SocketAddr {
    SocketAddr::new(address.ip().to_canonical(), address.port())
}

/// A network from the command line: CIDR, or a bare address for just that host.
pub fn parse_network(text: &str) -> Result<IpNet, String> {
    text.parse::<IpNet>()
        .or_else(|_| text.parse::<IpAddr>().map(IpNet::from))
        .map(|net| net.trunc())
        .map_err(|_| format!("{text:?} is neither an IP address nor a CIDR network"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn(client: &str) -> ConnectionInfo {
        ConnectionInfo::direct(
            client.parse().unwrap(),
            "127.0.0.1:80".parse().unwrap(),
            None,
        )
    }

    #[test]
    fn networks_parse_as_cidr_or_host() {
        assert_eq!(
            parse_network("10.1.2.3/8").unwrap().to_string(),
            "10.0.0.0/8"
        );
        assert_eq!(
            parse_network("127.0.0.1").unwrap().to_string(),
            "127.0.0.1/32"
        );
        assert_eq!(parse_network("::1").unwrap().to_string(), "::1/128");
        assert!(parse_network("localhost").is_err());
        assert!(parse_network("10.0.0.0/33").is_err());
    }

    #[test]
    fn requests_from_trusted_peers_take_the_forwarded_client() {
        let settings = ClientAddrSettings {
            proxies: TrustedProxies {
                internal: vec![parse_network("127.0.0.1").unwrap()],
                ..Default::default()
            },
            ..Default::default()
        };
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", "203.0.113.7".parse().unwrap());
        headers.insert("x-forwarded-proto", "https".parse().unwrap());
        let trusted = settings.for_request(&conn("127.0.0.1:4000"), &headers);
        assert_eq!(trusted.client, "203.0.113.7:0".parse().unwrap());
        assert_eq!(trusted.peer, "127.0.0.1:4000".parse().unwrap());
        assert!(trusted.is_tls());
        let other = settings.for_request(&conn("127.0.0.2:4000"), &headers);
        assert_eq!(other.client, "127.0.0.2:4000".parse().unwrap());
        assert!(!other.is_tls());
        assert!(!settings.expects_proxy_header("127.0.0.1".parse().unwrap()));
    }
}
