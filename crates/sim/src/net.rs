//! IP address space: where each kind of network's addresses come from.
//!
//! Without a database, a built-in table of real, well-known routed prefixes is used.
//! With `--asn-db` (CSV `start,end,asn,org`, optionally gzipped) addresses are drawn
//! from real routed ranges, classified by organisation name keywords.

use crate::error::SimError;
use rand::Rng;
use std::io::Read;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;

/// Kind of network an address belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetKind {
    /// Home broadband ISPs.
    Residential = 0,
    /// Mobile carriers.
    Mobile = 1,
    /// Big cloud providers.
    Cloud = 2,
    /// Hosting / datacenter / VPS companies.
    Hosting = 3,
}

const KINDS: usize = 4;

/// An address and its origin ASN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Endpoint {
    /// The address.
    pub ip: IpAddr,
    /// Origin AS number, when known.
    pub asn: Option<u32>,
}

#[derive(Debug, Clone, Copy)]
struct Range4 {
    start: u32,
    end: u32,
    asn: u32,
}

/// Address ranges by [`NetKind`].
#[derive(Debug, Clone)]
pub struct IpSpace {
    v4: [Vec<Range4>; KINDS],
    v6: Vec<(u128, u32, NetKind)>,
}

// (CIDR, ASN, kind): well-known public prefixes of each kind of network.
const BUILTIN_V4: &[(&str, u32, NetKind)] = &[
    ("73.0.0.0/8", 7922, NetKind::Residential),
    ("24.0.0.0/12", 7922, NetKind::Residential),
    ("71.160.0.0/11", 701, NetKind::Residential),
    ("99.0.0.0/10", 7018, NetKind::Residential),
    ("76.80.0.0/12", 20001, NetKind::Residential),
    ("68.0.0.0/13", 22773, NetKind::Residential),
    ("87.128.0.0/10", 3320, NetKind::Residential),
    ("86.192.0.0/11", 3215, NetKind::Residential),
    ("81.96.0.0/12", 5089, NetKind::Residential),
    ("79.0.0.0/13", 3352, NetKind::Residential),
    ("125.0.0.0/12", 4134, NetKind::Residential),
    ("126.0.0.0/10", 17676, NetKind::Residential),
    ("117.192.0.0/10", 9829, NetKind::Residential),
    ("179.0.0.0/13", 28573, NetKind::Residential),
    ("121.200.0.0/14", 1221, NetKind::Residential),
    ("172.56.0.0/14", 21928, NetKind::Mobile),
    ("174.192.0.0/11", 22394, NetKind::Mobile),
    ("166.128.0.0/11", 20057, NetKind::Mobile),
    ("80.187.96.0/19", 3320, NetKind::Mobile),
    ("49.32.0.0/11", 55836, NetKind::Mobile),
    ("3.0.0.0/9", 16509, NetKind::Cloud),
    ("52.0.0.0/11", 16509, NetKind::Cloud),
    ("34.64.0.0/10", 396982, NetKind::Cloud),
    ("35.184.0.0/13", 15169, NetKind::Cloud),
    ("20.0.0.0/11", 8075, NetKind::Cloud),
    ("40.64.0.0/10", 8075, NetKind::Cloud),
    ("129.146.0.0/16", 31898, NetKind::Cloud),
    ("47.74.0.0/15", 45102, NetKind::Cloud),
    ("159.65.0.0/16", 14061, NetKind::Hosting),
    ("167.99.0.0/16", 14061, NetKind::Hosting),
    ("51.68.0.0/14", 16276, NetKind::Hosting),
    ("135.181.0.0/16", 24940, NetKind::Hosting),
    ("45.32.0.0/14", 20473, NetKind::Hosting),
    ("185.220.100.0/22", 9009, NetKind::Hosting),
    ("139.162.0.0/16", 63949, NetKind::Hosting),
    ("194.5.48.0/20", 60068, NetKind::Hosting),
];

// (prefix /32, ASN, kind) for IPv6 home and mobile connections.
const BUILTIN_V6: &[(&str, u32, NetKind)] = &[
    ("2601::", 7922, NetKind::Residential),
    ("2600:1700::", 7018, NetKind::Residential),
    ("2003::", 3320, NetKind::Residential),
    ("2a01:cb00::", 3215, NetKind::Residential),
    ("2607:fb90::", 21928, NetKind::Mobile),
    ("2600:1000::", 22394, NetKind::Mobile),
];

