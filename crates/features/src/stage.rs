//! The per-account stage: all account states, updated per event, with idle expiry.

use crate::account::AccountState;
use crate::cohort::Cohorts;
use crate::evidence::EvidenceSet;
use crate::extraction::{extraction, judged_extraction};
use crate::keys::keys_of;
use distillguard_types::config::Config;
use distillguard_types::corr::{share_byte, Evidence, Observation};
use distillguard_types::net::NetData;
use distillguard_types::time::HOUR_MS;
use distillguard_types::{AccountId, Event};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;

type Map = HashMap<AccountId, AccountState, ahash::RandomState>;

/// The per-account stage.
#[derive(Debug)]
pub struct AccountStage {
    cfg: Arc<Config>,
    net: Arc<NetData>,
    accounts: Map,
    cohorts: Cohorts,
    last_sweep_ms: i64,
}

/// Serializable form of the stage's state.
#[derive(Serialize, Deserialize)]
pub struct AccountStageState {
    accounts: Vec<AccountState>,
    cohorts: Cohorts,
    last_sweep_ms: i64,
}

impl AccountStage {
    /// An empty stage.
    pub fn new(cfg: Arc<Config>, net: Arc<NetData>) -> Self {
        AccountStage {
            cfg,
            net,
            accounts: Map::default(),
            cohorts: Cohorts::default(),
            last_sweep_ms: i64::MIN,
        }
    }

    /// Fold an event into its account's state and append the observations it makes (keys
    /// already observed by the account in the current sync bucket are not repeated).
    pub fn update(&mut self, ev: &Event, obs: &mut Vec<Observation>) -> &mut AccountState {
        let cfg = &*self.cfg;
        let asn = ev.asn.or_else(|| self.net.asn.lookup(ev.ip));
        let hosting = !self.net.hosting.is_empty() && self.net.hosting.contains(ev.ip);
        let st = self
            .accounts
            .entry(ev.account.clone())
            .or_insert_with(|| AccountState::new(ev, &cfg.signals, &cfg.correlate));
        st.update(ev, asn, hosting, &cfg.signals, &cfg.correlate);
        let daily = st
            .volume
            .count_at(ev.ts_ms, cfg.signals.volume_window.slide.as_millis() as i64)
            as f64;
        st.cohort_z = self.cohorts.observe(st.age_days(ev.ts_ms), daily) as f32;
        let bucket = ev
            .ts_ms
            .div_euclid(cfg.correlate.sync_bucket.as_millis() as i64);
        let extracts = share_byte(extraction(st, cfg));
        for key in keys_of(ev, asn, &cfg.correlate).as_slice() {
            if st.observe_once(key.route_hash(), bucket) {
                continue;
            }
            obs.push(Observation {
                key: *key,
                account: st.id.clone(),
                ts_ms: ev.ts_ms,
                fresh: st.fresh,
                extraction: extracts,
                org: st.org,
                activity: st.activity,
                label: st.evidence.label,
            });
        }
        st
    }

    /// The account's state, if held.
    pub fn get_mut(&mut self, account: &str) -> Option<&mut AccountState> {
        self.accounts.get_mut(account)
    }

    /// Drop accounts idle for `idle_expiry` (checked at most once per event-time hour).
    pub fn expire(&mut self, watermark_ms: i64) -> usize {
        if self.last_sweep_ms != i64::MIN && watermark_ms - self.last_sweep_ms < HOUR_MS {
            return 0;
        }
        self.last_sweep_ms = watermark_ms;
        let horizon = watermark_ms - self.cfg.windows.idle_expiry.as_millis() as i64;
        let before = self.accounts.len();
        self.accounts.retain(|_, st| st.last_ms >= horizon);
        before - self.accounts.len()
    }

    /// Hold at most `max` accounts: past it, drop the least recently active ones (earliest
    /// last event; ties in id order, so a state always keeps the same accounts) down to 90% of
    /// `max`. Returns how many were dropped.
    pub fn evict_over(&mut self, max: usize) -> usize {
        if self.accounts.len() <= max {
            return 0;
        }
        self.evict_to(max - max / 10)
    }

    /// Hold at most `keep` accounts: drop the least recently active ones (ties in id order).
    /// Returns how many were dropped.
    pub fn evict_to(&mut self, keep: usize) -> usize {
        if self.accounts.len() <= keep {
            return 0;
        }
        let drop = self.accounts.len() - keep;
        let mut last: Vec<i64> = self.accounts.values().map(|s| s.last_ms).collect();
        let cut = *last.select_nth_unstable(drop - 1).1;
        let below = last.iter().filter(|t| **t < cut).count();
        let mut at_cut: Vec<AccountId> = self
            .accounts
            .values()
            .filter(|s| s.last_ms == cut)
            .map(|s| s.id.clone())
            .collect();
        at_cut.sort_unstable();
        at_cut.truncate(drop - below);
        let at_cut: std::collections::HashSet<AccountId> = at_cut.into_iter().collect();
        let before = self.accounts.len();
        self.accounts
            .retain(|id, s| s.last_ms > cut || (s.last_ms == cut && !at_cut.contains(id)));
        before - self.accounts.len()
    }

