//! `Fn::Cidr`: carving subnets out of an IPv4 or IPv6 block.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// `Fn::Cidr`: `count` subnets with `bits` host bits each, carved from `block` in order.
pub fn cidr(block: &str, count: u32, bits: u32) -> Option<Vec<String>> {
    let (address, prefix) = block.split_once('/')?;
    let prefix: u32 = prefix.parse().ok()?;
    let (base, total) = match address.parse::<IpAddr>().ok()? {
        IpAddr::V4(a) => (u128::from(u32::from(a)), 32),
        IpAddr::V6(a) => (u128::from(a), 128),
    };
    if prefix > total
        || bits == 0
        || bits >= total
        || bits > total - prefix
        || !(1..=256).contains(&count)
    {
        return None;
    }
    let available = total - prefix - bits;
    if available < 32 && count > (1u32 << available) {
        return None;
    }
    let host_mask = if total - prefix == 128 {
        u128::MAX
    } else {
        (1u128 << (total - prefix)) - 1
    };
    let network = base & !host_mask;
    let new_prefix = total - bits;
    (0..u128::from(count))
        .map(|i| {
            let subnet = network + (i << bits);
            Some(if total == 32 {
                format!(
                    "{}/{new_prefix}",
                    Ipv4Addr::from(u32::try_from(subnet).ok()?)
                )
            } else {
                format!("{}/{new_prefix}", Ipv6Addr::from(subnet))
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carves_ipv4_and_ipv6_blocks() {
        assert_eq!(
            cidr("192.168.0.0/24", 6, 5).unwrap(),
            [
                "192.168.0.0/27",
                "192.168.0.32/27",
                "192.168.0.64/27",
                "192.168.0.96/27",
                "192.168.0.128/27",
                "192.168.0.160/27"
            ]
        );
        assert_eq!(cidr("10.1.2.3/16", 1, 8).unwrap(), ["10.1.0.0/24"]);
        assert_eq!(
            cidr("2001:db8::/32", 2, 64).unwrap(),
            ["2001:db8::/64", "2001:db8:0:1::/64"]
        );
    }

    #[test]
    fn rejects_what_does_not_fit() {
        assert_eq!(cidr("10.0.0.0/24", 3, 7), None); // only 2 subnets of /25 fit
        assert_eq!(cidr("10.0.0.0/24", 1, 9), None); // larger than the block
        assert_eq!(cidr("10.0.0.0", 1, 8), None);
        assert_eq!(cidr("10.0.0.0/24", 0, 4), None);
        assert_eq!(cidr("10.0.0.0/33", 1, 1), None);
    }
}
