//! Records ahead of the clock, held until later records say what they are.
//!
//! A record more than `max_future` past the clock is either a lone outlier or the first of a
//! log that resumed after a gap, and only the records after it can tell. So it is not refused
//! when it arrives: it waits here until the clock reaches it (a gap: admitted) or until
//! [`CLOCK_RING`] later records have come without the clock reaching it, or the input ends (an
//! outlier: refused as `future_ts`, with the [`RecordOrigin`] its caller gave, since by then
//! the caller has let go of its bytes).

use crate::clock::{EventClock, CLOCK_AGREE, CLOCK_RING};
use distillguard_types::config::Config;
use distillguard_types::{Event, RecordOrigin, RejectReason};

/// The latest time a record may have and be taken now: `max_future_ms` past the time recent
/// records agree on (`agreed`, [`crate::EventClock::agreed`]: one outlier cannot move it), or
/// past the watermark plus the allowed lateness if later (in live mode a partition silent for
/// longer than `max_future` must take its next record once the other partitions moved the
/// watermark).
fn future_limit(agreed: Option<i64>, watermark: i64, lateness_ms: i64, max_future_ms: i64) -> i64 {
    let agreed = agreed.unwrap_or(i64::MIN);
    let reference = if watermark == i64::MIN {
        agreed
    } else {
        agreed.max(watermark.saturating_add(lateness_ms))
    };
    reference.saturating_add(max_future_ms)
}

/// Act on `releases` (emptied): offer each record the clock reached to `admit`, and put
/// those it refuses and those refused as `future_ts` in `refused`. Returns how many were
/// refused as `future_ts`.
pub fn take_releases(
    releases: &mut Vec<Release>,
    refused: &mut Vec<(RecordOrigin, RejectReason)>,
    mut admit: impl FnMut(Event) -> Result<(), RejectReason>,
) -> u64 {
    let mut future = 0;
    for r in releases.drain(..) {
        match r {
            Release::Admit(ev, origin) => {
                if let Err(reason) = admit(ev) {
                    refused.push((origin, reason));
                }
            }
            Release::Refuse(origin) => {
                future += 1;
                refused.push((origin, RejectReason::FutureTs));
            }
        }
    }
    future
}

/// Admission by a run's event-time clock: the clock, the arrival count and the records held
/// ahead of it. What the clock releases waits in [`AheadGate::released`] for its owner to
/// admit or refuse ([`take_releases`]).
#[derive(Debug)]
pub struct AheadGate {
    /// The clock records are judged by.
    pub clock: EventClock,
    /// Records offered so far (held records age by it).
    pub arrivals: u64,
    /// Records held ahead of the clock.
    pub ahead: AheadOfClock,
    /// Held records released and not yet taken by the owner.
    pub released: Vec<Release>,
    lateness_ms: i64,
    max_future_ms: i64,
}

impl AheadGate {
    /// A gate for `windows.allowed_lateness` and `input.max_future`.
    pub fn new(cfg: &Config) -> Self {
        AheadGate {
            clock: EventClock::default(),
            arrivals: 0,
            ahead: AheadOfClock::default(),
            released: Vec::new(),
            lateness_ms: cfg.windows.allowed_lateness.as_millis() as i64,
            max_future_ms: cfg.input.max_future.as_millis() as i64,
        }
    }

    /// The latest time a record may have and be taken now, at `watermark`.
    fn limit(&self, watermark: i64) -> i64 {
        let (lateness, max_future) = (self.lateness_ms, self.max_future_ms);
        future_limit(self.clock.agreed(), watermark, lateness, max_future)
    }

    /// A record arrives at `watermark`: note its time, release the held records the clock has
    /// reached or given up on, then hold the record (`None`) or hand it back to be admitted.
    pub fn arrive(
        &mut self,
        ev: Event,
        origin: impl FnOnce() -> RecordOrigin,
        watermark: i64,
    ) -> Option<Event> {
        self.arrivals += 1;
        self.clock.observe(ev.ts_ms);
        let limit = self.limit(watermark);
        self.ahead.release(limit, self.arrivals, &mut self.released);
        // the first CLOCK_AGREE records are never ahead: there is no agreement to judge by
        if self.clock.len() > CLOCK_AGREE && ev.ts_ms > limit {
            self.ahead.hold(ev, origin(), self.arrivals);
            return None;
        }
        Some(ev)
    }

