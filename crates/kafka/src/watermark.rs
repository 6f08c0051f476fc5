//! The stage watermark over the partitions an instance owns.
//!
//! Each partition's watermark is its highest event time minus the allowed lateness. The stage
//! watermark is the minimum over assigned partitions that are not idle; a partition that
//! delivered no record for `idle_partition` of *wall* time stops holding it back (this is the
//! only place wall time enters, and only in live mode). When every partition is idle the stage
//! watermark moves to the highest partition watermark. It never goes backwards while the
//! assignment stays the same; a new assignment starts it over, so a partition taken over behind
//! the others is not made late (each engine's own watermark still never goes back).

use std::time::{Duration, Instant};

/// One partition as the watermark sees it.
#[derive(Debug, Clone, Copy)]
pub struct PartitionTime {
    /// Highest event time admitted (`i64::MIN` before the first).
    pub max_event_ms: i64,
    /// Wall time of the last record (or of the assignment / resume).
    pub last_active: Instant,
}

/// Computes the monotonic stage watermark.
#[derive(Debug, Clone)]
pub struct StageClock {
    lateness_ms: i64,
    idle: Duration,
    current: i64,
}

impl StageClock {
    /// A clock for `allowed_lateness` and `idle_partition`.
    pub fn new(allowed_lateness: Duration, idle_partition: Duration) -> StageClock {
        StageClock {
            lateness_ms: allowed_lateness.as_millis() as i64,
            idle: idle_partition,
            current: i64::MIN,
        }
    }

    /// Forget the current watermark (the assignment changed).
    pub fn reset(&mut self) {
        self.current = i64::MIN;
    }

    /// The current stage watermark (`i64::MIN` until one is known).
    pub fn current(&self) -> i64 {
        self.current
    }

    /// A partition's own watermark.
    pub fn partition_watermark(&self, max_event_ms: i64) -> i64 {
        if max_event_ms == i64::MIN {
            i64::MIN
        } else {
            max_event_ms.saturating_sub(self.lateness_ms)
        }
    }

    /// Recompute from the owned partitions at wall time `now`; returns the new watermark.
    pub fn update(&mut self, parts: impl IntoIterator<Item = PartitionTime>, now: Instant) -> i64 {
        let mut active_min: Option<i64> = None;
        let mut all_max: Option<i64> = None;
        for p in parts {
            let wm = self.partition_watermark(p.max_event_ms);
            all_max = Some(all_max.map_or(wm, |m: i64| m.max(wm)));
            let idle = now.saturating_duration_since(p.last_active) >= self.idle;
            if !idle {
                active_min = Some(active_min.map_or(wm, |m: i64| m.min(wm)));
            }
        }
        let candidate = active_min.or(all_max).unwrap_or(i64::MIN);
        self.current = self.current.max(candidate);
        self.current
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pt(max: i64, last: Instant) -> PartitionTime {
        PartitionTime {
            max_event_ms: max,
            last_active: last,
        }
    }

    #[test]
    fn minimum_over_active_partitions_minus_lateness() {
        let t0 = Instant::now();
        let mut c = StageClock::new(Duration::from_millis(100), Duration::from_secs(30));
        assert_eq!(c.update([pt(1_000, t0), pt(5_000, t0)], t0), 900);
    }

    #[test]
    fn a_silent_partition_holds_back_until_idle() {
        let t0 = Instant::now();
        let mut c = StageClock::new(Duration::from_millis(0), Duration::from_secs(30));
        let later = t0 + Duration::from_secs(10);
        assert_eq!(c.update([pt(1_000, t0), pt(9_000, later)], later), 1_000);
        let much_later = t0 + Duration::from_secs(31);
        assert_eq!(
            c.update([pt(1_000, t0), pt(9_500, much_later)], much_later),
            9_500
        );
    }

    #[test]
    fn a_fresh_partition_without_events_holds_back_then_lets_go() {
        let t0 = Instant::now();
        let mut c = StageClock::new(Duration::from_millis(0), Duration::from_secs(5));
        assert_eq!(c.update([pt(i64::MIN, t0), pt(2_000, t0)], t0), i64::MIN);
        let t1 = t0 + Duration::from_secs(6);
        assert_eq!(c.update([pt(i64::MIN, t0), pt(2_000, t1)], t1), 2_000);
    }

    #[test]
    fn all_idle_moves_to_the_highest_and_never_back() {
        let t0 = Instant::now();
        let mut c = StageClock::new(Duration::from_millis(0), Duration::from_secs(1));
        let t1 = t0 + Duration::from_secs(2);
        assert_eq!(c.update([pt(1_000, t0), pt(3_000, t0)], t1), 3_000);
        assert_eq!(c.update([pt(1_000, t1), pt(3_000, t0)], t1), 3_000);
    }
}
