//! [`ShardedEngine`]: shards of the engine stepped through event time in lockstep.

use crate::phase::each;
use distillguard_pipeline::{
    take_releases, AheadGate, Counters, Outputs, Pipeline, StateSize, ToKeys,
};
use distillguard_types::config::Config;
use distillguard_types::corr::{CorrKey, Evidence};
use distillguard_types::hash::stable_hash;
use distillguard_types::net::NetData;
use distillguard_types::{Event, RecordOrigin, RejectReason};
use rayon::ThreadPool;
use std::collections::BTreeMap;
use std::mem::take;
use std::sync::Arc;

/// Why a sharded engine could not start.
#[derive(Debug, thiserror::Error)]
pub enum TopologyError {
    /// The worker threads could not be started.
    #[error("cannot start {threads} worker threads: {source}")]
    Threads {
        /// Threads asked for.
        threads: usize,
        /// What the thread pool said.
        source: rayon::ThreadPoolBuildError,
    },
}

/// One run over `replay.shards` split-mode engines (see the crate docs); with one shard, one
/// engine that answers each event's observations at once, as it always did. Used like one
/// [`Pipeline`]: [`ShardedEngine::offer_from`], [`ShardedEngine::advance`],
/// [`ShardedEngine::finish`].
pub struct ShardedEngine {
    shards: Vec<Shard>,
    pool: Option<ThreadPool>,
    /// The run's event-time clock and the records held ahead of it, for the whole run (each
    /// shard's own clock sees only its accounts).
    gate: AheadGate,
    refused: Vec<(RecordOrigin, RejectReason)>,
    /// Records refused as `future_ts` here.
    future: u64,
    lateness_ms: i64,
    step_ms: i64,
    watermark: i64,
    /// Events offered per step (by the step's end), to tell whether a step is worth the pool.
    per_step: BTreeMap<i64, usize>,
    /// Key messages each shard sent this round (delivered by reference, never moved).
    outbox: Vec<Vec<ToKeys>>,
    /// For each shard's key side: (sender, index in its outbox), in the senders' order.
    routes: Vec<Vec<(u32, u32)>>,
    /// Evidence each shard's key side answered this round.
    answered: Vec<Vec<Evidence>>,
    /// For each shard's account side: (answering shard, index in what it answered).
    evidence_routes: Vec<Vec<(u32, u32)>>,
}

/// One shard: its engine, what it produced, and its messages of the current round.
struct Shard {
    engine: Pipeline,
    out: Outputs,
    /// Key messages to apply: (sender, index in its outbox).
    inbox: Vec<(u32, u32)>,
    /// The inbox in delivery order: (event time, account hash, sender, index).
    inbox_order: Vec<(i64, u64, u32, u32)>,
    /// Evidence answered this round, and the shard of the account each is for.
    answers: Vec<Evidence>,
    answer_to: Vec<u32>,
    /// Evidence to apply: (answering shard, index in what it answered).
    evidence: Vec<(u32, u32)>,
    /// The evidence in delivery order: (event time, account hash, key, shard, index).
    evidence_order: Vec<(i64, u64, CorrKey, u32, u32)>,
}

impl ShardedEngine {
    /// `cfg.replay.shards` engines run on `threads` threads (1: the calling thread only).
    /// `windows.max_accounts`, `windows.state_budget_mib` and `correlate.single_cap` are
    /// divided among the shards.
    pub fn new(cfg: Arc<Config>, net: Arc<NetData>, threads: usize) -> Result<Self, TopologyError> {
        let n = cfg.replay.shards.max(1) as usize;
        let mut shard_cfg = (*cfg).clone();
        shard_cfg.windows.max_accounts = cfg.windows.max_accounts.div_ceil(n);
        shard_cfg.correlate.single_cap = cfg.correlate.single_cap.div_ceil(n);
        shard_cfg.windows.state_budget_mib = cfg.windows.state_budget_mib.div_ceil(n as u64);
        let shard_cfg = Arc::new(shard_cfg);
        let shards = (0..n)
            .map(|_| {
                let mut engine = Pipeline::new(shard_cfg.clone(), net.clone());
                // one shard is the whole engine: nothing to exchange, evidence answers at once
                engine.set_split(n > 1);
                engine.set_holds_ahead(false);
                Shard {
                    engine,
                    out: Outputs::default(),
                    inbox: Vec::new(),
                    inbox_order: Vec::new(),
                    answers: Vec::new(),
                    answer_to: Vec::new(),
                    evidence: Vec::new(),
                    evidence_order: Vec::new(),
                }
            })
            .collect();
        let pool = if threads > 1 && n > 1 {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .thread_name(|i| format!("shard-worker-{i}"))
                .build()
                .map_err(|source| TopologyError::Threads { threads, source })?;
            Some(pool)
        } else {
            None
        };
        Ok(ShardedEngine {
            shards,
            pool,
            gate: AheadGate::new(&cfg),
            refused: Vec::new(),
            future: 0,
            lateness_ms: cfg.windows.allowed_lateness.as_millis() as i64,
            step_ms: (cfg.replay.step.as_millis() as i64).max(1),
            watermark: i64::MIN,
            per_step: BTreeMap::new(),
            outbox: (0..n).map(|_| Vec::new()).collect(),
            routes: (0..n).map(|_| Vec::new()).collect(),
            answered: (0..n).map(|_| Vec::new()).collect(),
            evidence_routes: (0..n).map(|_| Vec::new()).collect(),
        })
    }

