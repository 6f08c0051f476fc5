//! The recall / benign-throttle trade-off frontier.

use super::sweep::PointMetrics;

/// Grid indices of the frontier, by increasing benign throttling: for each number of
/// benign accounts throttled, the point detecting the most attack accounts (ties: fewest
/// benign suspensions, then least leak), kept only when it detects more than every point
/// with less benign throttling.
pub fn frontier(points: &[PointMetrics]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..points.len()).collect();
    idx.sort_by(|&a, &b| {
        let (ma, mb) = (&points[a], &points[b]);
        ma.benign_throttled
            .cmp(&mb.benign_throttled)
            .then(mb.attack_detected.cmp(&ma.attack_detected))
            .then(ma.benign_suspended.cmp(&mb.benign_suspended))
            .then(ma.leaked.cmp(&mb.leaked))
            .then(a.cmp(&b))
    });
    let mut out = Vec::new();
    let mut best: Option<u64> = None;
    for i in idx {
        let d = points[i].attack_detected;
        if best.is_none_or(|b| d > b) {
            out.push(i);
            best = Some(d);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::Dist;

    fn m(detected: u64, throttled: u64, leaked: u64) -> PointMetrics {
        PointMetrics {
            attack_accounts: 10,
            attack_detected: detected,
            recall: None,
            benign_accounts: 100,
            benign_monitored: 0,
            benign_throttled: throttled,
            benign_suspended: 0,
            cohort_throttled: 0,
            benign_monitor_rate: None,
            benign_throttle_rate: None,
            benign_suspend_rate: None,
            leaked,
            attack_requests: 100,
            leak_share: None,
            requests_to_detect: Dist::default(),
        }
    }

    #[test]
    fn keeps_the_staircase() {
        let pts = [
            m(5, 0, 9), // 0: frontier start
            m(5, 0, 4), // 1: same, less leak: replaces 0
            m(5, 1, 0), // 2: more harm, no more recall: dominated
            m(7, 2, 0), // 3: frontier
            m(6, 3, 0), // 4: dominated
            m(9, 3, 0), // 5: frontier
        ];
        assert_eq!(frontier(&pts), vec![1, 3, 5]);
        assert!(frontier(&[]).is_empty());
    }
}
