//! The key stage: single-account keys waiting for a second account, shared keys, evidence.

use crate::key::KeyState;
use distillguard_types::config::Config;
use distillguard_types::corr::{
    share_byte, CampaignLabel, CorrKey, Evidence, KeyKind, Observation,
};
use distillguard_types::hash::stable_hash;
use distillguard_types::time::HOUR_MS;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;

/// A key seen by one account so far.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
struct Single {
    account: u64,
    ts_ms: i64,
    activity: u64,
    suspect: bool,
    extraction: u8,
}

type Map<V> = HashMap<u64, V, ahash::RandomState>;

/// The cross-account stage.
#[derive(Debug)]
pub struct KeyStage {
    cfg: Arc<Config>,
    singles: Map<Single>,
    shared: Map<KeyState>,
    /// Whole prompts seen (route hash → latest event time), for `prompt_horizon`.
    prompts: Map<i64>,
    last_sweep_ms: i64,
    horizon_ms: i64,
}

/// A whole prompt's answer: it was sent before, word for word (by another account, or by
/// this one in an earlier sync bucket).
fn prompt_answer(o: &Observation) -> Evidence {
    Evidence {
        account: o.account.clone(),
        key: o.key,
        ts_ms: o.ts_ms,
        strength: 0.0,
        group_extraction: 0,
        suspect_members: 0,
        members: 0,
        sync: 0.0,
        label: None,
    }
}

/// Serializable form of the stage's state.
#[derive(Serialize, Deserialize)]
pub struct KeyStageState {
    singles: Vec<(u64, Single)>,
    shared: Vec<(u64, KeyState)>,
    prompts: Vec<(u64, i64)>,
    last_sweep_ms: i64,
    horizon_ms: i64,
}

impl KeyStage {
    /// An empty stage.
    pub fn new(cfg: Arc<Config>) -> Self {
        let horizon_ms = cfg.correlate.single_horizon.as_millis() as i64;
        KeyStage {
            cfg,
            singles: Map::default(),
            shared: Map::default(),
            prompts: Map::default(),
            last_sweep_ms: i64::MIN,
            horizon_ms,
        }
    }

