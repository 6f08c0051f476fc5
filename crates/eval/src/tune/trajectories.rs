//! Recorded score trajectories: every account's time-ordered score samples, stored
//! compactly so that a threshold grid can be replayed over them many times.

use crate::action::Action;
use crate::logs::LogScan;
use ahash::AHashMap;

/// One score sample as the engine reports it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoreSample<'a> {
    /// The account scored.
    pub account: &'a str,
    /// Event time of the request that produced the score (epoch ms).
    pub ts_ms: i64,
    /// The account's request count so far, this request included.
    pub n_request: u64,
    /// The account's score after this request (0–1), before the group assessment's bound.
    pub score: f64,
    /// The highest action the group assessment allowed at this request.
    pub bound: Action,
}

/// A stored sample (24 bytes; the account is implied by its position).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    /// Event time (epoch ms).
    pub ts_ms: i64,
    /// The account's request count so far (saturating at `u32::MAX`).
    pub n_request: u32,
    /// Score, before the group assessment's bound.
    pub score: f32,
    /// The highest action the group assessment allowed.
    pub bound: Action,
}

/// Collects samples in any order (accounts interleaved, as the engine emits them).
#[derive(Debug, Default)]
pub struct TrajectoryBuilder {
    index: AHashMap<Box<str>, u32>,
    names: Vec<Box<str>>,
    raw: Vec<(u32, Sample)>,
    totals: Vec<Option<u64>>,
}

impl TrajectoryBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// The dense index of an account, interning it on first sight.
    pub fn account_index(&mut self, account: &str) -> u32 {
        if let Some(&i) = self.index.get(account) {
            return i;
        }
        let i = u32::try_from(self.names.len()).expect("more than u32::MAX accounts");
        self.names.push(account.into());
        self.index.insert(account.into(), i);
        self.totals.push(None);
        i
    }

    /// Records a sample.
    pub fn push(&mut self, s: ScoreSample<'_>) {
        let i = self.account_index(s.account);
        self.push_indexed(i, s.ts_ms, s.n_request, s.score, s.bound);
    }

    /// Records a sample of an account already interned with [`Self::account_index`].
    pub fn push_indexed(
        &mut self,
        account: u32,
        ts_ms: i64,
        n_request: u64,
        score: f64,
        bound: Action,
    ) {
        self.raw.push((
            account,
            Sample {
                ts_ms,
                n_request: u32::try_from(n_request).unwrap_or(u32::MAX),
                score: score as f32,
                bound,
            },
        ));
    }

    /// Sets an account's total request count (otherwise the largest `n_request` seen).
    pub fn set_total_requests(&mut self, account: &str, total: u64) {
        let i = self.account_index(account);
        self.totals[i as usize] = Some(total);
    }

    /// Number of samples recorded so far.
    pub fn len(&self) -> usize {
        self.raw.len()
    }

    /// Whether no sample was recorded.
    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }

    /// Sorts the samples by account, then time, then request count.
    pub fn finish(mut self) -> Trajectories {
        self.raw
            .sort_unstable_by_key(|(a, s)| (*a, s.ts_ms, s.n_request));
        let n = self.names.len();
        let mut offsets = Vec::with_capacity(n + 1);
        let mut samples = Vec::with_capacity(self.raw.len());
        let mut seen_max = vec![0u64; n];
        let mut next = 0usize;
        for (a, s) in self.raw {
            while next <= a as usize {
                offsets.push(samples.len());
                next += 1;
            }
            seen_max[a as usize] = seen_max[a as usize].max(u64::from(s.n_request));
            samples.push(s);
        }
        while offsets.len() <= n {
            offsets.push(samples.len());
        }
        let max_score = (0..n)
            .map(|i| {
                samples[offsets[i]..offsets[i + 1]]
                    .iter()
                    .map(|s| s.score)
                    .fold(f32::NEG_INFINITY, f32::max)
            })
            .collect();
        let totals = self
            .totals
            .iter()
            .zip(&seen_max)
            .map(|(t, m)| t.unwrap_or(*m))
            .collect();
        Trajectories {
            names: self.names,
            offsets,
            samples,
            totals,
            max_score,
        }
    }
}

