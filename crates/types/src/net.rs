//! Network reference data: IP→ASN ranges and hosting (datacenter / VPN / cloud) CIDR sets, plus
//! the prefix keys (/24 for IPv4, /48 for IPv6) used to group addresses.
//!
//! The structures are pure lookups; the io crate loads them from files named in `[netdata]`.

use std::net::IpAddr;

/// The routing prefix of an address as a `u64` key: /24 for IPv4, /48 for IPv6.
#[inline]
pub fn prefix_key(ip: IpAddr) -> u64 {
    match ip {
        IpAddr::V4(v4) => 0x4_0000_0000 | u64::from(u32::from(v4) >> 8),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            (6u64 << 56) ^ (u64::from(s[0]) << 32 | u64::from(s[1]) << 16 | u64::from(s[2]))
        }
    }
}

/// The address itself as a `u64` key (IPv6 folded to its /64).
#[inline]
pub fn ip_key(ip: IpAddr) -> u64 {
    match ip {
        IpAddr::V4(v4) => u64::from(u32::from(v4)),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            (u64::from(s[0]) << 48
                | u64::from(s[1]) << 32
                | u64::from(s[2]) << 16
                | u64::from(s[3]))
                ^ (1u64 << 63)
        }
    }
}

/// IPv4 ranges → ASN, sorted by start, non-overlapping.
#[derive(Debug, Clone, Default)]
pub struct AsnTable {
    starts: Vec<u32>,
    ends: Vec<u32>,
    asns: Vec<u32>,
}

impl AsnTable {
    /// Build from `(start, end, asn)` ranges (any order; overlaps resolve to the later start).
    pub fn from_ranges(mut ranges: Vec<(u32, u32, u32)>) -> AsnTable {
        ranges.sort_unstable();
        let mut t = AsnTable::default();
        for (s, e, a) in ranges {
            if e < s {
                continue;
            }
            t.starts.push(s);
            t.ends.push(e);
            t.asns.push(a);
        }
        t
    }
    /// Number of ranges.
    pub fn len(&self) -> usize {
        self.starts.len()
    }
    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.starts.is_empty()
    }
    /// ASN of an address, when a range holds it.
    pub fn lookup(&self, ip: IpAddr) -> Option<u32> {
        let IpAddr::V4(v4) = ip else { return None };
        let x = u32::from(v4);
        let i = self.starts.partition_point(|s| *s <= x);
        (i > 0 && x <= self.ends[i - 1]).then(|| self.asns[i - 1])
    }
}

/// One CIDR range, held as its first and last address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cidr {
    /// An IPv4 range.
    V4(u32, u32),
    /// An IPv6 range.
    V6(u128, u128),
}

/// Why a CIDR does not parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CidrError {
    /// The address part is not an IPv4 or IPv6 address.
    #[error("not an IP address")]
    Address,
    /// The prefix length is not a number within the address family's bits.
    #[error("prefix length must be 0..=32 (IPv4) or 0..=128 (IPv6)")]
    PrefixLength,
}

impl Cidr {
    /// Parses `10.0.0.0/8`, `2001:db8::/32` or a bare address (a single-address range); the
    /// host bits are masked off. Returns the range and whether host bits were set
    /// (`10.1.2.3/8`), which a hand-written list most likely did not mean.
    pub fn parse(text: &str) -> Result<(Cidr, bool), CidrError> {
        let (addr, len) = match text.trim().split_once('/') {
            Some((a, l)) => (
                a,
                Some(l.parse::<u32>().map_err(|_| CidrError::PrefixLength)?),
            ),
            None => (text.trim(), None),
        };
        match addr.parse::<IpAddr>().map_err(|_| CidrError::Address)? {
            IpAddr::V4(a) => {
                let len = len.unwrap_or(32);
                if len > 32 {
                    return Err(CidrError::PrefixLength);
                }
                let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
                let a = u32::from(a);
                Ok((Cidr::V4(a & mask, (a & mask) | !mask), a & !mask != 0))
            }
            IpAddr::V6(a) => {
                let len = len.unwrap_or(128);
                if len > 128 {
                    return Err(CidrError::PrefixLength);
                }
                let mask = if len == 0 {
                    0
                } else {
                    u128::MAX << (128 - len)
                };
                let a = u128::from(a);
                Ok((Cidr::V6(a & mask, (a & mask) | !mask), a & !mask != 0))
            }
        }
    }

    /// Whether the range holds `ip`.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (*self, ip) {
            (Cidr::V4(s, e), IpAddr::V4(a)) => (s..=e).contains(&u32::from(a)),
            (Cidr::V6(s, e), IpAddr::V6(a)) => (s..=e).contains(&u128::from(a)),
            _ => false,
        }
    }
}

