//! Loaders for the network reference data named in `[netdata]`: the IP→ASN CSV and the
//! hosting (datacenter / VPN / cloud) CIDR lists.
//!
//! A line that does not parse is counted (with the first few examples kept for the log) and
//! skipped; only a file that cannot be opened or read is an error. Either file may be gzip or
//! zstd compressed (detected by content, as inputs are).

use crate::read::{open_input, read_err, InputSpec};
use crate::IoError;
use distillguard_types::config::NetDataConfig;
use distillguard_types::net::{AsnTable, CidrSet, NetData};
use std::io::BufRead;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

/// Bad lines kept as examples per file.
const EXAMPLES: usize = 5;

/// What was loaded from one file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileSummary {
    /// The file.
    pub path: PathBuf,
    /// Entries loaded.
    pub loaded: u64,
    /// Lines that did not parse (blank and `#` lines are not counted).
    pub bad_lines: u64,
    /// The first few bad lines: (line number, text, cut at 120 bytes).
    pub examples: Vec<(u64, String)>,
}

/// What [`load_netdata`] loaded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetDataSummary {
    /// The ASN table's file, when configured.
    pub asn: Option<FileSummary>,
    /// Each CIDR file.
    pub hosting: Vec<FileSummary>,
}

impl NetDataSummary {
    /// Bad lines over all files.
    pub fn bad_lines(&self) -> u64 {
        self.asn
            .iter()
            .chain(&self.hosting)
            .map(|f| f.bad_lines)
            .sum()
    }
}

/// Load everything configured (nothing configured: empty tables).
pub fn load_netdata(cfg: &NetDataConfig) -> Result<(NetData, NetDataSummary), IoError> {
    let mut data = NetData::default();
    let mut summary = NetDataSummary::default();
    if let Some(path) = &cfg.asn_db {
        let (table, s) = load_asn_csv(path)?;
        data.asn = table;
        summary.asn = Some(s);
    }
    for path in &cfg.hosting_cidrs {
        summary
            .hosting
            .push(load_cidrs_into(path, &mut data.hosting)?);
    }
    data.hosting.finish();
    Ok((data, summary))
}

/// Read `start,end,asn[,org]` lines (IPv4 dotted text; `org` may be quoted and is ignored).
pub fn load_asn_csv(path: &Path) -> Result<(AsnTable, FileSummary), IoError> {
    let mut ranges = Vec::new();
    let summary = each_line(path, |line| {
        let mut it = line.splitn(4, ',');
        let start = it.next()?.trim().parse::<Ipv4Addr>().ok()?;
        let end = it.next()?.trim().parse::<Ipv4Addr>().ok()?;
        let asn = it
            .next()?
            .trim()
            .trim_start_matches("AS")
            .parse::<u32>()
            .ok()?;
        (start <= end).then(|| ranges.push((u32::from(start), u32::from(end), asn)))
    })?;
    Ok((AsnTable::from_ranges(ranges), summary))
}

/// Add a file of CIDRs (one a line, `#` comments, blank lines) to `set` (call
/// [`CidrSet::finish`] after the last file).
pub fn load_cidrs_into(path: &Path, set: &mut CidrSet) -> Result<FileSummary, IoError> {
    each_line(path, |line| {
        let cidr = line.split('#').next().unwrap_or("").trim();
        set.insert(cidr).then_some(())
    })
}

/// Run `f` on each non-blank, non-comment line; `None` from it counts a bad line.
fn each_line(path: &Path, mut f: impl FnMut(&str) -> Option<()>) -> Result<FileSummary, IoError> {
    let (mut r, _) = open_input(&InputSpec::new(path))?;
    let mut s = FileSummary {
        path: path.to_path_buf(),
        ..FileSummary::default()
    };
    let mut buf = Vec::new();
    let mut no = 0u64;
    loop {
        buf.clear();
        if r.read_until(b'\n', &mut buf)
            .map_err(|e| read_err(path, e))?
            == 0
        {
            break;
        }
        no += 1;
        let text = String::from_utf8_lossy(&buf);
        let line = text.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if f(line).is_some() {
            s.loaded += 1;
        } else {
            s.bad_lines += 1;
            if s.examples.len() < EXAMPLES {
                s.examples.push((no, line.chars().take(120).collect()));
            }
        }
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::IpAddr;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn loads_small_files_counting_bad_lines() {
        let dir = tempfile::tempdir().unwrap();
        let asn = dir.path().join("asn.csv");
        std::fs::write(&asn, "1.0.0.0,1.0.0.255,13335,\"Cloudflare, Inc.\"\nbad,line\n\n2.0.0.0,1.0.0.0,5,x\n8.8.8.0,8.8.8.255,15169,Google\n").unwrap();
        let cidrs = dir.path().join("dc.txt");
        std::fs::write(
            &cidrs,
            "# datacenters\n10.0.0.0/8\n2001:db8::/32 # doc\nnot-a-cidr\n",
        )
        .unwrap();
        let cfg = NetDataConfig {
            asn_db: Some(asn),
            hosting_cidrs: vec![cidrs],
        };
        let (data, summary) = load_netdata(&cfg).unwrap();
        assert_eq!(data.asn.lookup(ip("1.0.0.7")), Some(13335));
        assert_eq!(data.asn.lookup(ip("8.8.8.8")), Some(15169));
        assert_eq!(data.asn.len(), 2);
        assert!(data.hosting.contains(ip("10.9.9.9")));
        assert!(data.hosting.contains(ip("2001:db8::1")));
        let a = summary.asn.unwrap();
        assert_eq!((a.loaded, a.bad_lines), (2, 2));
        assert_eq!(a.examples[0], (2, "bad,line".to_string()));
        assert_eq!(
            (summary.hosting[0].loaded, summary.hosting[0].bad_lines),
            (2, 1)
        );
    }

    #[test]
    fn nothing_configured_is_empty_and_missing_file_is_an_error() {
        let (data, s) = load_netdata(&NetDataConfig::default()).unwrap();
        assert!(data.asn.is_empty() && data.hosting.is_empty());
        assert_eq!(s.bad_lines(), 0);
        let cfg = NetDataConfig {
            asn_db: Some("/nonexistent/asn.csv".into()),
            hosting_cidrs: vec![],
        };
        assert!(matches!(load_netdata(&cfg), Err(IoError::Open { .. })));
    }

    #[test]
    fn loads_the_shared_netdata_when_present() {
        let dir = Path::new("/work/shared/netdata");
        let asn = dir.join("asn-ipv4.csv.gz");
        if !asn.exists() {
            eprintln!(
                "skipped: {} is absent (shared reference data)",
                asn.display()
            );
            return;
        }
        let hosting: Vec<PathBuf> = [
            "datacenter-ipv4-cidrs.txt",
            "vpn-ipv4-cidrs.txt",
            "cloud-ipv4-cidrs.txt",
        ]
        .iter()
        .map(|f| dir.join(f))
        .filter(|p| p.exists())
        .collect();
        let cfg = NetDataConfig {
            asn_db: Some(asn),
            hosting_cidrs: hosting,
        };
        let (data, s) = load_netdata(&cfg).unwrap();
        assert!(data.asn.len() > 400_000, "{}", data.asn.len());
        assert_eq!(s.asn.as_ref().unwrap().bad_lines, 0, "{:?}", s.asn);
        assert_eq!(data.asn.lookup(ip("1.1.1.1")), Some(13335));
        assert!(!data.hosting.is_empty());
    }
}