impl<'a> FromIterator<ScoreSample<'a>> for Trajectories {
    fn from_iter<I: IntoIterator<Item = ScoreSample<'a>>>(iter: I) -> Self {
        let mut b = TrajectoryBuilder::new();
        for s in iter {
            b.push(s);
        }
        b.finish()
    }
}

/// All accounts' samples, grouped by account and time-ordered.
#[derive(Debug, Clone, Default)]
pub struct Trajectories {
    names: Vec<Box<str>>,
    /// `samples[offsets[i]..offsets[i + 1]]` are account `i`'s.
    offsets: Vec<usize>,
    samples: Vec<Sample>,
    totals: Vec<u64>,
    max_score: Vec<f32>,
}

impl Trajectories {
    /// Number of accounts.
    pub fn accounts(&self) -> usize {
        self.names.len()
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.samples.len()
    }

    /// Whether there is no sample.
    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    /// The id of account `i`.
    pub fn name(&self, i: usize) -> &str {
        &self.names[i]
    }

    /// The time-ordered samples of account `i`.
    pub fn samples(&self, i: usize) -> &[Sample] {
        &self.samples[self.offsets[i]..self.offsets[i + 1]]
    }

    /// The highest score of account `i` (`-inf` without samples).
    pub fn max_score(&self, i: usize) -> f32 {
        self.max_score[i]
    }

    /// All requests of account `i`.
    pub fn total_requests(&self, i: usize) -> u64 {
        self.totals[i]
    }

    /// Takes per-account request totals from a log scan (accounts absent from the
    /// trajectories are ignored).
    pub fn set_totals_from_logs(&mut self, logs: &LogScan) {
        for (i, name) in self.names.iter().enumerate() {
            if let Some(r) = logs.accounts.get(name) {
                self.totals[i] = r.requests;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(account: &str, ts_ms: i64, n_request: u64, score: f64) -> ScoreSample<'_> {
        ScoreSample {
            account,
            ts_ms,
            n_request,
            score,
            bound: Action::Suspend,
        }
    }

    #[test]
    fn groups_and_orders_interleaved_samples() {
        let mut b = TrajectoryBuilder::new();
        b.push(s("b", 20, 2, 0.2));
        b.push(s("a", 10, 1, 0.1));
        b.push(s("b", 10, 1, 0.1));
        b.set_total_requests("c", 7);
        b.push(s("a", 30, 2, 0.5));
        assert_eq!(b.len(), 4);
        let t = b.finish();
        assert_eq!(t.accounts(), 3);
        assert_eq!(t.len(), 4);
        assert_eq!(t.name(0), "b");
        let b_ts: Vec<i64> = t.samples(0).iter().map(|x| x.ts_ms).collect();
        assert_eq!(b_ts, [10, 20]);
        assert_eq!(t.samples(1)[1].score, 0.5);
        assert_eq!(t.max_score(1), 0.5);
        assert_eq!(t.max_score(2), f32::NEG_INFINITY);
        assert!(t.samples(2).is_empty());
        assert_eq!(
            (
                t.total_requests(0),
                t.total_requests(1),
                t.total_requests(2)
            ),
            (2, 2, 7)
        );
        assert_eq!(std::mem::size_of::<Sample>(), 24);
    }

    #[test]
    fn collects_from_iterator_and_takes_log_totals() {
        let mut t: Trajectories = [s("x", 1, 1, 0.3), s("x", 2, 2, 0.4)].into_iter().collect();
        let mut logs = LogScan::default();
        logs.add_chunk(
            b"{\"ts\":1,\"account_id\":\"x\"}\n{\"ts\":2,\"account_id\":\"x\"}\n{\"ts\":3,\"account_id\":\"x\"}\n",
            &AHashMap::new(),
        );
        t.set_totals_from_logs(&logs);
        assert_eq!(t.total_requests(0), 3);
    }
}
