//! `[[allowlist]]`: accounts, orgs, API keys, IP ranges or campaigns whose members' action is
//! capped at monitor, each with a reason and an optional expiry (in event time).

use super::Problems;
use crate::net::Cidr;
use serde::{Deserialize, Serialize};

/// One allowlist entry: exactly one scope (`account`, `org`, `api_key`, `ip` or `campaign`),
/// a reason and an optional expiry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowEntry {
    /// Account id.
    #[serde(default)]
    pub account: Option<String>,
    /// Org id (`org_id`).
    #[serde(default)]
    pub org: Option<String>,
    /// API key id (`api_key_id`): accounts whose latest request used it.
    #[serde(default)]
    pub api_key: Option<String>,
    /// IPv4 or IPv6 CIDR (or one address): accounts whose latest request came from it.
    #[serde(default)]
    pub ip: Option<String>,
    /// Campaign or cohort id (`cmp-…` / `coh-…`, as in verdicts and campaign records):
    /// accounts whose label names it.
    #[serde(default)]
    pub campaign: Option<String>,
    /// Why (shown in verdicts).
    pub reason: String,
    /// RFC 3339; the entry no longer applies to events at or after it.
    #[serde(default)]
    pub expires: Option<String>,
}

/// The scopes an entry can name, as written in the config.
pub const SCOPES: [&str; 5] = ["account", "org", "api_key", "ip", "campaign"];

impl AllowEntry {
    /// The scopes this entry sets, with their values.
    pub fn scopes(&self) -> Vec<(&'static str, &str)> {
        [
            &self.account,
            &self.org,
            &self.api_key,
            &self.ip,
            &self.campaign,
        ]
        .iter()
        .zip(SCOPES)
        .filter_map(|(v, name)| v.as_deref().map(|v| (name, v)))
        .collect()
    }
}

/// The allowlist.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Allowlist(pub Vec<AllowEntry>);

impl Allowlist {
    pub(super) fn validate(&self, p: &mut Problems) {
        for (i, e) in self.0.iter().enumerate() {
            let path = format!("allowlist[{i}]");
            let scopes = e.scopes();
            if scopes.len() != 1 {
                p.add(
                    &path,
                    format!(
                        "needs exactly one of {}",
                        SCOPES.map(|s| format!("`{s}`")).join(", ")
                    ),
                );
            }
            for (name, value) in scopes {
                if value.trim().is_empty() {
                    p.add(format!("{path}.{name}"), "is empty");
                }
            }
            if let Some(ip) = &e.ip {
                match Cidr::parse(ip) {
                    Err(err) => p.add(format!("{path}.ip"), format!("not a CIDR ({err}): {ip:?}")),
                    Ok((_, true)) => p.add(
                        format!("{path}.ip"),
                        format!("host bits set in {ip:?}: write the network address"),
                    ),
                    Ok(_) => {}
                }
            }
            if let Some(c) = &e.campaign {
                if !(c.starts_with("cmp-") || c.starts_with("coh-")) {
                    p.add(
                        format!("{path}.campaign"),
                        format!("not a campaign or cohort id (cmp-… or coh-…): {c:?}"),
                    );
                }
            }
            if e.reason.trim().is_empty() {
                p.add(format!("{path}.reason"), "must say why");
            }
            if let Some(x) = &e.expires {
                if crate::time::parse_rfc3339_ms(x).is_none() {
                    p.add(
                        format!("{path}.expires"),
                        format!("not RFC 3339 with an offset (2027-01-01T00:00:00Z): {x:?}"),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(entries: Vec<AllowEntry>) -> Vec<String> {
        let mut p = Problems::default();
        Allowlist(entries).validate(&mut p);
        p.0.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn each_scope_alone_is_valid() {
        let ok = |f: fn(&mut AllowEntry)| {
            let mut e = AllowEntry {
                reason: "why".into(),
                expires: Some("2027-01-01T00:00:00Z".into()),
                ..AllowEntry::default()
            };
            f(&mut e);
            e
        };
        let entries = vec![
            ok(|e| e.account = Some("a".into())),
            ok(|e| e.org = Some("o".into())),
            ok(|e| e.api_key = Some("k".into())),
            ok(|e| e.ip = Some("10.0.0.0/8".into())),
            ok(|e| e.ip = Some("2001:db8::/32".into())),
            ok(|e| e.ip = Some("192.0.2.7".into())),
            ok(|e| e.campaign = Some("cmp-0123456789ab".into())),
            ok(|e| e.campaign = Some("coh-0123456789ab".into())),
        ];
        assert_eq!(problems(entries), Vec::<String>::new());
    }

    #[test]
    fn bad_scopes_cidrs_ids_and_expiries_are_each_named() {
        let base = AllowEntry {
            reason: "why".into(),
            ..AllowEntry::default()
        };
        let got = problems(vec![
            AllowEntry {
                account: Some("a".into()),
                ip: Some("10.0.0.0/8".into()),
                ..base.clone()
            },
            base.clone(),
            AllowEntry {
                ip: Some("10.0.0.0/33".into()),
                ..base.clone()
            },
            AllowEntry {
                ip: Some("10.1.2.3/8".into()),
                ..base.clone()
            },
            AllowEntry {
                ip: Some("tenpointzero".into()),
                ..base.clone()
            },
            AllowEntry {
                campaign: Some("c-1".into()),
                ..base.clone()
            },
            AllowEntry {
                api_key: Some("k".into()),
                expires: Some("2027-01-01".into()),
                ..base.clone()
            },
            AllowEntry {
                org: Some(" ".into()),
                reason: " ".into(),
                ..base.clone()
            },
        ]);
        let has = |needle: &str| got.iter().any(|g| g.contains(needle));
        assert!(has("allowlist[0]: needs exactly one of"), "{got:#?}");
        assert!(has("allowlist[1]: needs exactly one of"), "{got:#?}");
        assert!(
            has("allowlist[2].ip: not a CIDR (prefix length"),
            "{got:#?}"
        );
        assert!(has("allowlist[3].ip: host bits set"), "{got:#?}");
        assert!(
            has("allowlist[4].ip: not a CIDR (not an IP address)"),
            "{got:#?}"
        );
        assert!(
            has("allowlist[5].campaign: not a campaign or cohort id"),
            "{got:#?}"
        );
        assert!(has("allowlist[6].expires: not RFC 3339"), "{got:#?}");
        assert!(has("allowlist[7].org: is empty"), "{got:#?}");
        assert!(has("allowlist[7].reason: must say why"), "{got:#?}");
        assert_eq!(got.len(), 9, "{got:#?}");
    }
}
