//! Where a request comes from. Behind a reverse proxy every request arrives
//! from the proxy, so limits per network address would lump all visitors
//! together; but `X-Forwarded-For` is whatever the sender wrote, so it is
//! believed only from proxies the operator named (`--trusted-proxies`).

use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use ipnet::IpNet;

use crate::state::AppState;

/// The client's network address, as far as it can be trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |info| info.0.ip());
        let forwarded = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect::<Vec<_>>()
            .join(",");
        Ok(Self(client_ip(peer, &forwarded, &state.trusted_proxies)))
    }
}

/// Walks the forwarding chain from the nearest hop back, as long as each hop
/// is a trusted proxy; the first address that is not one is the client. A
/// forged entry at the far end is never reached while a real hop precedes it.
fn client_ip(peer: IpAddr, forwarded: &str, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    let mut client = peer;
    for hop in forwarded.rsplit(',') {
        if !is_trusted(&client) {
            break;
        }
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) => client = ip,
            Err(_) => break,
        }
    }
    client
}

/// Reads `--trusted-proxies`: addresses or networks, separated by spaces or commas.
pub fn parse_trusted(list: &str) -> Result<Vec<IpNet>, String> {
    list.split([' ', ','])
        .filter(|item| !item.is_empty())
        .map(|item| {
            item.parse::<IpNet>()
                .or_else(|_| item.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| format!("{item:?} is not an IP address or network"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_addresses_count_only_from_trusted_proxies() {
        let proxies = parse_trusted("10.0.0.0/8, 127.0.0.1").unwrap();
        // No proxies configured: the header is ignored.
        assert_eq!(
            client_ip(ip("203.0.113.9"), "1.2.3.4", &[]),
            ip("203.0.113.9")
        );
        // From an untrusted peer, the header is ignored.
        assert_eq!(
            client_ip(ip("203.0.113.9"), "1.2.3.4", &proxies),
            ip("203.0.113.9")
        );
        // Through one trusted proxy.
        assert_eq!(
            client_ip(ip("127.0.0.1"), "198.51.100.7", &proxies),
            ip("198.51.100.7")
        );
        // A forged first entry behind a real client is not believed.
        assert_eq!(
            client_ip(ip("10.1.1.1"), "6.6.6.6, 198.51.100.7, 10.2.2.2", &proxies),
            ip("198.51.100.7")
        );
        // Garbage stops the walk at the last trusted hop.
        assert_eq!(
            client_ip(ip("127.0.0.1"), "not-an-ip", &proxies),
            ip("127.0.0.1")
        );
    }

    #[test]
    fn trusted_proxies_are_addresses_or_networks() {
        assert_eq!(parse_trusted("").unwrap(), Vec::<IpNet>::new());
        assert_eq!(parse_trusted("::1 192.168.0.0/16").unwrap().len(), 2);
        assert!(parse_trusted("proxy.local").is_err());
    }
}
