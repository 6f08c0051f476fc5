//! `[netdata]`: optional IP→ASN table and CIDR lists (datacenter, VPN, cloud).

use super::Problems;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Network reference data. Everything is optional; paths are read by the io crate at start.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NetDataConfig {
    /// CSV `start,end,asn,org` (IPv4 text, optional `.gz`), for records without `asn`.
    pub asn_db: Option<PathBuf>,
    /// Files of CIDRs, one a line, whose members count as datacenter / VPN / proxy space.
    pub hosting_cidrs: Vec<PathBuf>,
}

impl NetDataConfig {
    pub(super) fn validate(&self, p: &mut Problems) {
        if let Some(a) = &self.asn_db {
            if a.as_os_str().is_empty() {
                p.add("netdata.asn_db", "must not be an empty path");
            }
        }
        for (i, c) in self.hosting_cidrs.iter().enumerate() {
            if c.as_os_str().is_empty() {
                p.add(
                    format!("netdata.hosting_cidrs[{i}]"),
                    "must not be an empty path",
                );
            }
        }
    }
}
