//! Cross-account evidence held by an account.
//!
//! The correlation stage answers each observation with [`Evidence`] about one key. An account
//! keeps, per view (template, IP pool, identity), the strongest recent evidence; it decays with
//! `evidence_half_life` of event time while not refreshed, so an account that left a campaign's
//! keys cools down.

use distillguard_types::corr::{CampaignLabel, CorrKey, Evidence, KeyKind, View};
use serde::{Deserialize, Serialize};

/// The strongest evidence of one view.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Held {
    /// Strength when received.
    pub strength: f64,
    /// Event time received.
    pub ts_ms: i64,
    /// Mean extraction of the key's members (0..=255).
    pub group_extraction: u8,
    /// Suspect members of the key.
    pub suspect_members: u32,
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
    /// Decayed sum of per-request template strength (see [`EvidenceSet::note_template`]).
    pub tpl_hits: f32,
    /// Decayed count of template-eligible (task) requests.
    pub tpl_seen: f32,
    /// Decayed count of template-eligible requests whose exact prompt other accounts sent.
    pub dup_hits: f32,
    /// Sequence number of the last template-eligible request.
    pub tpl_seq: u32,
    /// The last few template-eligible requests, still open to template evidence that arrives
    /// after them (live mode over repartition topics, where evidence is asynchronous).
    pub open: [OpenRequest; OPEN_REQUESTS],
    /// Bit i: the request in `open[i]` was sent by other accounts too.
    pub open_dup: u16,
}

/// Template-eligible requests kept open to late evidence.
pub const OPEN_REQUESTS: usize = 16;

/// A template-eligible request and the strength noted for it so far.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct OpenRequest {
    /// Event time of the request.
    pub ts_ms: i64,
    /// Its sequence number (0: empty slot).
    pub seq: u32,
    /// Template strength noted for it.
    pub m: f32,
}

