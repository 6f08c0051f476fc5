//! Allowlist lookup by account id, org id and API key id (matched by the stable hashes the
//! parser gives `org_id` and `api_key_id`; keys and addresses are those of the account's
//! latest request), IP range and campaign or cohort id (the id the account's label names),
//! each with a reason and an optional expiry in event time.

use distillguard_features::AccountState;
use distillguard_types::config::{AllowEntry, Allowlist};
use distillguard_types::event::{api_key_hash, org_hash};
use distillguard_types::net::Cidr;
use distillguard_types::time::parse_rfc3339_ms;
use std::collections::HashMap;

/// The entry that matched: what it names and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allowed<'a> {
    /// Its scope (`account`, `org`, `api_key`, `ip`, `campaign`).
    pub scope: &'static str,
    /// The value it names, as written in the config.
    pub value: &'a str,
    /// Its reason.
    pub reason: &'a str,
}

#[derive(Debug)]
struct Entry {
    scope: &'static str,
    value: String,
    reason: String,
    expires_ms: i64,
}

/// Compiled allowlist.
#[derive(Debug, Default)]
pub struct AllowIndex {
    accounts: HashMap<String, Entry>,
    orgs: HashMap<u64, Entry>,
    api_keys: HashMap<u64, Entry>,
    ranges: Vec<(Cidr, Entry)>,
    campaigns: HashMap<String, Entry>,
}

impl AllowIndex {
    /// Compile (entries were validated with the config; an entry with several scopes is
    /// indexed under each, one with an unparsable range or expiry never matches).
    pub fn new(list: &Allowlist) -> Self {
        let mut ix = AllowIndex::default();
        for e in &list.0 {
            let expires_ms = match e.expires.as_deref() {
                Some(x) => parse_rfc3339_ms(x).unwrap_or(i64::MIN),
                None => i64::MAX,
            };
            let entry = |scope: &'static str, value: &str| Entry {
                scope,
                value: value.to_string(),
                reason: e.reason.clone(),
                expires_ms,
            };
            ix.add(e, &entry);
        }
        ix
    }

    fn add(&mut self, e: &AllowEntry, entry: &dyn Fn(&'static str, &str) -> Entry) {
        if let Some(a) = &e.account {
            self.accounts.insert(a.clone(), entry("account", a));
        }
        if let Some(o) = &e.org {
            self.orgs.insert(org_hash(o), entry("org", o));
        }
        if let Some(k) = &e.api_key {
            self.api_keys.insert(api_key_hash(k), entry("api_key", k));
        }
        if let Some(ip) = &e.ip {
            if let Ok((range, _)) = Cidr::parse(ip) {
                self.ranges.push((range, entry("ip", ip)));
            }
        }
        if let Some(c) = &e.campaign {
            self.campaigns.insert(c.clone(), entry("campaign", c));
        }
    }

    /// The entry that allowlists the account at `ts`, if one does: by account, org, API key,
    /// IP range, then campaign.
    pub fn lookup(&self, st: &AccountState, ts: i64) -> Option<Allowed<'_>> {
        let live = |e: &&Entry| ts < e.expires_ms;
        let found = self
            .accounts
            .get(st.id.as_str())
            .filter(live)
            .or_else(|| st.org.and_then(|o| self.orgs.get(&o)).filter(live))
            .or_else(|| {
                st.last_api_key
                    .and_then(|k| self.api_keys.get(&k))
                    .filter(live)
            })
            .or_else(|| {
                self.ranges
                    .iter()
                    .filter(|(r, e)| live(&e) && r.contains(st.last_ip))
                    .map(|(_, e)| e)
                    .next()
            })
            .or_else(|| {
                if self.campaigns.is_empty() {
                    return None;
                }
                let id = st.evidence.label?.campaign_id();
                self.campaigns.get(&id).filter(live)
            })?;
        Some(Allowed {
            scope: found.scope,
            value: &found.value,
            reason: &found.reason,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use distillguard_types::config::Config;
    use distillguard_types::corr::CampaignLabel;
    use distillguard_types::Event;

    const EXPIRES: &str = "1970-01-01T00:00:01Z";

    fn entry(f: fn(&mut AllowEntry)) -> AllowEntry {
        let mut e = AllowEntry {
            reason: "why".into(),
            expires: Some(EXPIRES.into()),
            ..AllowEntry::default()
        };
        f(&mut e);
        e
    }

    fn state(account: &str, ip: &str) -> AccountState {
        let cfg = Config::default();
        let ev = Event::sample(account, 0, ip.parse().unwrap());
        AccountState::new(&ev, &cfg.signals, &cfg.correlate)
    }

    /// Matches before the expiry, not at it, and never for another account.
    fn check(list: AllowEntry, matching: &AccountState, other: &AccountState, scope: &str) {
        let ix = AllowIndex::new(&Allowlist(vec![list]));
        let hit = ix.lookup(matching, 999).expect("allowlisted before expiry");
        assert_eq!((hit.scope, hit.reason), (scope, "why"));
        assert_eq!(ix.lookup(matching, 1000), None, "expired at its time");
        assert_eq!(ix.lookup(other, 5), None, "another account");
    }

    #[test]
    fn by_account() {
        check(
            entry(|e| e.account = Some("a1".into())),
            &state("a1", "192.0.2.1"),
            &state("a2", "192.0.2.1"),
            "account",
        );
    }

    #[test]
    fn by_org() {
        let mut st = state("a1", "192.0.2.1");
        st.org = Some(org_hash("org9"));
        check(
            entry(|e| e.org = Some("org9".into())),
            &st,
            &state("a2", "192.0.2.1"),
            "org",
        );
    }

    #[test]
    fn by_api_key_of_the_latest_request() {
        let mut st = state("a1", "192.0.2.1");
        st.last_api_key = Some(api_key_hash("key_eval"));
        let mut other = state("a2", "192.0.2.1");
        other.last_api_key = Some(api_key_hash("key_other"));
        check(
            entry(|e| e.api_key = Some("key_eval".into())),
            &st,
            &other,
            "api_key",
        );
    }

    #[test]
    fn by_ip_range_v4_and_v6() {
        check(
            entry(|e| e.ip = Some("198.51.100.0/24".into())),
            &state("a1", "198.51.100.77"),
            &state("a2", "198.51.101.1"),
            "ip",
        );
        check(
            entry(|e| e.ip = Some("2001:db8:10::/48".into())),
            &state("a1", "2001:db8:10::5"),
            &state("a2", "2001:db8:11::5"),
            "ip",
        );
    }

    #[test]
    fn by_campaign_or_cohort_label() {
        for cohort in [false, true] {
            let label = CampaignLabel {
                cohort,
                since_ms: 1_000,
                key: 77,
            };
            let mut st = state("a1", "192.0.2.1");
            st.evidence.label = Some(label);
            let mut other = state("a2", "192.0.2.1");
            other.evidence.label = Some(CampaignLabel { key: 78, ..label });
            let id = label.campaign_id();
            assert!(id.starts_with(if cohort { "coh-" } else { "cmp-" }));
            let mut e = entry(|_| {});
            e.campaign = Some(id);
            check(e, &st, &other, "campaign");
        }
    }

    #[test]
    fn without_expiry_an_entry_always_applies() {
        let mut e = entry(|e| e.account = Some("a1".into()));
        e.expires = None;
        let ix = AllowIndex::new(&Allowlist(vec![e]));
        assert!(ix.lookup(&state("a1", "192.0.2.1"), i64::MAX - 1).is_some());
    }
}
