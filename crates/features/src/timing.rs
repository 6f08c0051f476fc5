//! Inter-arrival timing: scripted versus human rhythm.
//!
//! The last `timing_gaps` gaps between an account's requests are kept in a ring. From them:
//! - **dispersion**: coefficient of variation (std / mean). Human think times are heavy-tailed
//!   (CV well above 1: bursts inside sessions, long breaks between); a scheduler, even a jittered
//!   one, stays near its mean (CV well below 1).
//! - **periodicity**: share of gaps within ±10% of the median gap.
//!
//! `regularity` = max(ramp of CV from human to scripted, periodicity above 0.5 scaled to 1).

use distillguard_types::sketch::ramp;
use serde::{Deserialize, Serialize};

/// Ring of recent gaps in seconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GapRing {
    gaps: Box<[f32]>,
    len: u16,
    next: u16,
}

/// Timing statistics of a ring.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct TimingStats {
    /// Gaps measured.
    pub n: usize,
    /// Coefficient of variation.
    pub cv: f64,
    /// Share of gaps within ±10% of the median.
    pub periodicity: f64,
}

impl GapRing {
    /// A ring of `cap` gaps.
    pub fn new(cap: usize) -> Self {
        GapRing {
            gaps: vec![0.0; cap].into_boxed_slice(),
            len: 0,
            next: 0,
        }
    }

    /// Record a gap in milliseconds.
    pub fn push(&mut self, gap_ms: i64) {
        let cap = self.gaps.len() as u16;
        self.gaps[self.next as usize] = (gap_ms.max(0) as f32) / 1000.0;
        self.next = (self.next + 1) % cap;
        self.len = (self.len + 1).min(cap);
    }

    /// Ring capacity.
    pub fn capacity(&self) -> usize {
        self.gaps.len()
    }

    /// Gaps held.
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// True when no gap is held.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Statistics over the held gaps.
    pub fn stats(&self) -> TimingStats {
        let n = self.len as usize;
        if n < 2 {
            return TimingStats {
                n,
                ..Default::default()
            };
        }
        let g = &self.gaps[..n];
        let mean = g.iter().map(|x| f64::from(*x)).sum::<f64>() / n as f64;
        let var = g
            .iter()
            .map(|x| (f64::from(*x) - mean).powi(2))
            .sum::<f64>()
            / (n - 1) as f64;
        let cv = if mean > 0.0 { var.sqrt() / mean } else { 0.0 };
        // The median by selection (linear), not a sort: this runs on every event.
        let mut scratch = [0f32; 256];
        let s = &mut scratch[..n];
        s.copy_from_slice(g);
        let (_, mid, _) = s.select_nth_unstable_by(n / 2, |a, b| a.total_cmp(b));
        let median = f64::from(*mid);
        let near = g
            .iter()
            .filter(|x| (f64::from(**x) - median).abs() <= 0.1 * median.max(0.001))
            .count();
        TimingStats {
            n,
            cv,
            periodicity: near as f64 / n as f64,
        }
    }
}

impl TimingStats {
    /// Strength of "scripted rhythm", 0..1, given the CV ramp `[scripted, human]`.
    pub fn regularity(&self, cv_ramp: [f64; 2]) -> f64 {
        let by_cv = ramp(self.cv, [cv_ramp[1], cv_ramp[0]]);
        let by_period = ((self.periodicity - 0.5) * 2.0).clamp(0.0, 1.0);
        by_cv.max(by_period)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats_of(gaps_s: &[f64]) -> TimingStats {
        let mut r = GapRing::new(32);
        for g in gaps_s {
            r.push((g * 1000.0) as i64);
        }
        r.stats()
    }

    #[test]
    fn fixed_period_is_fully_regular() {
        let s = stats_of(&[60.0; 20]);
        assert!(s.cv < 0.01);
        assert!(s.periodicity > 0.99);
        assert_eq!(s.regularity([0.3, 1.0]), 1.0);
    }

    #[test]
    fn jittered_schedule_is_mostly_regular() {
        let gaps: Vec<f64> = (0..30)
            .map(|i| 60.0 + ((i * 37) % 21) as f64 - 10.0)
            .collect();
        let s = stats_of(&gaps);
        assert!(s.cv < 0.25, "{s:?}");
        assert!(s.regularity([0.3, 1.0]) > 0.9);
    }

    #[test]
    fn heavy_tailed_human_gaps_are_not() {
        // Sessions: quick follow-ups, then long breaks.
        let gaps = [
            5.0, 12.0, 3.0, 40.0, 3600.0, 8.0, 20.0, 6.0, 15000.0, 30.0, 4.0, 90.0, 600.0, 7.0,
        ];
        let s = stats_of(&gaps);
        assert!(s.cv > 1.5, "{s:?}");
        assert_eq!(s.regularity([0.3, 1.0]), 0.0);
    }

    #[test]
    fn ring_keeps_only_the_newest() {
        let mut r = GapRing::new(4);
        for g in [1, 2, 3, 4, 5, 6] {
            r.push(g * 1000);
        }
        assert_eq!(r.len(), 4);
        let s = r.stats();
        assert_eq!(s.n, 4);
    }
}