/// Decay per request of the template exposure sums (a memory of ~32 requests).
const EXPOSURE_DECAY: f32 = 1.0 / 32.0;
/// Pseudo-requests with no hit added to the denominator: one shared prompt is not a pattern.
const EXPOSURE_PRIOR: f32 = 2.0;

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

    /// Record one template-eligible request whose strongest template evidence was `m`, and
    /// whether other accounts sent the same prompt (`dup`).
    pub fn note_template(&mut self, m: f64, dup: bool, ts_ms: i64) {
        self.tpl_hits = self.tpl_hits * (1.0 - EXPOSURE_DECAY) + m as f32;
        self.dup_hits = self.dup_hits * (1.0 - EXPOSURE_DECAY) + f32::from(u8::from(dup));
        self.tpl_seen = self.tpl_seen * (1.0 - EXPOSURE_DECAY) + 1.0;
        self.tpl_seq = self.tpl_seq.wrapping_add(1).max(1);
        let slot = self.tpl_seq as usize % OPEN_REQUESTS;
        self.open[slot] = OpenRequest {
            ts_ms,
            seq: self.tpl_seq,
            m: m as f32,
        };
        self.open_dup = (self.open_dup & !(1 << slot)) | (u16::from(dup) << slot);
    }

    /// Prompt evidence that arrived after its request was noted: mark that request as sent
    /// by other accounts too, decayed by the requests since (as [`Self::late_template`]).
    pub fn late_duplicate(&mut self, ts_ms: i64) {
        if let Some((slot, decay)) = self.open_request(ts_ms) {
            if self.open_dup & (1 << slot) == 0 {
                self.dup_hits += decay;
                self.open_dup |= 1 << slot;
            }
        }
    }

    /// The open request made at `ts_ms`: its slot, and the decay a hit noted for it now takes
    /// (one exposure step per template-eligible request since).
    fn open_request(&self, ts_ms: i64) -> Option<(usize, f32)> {
        let slot = self
            .open
            .iter()
            .position(|r| r.seq != 0 && r.ts_ms == ts_ms)?;
        let age = self.tpl_seq.wrapping_sub(self.open[slot].seq).min(64) as i32;
        Some((slot, (1.0 - EXPOSURE_DECAY).powi(age)))
    }

    /// Share of the account's recent task prompts that other accounts sent word for word, shrunk
    /// towards 0 for accounts with few prompts.
    pub fn duplicate_share(&self) -> f64 {
        f64::from(self.dup_hits / (self.tpl_seen + EXPOSURE_PRIOR))
    }

    /// Template evidence that arrived after its request was noted (asynchronous evidence):
    /// raise that request's noted strength to `strength`, decayed by the requests since, so
    /// the exposure ends where synchronous evidence would have put it. Evidence for a request
    /// no longer open is ignored.
    pub fn late_template(&mut self, ts_ms: i64, strength: f64) {
        if let Some((slot, decay)) = self.open_request(ts_ms) {
            let (s, r) = (strength as f32, &mut self.open[slot]);
            if s > r.m {
                self.tpl_hits += (s - r.m) * decay;
                r.m = s;
            }
        }
    }

    /// Share of the account's recent task prompts that sit on suspicious templates, 0..1, shrunk
    /// towards 0 for accounts with few prompts: a campaign account builds nearly all its
    /// tasks from the group's templates; a person who once sends a prompt that a campaign
    /// also uses (a public benchmark item, a copied prompt) does not.
    pub fn template_exposure(&self) -> f64 {
        f64::from(self.tpl_hits / (self.tpl_seen + EXPOSURE_PRIOR))
    }

    /// Fold one piece of evidence in: keep it when it beats the decayed held one. An
    /// extraction label is taken only by an account that extracts itself (`extracting`), so a
    /// person who shares a key with a campaign is not counted into it.
    pub fn fold(&mut self, e: &Evidence, half_life_ms: i64, link_strength: f64, extracting: bool) {
        let slot = match e.key.kind.view() {
            Some(View::Template) => &mut self.template,
            Some(View::IpPool) => &mut self.ip_pool,
            Some(View::Identity) => &mut self.identity,
            Some(View::Timing) | None => return,
        };
        let same_key = slot.key == Some(e.key);
        if same_key || e.strength >= slot.at(e.ts_ms, half_life_ms) {
            *slot = Held {
                strength: e.strength,
                ts_ms: e.ts_ms,
                group_extraction: e.group_extraction,
                suspect_members: e.suspect_members,
                members: e.members,
                sync: e.sync,
                key: Some(e.key),
            };
        }
        if e.strength >= link_strength {
            if let Some(l) = e.label.filter(|l| l.cohort || extracting) {
                self.label = Some(self.label.map_or(l, |cur| cur.min(l)));
            }
        }
    }

    /// Whether a piece of evidence says the prompt was sent before, word for word (a
    /// whole-prompt key answers only then).
    pub fn is_duplicate(e: &Evidence) -> bool {
        e.key.kind == KeyKind::Prompt
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A piece of evidence from key `hash` of `kind`, labelled by that key (also used by the
    /// signal tests).
    pub(crate) fn ev(kind: KeyKind, hash: u64, strength: f64, ts_ms: i64) -> Evidence {
        Evidence {
            account: "a".into(),
            key: CorrKey { kind, hash },
            ts_ms,
            strength,
            group_extraction: 255,
            suspect_members: 10,
            members: 12,
            sync: 0.5,
            label: Some(CampaignLabel {
                cohort: false,
                since_ms: hash as i64,
                key: hash,
            }),
        }
    }

    #[test]
    fn keeps_strongest_per_view_and_decays() {
        let mut s = EvidenceSet::default();
        s.fold(&ev(KeyKind::Template, 1, 0.8, 0), 1000, 0.5, true);
        s.fold(&ev(KeyKind::Template, 2, 0.3, 0), 1000, 0.5, true);
        assert_eq!(s.template.key.unwrap().hash, 1);
        assert!((s.template.at(1000, 1000) - 0.4).abs() < 1e-9);
        // After decay a weaker fresh piece wins.
        s.fold(&ev(KeyKind::Template, 2, 0.3, 3000), 1000, 0.5, true);
        assert_eq!(s.template.key.unwrap().hash, 2);
        s.fold(&ev(KeyKind::Prefix, 5, 0.9, 0), 1000, 0.5, true);
        assert_eq!(s.ip_pool.key.unwrap().hash, 5);
    }

    #[test]
    fn exposure_separates_template_builders_from_one_off_matches() {
        let mut bot = EvidenceSet::default();
        let mut person = EvidenceSet::default();
        for i in 0..40 {
            bot.note_template(if i % 4 == 3 { 0.0 } else { 1.0 }, false, i); // a quarter camouflage
            person.note_template(if i == 5 { 1.0 } else { 0.0 }, false, i); // one copied prompt
        }
        assert!(bot.template_exposure() > 0.6, "{}", bot.template_exposure());
        assert!(
            person.template_exposure() < 0.1,
            "{}",
            person.template_exposure()
        );
        let mut first = EvidenceSet::default();
        first.note_template(1.0, false, 0);
        assert!(
            (first.template_exposure() - 1.0 / 3.0).abs() < 1e-6,
            "one prompt is not a pattern"
        );
    }

    #[test]
    fn late_template_evidence_ends_where_synchronous_evidence_would() {
        let n = OPEN_REQUESTS + 2;
        let strengths: Vec<f64> = (0..n).map(|i| [0.9, 0.0, 0.7, 0.8][i % 4]).collect();
        let mut late = EvidenceSet::default();
        for i in 0..n {
            late.note_template(0.0, false, i as i64);
        }
        // evidence for every request arrives after all of them: the two oldest are closed
        for (i, s) in strengths.iter().enumerate() {
            late.late_template(i as i64, *s);
            late.late_template(i as i64, s / 2.0); // a weaker piece changes nothing
        }
        let mut expect = EvidenceSet::default();
        for (i, s) in strengths.iter().enumerate() {
            expect.note_template(if i < 2 { 0.0 } else { *s }, false, i as i64);
        }
        assert!((late.tpl_hits - expect.tpl_hits).abs() < 1e-5);
        late.late_template(999, 1.0);
        assert!(
            (late.tpl_hits - expect.tpl_hits).abs() < 1e-5,
            "unknown request ignored"
        );
    }

    #[test]
    fn late_duplicate_evidence_ends_where_synchronous_evidence_would() {
        let n = OPEN_REQUESTS + 3;
        let dup = |i: usize| i % 3 != 1;
        let mut late = EvidenceSet::default();
        for i in 0..n {
            late.note_template(0.0, false, i as i64);
        }
        for i in (0..n).filter(|i| dup(*i)) {
            late.late_duplicate(i as i64);
            late.late_duplicate(i as i64); // twice counts once
        }
        let mut expect = EvidenceSet::default();
        for i in 0..n {
            // the three oldest requests were closed when their evidence came
            expect.note_template(0.0, i >= 3 && dup(i), i as i64);
        }
        assert!((late.duplicate_share() - expect.duplicate_share()).abs() < 1e-5);
        assert!(late.duplicate_share() > 0.4, "{}", late.duplicate_share());
    }

    #[test]
    fn label_is_the_minimum_of_strong_links() {
        let mut s = EvidenceSet::default();
        s.fold(&ev(KeyKind::Template, 9, 0.8, 0), 1000, 0.5, true);
        s.fold(&ev(KeyKind::Prefix, 4, 0.8, 0), 1000, 0.5, true);
        s.fold(&ev(KeyKind::Ip, 1, 0.2, 0), 1000, 0.5, true); // too weak to link
        assert_eq!(s.label.unwrap().key, 4);
    }
}
