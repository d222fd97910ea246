//! Which address a request counts as: the peer, or the one trusted header, and how each setting
//! is read.

use super::*;

fn ip(text: &str) -> IpAddr {
    text.parse().expect("an address")
}

fn request() -> Request {
    Request::new("POST", "/api/process-persona").with_peer(ip("10.0.0.9"))
}

fn hops(n: u8) -> ClientAddress {
    ClientAddress::ForwardedFor {
        hops: NonZeroU8::new(n).expect("nonzero"),
    }
}

#[test]
fn the_peer_ignores_every_proxy_header() {
    let request = request()
        .with_header(FORWARDED_FOR, "203.0.113.7")
        .with_header(NETLIFY_CLIENT_IP, "198.51.100.4");
    assert_eq!(ClientAddress::Peer.of(&request), ip("10.0.0.9"));
}

#[test]
fn forwarded_for_reads_the_entry_the_proxies_wrote_across_lines() {
    // The client wrote the first line; the one proxy appended its own line.
    let request = request()
        .with_header(FORWARDED_FOR, "6.6.6.6, 7.7.7.7")
        .with_header("X-Forwarded-For", "203.0.113.7");
    assert_eq!(hops(1).of(&request), ip("203.0.113.7"));
    // Two proxies: the outer one saw the client, the inner one saw the outer proxy.
    let two = request.with_header(FORWARDED_FOR, "192.0.2.1");
    assert_eq!(hops(2).of(&two), ip("203.0.113.7"));
}

#[test]
fn forwarded_for_ignores_the_netlify_header_and_falls_back_to_the_peer() {
    let request = request().with_header(NETLIFY_CLIENT_IP, "198.51.100.4");
    assert_eq!(hops(1).of(&request), ip("10.0.0.9"), "no proxy line at all");
    let short = request.with_header(FORWARDED_FOR, "203.0.113.7");
    assert_eq!(
        hops(2).of(&short),
        ip("10.0.0.9"),
        "fewer entries than hops"
    );
    let garbage = self::request().with_header(FORWARDED_FOR, "not an address");
    assert_eq!(hops(1).of(&garbage), ip("10.0.0.9"));
}

#[test]
fn an_address_with_a_port_counts_as_the_address() {
    let v4 = request().with_header(FORWARDED_FOR, "6.6.6.6, 203.0.113.7:443");
    assert_eq!(hops(1).of(&v4), ip("203.0.113.7"));
    let v6 = request().with_header(FORWARDED_FOR, "[2001:db8:1:2::5]:443");
    assert_eq!(hops(1).of(&v6), ip("2001:db8:1:2::"));
}

#[test]
fn the_netlify_header_reads_its_last_line_only() {
    let request = request()
        .with_header(NETLIFY_CLIENT_IP, "6.6.6.6")
        .with_header(NETLIFY_CLIENT_IP, "198.51.100.4")
        .with_header(FORWARDED_FOR, "203.0.113.7");
    assert_eq!(
        ClientAddress::NetlifyHeader.of(&request),
        ip("198.51.100.4")
    );
    let none = Request::new("GET", "/api/health");
    assert_eq!(ClientAddress::NetlifyHeader.of(&none), ip("0.0.0.0"));
}

#[test]
fn ipv6_clients_count_by_their_64_and_mapped_ipv4_as_ipv4() {
    let a = Request::new("GET", "/").with_peer(ip("2001:db8:1:2:aaaa::1"));
    let b = Request::new("GET", "/").with_peer(ip("2001:db8:1:2:ffff:1:2:3"));
    let other = Request::new("GET", "/").with_peer(ip("2001:db8:1:3::1"));
    let peer = ClientAddress::Peer;
    assert_eq!(peer.of(&a), ip("2001:db8:1:2::"));
    assert_eq!(peer.of(&a), peer.of(&b));
    assert_ne!(peer.of(&a), peer.of(&other));
    let mapped = Request::new("GET", "/").with_peer(ip("::ffff:192.0.2.5"));
    assert_eq!(peer.of(&mapped), ip("192.0.2.5"));
}

#[test]
fn settings_parse_and_misuse_is_named() {
    assert_eq!(ClientAddress::parse(None, None), Ok(ClientAddress::Peer));
    assert_eq!(
        ClientAddress::parse(Some("X-NF-Client-Connection-IP"), None),
        Ok(ClientAddress::NetlifyHeader)
    );
    assert_eq!(
        ClientAddress::parse(Some("x-forwarded-for"), None),
        Ok(hops(1))
    );
    assert_eq!(
        ClientAddress::parse(Some("x-forwarded-for"), Some("2")),
        Ok(hops(2))
    );
    for (header, n, hint) in [
        (
            None,
            Some("1"),
            "only with TRUSTED_CLIENT_IP_HEADER=x-forwarded-for",
        ),
        (Some(NETLIFY_CLIENT_IP), Some("1"), "only with"),
        (Some("x-forwarded-for"), Some("0"), "from 1 to 255"),
        (Some("x-real-ip"), None, "must be x-nf-client-connection-ip"),
    ] {
        let error = ClientAddress::parse(header, n).expect_err("refused");
        assert!(error.contains(hint), "{header:?} {n:?}: {error}");
    }
}