    /// Accounts held.
    pub fn len(&self) -> usize {
        self.accounts.len()
    }

    /// True when no account is held.
    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty()
    }

    /// Total approximate bytes of account state.
    pub fn state_bytes(&self) -> usize {
        self.accounts.values().map(|s| s.approx_bytes()).sum()
    }

    /// Serializable state (accounts sorted by id, so snapshots are deterministic).
    pub fn to_state(&self) -> AccountStageState {
        let mut accounts: Vec<AccountState> = self.accounts.values().cloned().collect();
        accounts.sort_by(|a, b| a.id.cmp(&b.id));
        AccountStageState {
            accounts,
            cohorts: self.cohorts.clone(),
            last_sweep_ms: self.last_sweep_ms,
        }
    }

    /// Rebuild from a serialized state.
    /// Take a reloaded configuration whose signal, window and correlation settings equal the
    /// running ones ([`Config::restart_only_changes`] is empty).
    pub fn set_config(&mut self, cfg: Arc<Config>) {
        self.cfg = cfg;
    }

    pub fn from_state(cfg: Arc<Config>, net: Arc<NetData>, s: AccountStageState) -> Self {
        let accounts = s.accounts.into_iter().map(|a| (a.id.clone(), a)).collect();
        AccountStage {
            cfg,
            net,
            accounts,
            cohorts: s.cohorts,
            last_sweep_ms: s.last_sweep_ms,
        }
    }
}

/// After an event's evidence is folded: note how strongly a task prompt sits on a suspicious
/// template (the strongest template evidence it drew, or the held template key when the prompt
/// carries it again within a sync bucket and so drew none), and whether it was sent before, word
/// for word. Only task prompts count ([`crate::account::is_task`]): chats and follow-ups a
/// campaign mixes in neither dilute its exposure nor make a person's one copied task a pattern.
pub fn note_template_request(st: &mut AccountState, ev: &Event, evs: &[Evidence], cfg: &Config) {
    use distillguard_types::corr::View;
    if !crate::account::is_task(ev, cfg.correlate.min_prompt_tokens) {
        return;
    }
    let dup = evs.iter().any(EvidenceSet::is_duplicate);
    let fresh = evs
        .iter()
        .filter(|e| e.key.kind.view() == Some(View::Template))
        .map(|e| e.strength)
        .fold(0.0, f64::max);
    let held = &st.evidence.template;
    let again = held
        .key
        .is_some_and(|k| ev.prompt.bands.contains(&k.hash) || ev.prompt.system == k.hash);
    let m = if again {
        fresh.max(held.at(
            ev.ts_ms,
            cfg.correlate.evidence_half_life.as_millis() as i64,
        ))
    } else {
        fresh
    };
    st.evidence.note_template(m, dup, ev.ts_ms);
}