    /// Record a score sample per event (for `tune`).
    pub fn record_scores(&mut self, on: bool) {
        for s in &mut self.shards {
            s.engine.record_scores(on);
        }
    }

    /// Offer an event ([`Pipeline::offer_from`]): a record too far ahead of the run's clock
    /// is held here, the others go to their account's shard.
    pub fn offer_from(
        &mut self,
        ev: Event,
        origin: impl FnOnce() -> RecordOrigin,
    ) -> Result<(), RejectReason> {
        let ev = self.gate.arrive(ev, origin, self.watermark);
        self.take_released();
        ev.map_or(Ok(()), |ev| self.admit(ev))
    }

    fn admit(&mut self, ev: Event) -> Result<(), RejectReason> {
        let s = self.shard_of(ev.account.as_bytes());
        if self.pool.is_some() {
            *self
                .per_step
                .entry(step_end(ev.ts_ms, self.step_ms))
                .or_default() += 1;
        }
        self.shards[s].engine.offer_from(ev, RecordOrigin::default)
    }

    /// Events offered for the steps up to `end` (taken off the count).
    fn take_load(&mut self, end: i64) -> usize {
        let mut load = 0;
        while let Some(e) = self.per_step.first_entry() {
            if *e.key() > end {
                break;
            }
            load += e.remove();
        }
        load
    }

    /// Admit what the gate released to the shards; refused records go out with their origins.
    fn take_released(&mut self) {
        let (mut released, mut refused) = (take(&mut self.gate.released), take(&mut self.refused));
        self.future += take_releases(&mut released, &mut refused, |ev| self.admit(ev));
        (self.gate.released, self.refused) = (released, refused);
    }

    /// [`ShardedEngine::offer_from`] for a caller that writes no reject rows for held records.
    pub fn offer(&mut self, ev: Event) -> Result<(), RejectReason> {
        self.offer_from(ev, RecordOrigin::default)
    }

    fn shard_of(&self, account: &[u8]) -> usize {
        match self.shards.len() {
            1 => 0,
            n => (stable_hash(account) % n as u64) as usize,
        }
    }

    /// Advance to the watermark the run's clock implies (its time − allowed lateness).
    pub fn advance(&mut self, out: &mut Outputs) {
        if let Some(now) = self.gate.clock.now() {
            self.advance_to(now.saturating_sub(self.lateness_ms), out);
        }
    }

    /// Advance every shard to `wm`, one step at a time (steps without events are skipped; one
    /// shard takes one step).
    pub fn advance_to(&mut self, wm: i64, out: &mut Outputs) {
        if wm <= self.watermark {
            return;
        }
        self.gate.release(wm);
        self.take_released();
        out.refused.append(&mut self.refused);
        if self.shards.len() == 1 {
            self.step(wm, out);
            return;
        }
        while wm > self.watermark {
            let earliest = self
                .shards
                .iter()
                .filter_map(|s| s.engine.earliest_pending_ms())
                .min();
            let end = match earliest {
                Some(t) if t <= wm => step_end(t, self.step_ms).min(wm),
                _ => wm,
            };
            self.step(end, out);
        }
    }

    /// One step: every shard processes its events up to `end`, then the messages they send are
    /// delivered until nothing is in flight, then the key sides' clocks move to `end`.
    fn step(&mut self, end: i64, out: &mut Outputs) {
        self.watermark = end;
        let load = self.take_load(end);
        each(self.pool.as_ref(), &mut self.shards, load, |s| {
            s.engine.advance_to(end, &mut s.out);
        });
        self.gather(out);
        self.settle(out);
        each(self.pool.as_ref(), &mut self.shards, 0, |s| {
            s.engine.key_clock(end)
        });
    }

    /// End of input: process everything left, deliver what that sends, then the final
    /// campaign records at the run's highest event time.
    pub fn finish(&mut self, out: &mut Outputs) {
        self.per_step.clear();
        self.gate.release(self.watermark);
        self.take_released();
        for origin in self.gate.ahead.refuse_all() {
            self.future += 1;
            self.refused.push((origin, RejectReason::FutureTs));
        }
        out.refused.append(&mut self.refused);
        let load = self.shards.iter().map(|s| s.engine.pending()).sum();
        each(self.pool.as_ref(), &mut self.shards, load, |s| {
            s.engine.finish_events(&mut s.out);
        });
        self.gather(out);
        self.settle(out);
        let end = self.max_event_ms();
        self.watermark = self.watermark.max(end);
        each(self.pool.as_ref(), &mut self.shards, 0, |s| {
            s.engine.finish_campaigns(end, &mut s.out);
        });
        self.gather(out);
    }