    /// Take one observation; append evidence for the observing account when the key is shared
    /// and has something to say.
    ///
    /// A key that has never answered any member with positive strength sends no evidence: its
    /// answer would have strength 0, no label and no synchrony, and an account folds such a
    /// piece into a view only where it holds nothing stronger, where it changes no signal, no
    /// reason and no exposure (zero-strength evidence matters only to an account holding the
    /// same key with positive strength, which it can only have received from this key). On the
    /// simulated day this leaves out about half the evidence (330k pieces instead of 709k),
    /// which in split mode is half the evidence crossing the repartition topics.
    ///
    /// A [`KeyKind::Prompt`] key is no coordination evidence: it answers (strength 0) when
    /// the prompt was sent before, word for word, within `prompt_horizon`, by another account
    /// or by this one in an earlier sync bucket (a benchmark re-run).
    pub fn observe(&mut self, o: &Observation, out: &mut Vec<Evidence>) {
        let c = &self.cfg.correlate;
        let x = &self.cfg.extraction;
        let route = o.key.route_hash();
        let bucket = o.ts_ms.div_euclid(c.sync_bucket.as_millis() as i64);
        let acct = stable_hash(o.account.as_bytes());
        if o.key.kind == KeyKind::Prompt {
            if self.prompts.insert(route, o.ts_ms).is_some() {
                out.push(prompt_answer(o));
            }
            return;
        }
        // A suspect member is fresh or extracting: age is a prior, not a gate.
        let threshold = share_byte(x.extracting);
        let extracting = o.extraction >= threshold;
        let suspect = o.fresh || extracting;
        let ks = match self.shared.get_mut(&route) {
            Some(ks) => ks,
            None => {
                match self.singles.get_mut(&route) {
                    None => {
                        let single = Single {
                            account: acct,
                            ts_ms: o.ts_ms,
                            activity: o.activity,
                            suspect,
                            extraction: o.extraction,
                        };
                        self.singles.insert(route, single);
                        return;
                    }
                    Some(s) if s.account == acct => {
                        s.ts_ms = s.ts_ms.max(o.ts_ms);
                        s.activity = o.activity;
                        s.suspect |= suspect;
                        s.extraction = o.extraction;
                        return;
                    }
                    Some(_) => {
                        // A second account: promote the key with its first member.
                        let first = self.singles.remove(&route).expect("present");
                        let mut ks = KeyState::new(o.key);
                        let first_bucket = first.ts_ms.div_euclid(c.sync_bucket.as_millis() as i64);
                        ks.add_first(
                            first.account,
                            first.suspect,
                            first.extraction,
                            first.activity,
                            first_bucket,
                        );
                        self.shared.entry(route).or_insert(ks)
                    }
                }
            }
        };
        let me = ks.observe(o, acct, bucket, c.member_cap, suspect);

        let tally = ks.tally(threshold);
        let key_strength = ks.strength(&tally, c);
        // What the group extracts matters only where the key is suspicious at all.
        let group = if key_strength > 0.0 {
            KeyState::group_extraction(&tally)
        } else {
            0.0
        };
        let own = if suspect { 1.0 } else { c.established_factor };
        let kind = if o.key.kind == KeyKind::Asn {
            c.asn_factor
        } else {
            1.0
        };
        let strength = key_strength * own * kind;
        // An ASN is shared by unrelated groups: it strengthens evidence but links no one.
        if key_strength >= c.link_strength && o.key.kind != KeyKind::Asn {
            // The key's group is a cohort while it extracts too little; a key whose assessment
            // changes starts a label of the new assessment, so the two never merge.
            let cohort = group < x.cohort_below;
            if ks.label.is_some_and(|l| l.cohort != cohort) {
                ks.label = None;
                ks.suspicious_since = None;
            }
            let own = CampaignLabel {
                cohort,
                since_ms: *ks.suspicious_since.get_or_insert(o.ts_ms),
                key: route,
            };
            let mut label = ks.label.map_or(own, |l| l.min(own));
            if let Some(theirs) = o.label.filter(|l| l.cohort == cohort) {
                label = label.min(theirs);
            }
            ks.label = Some(label);
        }
        if strength > 0.0 {
            ks.positive = true;
        } else if !ks.positive && strength < c.link_strength {
            // Nothing to say: no account holds this key with positive strength, so a
            // zero-strength answer would change nothing there (see `observe`'s docs).
            return;
        }
        let (suspects, all) = ks.counts(&tally, c.member_cap);
        out.push(Evidence {
            account: o.account.clone(),
            key: o.key,
            ts_ms: o.ts_ms,
            strength,
            group_extraction: share_byte(group),
            suspect_members: suspects.round() as u32,
            members: all.round() as u32,
            sync: if strength > 0.0 {
                ks.sync(me, o.activity, bucket)
            } else {
                0.0
            },
            label: if strength >= c.link_strength {
                ks.label
            } else {
                None
            },
        });
    }

    /// Drop single keys past their horizon (shrinking it while over `single_cap`) and shared
    /// keys idle past `key_idle_expiry`; at most once per event-time hour.
    pub fn expire(&mut self, watermark_ms: i64) {
        if self.last_sweep_ms != i64::MIN && watermark_ms - self.last_sweep_ms < HOUR_MS {
            return;
        }
        self.last_sweep_ms = watermark_ms;
        let c = &self.cfg.correlate;
        let full = c.single_horizon.as_millis() as i64;
        let prompts = c.prompt_horizon.as_millis() as i64;
        // Grow the horizon back slowly when there is room.
        self.horizon_ms = (self.horizon_ms + HOUR_MS).min(full);
        loop {
            let cut = watermark_ms - self.horizon_ms;
            self.singles.retain(|_, s| s.ts_ms >= cut);
            // Under pressure whole prompts shrink with the rest.
            let prompt_cut = watermark_ms - prompts.min(self.horizon_ms * prompts / full.max(1));
            self.prompts.retain(|_, ts| *ts >= prompt_cut);
            if self.singles.len() + self.prompts.len() <= c.single_cap || self.horizon_ms <= HOUR_MS
            {
                break;
            }
            self.horizon_ms /= 2;
        }
        let idle = watermark_ms - c.key_idle_expiry.as_millis() as i64;
        self.shared.retain(|_, k| k.last_ms >= idle);
    }

