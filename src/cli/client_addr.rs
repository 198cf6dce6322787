//! The flags that say whom to believe about the client's address, shared by `serve` and `check`
//! (docs/proxy-protocol.md).

use std::time::Duration;

use clap::Args;
use ipnet::IpNet;

use crate::http::client_addr::{ClientAddrSettings, TrustedProxies, parse_network};

#[derive(Debug, Clone, Default, Args)]
pub struct ClientAddrArgs {
    /// Connections from this network (CIDR or address) must start with a PROXY header, v1 or v2 (haproxy
    /// `send-proxy`/`send-proxy-v2`); its source address becomes the client. Others must not send one.
    /// Applies to plain and TLS listeners. Repeatable.
    #[arg(long = "proxy-protocol-from", value_name = "CIDR", value_parser = parse_network)]
    pub proxy_protocol_from: Vec<IpNet>,
    /// Seconds a listed peer may take to send its PROXY header.
    #[arg(
        long = "proxy-protocol-timeout",
        value_name = "SECS",
        default_value_t = 5,
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    pub proxy_protocol_timeout: u64,
    /// Believe X-Forwarded-For / X-Forwarded-Proto from this proxy network (RemoteIPTrustedProxy: it may
    /// not present private addresses). Repeatable.
    #[arg(long = "trusted-proxy", value_name = "CIDR", value_parser = parse_network)]
    pub trusted_proxy: Vec<IpNet>,
    /// Like --trusted-proxy, for proxies that may present any address, private ones included
    /// (RemoteIPInternalProxy). Repeatable.
    #[arg(long = "internal-proxy", value_name = "CIDR", value_parser = parse_network)]
    pub internal_proxy: Vec<IpNet>,
}

impl ClientAddrArgs {
    pub fn settings(&self) -> ClientAddrSettings {
        ClientAddrSettings {
            proxy_protocol_from: self.proxy_protocol_from.clone(),
            proxy_header_timeout: Duration::from_secs(self.proxy_protocol_timeout),
            proxies: TrustedProxies {
                trusted: self.trusted_proxy.clone(),
                internal: self.internal_proxy.clone(),
            },
        }
    }
}
