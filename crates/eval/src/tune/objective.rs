//! The tuning objective: no benign suspension, no cohort member throttled and a bounded
//! benign throttle rate, then the highest attack recall, then the least leak.

use super::sweep::PointMetrics;
use serde::Serialize;
use std::cmp::Ordering;

/// The constraint on benign harm.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Objective {
    /// Largest acceptable share of benign accounts throttled (or suspended).
    pub max_benign_throttle: f64,
}

impl Default for Objective {
    fn default() -> Self {
        Objective {
            max_benign_throttle: 0.001,
        }
    }
}

/// The point the objective picks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Choice {
    /// Index into the grid.
    pub index: usize,
    /// Whether it meets the constraint. When no point does, the least harmful point is
    /// chosen instead (fewest benign suspensions, then throttles).
    pub feasible: bool,
}

impl Objective {
    /// Whether a point meets the benign-harm constraint: no benign account suspended, no
    /// cohort member throttled, and benign throttling within the bound.
    pub fn feasible(&self, m: &PointMetrics) -> bool {
        m.benign_suspended == 0
            && m.cohort_throttled == 0
            && m.benign_throttle_rate.unwrap_or(0.0) <= self.max_benign_throttle + 1e-12
    }

    /// Picks a point: among feasible ones the most attack accounts detected, then the
    /// fewest leaked requests, then the lowest median requests to detect, then the least
    /// benign throttling and monitoring, then the earliest in the grid.
    pub fn choose(&self, points: &[PointMetrics]) -> Option<Choice> {
        let feasible = points.iter().any(|m| self.feasible(m));
        let order = |a: &(usize, &PointMetrics), b: &(usize, &PointMetrics)| -> Ordering {
            let (ia, ma) = *a;
            let (ib, mb) = *b;
            let harm = mb
                .benign_suspended
                .cmp(&ma.benign_suspended)
                .then(mb.cohort_throttled.cmp(&ma.cohort_throttled))
                .then(mb.benign_throttled.cmp(&ma.benign_throttled));
            let gain = ma
                .attack_detected
                .cmp(&mb.attack_detected)
                .then(mb.leaked.cmp(&ma.leaked))
                .then(
                    mb.requests_to_detect
                        .median
                        .unwrap_or(f64::INFINITY)
                        .total_cmp(&ma.requests_to_detect.median.unwrap_or(f64::INFINITY)),
                );
            let tie = mb
                .benign_throttled
                .cmp(&ma.benign_throttled)
                .then(mb.benign_monitored.cmp(&ma.benign_monitored))
                .then(ib.cmp(&ia));
            // "Greater" is better.
            if feasible {
                gain.then(tie)
            } else {
                harm.then(gain).then(tie)
            }
        };
        points
            .iter()
            .enumerate()
            .filter(|(_, m)| !feasible || self.feasible(m))
            .max_by(order)
            .map(|(index, _)| Choice { index, feasible })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::Dist;

    fn m(detected: u64, throttled: u64, suspended: u64, leaked: u64) -> PointMetrics {
        PointMetrics {
            attack_accounts: 10,
            attack_detected: detected,
            recall: Some(detected as f64 / 10.0),
            benign_accounts: 1000,
            benign_monitored: throttled,
            benign_throttled: throttled,
            benign_suspended: suspended,
            cohort_throttled: 0,
            benign_monitor_rate: Some(throttled as f64 / 1000.0),
            benign_throttle_rate: Some(throttled as f64 / 1000.0),
            benign_suspend_rate: Some(suspended as f64 / 1000.0),
            leaked,
            attack_requests: 100,
            leak_share: Some(leaked as f64 / 100.0),
            requests_to_detect: Dist::default(),
        }
    }

    fn check(points: &[PointMetrics], expected: Option<(usize, bool)>) {
        let got = Objective::default()
            .choose(points)
            .map(|c| (c.index, c.feasible));
        assert_eq!(got, expected);
    }

    #[test]
    fn picks_max_recall_under_the_constraint_then_min_leak() {
        check(&[], None);
        // 0: too many throttled (2/1000 > 0.001); 1: a benign suspension; 2 and 3
        // feasible with equal recall, 3 leaks less; 4 feasible with lower recall.
        check(
            &[
                m(9, 2, 0, 5),
                m(9, 1, 1, 5),
                m(7, 1, 0, 30),
                m(7, 1, 0, 20),
                m(6, 0, 0, 1),
            ],
            Some((3, true)),
        );
        // Ties go to the first point.
        check(&[m(5, 0, 0, 5), m(5, 0, 0, 5)], Some((0, true)));
    }

    #[test]
    fn falls_back_to_least_harm_when_nothing_is_feasible() {
        check(
            &[m(9, 5, 1, 0), m(3, 9, 0, 0), m(8, 5, 0, 0)],
            Some((2, false)),
        );
    }

    #[test]
    fn a_throttled_cohort_member_makes_a_point_infeasible() {
        let mut harmful = m(9, 0, 0, 1);
        harmful.cohort_throttled = 1;
        assert!(!Objective::default().feasible(&harmful));
        check(&[harmful.clone(), m(5, 0, 0, 9)], Some((1, true)));
        // with nothing feasible, the point without the throttled member is the less harmful
        let mut suspends = m(5, 0, 1, 9);
        suspends.cohort_throttled = 0;
        let mut both = m(9, 0, 1, 1);
        both.cohort_throttled = 1;
        check(&[both, suspends], Some((1, false)));
    }
}
