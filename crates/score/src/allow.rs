//! Allowlist lookup: account ids and org ids (matched by the same stable hash the parser gives
//! `org_id`), each with a reason and an optional expiry in event time.

use distillguard_types::config::Allowlist;
use distillguard_types::event::org_hash;
use distillguard_types::time::parse_rfc3339_ms;
use std::collections::HashMap;

/// Compiled allowlist.
#[derive(Debug, Default)]
pub struct AllowIndex {
    accounts: HashMap<String, (String, i64)>,
    orgs: HashMap<u64, (String, i64)>,
}

impl AllowIndex {
    /// Compile (entries were validated with the config).
    pub fn new(list: &Allowlist) -> Self {
        let mut ix = AllowIndex::default();
        for e in &list.0 {
            let exp = e
                .expires
                .as_deref()
                .and_then(parse_rfc3339_ms)
                .unwrap_or(i64::MAX);
            if let Some(a) = &e.account {
                ix.accounts.insert(a.clone(), (e.reason.clone(), exp));
            }
            if let Some(o) = &e.org {
                ix.orgs.insert(org_hash(o), (e.reason.clone(), exp));
            }
        }
        ix
    }

    /// The reason an account is allowlisted at `ts`, if it is.
    pub fn lookup(&self, account: &str, org: Option<u64>, ts: i64) -> Option<&str> {
        let by_account = self.accounts.get(account).filter(|(_, exp)| ts < *exp);
        let by_org = org
            .and_then(|o| self.orgs.get(&o))
            .filter(|(_, exp)| ts < *exp);
        by_account.or(by_org).map(|(r, _)| r.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use distillguard_types::config::AllowEntry;

    #[test]
    fn matches_account_or_org_until_expiry() {
        let list = Allowlist(vec![
            AllowEntry {
                account: Some("a1".into()),
                org: None,
                reason: "r1".into(),
                expires: None,
            },
            AllowEntry {
                account: None,
                org: Some("org9".into()),
                reason: "r2".into(),
                expires: Some("1970-01-01T00:00:01Z".into()),
            },
        ]);
        let ix = AllowIndex::new(&list);
        assert_eq!(ix.lookup("a1", None, 5), Some("r1"));
        assert_eq!(ix.lookup("zz", Some(org_hash("org9")), 999), Some("r2"));
        assert_eq!(ix.lookup("zz", Some(org_hash("org9")), 1000), None);
        assert_eq!(ix.lookup("zz", None, 0), None);
    }
}