    /// Move the shards' outputs to `out` in shard order, and their key messages to the
    /// outboxes (emptied by the round before), routed to the shards that own the keys.
    fn gather(&mut self, out: &mut Outputs) {
        let n = self.shards.len() as u32;
        for (i, s) in self.shards.iter_mut().enumerate() {
            out.verdicts.append(&mut s.out.verdicts);
            out.campaigns.append(&mut s.out.campaigns);
            out.scores.append(&mut s.out.scores);
            out.refused.append(&mut s.out.refused);
            let sent = &mut self.outbox[i];
            debug_assert!(sent.is_empty());
            std::mem::swap(sent, &mut s.out.to_keys);
            for (at, m) in sent.iter().enumerate() {
                self.routes[m.partition(n) as usize].push((i as u32, at as u32));
            }
        }
    }

    /// Deliver key messages and the evidence they produce until nothing is in flight.
    fn settle(&mut self, out: &mut Outputs) {
        loop {
            let load: usize = self.routes.iter().map(Vec::len).sum();
            if load == 0 {
                return;
            }
            for (s, r) in self.shards.iter_mut().zip(&mut self.routes) {
                std::mem::swap(&mut s.inbox, r);
            }
            let outbox = &self.outbox;
            each(self.pool.as_ref(), &mut self.shards, load, |s| {
                // event-time order, as one engine would observe them, then by account; one
                // account's messages come from one shard, in the order it sent them
                s.inbox_order.extend(s.inbox.drain(..).map(|(from, at)| {
                    let (ts, account) = outbox[from as usize][at as usize].time_and_account();
                    (ts, stable_hash(account.as_bytes()), from, at)
                }));
                s.inbox_order.sort_unstable();
                for &(_, _, from, at) in &s.inbox_order {
                    let m = &outbox[from as usize][at as usize];
                    s.engine.key_message(m, &mut s.answers, &mut s.out);
                    s.answer_to.resize(s.answers.len(), from);
                }
                s.inbox_order.clear();
            });
            self.outbox.iter_mut().for_each(Vec::clear);
            let mut load = 0;
            for (k, s) in self.shards.iter_mut().enumerate() {
                out.campaigns.append(&mut s.out.campaigns);
                load += s.answers.len();
                for (at, to) in s.answer_to.drain(..).enumerate() {
                    self.evidence_routes[to as usize].push((k as u32, at as u32));
                }
                std::mem::swap(&mut s.answers, &mut self.answered[k]);
            }
            for (s, r) in self.shards.iter_mut().zip(&mut self.evidence_routes) {
                std::mem::swap(&mut s.evidence, r);
            }
            let answered = &self.answered;
            each(self.pool.as_ref(), &mut self.shards, load, |s| {
                // in the order of the observations answered, whichever shards answered
                s.evidence_order
                    .extend(s.evidence.drain(..).map(|(from, at)| {
                        let e = &answered[from as usize][at as usize];
                        (e.ts_ms, stable_hash(e.account.as_bytes()), e.key, from, at)
                    }));
                s.evidence_order.sort_unstable();
                for &(.., from, at) in &s.evidence_order {
                    s.engine.evidence(&answered[from as usize][at as usize]);
                }
                s.evidence_order.clear();
                s.engine.rescore(&mut s.out);
            });
            self.answered.iter_mut().for_each(Vec::clear);
            self.gather(out);
        }
    }

    /// Highest event time admitted by any shard.
    fn max_event_ms(&self) -> i64 {
        self.shards
            .iter()
            .map(|s| s.engine.max_event_ms())
            .max()
            .unwrap_or(i64::MIN)
    }

    /// The shards' counters, summed.
    pub fn counters(&self) -> Counters {
        let mut c = Counters {
            future: self.future,
            ..Counters::default()
        };
        for s in &self.shards {
            c.add(s.engine.counters());
        }
        c
    }

    /// What the shards hold, by structure, summed.
    pub fn state_size(&self) -> StateSize {
        let mut size = StateSize::default();
        for s in &self.shards {
            size.add(&s.engine.state_size());
        }
        size
    }

    /// Campaigns of at least the configured size (each label lives on one shard).
    pub fn campaign_count(&self) -> usize {
        self.shards.iter().map(|s| s.engine.campaign_count()).sum()
    }

    /// Number of shards.
    pub fn shards(&self) -> usize {
        self.shards.len()
    }
}

/// The last millisecond of the step holding `ts` (steps are aligned to multiples of `step`
/// from the epoch, so they do not depend on where a run starts).
fn step_end(ts: i64, step: i64) -> i64 {
    ts.div_euclid(step)
        .saturating_mul(step)
        .saturating_add(step - 1)
}

#[cfg(test)]
mod tests;
