//! The address a request came from, for the sign-in limits. Behind a hospital's reverse proxy
//! every request comes from the proxy; its forwarding header names the browser, but only a
//! configured, trusted proxy is believed: anyone else could write any address into it.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::HeaderMap;

use crate::{AppState, Config};

/// The client's address as text; "unknown" when not served over TCP.
pub struct ClientIp(pub String);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        Ok(ClientIp(
            client_address(peer, &parts.headers, &state.config)
                .map_or_else(|| "unknown".to_owned(), |ip| ip.to_string()),
        ))
    }
}

/// The peer's address, or, when the peer is a trusted proxy and a forwarding header is
/// configured, the right-most address in that header that is not itself a trusted proxy.
pub fn client_address(peer: Option<IpAddr>, headers: &HeaderMap, config: &Config) -> Option<IpAddr> {
    let peer = peer?;
    let Some(header) = &config.trusted_proxy_header else {
        return Some(peer);
    };
    if !config.trusted_proxies.contains(&peer) {
        return Some(peer);
    }
    let forwarded: Vec<&str> = headers
        .get_all(header)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    for hop in forwarded.into_iter().rev() {
        match hop.parse::<IpAddr>() {
            Ok(ip) if config.trusted_proxies.contains(&ip) => continue,
            Ok(ip) => return Some(ip),
            // A hop we cannot read: stop believing the header from here on.
            Err(_) => break,
        }
    }
    Some(peer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(header: Option<&str>, proxies: &[&str]) -> Config {
        let mut config = Config::for_tests("postgres://unused");
        config.trusted_proxy_header = header.map(|h| h.parse().unwrap());
        config.trusted_proxies = proxies.iter().map(|p| p.parse().unwrap()).collect();
        config
    }

    fn headers(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", value.parse().unwrap());
        headers
    }

    #[test]
    fn the_header_is_believed_only_from_a_trusted_proxy() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let trusted = config(Some("x-forwarded-for"), &["10.0.0.1"]);
        let from = |peer: IpAddr, value: &str| client_address(Some(peer), &headers(value), &trusted);
        assert_eq!(from(proxy, "192.0.2.5").unwrap().to_string(), "192.0.2.5");
        // A browser's own claim before the proxy's entry is ignored: the proxy appends.
        assert_eq!(
            from(proxy, "6.6.6.6, 192.0.2.5").unwrap().to_string(),
            "192.0.2.5"
        );
        assert_eq!(
            from(proxy, "192.0.2.5, 10.0.0.1").unwrap().to_string(),
            "192.0.2.5"
        );
        assert_eq!(from(proxy, "not an address").unwrap(), proxy);
        let stranger: IpAddr = "198.51.100.9".parse().unwrap();
        assert_eq!(from(stranger, "192.0.2.5").unwrap(), stranger);
        let untrusting = config(None, &["10.0.0.1"]);
        assert_eq!(
            client_address(Some(proxy), &headers("192.0.2.5"), &untrusting).unwrap(),
            proxy
        );
    }
}