/// Fold evidence into a state (shared by the stage and the in-process pipeline).
pub fn fold_into(st: &mut AccountState, e: &Evidence, cfg: &Config) {
    let c = &cfg.correlate;
    // The account's extraction matters only to an extraction label, held or offered: an
    // account judged to have stopped extracting leaves its group, and only an extracting one
    // joins one.
    let held = st.evidence.label.is_some_and(|l| !l.cohort);
    let offered = e.strength >= c.link_strength && e.label.is_some_and(|l| !l.cohort);
    let own = if held || offered {
        judged_extraction(st, cfg)
    } else {
        None
    };
    if held && own.is_some_and(|x| x < cfg.extraction.own[0]) {
        st.evidence.label = None;
    }
    let extracting = own.is_some_and(|x| x >= cfg.extraction.extracting);
    st.evidence.fold(
        e,
        c.evidence_half_life.as_millis() as i64,
        c.link_strength,
        extracting,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use distillguard_fingerprint::print_of;

    #[test]
    fn observations_once_per_key_per_bucket_and_expiry() {
        let cfg = Arc::new(Config::default());
        let mut s = AccountStage::new(cfg, Arc::new(NetData::default()));
        let mut obs = Vec::new();
        let mut ev = Event::sample("a", 0, "1.2.3.4".parse().unwrap());
        ev.prompt = print_of("write a function that reverses a linked list in place please");
        s.update(&ev, &mut obs);
        let first = obs.len();
        assert_eq!(first, 8 + 1 + 2, "bands, the whole prompt, ip, prefix");
        ev.ts_ms = 1000;
        s.update(&ev, &mut obs);
        assert_eq!(obs.len(), first, "same keys, same bucket: nothing new");
        ev.ts_ms = 2 * HOUR_MS;
        s.update(&ev, &mut obs);
        assert_eq!(obs.len(), 2 * first);
        assert_eq!(s.len(), 1);
        assert_eq!(s.expire(30 * 86_400_000), 1);
        assert!(s.is_empty());
    }

    #[test]
    fn over_the_cap_the_least_recently_active_accounts_go_first() {
        let cfg = Arc::new(Config::default());
        let mut s = AccountStage::new(cfg, Arc::new(NetData::default()));
        let mut obs = Vec::new();
        // 2,000 accounts, each active once, a second apart; ids in reverse of time order
        for i in 0..2000i64 {
            let id = format!("a{:04}", 1999 - i);
            let ev = Event::sample(&id, i * 1000, "1.2.3.4".parse().unwrap());
            s.update(&ev, &mut obs);
        }
        assert_eq!(s.evict_over(2000), 0, "at the cap nothing goes");
        // one more: over the cap, down to 90% (1,800): the 201 earliest go
        s.update(
            &Event::sample("late", 3_000_000, "1.2.3.4".parse().unwrap()),
            &mut obs,
        );
        assert_eq!(s.evict_over(2000), 201);
        assert_eq!(s.len(), 1800);
        assert!(s.get_mut("late").is_some());
        assert!(s.get_mut("a1999").is_none(), "the earliest went");
        assert!(s.get_mut("a1799").is_none() && s.get_mut("a1798").is_some());
        // ties at the cut are broken by id, the same way every time
        let mut t = AccountStage::new(Arc::new(Config::default()), Arc::new(NetData::default()));
        for id in ["c", "a", "d", "b"] {
            t.update(&Event::sample(id, 0, "1.2.3.4".parse().unwrap()), &mut obs);
        }
        for i in 0..1000 {
            let id = format!("z{i:04}");
            t.update(
                &Event::sample(&id, 5000, "1.2.3.4".parse().unwrap()),
                &mut obs,
            );
        }
        assert_eq!(t.evict_over(1000), 104);
        assert!(t.get_mut("a").is_none() && t.get_mut("d").is_none());
        assert!(t.get_mut("z0000").is_none() && t.get_mut("z0099").is_none());
        assert!(t.get_mut("z0100").is_some());
    }

    #[test]
    fn account_state_stays_under_two_kib() {
        let cfg = Config::default();
        let ev = Event::sample("acct_0123456789abcdef", 0, "1.2.3.4".parse().unwrap());
        let st = AccountState::new(&ev, &cfg.signals, &cfg.correlate);
        assert!(st.approx_bytes() <= 2048, "{}", st.approx_bytes());
    }

    #[test]
    fn only_task_prompts_count_towards_template_exposure() {
        use distillguard_types::corr::{CorrKey, KeyKind};
        let cfg = Config::default();
        let mut task = Event::sample("a", 0, "1.2.3.4".parse().unwrap());
        task.prompt =
            print_of("write a python function that merges two sorted lists and explain each step");
        let mut chat = task.clone();
        chat.prompt = print_of("here are my notes from the meeting, can you tidy them up for me");
        let mut followup = task.clone();
        followup.prompt.followup = true;
        let hit = |ts_ms| Evidence {
            account: "a".into(),
            key: CorrKey {
                kind: KeyKind::Template,
                hash: 7,
            },
            ts_ms,
            strength: 0.9,
            group_extraction: 200,
            suspect_members: 10,
            members: 10,
            sync: 0.0,
            label: None,
        };
        let exposure = |mixed: bool| {
            let mut st = AccountState::new(&task, &cfg.signals, &cfg.correlate);
            for i in 0..20 {
                let mut ev = task.clone();
                ev.ts_ms = i * 60_000;
                note_template_request(&mut st, &ev, &[hit(ev.ts_ms)], &cfg);
                if mixed {
                    for other in [&chat, &followup] {
                        let mut ev = other.clone();
                        ev.ts_ms = i * 60_000 + 1;
                        note_template_request(&mut st, &ev, &[], &cfg);
                    }
                }
            }
            st.evidence.template_exposure()
        };
        assert!(exposure(false) > 0.5, "{}", exposure(false));
        assert_eq!(
            exposure(true),
            exposure(false),
            "chats and follow-ups do not dilute it"
        );
    }

    #[test]
    fn an_account_judged_not_to_extract_leaves_its_extraction_group() {
        use distillguard_types::corr::{CampaignLabel, CorrKey, KeyKind};
        let cfg = Config::default();
        let ev = Event::sample("a", 0, "1.2.3.4".parse().unwrap());
        let mut st = AccountState::new(&ev, &cfg.signals, &cfg.correlate);
        let label = CampaignLabel {
            cohort: false,
            since_ms: 0,
            key: 1,
        };
        st.evidence.label = Some(label);
        let e = Evidence {
            account: "a".into(),
            key: CorrKey {
                kind: KeyKind::Ip,
                hash: 1,
            },
            ts_ms: 0,
            strength: 0.9,
            group_extraction: 200,
            suspect_members: 10,
            members: 10,
            sync: 0.0,
            label: Some(label),
        };
        // Too new to judge: it keeps the label (and would not take a new one).
        fold_into(&mut st, &e, &cfg);
        assert_eq!(st.evidence.label, Some(label));
        // Judged: plain chat, no extraction. It leaves, and refuses the label again.
        let mut chat = ev.clone();
        chat.prompt = distillguard_fingerprint::print_of("what a lovely day it is, thanks");
        for i in 0..10 {
            chat.ts_ms = i * 1000;
            st.update(&chat, None, false, &cfg.signals, &cfg.correlate);
        }
        fold_into(&mut st, &e, &cfg);
        assert_eq!(st.evidence.label, None);
    }
}
