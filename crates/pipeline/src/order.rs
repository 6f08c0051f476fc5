//! The reorder buffer: events wait here until the watermark passes them, then leave in
//! (event time, tie-break key, account) order.
//!
//! Events stay where they were put (a slab with a free list, so slots are reused and nothing is
//! allocated per event once the buffer has grown); the heap orders small `(time, key, slot)`
//! entries. An event is a few hundred bytes, and a heap of events moved each one about
//! log₂(n) times on the way in and out: in live split mode, where a task holds a step's worth
//! of events, that was a quarter of advancing. The rare events equal in time and key leave
//! ordered by account, as before, however they arrived.

use distillguard_types::Event;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Events waiting for the watermark, earliest first.
#[derive(Debug, Default)]
pub struct ReorderBuffer {
    /// (event time, tie-break key, slot), earliest on top.
    heap: BinaryHeap<Reverse<(i64, u64, u32)>>,
    /// The events; `None` for free slots.
    slab: Vec<Option<Event>>,
    /// Free slots.
    free: Vec<u32>,
    /// Slots equal in time and key taken off the heap together, in leaving order (reversed:
    /// the next one is last).
    ties: Vec<u32>,
}

impl ReorderBuffer {
    /// Add an event.
    pub fn push(&mut self, ev: Event) {
        // a tie being taken out goes back first: the new event may sort before its rest
        for s in self.ties.drain(..) {
            let e = self.slab[s as usize].as_ref().expect("buffered");
            self.heap.push(Reverse((e.ts_ms, e.order_key(), s)));
        }
        let (ts, key) = (ev.ts_ms, ev.order_key());
        let slot = match self.free.pop() {
            Some(i) => {
                self.slab[i as usize] = Some(ev);
                i
            }
            None => {
                self.slab.push(Some(ev));
                u32::try_from(self.slab.len() - 1).expect("fewer than 2^32 events buffered")
            }
        };
        self.heap.push(Reverse((ts, key, slot)));
    }

    /// Remove the earliest event if its time is at most `watermark`.
    pub fn pop_until(&mut self, watermark: i64) -> Option<Event> {
        if self.ties.is_empty() {
            let &Reverse((ts, key, slot)) = self.heap.peek()?;
            if ts > watermark {
                return None;
            }
            self.heap.pop();
            if self
                .heap
                .peek()
                .is_none_or(|Reverse(next)| (next.0, next.1) != (ts, key))
            {
                return Some(self.take(slot));
            }
            // equal in time and key: order by account (then arrival, as the heap had it)
            self.ties.push(slot);
            while let Some(&Reverse((t, k, s))) = self.heap.peek() {
                if (t, k) != (ts, key) {
                    break;
                }
                self.heap.pop();
                self.ties.push(s);
            }
            let slab = &self.slab;
            let account = |s: &u32| &slab[*s as usize].as_ref().expect("buffered").account;
            self.ties
                .sort_by(|a, b| account(b).cmp(account(a)).then(b.cmp(a)));
        } else if self.earliest().is_some_and(|ts| ts > watermark) {
            return None;
        }
        let slot = self.ties.pop().expect("not empty");
        Some(self.take(slot))
    }

    fn take(&mut self, slot: u32) -> Event {
        self.free.push(slot);
        self.slab[slot as usize].take().expect("buffered")
    }

    /// Events waiting.
    pub fn len(&self) -> usize {
        self.heap.len() + self.ties.len()
    }

    /// Event time of the earliest pending event.
    pub fn earliest(&self) -> Option<i64> {
        match self.ties.last() {
            Some(&s) => self.slab[s as usize].as_ref().map(|e| e.ts_ms),
            None => self.heap.peek().map(|Reverse((ts, _, _))| *ts),
        }
    }

    /// All waiting events (for snapshots), any order.
    pub fn events(&self) -> impl Iterator<Item = &Event> {
        self.slab.iter().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaves_in_time_order_regardless_of_arrival() {
        let ip = "1.2.3.4".parse().unwrap();
        let mut b = ReorderBuffer::default();
        for (i, t) in [30, 10, 20, 10].iter().enumerate() {
            let mut e = Event::sample("a", *t, ip);
            e.request_id = Some(100 - i as u64);
            b.push(e);
        }
        assert!(b.pop_until(5).is_none());
        let got: Vec<(i64, Option<u64>)> = std::iter::from_fn(|| b.pop_until(25))
            .map(|e| (e.ts_ms, e.request_id))
            .collect();
        assert_eq!(got, vec![(10, Some(97)), (10, Some(99)), (20, Some(98))]);
        assert_eq!(b.len(), 1);
    }

    #[test]
    fn equal_time_and_key_leave_by_account() {
        let ip = "1.2.3.4".parse().unwrap();
        let mut b = ReorderBuffer::default();
        for (acct, t) in [("c", 10), ("a", 10), ("z", 5), ("b", 10)] {
            let mut e = Event::sample(acct, t, ip);
            e.request_id = Some(7);
            b.push(e);
        }
        let next = |b: &mut ReorderBuffer, wm| b.pop_until(wm).map(|e| e.account.to_string());
        assert_eq!(next(&mut b, 10).as_deref(), Some("z"));
        assert_eq!(next(&mut b, 10).as_deref(), Some("a"));
        // the rest of the tie is waiting apart from the heap: still counted and visible
        assert_eq!(
            (b.len(), b.earliest(), b.events().count()),
            (2, Some(10), 2)
        );
        assert!(b.pop_until(9).is_none());
        // an event arriving meanwhile takes its place among them
        let mut late = Event::sample("y", 10, ip);
        late.request_id = Some(3);
        b.push(late);
        assert_eq!((b.len(), b.earliest()), (3, Some(10)));
        let rest: Vec<String> = std::iter::from_fn(|| next(&mut b, 10)).collect();
        assert_eq!(rest, ["y", "b", "c"]);
        assert_eq!((b.len(), b.earliest()), (0, None));
    }

    /// Any arrival order, interleaved pushes and pops: events leave in (time, key, account)
    /// order, as from a sorted list of everything buffered.
    #[test]
    fn matches_a_sorted_reference() {
        let ip = "1.2.3.4".parse().unwrap();
        let mut rng = 0x2545_f491_4f6c_dd1d_u64;
        let mut rand = |n: u64| {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng % n
        };
        let mut b = ReorderBuffer::default();
        let mut reference: Vec<(i64, u64, String)> = Vec::new();
        let mut wm = 0;
        for _ in 0..3000 {
            if rand(3) > 0 {
                let acct = format!("acct-{}", rand(4));
                let mut e = Event::sample(&acct, wm + rand(40) as i64, ip);
                e.request_id = Some(rand(3));
                reference.push((e.ts_ms, e.order_key(), acct));
                b.push(e);
            } else {
                wm += rand(15) as i64;
                reference.sort();
                // sometimes stop part way (inside a tie, too): the rest leaves later
                let due = reference.iter().take_while(|r| r.0 <= wm).count();
                let due = if rand(2) == 0 { due } else { due / 2 };
                let want: Vec<(i64, u64, String)> = reference.drain(..due).collect();
                let got: Vec<(i64, u64, String)> = (0..due)
                    .map_while(|_| b.pop_until(wm))
                    .map(|e| (e.ts_ms, e.order_key(), e.account.to_string()))
                    .collect();
                // an event can arrive behind the watermark: it leaves at the next pop, first
                assert_eq!(got, want);
                assert_eq!(b.earliest(), reference.first().map(|r| r.0));
                assert_eq!(b.len(), reference.len());
            }
        }
    }
}