fn parse_cidr(c: &str) -> (u32, u32) {
    let (a, len) = c.split_once('/').unwrap_or((c, "32"));
    let base = u32::from(a.parse::<Ipv4Addr>().unwrap_or(Ipv4Addr::UNSPECIFIED));
    let len: u32 = len.parse().unwrap_or(32);
    let size = if len == 0 {
        u32::MAX
    } else {
        (1u32 << (32 - len)) - 1
    };
    (base, base.saturating_add(size))
}

/// Classifies an organisation name into a network kind by keywords.
pub fn classify_org(org: &str) -> Option<NetKind> {
    let o = org.to_ascii_lowercase();
    let has = |ks: &[&str]| ks.iter().any(|k| o.contains(k));
    // Transit backbones carry no end users: never drawn.
    if has(&[
        "cogent",
        "level 3",
        "lumen",
        "hurricane electric",
        "zayo",
        "gtt ",
        "telia carrier",
    ]) {
        return None;
    }
    if has(&["mobile", "wireless", "cellular", "lte", "cellco"]) {
        Some(NetKind::Mobile)
    } else if has(&[
        "amazon",
        "google",
        "microsoft",
        "oracle",
        "alibaba",
        "tencent",
        "digitalocean",
        "linode",
        "akamai",
        "ovh",
        "hetzner",
        "vultr",
        "choopa",
        "scaleway",
        "ibm cloud",
    ]) {
        Some(NetKind::Cloud)
    } else if has(&[
        "hosting",
        "host",
        "server",
        "data center",
        "datacenter",
        "colo",
        "vps",
        "cloud",
        "dedicated",
        "leaseweb",
        "m247",
        "contabo",
    ]) {
        Some(NetKind::Hosting)
    } else if has(&[
        "comcast",
        "charter",
        "spectrum",
        "verizon",
        "at&t",
        "cox comm",
        "broadband",
        "cable",
        "telecom",
        "telekom",
        "communications",
        "fiber",
        "fibre",
        "dsl",
        "telstra",
        "orange",
        "telefonica",
        "kabel",
        "rogers",
        "internet service",
        "netcom",
        "telenet",
    ]) {
        Some(NetKind::Residential)
    } else {
        None
    }
}

impl IpSpace {
    /// The built-in table (no file needed).
    pub fn builtin() -> Self {
        let mut v4: [Vec<Range4>; KINDS] = Default::default();
        for &(cidr, asn, kind) in BUILTIN_V4 {
            let (start, end) = parse_cidr(cidr);
            v4[kind as usize].push(Range4 { start, end, asn });
        }
        let v6 = BUILTIN_V6
            .iter()
            .map(|&(p, asn, k)| {
                let base = u128::from(p.parse::<Ipv6Addr>().unwrap_or(Ipv6Addr::UNSPECIFIED));
                (base, asn, k)
            })
            .collect();
        IpSpace { v4, v6 }
    }

    /// Loads a `start,end,asn,org` CSV (gzipped if the name ends in `.gz`).
    pub fn from_asn_db(path: &Path) -> Result<Self, SimError> {
        let file = std::fs::File::open(path).map_err(|e| SimError::io(path, e))?;
        let reader: Box<dyn Read> = if path.extension().is_some_and(|e| e == "gz") {
            Box::new(flate2::read::MultiGzDecoder::new(std::io::BufReader::new(
                file,
            )))
        } else {
            Box::new(std::io::BufReader::new(file))
        };
        Self::from_asn_reader(reader, path)
    }

