//! The state of one account.
//!
//! Everything here is bounded: rings, fixed histograms, 32-byte distinct sketches and a few
//! template slots; with default windows the whole state stays within 2 KiB (the test
//! `stage::tests::account_state_stays_under_two_kib` holds it there).

use crate::evidence::EvidenceSet;
use crate::hours::HourProfile;
use crate::templates::TemplateSlots;
use crate::timing::GapRing;
use crate::window::SlidingCounter;
use distillguard_types::config::{CorrelateConfig, SignalsConfig};
use distillguard_types::hash::finalize;
use distillguard_types::ladder::LadderState;
use distillguard_types::net::prefix_key;
use distillguard_types::prompt::Capability;
use distillguard_types::sketch::Distinct256;
use distillguard_types::{AccountId, Event};
use serde::{Deserialize, Serialize};

/// Keys remembered per account as "already observed in this sync bucket".
pub const SEEN_KEYS: usize = 16;

/// Per-account state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountState {
    /// The account id.
    pub id: AccountId,
    /// First event time seen.
    pub first_ms: i64,
    /// Latest event time seen.
    pub last_ms: i64,
    /// Account creation time, when the log carries it.
    pub created_ms: Option<i64>,
    /// Young at its first request seen.
    pub fresh: bool,
    /// Org (hashed), when known.
    pub org: Option<u64>,
    /// API key (hashed) of the latest request, when it carried one (allowlists by key).
    pub last_api_key: Option<u64>,
    /// Address of the latest request (allowlists by IP range).
    pub last_ip: std::net::IpAddr,
    /// Requests seen.
    pub n: u64,
    /// Short-term rate window.
    pub rate: SlidingCounter,
    /// Daily volume window.
    pub volume: SlidingCounter,
    /// Exponentially decayed request count (half-life `history_half_life`).
    pub decayed: f64,
    /// Inter-arrival gaps.
    pub gaps: GapRing,
    /// Hour-of-day profile.
    pub hours: HourProfile,
    /// Moving share of harvest-style requests.
    pub harvest: f32,
    /// Moving share of requests per capability area.
    pub caps: [f32; 5],
    /// Moving share of requests that drew a long answer (served output tokens at least
    /// `long_output_tokens`), extended thinking or explicit chain of thought: what a harvester
    /// takes, measured on what was served rather than on the `max_tokens` a client asks for.
    pub long_answer: f32,
    /// Moving share of conversational follow-ups (requests carrying an earlier answer).
    pub followup: f32,
    /// Moving share of task-like requests: standalone prompts asking for coding, agentic,
    /// reasoning or math work.
    pub task: f32,
    /// Moving mean of output tokens served per request.
    pub out_tokens: f32,
    /// Template slots.
    pub templates: TemplateSlots,
    /// Distinct IPs.
    pub ips: Distinct256,
    /// Distinct /24 and /48 prefixes.
    pub prefixes: Distinct256,
    /// Distinct ASNs.
    pub asns: Distinct256,
    /// Prefix of the previous request.
    pub last_prefix: u64,
    /// Moving share of requests that changed prefix.
    pub ip_switch: f32,
    /// Moving share of requests from hosting / VPN ranges.
    pub hosting: f32,
    /// Activity bitmap: bit i = active in sync bucket `activity_bucket - i`.
    pub activity: u64,
    /// Sync bucket of bit 0.
    pub activity_bucket: i64,
    /// Latest z-score of daily volume in the account's age band.
    pub cohort_z: f32,
    /// Cross-account evidence held.
    pub evidence: EvidenceSet,
    /// Action ladder position.
    pub ladder: LadderState,
    /// Route hashes of keys already observed in `seen_bucket`.
    pub seen_keys: [u64; SEEN_KEYS],
    /// The sync bucket `seen_keys` belongs to.
    pub seen_bucket: i64,
}

/// Capability areas a harvester targets: coding, agentic work, reasoning and math.
const TASK_AREAS: u8 =
    Capability::CODING.0 | Capability::AGENTIC.0 | Capability::REASONING.0 | Capability::MATH.0;

/// A task-like request: a standalone prompt (no earlier answer in it) of at least
/// `min_tokens` tokens asking for coding, agentic, reasoning or math work.
pub fn is_task(ev: &Event, min_tokens: u32) -> bool {
    !ev.prompt.followup
        && ev.prompt.tokens >= min_tokens
        && ev.prompt.capabilities.0 & TASK_AREAS != 0
}

/// Moving-average weight: a plain mean for the first 64 requests, then 1/64.
#[inline]
fn alpha(n: u64) -> f32 {
    1.0 / (n.min(64) as f32)
}

/// Requests the extraction shares remember (a plain mean for the first ones): short, so a
/// bought account's new usage shows within a few dozen requests of the takeover.
const EXTRACTION_MEMORY: u64 = 16;

/// Moving-average weight of the extraction shares.
#[inline]
fn alpha_recent(n: u64) -> f32 {
    1.0 / (n.min(EXTRACTION_MEMORY) as f32)
}

