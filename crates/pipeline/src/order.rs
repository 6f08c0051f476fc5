//! The reorder buffer: events wait here until the watermark passes them, then leave in
//! (event time, tie-break key) order.

use distillguard_types::Event;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// An event waiting for the watermark.
#[derive(Debug)]
pub struct Pending {
    /// Tie-break among equal timestamps, independent of arrival.
    pub key: u64,
    /// The event.
    pub ev: Event,
}

impl PartialEq for Pending {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}
impl Eq for Pending {}
impl PartialOrd for Pending {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Pending {
    // Reversed: BinaryHeap is a max-heap and we pop the earliest.
    fn cmp(&self, o: &Self) -> Ordering {
        (o.ev.ts_ms, o.key, &o.ev.account).cmp(&(self.ev.ts_ms, self.key, &self.ev.account))
    }
}

/// Min-heap of pending events.
#[derive(Debug, Default)]
pub struct ReorderBuffer(BinaryHeap<Pending>);

impl ReorderBuffer {
    /// Add an event.
    pub fn push(&mut self, ev: Event) {
        let key = ev.order_key();
        self.0.push(Pending { key, ev });
    }
    /// Remove the earliest event if its time is at most `watermark`.
    pub fn pop_until(&mut self, watermark: i64) -> Option<Event> {
        if self.0.peek().is_some_and(|p| p.ev.ts_ms <= watermark) {
            self.0.pop().map(|p| p.ev)
        } else {
            None
        }
    }
    /// Events waiting.
    pub fn len(&self) -> usize {
        self.0.len()
    }
    /// Event time of the earliest pending event.
    pub fn earliest(&self) -> Option<i64> {
        self.0.peek().map(|p| p.ev.ts_ms)
    }
    /// All waiting events (for snapshots), any order.
    pub fn events(&self) -> impl Iterator<Item = &Event> {
        self.0.iter().map(|p| &p.ev)
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
}
