//! The event-time clock: where a run *is* in event time, robust to outlying timestamps.
//!
//! The highest event time seen is no clock: one record two days ahead (or at year 9999) would
//! move it, and with it the watermark, so every later record became `late`; and measured
//! against it, every record after a gap of more than `max_future` was `future_ts`. The clock
//! instead keeps the times of the last [`CLOCK_RING`] records offered (admitted or not) and
//! reads the [`CLOCK_AGREE`]-th highest of them ([`EventClock::now`]): a time that many recent
//! records reached. The watermark follows it (the engine keeps its highest value) and records
//! further than `max_future` beyond it are held ([`crate::held`]) until it reaches them. So:
//!
//! - a lone outlier (up to `CLOCK_AGREE − 1` of them among [`CLOCK_RING`] records) moves
//!   nothing and is the one rejected (`future_ts` ahead, once [`CLOCK_RING`] records passed
//!   it; `late` behind);
//! - after a gap in a log the first `CLOCK_AGREE − 1` records wait until the next one moves
//!   the clock, then all are taken (a gap is no error: the run follows);
//! - until [`CLOCK_AGREE`] records have been seen there is no clock (no watermark) and no
//!   record is `future_ts`, so a first record far in the future, in the past, or at a negative
//!   epoch cannot lock a run: it waits in the reorder buffer like any event.
//!
//! The limit: `CLOCK_AGREE` or more records among [`CLOCK_RING`] that agree on a time *are*
//! the new time (a log that jumps ahead by that many records is taken to have jumped). A
//! median would resist up to half the ring but trails the newest records by half a ring,
//! which on sparse partitions changes which events each live step holds.

use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// Recent record times the clock keeps.
pub const CLOCK_RING: usize = 64;

/// Records that must agree on a time before later records are judged against it.
pub const CLOCK_AGREE: usize = 4;

/// Recent record times, in arrival order and sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventClock {
    arrival: VecDeque<i64>,
    sorted: Vec<i64>,
}

impl EventClock {
    /// Note a record's time (the oldest of [`CLOCK_RING`] is forgotten).
    pub fn observe(&mut self, ts: i64) {
        if self.arrival.len() == CLOCK_RING {
            if let Some(old) = self.arrival.pop_front() {
                if let Ok(i) = self.sorted.binary_search(&old) {
                    self.sorted.remove(i);
                }
            }
        }
        self.arrival.push_back(ts);
        let i = self.sorted.partition_point(|t| *t <= ts);
        self.sorted.insert(i, ts);
    }

    /// The time [`CLOCK_AGREE`] recent records reached; `None` before any record. With fewer
    /// records than that, the earliest of them (nothing is ahead of the first record).
    pub fn agreed(&self) -> Option<i64> {
        let n = self.sorted.len();
        (n > 0).then(|| self.sorted[n - n.min(CLOCK_AGREE)])
    }

    /// Where the run is: [`EventClock::agreed`], once [`CLOCK_AGREE`] records were seen
    /// (`None` before: a first record far ahead or behind would be it).
    pub fn now(&self) -> Option<i64> {
        (self.sorted.len() >= CLOCK_AGREE).then(|| self.sorted[self.sorted.len() - CLOCK_AGREE])
    }

    /// Records held (at most [`CLOCK_RING`]).
    pub fn len(&self) -> usize {
        self.sorted.len()
    }

    /// True before the first record.
    pub fn is_empty(&self) -> bool {
        self.sorted.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clock(times: &[i64]) -> EventClock {
        let mut c = EventClock::default();
        for t in times {
            c.observe(*t);
        }
        c
    }

    #[test]
    fn order_statistics_of_the_recent_ring() {
        let c = clock(&[]);
        assert_eq!((c.agreed(), c.now()), (None, None));
        let c = clock(&[1_000_000]);
        assert_eq!((c.agreed(), c.now()), (Some(1_000_000), None));
        let c = clock(&[9_999_999, 10]);
        assert_eq!((c.agreed(), c.now()), (Some(10), None));
        // outliers ahead, fewer than CLOCK_AGREE, move nothing
        let c = clock(&[10, 11, 12, 13, 9_999_999, 9_999_998, 9_999_997]);
        assert_eq!((c.agreed(), c.now()), (Some(13), Some(13)));
        // a far outlier first, then ordinary records
        let c = clock(&[9_999_999, 10, 11, 12]);
        assert_eq!((c.agreed(), c.now()), (Some(10), Some(10)));
        // the ring forgets: after CLOCK_RING later records only they count
        let mut times = vec![5_000; CLOCK_RING];
        times.extend(std::iter::repeat_n(7, CLOCK_RING));
        let c = clock(&times);
        assert_eq!((c.now(), c.len()), (Some(7), CLOCK_RING));
    }
}
