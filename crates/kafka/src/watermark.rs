//! The stage watermark over the partitions an instance owns.
//!
//! Each partition's watermark is its highest event time minus the allowed lateness. The stage
//! watermark is the minimum over assigned partitions that are not idle; a partition that
//! delivered no record for `idle_partition` of *wall* time stops holding it back (this is the
//! only place wall time enters, and only in live mode). When every partition is idle the stage
//! watermark moves to the highest partition watermark, or to the `floor` the caller knows of
//! if that is higher: in split mode, the slowest watermark the *other* instances' tasks have
//! ticked (an instance whose partitions are all silent, or never had a record, would otherwise
//! hold every key side, and with it the whole group, at its last watermark). It never goes
//! backwards while the assignment stays the same; a new assignment starts it over, so a
//! partition taken over behind the others is not made late (each engine's own watermark still
//! never goes back).

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
    /// `floor`, when every partition is idle: where the rest of the group is (see the module
    /// docs).
    pub fn update(
        &mut self,
        parts: impl IntoIterator<Item = PartitionTime>,
        now: Instant,
        floor: Option<i64>,
    ) -> i64 {
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
        let candidate = match active_min {
            Some(wm) => wm,
            None => all_max.unwrap_or(i64::MIN).max(floor.unwrap_or(i64::MIN)),
        };
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
        assert_eq!(c.update([pt(1_000, t0), pt(5_000, t0)], t0, None), 900);
    }

    #[test]
    fn a_silent_partition_holds_back_until_idle() {
        let t0 = Instant::now();
        let mut c = StageClock::new(Duration::from_millis(0), Duration::from_secs(30));
        let later = t0 + Duration::from_secs(10);
        assert_eq!(
            c.update([pt(1_000, t0), pt(9_000, later)], later, None),
            1_000
        );
        let much_later = t0 + Duration::from_secs(31);
        assert_eq!(
            c.update([pt(1_000, t0), pt(9_500, much_later)], much_later, None),
            9_500
        );
    }

    #[test]
    fn a_fresh_partition_without_events_holds_back_then_lets_go() {
        let t0 = Instant::now();
        let mut c = StageClock::new(Duration::from_millis(0), Duration::from_secs(5));
        assert_eq!(
            c.update([pt(i64::MIN, t0), pt(2_000, t0)], t0, None),
            i64::MIN
        );
        let t1 = t0 + Duration::from_secs(6);
        assert_eq!(c.update([pt(i64::MIN, t0), pt(2_000, t1)], t1, None), 2_000);
    }

    #[test]
    fn all_idle_follows_the_rest_of_the_group_when_it_is_ahead() {
        let t0 = Instant::now();
        let mut c = StageClock::new(Duration::from_millis(0), Duration::from_secs(1));
        // never had a record: held at the start while not idle, whatever the group does
        assert_eq!(c.update([pt(i64::MIN, t0)], t0, Some(5_000)), i64::MIN);
        let t1 = t0 + Duration::from_secs(2);
        assert_eq!(c.update([pt(i64::MIN, t0)], t1, None), i64::MIN);
        assert_eq!(c.update([pt(i64::MIN, t0)], t1, Some(5_000)), 5_000);
        // its own partition ahead of the group: its own watermark
        assert_eq!(c.update([pt(9_000, t0)], t1, Some(6_000)), 9_000);
        // the group's floor moving back (a restored task) does not move it back
        assert_eq!(c.update([pt(9_000, t0)], t1, Some(1_000)), 9_000);
        // an active partition rules, whatever the floor
        let mut c = StageClock::new(Duration::from_millis(0), Duration::from_secs(1));
        assert_eq!(c.update([pt(2_000, t1)], t1, Some(5_000)), 2_000);
    }

    #[test]
    fn all_idle_moves_to_the_highest_and_never_back() {
        let t0 = Instant::now();
        let mut c = StageClock::new(Duration::from_millis(0), Duration::from_secs(1));
        let t1 = t0 + Duration::from_secs(2);
        assert_eq!(c.update([pt(1_000, t0), pt(3_000, t0)], t1, None), 3_000);
        assert_eq!(c.update([pt(1_000, t1), pt(3_000, t0)], t1, None), 3_000);
    }
}
