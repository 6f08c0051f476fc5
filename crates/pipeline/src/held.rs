//! Records ahead of the clock, held until later records say what they are.
//!
//! A record more than `max_future` past the clock is either a lone outlier or the first of a
//! log that resumed after a gap, and only the records after it can tell. So it is not refused
//! when it arrives: it waits here until the clock reaches it (a gap: admitted) or until
//! [`CLOCK_RING`] later records have come without the clock reaching it, or the input ends (an
//! outlier: refused as `future_ts`, with the [`RecordOrigin`] its caller gave, since by then
//! the caller has let go of its bytes).

use crate::clock::CLOCK_RING;
use distillguard_types::{Event, RecordOrigin};

/// Held records in arrival order, each with its origin and the arrival count when it came.
#[derive(Debug, Default)]
pub(crate) struct AheadOfClock {
    held: Vec<(Event, RecordOrigin, u64)>,
}

/// What to do with a held record now (a few at a time, consumed at once: the variants' sizes
/// do not matter).
#[derive(Debug)]
#[allow(clippy::large_enum_variant)]
pub(crate) enum Release {
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