    /// Loads a `start,end,asn,org` CSV from any reader (`path` is for messages).
    pub fn from_asn_reader(reader: impl Read, path: &Path) -> Result<Self, SimError> {
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(reader);
        let builtin = Self::builtin();
        let mut v4: [Vec<Range4>; KINDS] = Default::default();
        let mut row_no = 0u64;
        let err = |row, msg: String| SimError::AsnDb {
            path: path.to_path_buf(),
            row,
            msg,
        };
        for rec in rdr.records() {
            row_no += 1;
            let rec = rec.map_err(|e| err(row_no, e.to_string()))?;
            if rec.len() < 4 {
                return Err(err(row_no, format!("expected 4 fields, got {}", rec.len())));
            }
            let (Ok(s), Ok(e)) = (rec[0].parse::<Ipv4Addr>(), rec[1].parse::<Ipv4Addr>()) else {
                if row_no == 1 {
                    continue; // a header line
                }
                return Err(err(
                    row_no,
                    format!("bad IPv4 range {}-{}", &rec[0], &rec[1]),
                ));
            };
            let Ok(asn) = rec[2].trim().parse::<u32>() else {
                return Err(err(row_no, format!("bad asn {:?}", &rec[2])));
            };
            let (start, end) = (u32::from(s), u32::from(e));
            if end < start {
                return Err(err(row_no, "end before start".into()));
            }
            if let Some(kind) = classify_org(&rec[3]) {
                v4[kind as usize].push(Range4 { start, end, asn });
            }
        }
        // A kind missing from the file falls back to the built-in table.
        for (k, ranges) in v4.iter_mut().enumerate() {
            if ranges.is_empty() {
                ranges.clone_from(&builtin.v4[k]);
            }
        }
        Ok(IpSpace { v4, v6: builtin.v6 })
    }

    /// Number of IPv4 ranges per kind (residential, mobile, cloud, hosting).
    pub fn counts(&self) -> [usize; KINDS] {
        [0, 1, 2, 3].map(|k| self.v4[k].len())
    }

    /// A random IPv4 address of that kind of network.
    pub fn draw_v4(&self, kind: NetKind, rng: &mut impl Rng) -> Endpoint {
        let ranges = &self.v4[kind as usize];
        let r = ranges[rng.gen_range(0..ranges.len())];
        let span = r.end - r.start;
        let ip = if span >= 4 {
            // Avoid network/broadcast-looking .0/.255 endings.
            let mut x = r.start + rng.gen_range(1..span);
            if x & 0xff == 0 || x & 0xff == 255 {
                x = (x & !0xff) | rng.gen_range(1..255);
                x = x.clamp(r.start, r.end);
            }
            x
        } else {
            r.start + rng.gen_range(0..=span)
        };
        Endpoint {
            ip: IpAddr::V4(Ipv4Addr::from(ip)),
            asn: Some(r.asn),
        }
    }

    /// A random address of that kind, IPv6 with probability `v6_share` when available.
    pub fn draw(&self, kind: NetKind, v6_share: f64, rng: &mut impl Rng) -> Endpoint {
        if v6_share > 0.0 && rng.gen::<f64>() < v6_share {
            let n = self.v6.iter().filter(|v| v.2 == kind).count();
            if n > 0 {
                let pick = rng.gen_range(0..n);
                let &(base, asn, _) = self
                    .v6
                    .iter()
                    .filter(|v| v.2 == kind)
                    .nth(pick)
                    .unwrap_or(&self.v6[0]);
                // /32 prefix + random /64 + random interface id.
                let host: u128 = (rng.gen::<u128>() >> 32) | 1;
                return Endpoint {
                    ip: IpAddr::V6(Ipv6Addr::from(base | host)),
                    asn: Some(asn),
                };
            }
        }
        self.draw_v4(kind, rng)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(org: &str, expected: Option<NetKind>) {
        assert_eq!(classify_org(org), expected, "{org}");
    }

    #[test]
    fn classify() {
        check(
            "Comcast Cable Communications, LLC",
            Some(NetKind::Residential),
        );
        check("T-Mobile USA, Inc.", Some(NetKind::Mobile));
        check("Amazon.com, Inc.", Some(NetKind::Cloud));
        check("Hetzner Online GmbH", Some(NetKind::Cloud));
        check("M247 Europe SRL", Some(NetKind::Hosting));
        check("Some University", None);
        check("Cogent Communications", None);
    }

    #[test]
    fn builtin_draws_inside_ranges() {
        use rand::SeedableRng;
        let s = IpSpace::builtin();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
        for _ in 0..1000 {
            let e = s.draw(NetKind::Residential, 0.5, &mut rng);
            assert!(e.asn.is_some());
            let e = s.draw_v4(NetKind::Cloud, &mut rng);
            assert!(matches!(e.ip, IpAddr::V4(_)));
        }
    }
}
