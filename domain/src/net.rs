//! Who is calling, as far as limits are concerned: the client's address from the entry the
//! trusted proxy wrote, not one the client can set, and an IPv6 client by its /64 (one home or
//! phone has a whole /64 to rotate through).

use core::net::IpAddr;

/// The key limits count a caller under. `header`: the client-address header's value (e.g.
/// `x-forwarded-for`), whose entries each proxy appends to; `hops`: how many trusted proxies
/// append to it, so the client's address is that many entries from the right (the entries to
/// its left came from the client and are ignored). Falls back to the connection's `peer` when
/// there is no header, too few entries, or the entry is not an address.
pub fn client_key(header: Option<&str>, hops: usize, peer: Option<IpAddr>) -> String {
    let from_proxy = header.and_then(|h| {
        let entries: Vec<&str> = h.split(',').map(str::trim).collect();
        let i = entries.len().checked_sub(hops.max(1))?;
        parse_addr(entries[i])
    });
    match from_proxy.or(peer) {
        Some(ip) => address_key(ip),
        None => "unknown".into(),
    }
}

/// An entry as proxies write it: `203.0.113.7`, `203.0.113.7:5123`, `2001:db8::1` or
/// `[2001:db8::1]:443`.
fn parse_addr(entry: &str) -> Option<IpAddr> {
    if let Ok(ip) = entry.parse() {
        return Some(ip);
    }
    if let Some(rest) = entry.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    let (host, port) = entry.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    host.parse::<core::net::Ipv4Addr>().ok().map(IpAddr::V4)
}

/// IPv4 as is; IPv6 by its /64 network (an IPv4-mapped IPv6 address counts as the IPv4 one).
pub fn address_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PEER: Option<IpAddr> = Some(IpAddr::V4(core::net::Ipv4Addr::new(10, 0, 0, 2)));

    #[test]
    fn the_entry_the_proxy_wrote_counts_not_the_ones_the_client_sent() {
        // The client sent "1.1.1.1" itself; the proxy appended the address it saw.
        assert_eq!(client_key(Some("1.1.1.1, 203.0.113.7"), 1, PEER), "203.0.113.7");
        assert_eq!(client_key(Some("9.9.9.9, 8.8.8.8, 203.0.113.7"), 1, PEER), "203.0.113.7");
        assert_eq!(client_key(Some("203.0.113.7"), 1, PEER), "203.0.113.7");
        // Two proxies: the client is the second entry from the right.
        assert_eq!(client_key(Some("1.1.1.1, 203.0.113.7, 10.1.1.1"), 2, PEER), "203.0.113.7");
        // Ports and brackets as proxies write them.
        assert_eq!(client_key(Some("203.0.113.7:5123"), 1, PEER), "203.0.113.7");
        assert_eq!(client_key(Some("[2001:db8:1:2::9]:443"), 1, PEER), "2001:db8:1:2::/64");
    }

    #[test]
    fn without_a_usable_entry_the_peer_counts() {
        assert_eq!(client_key(None, 1, PEER), "10.0.0.2");
        assert_eq!(client_key(Some("not-an-address"), 1, PEER), "10.0.0.2");
        assert_eq!(client_key(Some("203.0.113.7"), 2, PEER), "10.0.0.2", "fewer entries than proxies");
        assert_eq!(client_key(Some(""), 1, PEER), "10.0.0.2");
        assert_eq!(client_key(None, 1, None), "unknown");
    }

    #[test]
    fn an_ipv6_client_counts_by_its_64() {
        let a = client_key(Some("2001:db8:aa:bb:1::1"), 1, None);
        let b = client_key(Some("2001:db8:aa:bb:ffff:ffff:ffff:ffff"), 1, None);
        let other = client_key(Some("2001:db8:aa:bc::1"), 1, None);
        assert_eq!(a, b);
        assert_eq!(a, "2001:db8:aa:bb::/64");
        assert_ne!(a, other);
        assert_eq!(client_key(Some("::ffff:203.0.113.7"), 1, None), "203.0.113.7");
    }
}