    /// Release the held records a watermark at `watermark` reaches or that waited too long.
    pub fn release(&mut self, watermark: i64) {
        let limit = self.limit(watermark);
        self.ahead.release(limit, self.arrivals, &mut self.released);
    }
}

/// Held records in arrival order, each with its origin and the arrival count when it came.
#[derive(Debug, Default)]
pub struct AheadOfClock {
    held: Vec<(Event, RecordOrigin, u64)>,
}

/// What to do with a held record now (a few at a time, consumed at once: the variants' sizes
/// do not matter).
#[derive(Debug)]
#[allow(clippy::large_enum_variant)]
pub enum Release {
    /// The clock reached it: offer it to the engine (the origin, should it still be refused).
    Admit(Event, RecordOrigin),
    /// Too many later records never reached it: refuse it as `future_ts`.
    Refuse(RecordOrigin),
}

impl AheadOfClock {
    /// Hold `ev`, which arrived as record number `arrival`.
    pub fn hold(&mut self, ev: Event, origin: RecordOrigin, arrival: u64) {
        self.held.push((ev, origin, arrival));
    }

    /// Records held.
    pub fn len(&self) -> usize {
        self.held.len()
    }

    /// True when nothing is held.
    pub fn is_empty(&self) -> bool {
        self.held.is_empty()
    }

    /// Take, in arrival order, every held record that is no longer ahead (`ts <= limit`) or
    /// that [`CLOCK_RING`] records have passed (`arrivals` is the count so far); the rest stay.
    pub fn release(&mut self, limit: i64, arrivals: u64, out: &mut Vec<Release>) {
        if self.held.is_empty() {
            return;
        }
        let mut kept = Vec::with_capacity(self.held.len());
        for (ev, origin, arrival) in self.held.drain(..) {
            if ev.ts_ms <= limit {
                out.push(Release::Admit(ev, origin));
            } else if arrivals - arrival >= CLOCK_RING as u64 {
                out.push(Release::Refuse(origin));
            } else {
                kept.push((ev, origin, arrival));
            }
        }
        self.held = kept;
    }

    /// End of input: every record still held is refused.
    pub fn refuse_all(&mut self) -> impl Iterator<Item = RecordOrigin> + '_ {
        self.held.drain(..).map(|(_, origin, _)| origin)
    }

    /// The held records (for snapshots).
    pub fn entries(&self) -> &[(Event, RecordOrigin, u64)] {
        &self.held
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ts: i64, position: u64) -> (Event, RecordOrigin) {
        let origin = RecordOrigin {
            position,
            ..RecordOrigin::default()
        };
        (Event::sample("a", ts, "1.2.3.4".parse().unwrap()), origin)
    }

    fn outcome(r: &Release) -> (&'static str, i64) {
        match r {
            Release::Admit(e, _) => ("admit", e.ts_ms),
            Release::Refuse(o) => ("refuse", o.position as i64),
        }
    }

    #[test]
    fn reached_records_are_admitted_and_old_ones_refused_in_arrival_order() {
        let mut a = AheadOfClock::default();
        for (i, ts) in [500, 100, 900].iter().enumerate() {
            let (e, o) = at(*ts, i as u64);
            a.hold(e, o, i as u64);
        }
        let mut out = Vec::new();
        a.release(400, 10, &mut out);
        assert_eq!(
            out.iter().map(outcome).collect::<Vec<_>>(),
            [("admit", 100)]
        );
        out.clear();
        // the first held record has seen CLOCK_RING arrivals, the third not yet
        a.release(400, CLOCK_RING as u64 + 1, &mut out);
        assert_eq!(out.iter().map(outcome).collect::<Vec<_>>(), [("refuse", 0)]);
        assert_eq!(a.len(), 1);
        assert_eq!(a.refuse_all().map(|o| o.position).collect::<Vec<_>>(), [2]);
        assert!(a.is_empty());
    }
}
