//! Which address a request counts against: [`ClientAddress`], the one trusted source of it.
//!
//! A proxy header is only as good as the proxy that writes it, so the operator names exactly one
//! source (`TRUSTED_CLIENT_IP_HEADER`, `TRUSTED_PROXY_HOPS`) and everything else a client sends
//! is ignored:
//! - [`ClientAddress::Peer`]: the connection's own peer address (the default of the server).
//! - [`ClientAddress::NetlifyHeader`]: `x-nf-client-connection-ip`, which Netlify's edge sets (the
//!   default of the functions, which see no peer of their own).
//! - [`ClientAddress::ForwardedFor`]: `X-Forwarded-For` behind `hops` proxies that each append
//!   the address they saw. Every line of the header is joined in order, and the entry `hops`
//!   from the right is the client as the outermost trusted proxy saw it; anything left of it was
//!   written by the client and is never read.
//!
//! IPv6 clients are counted by their /64 (one host usually owns a whole /64 and can rotate within
//! it at will), and IPv4-mapped IPv6 addresses as the IPv4 address they carry.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::num::NonZeroU8;

use crate::http::Request;

/// The header Netlify's edge sets to the address it saw.
pub const NETLIFY_CLIENT_IP: &str = "x-nf-client-connection-ip";
/// The header proxies append their peer's address to.
pub const FORWARDED_FOR: &str = "x-forwarded-for";

/// Where the rate limits read a request's client address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClientAddress {
    /// The connection's peer; every proxy header is ignored.
    #[default]
    Peer,
    /// `x-nf-client-connection-ip` (the last line, should a client have added one of its own).
    NetlifyHeader,
    /// The `hops`-th `X-Forwarded-For` entry from the right, all lines joined.
    ForwardedFor { hops: NonZeroU8 },
}

impl fmt::Display for ClientAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Peer => f.write_str("peer"),
            Self::NetlifyHeader => f.write_str(NETLIFY_CLIENT_IP),
            Self::ForwardedFor { hops } => write!(f, "{FORWARDED_FOR}, hops={hops}"),
        }
    }
}

impl ClientAddress {
    /// Reads `TRUSTED_CLIENT_IP_HEADER` (unset: the peer) and `TRUSTED_PROXY_HOPS` (only with
    /// `x-forwarded-for`; default 1).
    ///
    /// # Errors
    ///
    /// What is wrong with the pair, for a person to fix.
    pub fn parse(header: Option<&str>, hops: Option<&str>) -> Result<Self, String> {
        let hops = hops
            .map(|v| {
                v.trim().parse::<NonZeroU8>().map_err(|_| {
                    "TRUSTED_PROXY_HOPS must be the number of proxies in front of the service that \
                     append to X-Forwarded-For, from 1 to 255"
                        .to_owned()
                })
            })
            .transpose()?;
        match (
            header.map(|h| h.trim().to_ascii_lowercase()).as_deref(),
            hops,
        ) {
            (None, None) => Ok(Self::Peer),
            (Some(NETLIFY_CLIENT_IP), None) => Ok(Self::NetlifyHeader),
            (Some(FORWARDED_FOR), hops) => Ok(Self::ForwardedFor {
                hops: hops.unwrap_or(NonZeroU8::MIN),
            }),
            (None | Some(NETLIFY_CLIENT_IP), Some(_)) => Err(
                "TRUSTED_PROXY_HOPS counts X-Forwarded-For entries; set it only with \
                 TRUSTED_CLIENT_IP_HEADER=x-forwarded-for"
                    .to_owned(),
            ),
            (Some(_), _) => Err(format!(
                "TRUSTED_CLIENT_IP_HEADER must be {NETLIFY_CLIENT_IP} (behind Netlify's edge) or \
                 {FORWARDED_FOR} (behind proxies that append to it, with TRUSTED_PROXY_HOPS); \
                 leave it unset to count the connection's peer address"
            )),
        }
    }

    /// The address `request` counts against, reduced to the block one client controls. Without
    /// a usable trusted value, the peer; without a peer either, `0.0.0.0` (one shared budget).
    pub fn of(self, request: &Request) -> IpAddr {
        let trusted = match self {
            Self::Peer => None,
            Self::NetlifyHeader => request
                .header_values(NETLIFY_CLIENT_IP)
                .last()
                .and_then(parse),
            Self::ForwardedFor { hops } => forwarded_for(request, hops),
        };
        let ip = trusted
            .or(request.peer)
            .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        block_of(ip)
    }
}

/// The `hops`-th entry from the right of every `X-Forwarded-For` line joined in order; `None`
/// when the request passed fewer proxies than that (then it did not come through them).
fn forwarded_for(request: &Request, hops: NonZeroU8) -> Option<IpAddr> {
    let entries: Vec<&str> = request
        .header_values(FORWARDED_FOR)
        .flat_map(|line| line.split(','))
        .collect();
    // Only the last `hops` entries are ever read: the client controls the rest.
    let index = entries.len().checked_sub(usize::from(hops.get()))?;
    parse(entries[index])
}

/// An address as proxies write it: bare, or with a port (`203.0.113.7:443`, `[2001:db8::1]:443`),
/// which some proxies add.
fn parse(value: &str) -> Option<IpAddr> {
    let value = value.trim();
    value.parse().ok().or_else(|| {
        value
            .parse::<std::net::SocketAddr>()
            .ok()
            .map(|addr| addr.ip())
    })
}

/// One client's block: an IPv4 address, or an IPv6 address's /64.
fn block_of(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let prefix = u128::from(v6) & (u128::MAX << 64);
            IpAddr::V6(Ipv6Addr::from(prefix))
        }
        v4 => v4,
    }
}

#[cfg(test)]
mod tests;