    /// Drop about `n` of the keys seen by one account and whole prompts, oldest first (all
    /// those as old as the `n`-th oldest). Returns how many were dropped.
    pub fn drop_oldest_singles(&mut self, n: usize) -> usize {
        let before = self.singles.len() + self.prompts.len();
        if n == 0 || before == 0 {
            return 0;
        }
        let mut ts: Vec<i64> = self.singles.values().map(|s| s.ts_ms).collect();
        ts.extend(self.prompts.values().copied());
        let cut = *ts.select_nth_unstable(n.min(before) - 1).1;
        self.singles.retain(|_, s| s.ts_ms > cut);
        self.prompts.retain(|_, t| *t > cut);
        before - self.singles.len() - self.prompts.len()
    }

    /// Drop about `n` shared keys, least recently touched first (all those touched as late as
    /// the `n`-th). Returns how many were dropped.
    pub fn drop_idlest_shared(&mut self, n: usize) -> usize {
        let before = self.shared.len();
        if n == 0 || before == 0 {
            return 0;
        }
        let mut last: Vec<i64> = self.shared.values().map(|k| k.last_ms).collect();
        let cut = *last.select_nth_unstable(n.min(before) - 1).1;
        self.shared.retain(|_, k| k.last_ms > cut);
        before - self.shared.len()
    }

    /// (single keys and whole prompts, shared keys) held.
    pub fn sizes(&self) -> (usize, usize) {
        (self.singles.len() + self.prompts.len(), self.shared.len())
    }

    /// Approximate bytes held: (single-account keys and whole prompts, shared keys).
    pub fn state_bytes(&self) -> (usize, usize) {
        let single = std::mem::size_of::<(u64, Single)>() + 8;
        let shared: usize = self
            .shared
            .values()
            .map(|k| {
                std::mem::size_of::<KeyState>()
                    + 8
                    + k.members.capacity() * std::mem::size_of::<crate::key::Member>()
            })
            .sum();
        let prompt = std::mem::size_of::<(u64, i64)>() + 8;
        (
            self.singles.len() * single + self.prompts.len() * prompt,
            shared,
        )
    }

    /// A shared key's state.
    pub fn key(&self, k: &CorrKey) -> Option<&KeyState> {
        self.shared.get(&k.route_hash())
    }

    /// Serializable state (sorted, so snapshots are deterministic).
    pub fn to_state(&self) -> KeyStageState {
        let mut singles: Vec<(u64, Single)> = self.singles.iter().map(|(k, v)| (*k, *v)).collect();
        singles.sort_unstable_by_key(|(k, _)| *k);
        let mut shared: Vec<(u64, KeyState)> =
            self.shared.iter().map(|(k, v)| (*k, v.clone())).collect();
        shared.sort_unstable_by_key(|(k, _)| *k);
        let mut prompts: Vec<(u64, i64)> = self.prompts.iter().map(|(k, v)| (*k, *v)).collect();
        prompts.sort_unstable();
        KeyStageState {
            singles,
            shared,
            prompts,
            last_sweep_ms: self.last_sweep_ms,
            horizon_ms: self.horizon_ms,
        }
    }

    /// Take a reloaded configuration whose correlation settings equal the running ones
    /// ([`Config::restart_only_changes`] is empty): the key horizon stays as built.
    pub fn set_config(&mut self, cfg: Arc<Config>) {
        self.cfg = cfg;
    }