impl AccountState {
    /// Fresh state for an account first seen with `ev`.
    pub fn new(ev: &Event, sig: &SignalsConfig, cor: &CorrelateConfig) -> Self {
        let fresh = ev
            .account_age_ms()
            .is_some_and(|a| a <= cor.fresh_age.as_millis() as i64);
        AccountState {
            id: ev.account.clone(),
            first_ms: ev.ts_ms,
            last_ms: ev.ts_ms,
            created_ms: ev.account_created_ms,
            fresh,
            org: ev.org,
            last_api_key: ev.api_key,
            last_ip: ev.ip,
            n: 0,
            rate: SlidingCounter::new(&sig.rate_window),
            volume: SlidingCounter::new(&sig.volume_window),
            decayed: 0.0,
            gaps: GapRing::new(sig.timing_gaps),
            hours: HourProfile::default(),
            harvest: 0.0,
            caps: [0.0; 5],
            long_answer: 0.0,
            followup: 0.0,
            task: 0.0,
            out_tokens: 0.0,
            templates: TemplateSlots::default(),
            ips: Distinct256::default(),
            prefixes: Distinct256::default(),
            asns: Distinct256::default(),
            last_prefix: 0,
            ip_switch: 0.0,
            hosting: 0.0,
            activity: 0,
            activity_bucket: i64::MIN,
            cohort_z: 0.0,
            evidence: EvidenceSet::default(),
            ladder: LadderState::default(),
            seen_keys: [0; SEEN_KEYS],
            seen_bucket: i64::MIN,
        }
    }

    /// Fold one event in (events arrive in event-time order).
    pub fn update(
        &mut self,
        ev: &Event,
        asn: Option<u32>,
        hosting: bool,
        sig: &SignalsConfig,
        cor: &CorrelateConfig,
    ) {
        let ts = ev.ts_ms;
        if self.n > 0 {
            self.gaps.push(ts - self.last_ms);
            let hl = sig.history_half_life.as_millis() as f64;
            self.decayed *= 0.5f64.powf((ts - self.last_ms).max(0) as f64 / hl);
        }
        self.decayed += 1.0;
        self.n += 1;
        self.last_ms = self.last_ms.max(ts);
        if self.created_ms.is_none() {
            self.created_ms = ev.account_created_ms;
        }
        if self.org.is_none() {
            self.org = ev.org;
        }
        self.last_api_key = ev.api_key;
        self.last_ip = ev.ip;
        self.rate.add(ts, sig.rate_window.slide.as_millis() as i64);
        self.volume
            .add(ts, sig.volume_window.slide.as_millis() as i64);
        self.hours.add(ts);

        let a = alpha(self.n);
        let long = ev
            .max_tokens
            .unwrap_or(0)
            .max(ev.output_tokens.unwrap_or(0))
            >= sig.long_output_tokens;
        let harvest = long || ev.thinking == Some(true) || ev.prompt.asks_reasoning;
        self.harvest += a * (f32::from(u8::from(harvest)) - self.harvest);
        let caps = ev.prompt.capabilities;
        for (i, c) in self.caps.iter_mut().enumerate() {
            let has = caps.contains(Capability(1 << i));
            *c += a * (f32::from(u8::from(has)) - *c);
        }
        let served_long = ev.output_tokens.unwrap_or(0) >= sig.long_output_tokens;
        let answer = served_long || ev.thinking == Some(true) || ev.prompt.asks_reasoning;
        let r = alpha_recent(self.n);
        self.long_answer += r * (f32::from(u8::from(answer)) - self.long_answer);
        let followup = ev.prompt.followup;
        self.followup += r * (f32::from(u8::from(followup)) - self.followup);
        let task = is_task(ev, cor.min_prompt_tokens);
        self.task += r * (f32::from(u8::from(task)) - self.task);
        let served = ev.output_tokens.unwrap_or(0) as f32;
        self.out_tokens += a * (served - self.out_tokens);
        self.templates.add(&ev.prompt, cor.min_prompt_tokens);

        let prefix = prefix_key(ev.ip);
        self.ips
            .insert(finalize(distillguard_types::net::ip_key(ev.ip)));
        self.prefixes.insert(finalize(prefix));
        if let Some(asn) = asn {
            self.asns.insert(finalize(u64::from(asn)));
        }
        if self.n > 1 {
            let switched = prefix != self.last_prefix;
            self.ip_switch += alpha(self.n - 1) * (f32::from(u8::from(switched)) - self.ip_switch);
        }
        self.last_prefix = prefix;
        self.hosting += a * (f32::from(u8::from(hosting)) - self.hosting);

        let bucket = ts.div_euclid(cor.sync_bucket.as_millis() as i64);
        self.mark_active(bucket);
    }

    fn mark_active(&mut self, bucket: i64) {
        if self.activity_bucket == i64::MIN {
            self.activity_bucket = bucket;
        } else if bucket > self.activity_bucket {
            let shift = bucket - self.activity_bucket;
            self.activity = if shift >= 64 {
                0
            } else {
                self.activity << shift
            };
            self.activity_bucket = bucket;
        }
        let back = self.activity_bucket - bucket;
        if (0..64).contains(&back) {
            self.activity |= 1 << back;
        }
    }

    /// Whether `route` was already observed in `bucket`; records it if not.
    pub fn observe_once(&mut self, route: u64, bucket: i64) -> bool {
        if self.seen_bucket != bucket {
            self.seen_bucket = bucket;
            self.seen_keys = [0; SEEN_KEYS];
        }
        if self.seen_keys.contains(&route) {
            return true;
        }
        let slot = match self.seen_keys.iter().position(|k| *k == 0) {
            Some(free) => free,
            None => (route as usize) % SEEN_KEYS,
        };
        self.seen_keys[slot] = route;
        false
    }

    /// Age in days at `ts_ms` (None when unknown).
    pub fn age_days(&self, ts_ms: i64) -> Option<f64> {
        self.created_ms
            .map(|c| (ts_ms - c).max(0) as f64 / distillguard_types::time::DAY_MS as f64)
    }

    /// Approximate bytes of this state: inline size plus its boxed rings and a long id.
    pub fn approx_bytes(&self) -> usize {
        let id = if self.id.is_heap_allocated() {
            self.id.len()
        } else {
            0
        };
        std::mem::size_of::<Self>()
            + id
            + (self.rate.capacity() + self.volume.capacity() + self.gaps.capacity()) * 4
    }
}
