//! Active-hours profile: sustained activity at hours a human population sleeps.
//!
//! 24 hourly counters (UTC) per account. A person, in whatever timezone, leaves a run of quiet
//! hours every day; a harvesting script keeps going around the clock. `longest_quiet_run` is the
//! longest circular run of hours each holding at most `quiet_share` of the account's requests;
//! `sleepless` = 1 − run / `quiet_hours`, judged only after enough requests over enough days.

use serde::{Deserialize, Serialize};

/// Hour-of-day histogram plus a count of active days.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct HourProfile {
    counts: [u32; 24],
    days: u16,
    last_day: i32,
}

impl HourProfile {
    /// Count a request at `ts_ms`.
    pub fn add(&mut self, ts_ms: i64) {
        let h = distillguard_types::time::hour_of_day_utc(ts_ms) as usize;
        self.counts[h] = self.counts[h].saturating_add(1);
        let day = ts_ms.div_euclid(distillguard_types::time::DAY_MS) as i32;
        if self.days == 0 || day != self.last_day {
            self.days = self.days.saturating_add(1);
            self.last_day = day;
        }
    }

    /// Distinct active days (consecutive requests on one day count once).
    pub fn days(&self) -> u32 {
        u32::from(self.days)
    }

    /// Longest circular run of quiet hours.
    pub fn longest_quiet_run(&self, quiet_share: f64) -> u32 {
        let total: u64 = self.counts.iter().map(|c| u64::from(*c)).sum();
        if total == 0 {
            return 24;
        }
        let limit = quiet_share * total as f64;
        let quiet: Vec<bool> = self.counts.iter().map(|c| f64::from(*c) <= limit).collect();
        if quiet.iter().all(|q| *q) {
            return 24;
        }
        let (mut best, mut run) = (0u32, 0u32);
        for i in 0..48 {
            if quiet[i % 24] {
                run += 1;
                best = best.max(run);
            } else {
                run = 0;
            }
        }
        best.min(24)
    }

    /// Strength 0..1 of round-the-clock activity.
    pub fn sleepless(&self, quiet_share: f64, quiet_hours: u32) -> f64 {
        1.0 - (f64::from(self.longest_quiet_run(quiet_share)) / f64::from(quiet_hours)).min(1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use distillguard_types::time::HOUR_MS;

    fn profile(hours: impl Iterator<Item = i64>) -> HourProfile {
        let mut p = HourProfile::default();
        for h in hours {
            p.add(h * HOUR_MS);
        }
        p
    }

    #[test]
    fn a_sleeper_has_a_quiet_run_wrapping_midnight() {
        // Active 08:00–23:00 UTC+0 over 3 days, quiet 23:00–08:00 (wraps midnight).
        let p = profile((0..3).flat_map(|d| (8..23).map(move |h| d * 24 + h)));
        assert_eq!(p.days(), 3);
        assert_eq!(p.longest_quiet_run(0.01), 9);
        assert_eq!(p.sleepless(0.01, 5), 0.0);
    }

    #[test]
    fn round_the_clock_has_none() {
        let p = profile(0..72);
        assert_eq!(p.longest_quiet_run(0.01), 0);
        assert_eq!(p.sleepless(0.01, 5), 1.0);
    }
}
