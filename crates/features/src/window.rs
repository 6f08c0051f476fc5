//! Event-time sliding window counters.
//!
//! A [`SlidingCounter`] keeps one count per `slide` bucket over `size` (a ring), so the count of
//! the window ending at any event time costs O(1) and the memory is fixed. Buckets advance only
//! with event time: the counter never reads a clock.

use distillguard_types::config::WindowSpec;
use serde::{Deserialize, Serialize};

/// Counts per bucket over a sliding window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlidingCounter {
    counts: Box<[u32]>,
    /// Index (event time / slide) of the newest bucket.
    head: i64,
    total: u64,
}

impl SlidingCounter {
    /// An empty counter for `spec`.
    pub fn new(spec: &WindowSpec) -> Self {
        SlidingCounter {
            counts: vec![0; spec.buckets().max(1)].into_boxed_slice(),
            head: i64::MIN,
            total: 0,
        }
    }

    fn advance(&mut self, bucket: i64) {
        let n = self.counts.len() as i64;
        if self.head == i64::MIN || bucket - self.head >= n {
            self.counts.iter_mut().for_each(|c| *c = 0);
            self.total = 0;
            self.head = bucket;
            return;
        }
        while self.head < bucket {
            self.head += 1;
            let i = self.head.rem_euclid(n) as usize;
            self.total -= u64::from(self.counts[i]);
            self.counts[i] = 0;
        }
    }

    /// Number of buckets.
    pub fn capacity(&self) -> usize {
        self.counts.len()
    }

    /// Count one event at `ts_ms` (events older than the window are ignored).
    pub fn add(&mut self, ts_ms: i64, slide_ms: i64) {
        let b = ts_ms.div_euclid(slide_ms);
        if self.head != i64::MIN && b < self.head {
            let n = self.counts.len() as i64;
            if self.head - b < n {
                self.counts[b.rem_euclid(n) as usize] += 1;
                self.total += 1;
            }
            return;
        }
        self.advance(b);
        let n = self.counts.len() as i64;
        self.counts[b.rem_euclid(n) as usize] += 1;
        self.total += 1;
    }

    /// Events in the window ending at `ts_ms`.
    pub fn count_at(&mut self, ts_ms: i64, slide_ms: i64) -> u64 {
        let b = ts_ms.div_euclid(slide_ms);
        if self.head != i64::MIN && b > self.head {
            self.advance(b);
        }
        self.total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Add events at `times` (minutes) to a 60m/10m window and read the count at `at` (minutes).
    fn check(times: &[i64], at: i64, expected: u64) {
        let spec = WindowSpec::secs(3600, 600);
        let mut c = SlidingCounter::new(&spec);
        for t in times {
            c.add(t * 60_000, 600_000);
        }
        assert_eq!(
            c.count_at(at * 60_000, 600_000),
            expected,
            "{times:?} at {at}"
        );
    }

    #[test]
    fn counts_within_the_window_only() {
        check(&[0, 1, 2], 5, 3);
        check(&[0, 1, 2], 59, 3);
        check(&[0, 1, 2], 60, 0);
        check(&[0, 30, 65], 70, 2);
        check(&[0, 500], 500, 1);
        check(&[30, 10], 40, 2); // out of order within the window
        check(&[100, 10], 100, 1); // too old to count
    }
}
