//! Cross-account evidence held by an account.
//!
//! The correlation stage answers each observation with [`Evidence`] about one key. An account
//! keeps, per view (template, IP pool, identity), the strongest recent evidence; it decays with
//! `evidence_half_life` of event time while not refreshed, so an account that left a campaign's
//! keys cools down.

use distillguard_types::corr::{CampaignLabel, CorrKey, Evidence, View};
use serde::{Deserialize, Serialize};

/// The strongest evidence of one view.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Held {
    /// Strength when received.
    pub strength: f64,
    /// Event time received.
    pub ts_ms: i64,
    /// Fresh members of the key.
    pub fresh_members: u32,
    /// Members of the key.
    pub members: u32,
    /// Activity correlation with the key's other members.
    pub sync: f64,
    /// The key.
    pub key: Option<CorrKey>,
}

impl Held {
    /// Strength decayed to `now_ms`.
    pub fn at(&self, now_ms: i64, half_life_ms: i64) -> f64 {
        if self.strength <= 0.0 {
            return 0.0;
        }
        let age = (now_ms - self.ts_ms).max(0) as f64;
        self.strength * 0.5f64.powf(age / half_life_ms.max(1) as f64)
    }
}

/// Evidence of all views plus the campaign label.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct EvidenceSet {
    /// Template view.
    pub template: Held,
    /// IP-pool view.
    pub ip_pool: Held,
    /// Identity view (payment fingerprint, API key).
    pub identity: Held,
    /// The campaign the account is linked to.
    pub label: Option<CampaignLabel>,
}

impl EvidenceSet {
    /// The held evidence of a view (timing has none of its own).
    pub fn view(&self, v: View) -> Option<&Held> {
        match v {
            View::Template => Some(&self.template),
            View::IpPool => Some(&self.ip_pool),
            View::Identity => Some(&self.identity),
            View::Timing => None,
        }
    }

    /// Fold one piece of evidence in: keep it when it beats the decayed held one.
    pub fn fold(&mut self, e: &Evidence, half_life_ms: i64, link_strength: f64) {
        let slot = match e.key.kind.view() {
            View::Template => &mut self.template,
            View::IpPool => &mut self.ip_pool,
            View::Identity => &mut self.identity,
            View::Timing => return,
        };
        let same_key = slot.key == Some(e.key);
        if same_key || e.strength >= slot.at(e.ts_ms, half_life_ms) {
            *slot = Held {
                strength: e.strength,
                ts_ms: e.ts_ms,
                fresh_members: e.fresh_members,
                members: e.members,
                sync: e.sync,
                key: Some(e.key),
            };
        }
        if e.strength >= link_strength {
            if let Some(l) = e.label {
                self.label = Some(self.label.map_or(l, |cur| cur.min(l)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use distillguard_types::corr::KeyKind;

    fn ev(kind: KeyKind, hash: u64, strength: f64, ts_ms: i64) -> Evidence {
        Evidence {
            account: "a".into(),
            key: CorrKey { kind, hash },
            ts_ms,
            strength,
            fresh_members: 10,
            members: 12,
            sync: 0.5,
            label: Some(CampaignLabel {
                since_ms: hash as i64,
                key: hash,
            }),
        }
    }

    #[test]
    fn keeps_strongest_per_view_and_decays() {
        let mut s = EvidenceSet::default();
        s.fold(&ev(KeyKind::Template, 1, 0.8, 0), 1000, 0.5);
        s.fold(&ev(KeyKind::Template, 2, 0.3, 0), 1000, 0.5);
        assert_eq!(s.template.key.unwrap().hash, 1);
        assert!((s.template.at(1000, 1000) - 0.4).abs() < 1e-9);
        // After decay a weaker fresh piece wins.
        s.fold(&ev(KeyKind::Template, 2, 0.3, 3000), 1000, 0.5);
        assert_eq!(s.template.key.unwrap().hash, 2);
        s.fold(&ev(KeyKind::Prefix, 5, 0.9, 0), 1000, 0.5);
        assert_eq!(s.ip_pool.key.unwrap().hash, 5);
    }

    #[test]
    fn label_is_the_minimum_of_strong_links() {
        let mut s = EvidenceSet::default();
        s.fold(&ev(KeyKind::Template, 9, 0.8, 0), 1000, 0.5);
        s.fold(&ev(KeyKind::Prefix, 4, 0.8, 0), 1000, 0.5);
        s.fold(&ev(KeyKind::Ip, 1, 0.2, 0), 1000, 0.5); // too weak to link
        assert_eq!(s.label.unwrap().key, 4);
    }
}