    /// Rebuild from a serialized state.
    pub fn from_state(cfg: Arc<Config>, s: KeyStageState) -> Self {
        KeyStage {
            cfg,
            singles: s.singles.into_iter().collect(),
            shared: s.shared.into_iter().collect(),
            prompts: s.prompts.into_iter().collect(),
            last_sweep_ms: s.last_sweep_ms,
            horizon_ms: s.horizon_ms,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use distillguard_types::corr::KeyKind;
    use distillguard_types::time::HOUR_MS;

    fn obs(account: &str, key: u64, fresh: bool, ts_ms: i64, activity: u64) -> Observation {
        Observation {
            key: CorrKey {
                kind: KeyKind::Template,
                hash: key,
            },
            account: account.into(),
            ts_ms,
            fresh,
            extraction: 0,
            org: None,
            activity,
            label: None,
        }
    }

    /// Feed `n_fresh` fresh and `n_old` established accounts on one key; return the last
    /// evidence's strength.
    fn strength_after(n_fresh: usize, n_old: usize) -> f64 {
        let mut s = KeyStage::new(Arc::new(Config::default()));
        let mut out = Vec::new();
        for i in 0..n_old {
            s.observe(&obs(&format!("old{i}"), 1, false, i as i64, 1), &mut out);
        }
        for i in 0..n_fresh {
            s.observe(
                &obs(&format!("new{i}"), 1, true, 1000 + i as i64, 1),
                &mut out,
            );
        }
        out.last().map_or(0.0, |e| e.strength)
    }

    #[test]
    fn tight_fresh_group_is_strong_popular_established_key_is_not() {
        assert!(strength_after(30, 0) > 0.9, "{}", strength_after(30, 0));
        assert_eq!(strength_after(3, 0), 0.0, "too few to mean anything");
        assert_eq!(strength_after(30, 2000), 0.0, "a shared tool's template");
        assert!(strength_after(10, 2) > 0.3);
        assert!(strength_after(10, 2) < strength_after(30, 0));
    }

    #[test]
    fn single_keys_wait_for_a_second_account_then_expire() {
        let mut s = KeyStage::new(Arc::new(Config::default()));
        let mut out = Vec::new();
        s.observe(&obs("a", 7, true, 0, 1), &mut out);
        s.observe(&obs("a", 7, true, 10, 1), &mut out);
        assert!(out.is_empty());
        assert_eq!(s.sizes(), (1, 0));
        s.observe(&obs("b", 7, true, 20, 1), &mut out);
        assert_eq!(s.sizes(), (0, 1));
        assert!(
            out.is_empty(),
            "two accounts are not yet suspicious: nothing to say"
        );
        s.observe(&obs("c", 8, true, 0, 1), &mut out);
        s.expire(100 * HOUR_MS);
        assert_eq!(s.sizes(), (0, 1));
        s.expire(30 * 24 * HOUR_MS);
        assert_eq!(s.sizes(), (0, 0));
    }

    #[test]
    fn over_budget_the_oldest_single_keys_and_the_idlest_shared_keys_go() {
        let mut s = KeyStage::new(Arc::new(Config::default()));
        let mut out = Vec::new();
        // keys 0..10 seen once each at time 10*k; keys 100..105 shared, touched at 100+k
        for k in 0..10u64 {
            s.observe(&obs("a", k, true, 10 * k as i64, 1), &mut out);
        }
        for k in 100..105u64 {
            s.observe(&obs("a", k, true, 0, 1), &mut out);
            s.observe(&obs("b", k, true, k as i64, 1), &mut out);
        }
        assert_eq!(s.sizes(), (10, 5));
        assert_eq!(s.drop_oldest_singles(4), 4);
        assert_eq!(s.sizes(), (6, 5));
        // the six left are the latest
        s.observe(&obs("c", 2, true, 500, 1), &mut out);
        s.observe(&obs("c", 3, true, 500, 1), &mut out);
        assert_eq!(
            s.sizes(),
            (8, 5),
            "2 and 3 were dropped: c starts them afresh"
        );
        s.observe(&obs("c", 4, true, 500, 1), &mut out);
        assert_eq!(s.sizes(), (7, 6), "4 was kept: c shares it with a");
        assert_eq!(s.drop_idlest_shared(2), 2);
        assert!(s.key(&obs("a", 100, true, 0, 1).key).is_none());
        assert!(s.key(&obs("a", 101, true, 0, 1).key).is_none());
        assert!(s.key(&obs("a", 102, true, 0, 1).key).is_some());
        assert_eq!(
            (s.drop_oldest_singles(0), s.drop_idlest_shared(100)),
            (0, 4)
        );
    }

    #[test]
    fn a_key_answers_once_it_has_been_suspicious_and_from_then_on() {
        let mut cfg = Config::default();
        cfg.correlate.common_members = 12;
        let mut s = KeyStage::new(Arc::new(cfg));
        let mut out = Vec::new();
        // An established account sharing a key with too few fresh ones: never suspicious, so
        // every answer would have had strength 0 and none is sent.
        s.observe(&obs("old0", 5, false, 0, 1), &mut out);
        for i in 0..5 {
            s.observe(&obs(&format!("new{i}"), 5, true, 10 + i, 1), &mut out);
        }
        assert!(out.is_empty(), "{out:?}");
        assert!(!s.key(&obs("x", 5, true, 0, 1).key).unwrap().positive);
        // Enough fresh members: positive evidence, to established members too.
        s.observe(&obs("new5", 5, true, 20, 1), &mut out);
        s.observe(&obs("new6", 5, true, 21, 1), &mut out);
        s.observe(&obs("old0", 5, false, 22, 1), &mut out);
        assert_eq!(out.len(), 3);
        assert!(out.iter().all(|e| e.strength > 0.0), "{out:?}");
        // The key turns common: its members still hear it, at strength 0, so an account
        // holding it with positive strength lets go of it.
        out.clear();
        for i in 0..5 {
            s.observe(&obs(&format!("more{i}"), 5, false, 30 + i, 1), &mut out);
        }
        s.observe(&obs("new0", 5, true, 40, 1), &mut out);
        assert_eq!(out.len(), 6);
        let last = out.last().unwrap();
        assert_eq!((last.account.as_str(), last.strength), ("new0", 0.0));
        assert_eq!((last.label, last.sync), (None, 0.0));
    }

    #[test]
    fn synchronized_members_score_high_scattered_low() {
        let mut s = KeyStage::new(Arc::new(Config::default()));
        let mut out = Vec::new();
        let on_off = 0x00FF_00FF_00FF_00FFu64;
        for i in 0..20 {
            s.observe(&obs(&format!("bot{i}"), 3, true, 0, on_off), &mut out);
        }
        assert!(out.last().unwrap().sync > 0.95);
        for i in 0..20 {
            s.observe(
                &obs(&format!("human{i}"), 4, true, 0, 1u64 << (i * 3 % 64)),
                &mut out,
            );
        }
        assert!(out.last().unwrap().sync < 0.1);
    }

    #[test]
    fn labels_converge_on_the_oldest_suspicious_key() {
        let mut s = KeyStage::new(Arc::new(Config::default()));
        let mut out = Vec::new();
        for i in 0..30 {
            s.observe(&obs(&format!("x{i}"), 100, true, 1000, 1), &mut out);
        }
        let l_old = out.last().unwrap().label.expect("strong key has a label");
        for i in 0..30 {
            s.observe(&obs(&format!("y{i}"), 200, true, 5000, 1), &mut out);
        }
        let l_new = out.last().unwrap().label.unwrap();
        assert!(l_old < l_new);
        // An account carrying the old label touches the new key: the new key adopts it.
        let mut o = obs("x0", 200, true, 6000, 1);
        o.label = Some(l_old);
        s.observe(&o, &mut out);
        assert_eq!(out.last().unwrap().label, Some(l_old));
        s.observe(&obs("y1", 200, true, 7000, 1), &mut out);
        assert_eq!(out.last().unwrap().label, Some(l_old));
    }

    /// An observation of `kind` by `account` extracting `x` (0..=255).
    fn seen(account: &str, kind: KeyKind, key: u64, fresh: bool, x: u8, ts: i64) -> Observation {
        Observation {
            key: CorrKey { kind, hash: key },
            extraction: x,
            ..obs(account, key, fresh, ts, 1)
        }
    }

    /// Feed `n` accounts named `name{i}` (fresh, extracting `x`) on one key of `kind`; return
    /// every answer.
    fn group(
        s: &mut KeyStage,
        name: &str,
        n: usize,
        kind: KeyKind,
        fresh: bool,
        x: u8,
    ) -> Vec<Evidence> {
        let mut out = Vec::new();
        for i in 0..n {
            s.observe(
                &seen(&format!("{name}{i}"), kind, 9, fresh, x, i as i64),
                &mut out,
            );
        }
        out
    }

    #[test]
    fn established_accounts_that_extract_are_suspect_like_fresh_ones() {
        let cfg = Arc::new(Config::default());
        // Aged accounts, not extracting: no suspicion (a popular template, a shared tool).
        let quiet = group(
            &mut KeyStage::new(cfg.clone()),
            "old",
            30,
            KeyKind::Template,
            false,
            10,
        );
        assert!(quiet.is_empty(), "{quiet:?}");
        // Aged accounts that extract: as suspect as a fresh group, at full weight.
        let bought = group(
            &mut KeyStage::new(cfg.clone()),
            "old",
            30,
            KeyKind::Template,
            false,
            230,
        );
        let last = bought.last().expect("evidence");
        assert!(last.strength > 0.9, "{last:?}");
        assert_eq!(last.group_extraction, 230);
        assert_eq!(
            last.label.map(|l| l.cohort),
            Some(false),
            "an extraction group"
        );
    }

    #[test]
    fn a_fresh_group_that_does_not_extract_is_labelled_a_cohort() {
        let cfg = Arc::new(Config::default());
        let class = group(
            &mut KeyStage::new(cfg),
            "student",
            30,
            KeyKind::Template,
            true,
            20,
        );
        let last = class.last().expect("evidence");
        assert!(last.strength > 0.9, "coordinated: {last:?}");
        let label = last.label.expect("a label");
        assert!(label.cohort);
        assert!(label.campaign_id().starts_with("coh-"));
    }

    #[test]
    fn labels_of_the_two_assessments_never_merge() {
        let cfg = Arc::new(Config::default());
        let mut s = KeyStage::new(cfg);
        let mut out = Vec::new();
        for i in 0..30 {
            s.observe(
                &seen(&format!("x{i}"), KeyKind::Template, 1, true, 240, 10),
                &mut out,
            );
        }
        let extraction = out.last().unwrap().label.unwrap();
        for i in 0..30 {
            s.observe(
                &seen(&format!("y{i}"), KeyKind::Template, 2, true, 5, 20),
                &mut out,
            );
        }
        let cohort = out.last().unwrap().label.unwrap();
        assert!(!extraction.cohort && cohort.cohort);
        // A cohort member carrying the older extraction label touches the cohort's key: the
        // key keeps its cohort label.
        let mut o = seen("y0", KeyKind::Template, 2, true, 5, 30);
        o.label = Some(extraction);
        s.observe(&o, &mut out);
        assert_eq!(out.last().unwrap().label, Some(cohort));
    }

    #[test]
    fn a_rotating_pool_address_is_suspicious_by_its_extracting_members() {
        let cfg = Arc::new(Config::default());
        let mut s = KeyStage::new(cfg);
        // The pool relays many ordinary customers ...
        let mut out = group(&mut s, "customer", 40, KeyKind::Ip, false, 0);
        assert!(out.is_empty());
        // ... and a dozen bought accounts that extract.
        for i in 0..12 {
            s.observe(
                &seen(&format!("bought{i}"), KeyKind::Ip, 9, false, 220, 100),
                &mut out,
            );
        }
        let last = out.last().expect("evidence");
        assert!(last.strength > 0.6, "{last:?}");
        // The same mix on a prefix (an office, a carrier NAT) is judged by its share.
        let mut s = KeyStage::new(Arc::new(Config::default()));
        let mut out = group(&mut s, "customer", 40, KeyKind::Prefix, false, 0);
        for i in 0..12 {
            s.observe(
                &seen(&format!("bought{i}"), KeyKind::Prefix, 9, false, 220, 100),
                &mut out,
            );
        }
        assert!(out.iter().all(|e| e.strength == 0.0), "{out:?}");
    }

    #[test]
    fn a_whole_prompt_sent_before_answers_with_no_suspicion() {
        let mut s = KeyStage::new(Arc::new(Config::default()));
        let out = group(&mut s, "runner", 5, KeyKind::Prompt, true, 250);
        let told: Vec<&str> = out.iter().map(|e| e.account.as_str()).collect();
        assert_eq!(
            told,
            ["runner1", "runner2", "runner3", "runner4"],
            "not the first"
        );
        assert!(out.iter().all(|e| e.strength == 0.0 && e.label.is_none()));
        // One account sending its own prompt again (a benchmark re-run) is told too.
        let mut out = Vec::new();
        s.observe(&seen("alone", KeyKind::Prompt, 77, false, 250, 0), &mut out);
        assert!(out.is_empty());
        let later = 5 * 86_400_000;
        s.observe(
            &seen("alone", KeyKind::Prompt, 77, false, 250, later),
            &mut out,
        );
        assert_eq!(out.len(), 1);
        // A whole prompt is remembered for `prompt_horizon`, other single keys for less.
        s.observe(
            &seen("other", KeyKind::Template, 78, false, 250, later),
            &mut out,
        );
        s.expire(8 * 86_400_000);
        assert_eq!(
            s.sizes().0,
            1,
            "the template single expired, the prompt stays"
        );
        s.expire(13 * 86_400_000);
        assert_eq!(s.sizes().0, 0);
    }

    #[test]
    fn an_asn_links_no_one() {
        let mut s = KeyStage::new(Arc::new(Config::default()));
        let out = group(&mut s, "x", 40, KeyKind::Asn, true, 250);
        assert!(out.iter().any(|e| e.strength > 0.0));
        assert!(out.iter().all(|e| e.label.is_none()), "{:?}", out.last());
    }
}