/// A set of IPv4 / IPv6 CIDRs with membership lookup.
#[derive(Debug, Clone, Default)]
pub struct CidrSet {
    v4: Vec<(u32, u32)>,
    v6: Vec<(u128, u128)>,
}

impl CidrSet {
    /// Add a CIDR such as `10.0.0.0/8` or `2001:db8::/32`; returns false when it does not parse.
    pub fn insert(&mut self, cidr: &str) -> bool {
        match Cidr::parse(cidr) {
            Ok((Cidr::V4(s, e), _)) => self.v4.push((s, e)),
            Ok((Cidr::V6(s, e), _)) => self.v6.push((s, e)),
            Err(_) => return false,
        }
        true
    }
    /// Sort and merge (call once after inserting).
    pub fn finish(&mut self) {
        fn merge<T: Ord + Copy>(v: &mut Vec<(T, T)>) {
            v.sort_unstable();
            let mut out: Vec<(T, T)> = Vec::with_capacity(v.len());
            for (s, e) in v.drain(..) {
                match out.last_mut() {
                    Some(last) if s <= last.1 => last.1 = last.1.max(e),
                    _ => out.push((s, e)),
                }
            }
            *v = out;
        }
        merge(&mut self.v4);
        merge(&mut self.v6);
    }
    /// Number of merged ranges.
    pub fn len(&self) -> usize {
        self.v4.len() + self.v6.len()
    }
    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Whether a CIDR holds the address (after [`CidrSet::finish`]).
    pub fn contains(&self, ip: IpAddr) -> bool {
        fn find<T: Ord + Copy>(v: &[(T, T)], x: T) -> bool {
            let i = v.partition_point(|(s, _)| *s <= x);
            i > 0 && x <= v[i - 1].1
        }
        match ip {
            IpAddr::V4(a) => find(&self.v4, u32::from(a)),
            IpAddr::V6(a) => find(&self.v6, u128::from(a)),
        }
    }
}

/// All network reference data the engine uses (empty when none is configured).
#[derive(Debug, Clone, Default)]
pub struct NetData {
    /// IP → ASN for records without `asn`.
    pub asn: AsnTable,
    /// Datacenter / VPN / cloud ranges.
    pub hosting: CidrSet,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn asn_lookup_by_range() {
        let t = AsnTable::from_ranges(vec![(100, 200, 7), (10, 20, 3)]);
        let at = |x: u32| t.lookup(IpAddr::V4(x.into()));
        assert_eq!(at(10), Some(3));
        assert_eq!(at(20), Some(3));
        assert_eq!(at(21), None);
        assert_eq!(at(150), Some(7));
        assert_eq!(at(5), None);
        assert_eq!(t.lookup(ip("::1")), None);
    }

    #[test]
    fn cidr_parse_masks_and_reports_host_bits() {
        let (c, host) = Cidr::parse("10.1.2.3/8").unwrap();
        assert!(host && c.contains("10.200.0.1".parse().unwrap()));
        let (c, host) = Cidr::parse("2001:db8::/32").unwrap();
        assert!(!host && c.contains("2001:db8:ffff::1".parse().unwrap()));
        assert!(!c.contains("10.0.0.1".parse().unwrap()));
        assert_eq!(
            Cidr::parse("1.2.3.4").unwrap().0,
            Cidr::V4(0x0102_0304, 0x0102_0304)
        );
        assert_eq!(Cidr::parse("1.2.3.0/33"), Err(CidrError::PrefixLength));
        assert_eq!(Cidr::parse("1.2.3.0/x"), Err(CidrError::PrefixLength));
        assert_eq!(Cidr::parse("1.2.3/24"), Err(CidrError::Address));
    }

    #[test]
    fn cidr_membership_v4_v6() {
        let mut c = CidrSet::default();
        assert!(c.insert("10.0.0.0/8"));
        assert!(c.insert("10.1.0.0/16"));
        assert!(c.insert("2001:db8::/32"));
        assert!(!c.insert("not a cidr"));
        assert!(!c.insert("1.2.3.4/40"));
        c.finish();
        assert_eq!(c.len(), 2);
        assert!(c.contains(ip("10.200.3.4")));
        assert!(!c.contains(ip("11.0.0.1")));
        assert!(c.contains(ip("2001:db8:1::5")));
        assert!(!c.contains(ip("2001:db9::1")));
    }

    #[test]
    fn prefixes_group_neighbours() {
        assert_eq!(prefix_key(ip("1.2.3.4")), prefix_key(ip("1.2.3.250")));
        assert_ne!(prefix_key(ip("1.2.3.4")), prefix_key(ip("1.2.4.4")));
        assert_eq!(
            prefix_key(ip("2001:db8:1:2::1")),
            prefix_key(ip("2001:db8:1:ffff::9"))
        );
        assert_ne!(ip_key(ip("1.2.3.4")), ip_key(ip("1.2.3.5")));
    }
}
