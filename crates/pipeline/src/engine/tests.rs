//! Admission (future, late, duplicate), ordering and expiry of the engine.

use super::*;
use distillguard_types::config::LatePolicy;

fn ev(account: &str, ts: i64, req: Option<u64>) -> Event {
    let mut e = Event::sample(account, ts, "1.2.3.4".parse().unwrap());
    e.request_id = req;
    e
}

fn engine(late: LatePolicy) -> Pipeline {
    let mut cfg = Config::default();
    cfg.windows.late = late;
    Pipeline::new(Arc::new(cfg), Arc::new(NetData::default()))
}

/// Offer `(ts, request_id)` pairs, advancing after each; collect the rejects.
fn check(
    late: LatePolicy,
    input: &[(i64, Option<u64>)],
    expected: &[(usize, RejectReason)],
    processed: u64,
) {
    let mut p = engine(late);
    let mut out = Outputs::default();
    let mut got = Vec::new();
    for (i, (ts, req)) in input.iter().enumerate() {
        if let Err(r) = p.offer(ev("a", *ts, *req)) {
            got.push((i, r));
        }
        p.advance(&mut out);
    }
    p.finish(&mut out);
    assert_eq!(got, expected);
    assert_eq!(p.counters().processed, processed);
}

const MIN: i64 = 60_000;
const DAY: i64 = 86_400_000;

#[test]
fn far_future_is_refused() {
    check(
        LatePolicy::Reject,
        &[(0, None), (2 * DAY, None), (MIN, None)],
        &[(1, RejectReason::FutureTs)],
        2,
    );
}

#[test]
fn a_silent_partition_accepts_its_next_record_once_the_stage_watermark_moved() {
    // live mode: this engine saw nothing for 3 days while the stage watermark (driven by the
    // other partitions) moved on; its next record is not "future"
    let mut p = engine(LatePolicy::Reject);
    let mut out = Outputs::default();
    p.offer(ev("a", 0, None)).unwrap();
    p.advance_to(3 * DAY, &mut out);
    assert_eq!(p.offer(ev("a", 3 * DAY + MIN, None)), Ok(()));
    // still relative to that watermark: two days past it is refused
    assert_eq!(
        p.offer(ev("a", 5 * DAY + 5 * MIN, None)),
        Err(RejectReason::FutureTs)
    );
}

#[test]
fn behind_the_watermark_is_late() {
    // Watermark after the second event: 10m − 2m = 8m; an event at 1m is late.
    check(
        LatePolicy::Reject,
        &[(0, None), (10 * MIN, None), (MIN, None)],
        &[(2, RejectReason::Late)],
        2,
    );
    // Within the lateness it is fine.
    check(
        LatePolicy::Reject,
        &[(0, None), (10 * MIN, None), (9 * MIN, None)],
        &[],
        3,
    );
    // Admitted late events are counted and processed.
    let mut p = engine(LatePolicy::Admit);
    let mut out = Outputs::default();
    for ts in [0, 10 * MIN, MIN] {
        p.offer(ev("a", ts, None)).unwrap();
        p.advance(&mut out);
    }
    p.finish(&mut out);
    assert_eq!((p.counters().late, p.counters().processed), (1, 3));
}

#[test]
fn repeated_request_ids_count_once_within_the_window() {
    check(
        LatePolicy::Reject,
        &[
            (0, Some(7)),
            (MIN, Some(7)),
            (2 * MIN, Some(8)),
            (2 * 3_600_000, Some(7)),
        ],
        &[(1, RejectReason::Duplicate)],
        3,
    );
}

#[test]
fn events_wait_for_the_watermark_and_leave_in_order() {
    let mut p = engine(LatePolicy::Reject);
    let mut out = Outputs::default();
    p.offer(ev("a", 5 * MIN, None)).unwrap();
    p.offer(ev("a", 4 * MIN, None)).unwrap();
    p.advance(&mut out);
    assert_eq!(
        p.counters().processed,
        0,
        "nothing passed the watermark yet"
    );
    assert_eq!(p.pending(), 2);
    p.offer(ev("b", 7 * MIN, None)).unwrap();
    p.advance(&mut out);
    assert_eq!(p.counters().processed, 2);
    p.finish(&mut out);
    assert_eq!(p.counters().processed, 3);
    assert_eq!(p.watermark(), 7 * MIN);
}

#[test]
fn idle_accounts_expire() {
    let mut cfg = Config::default();
    cfg.input.max_future = std::time::Duration::from_secs(30 * 86_400);
    let mut p = Pipeline::new(Arc::new(cfg), Arc::new(NetData::default()));
    let mut out = Outputs::default();
    p.offer(ev("old", 0, None)).unwrap();
    p.offer(ev("new", 20 * DAY, None)).unwrap();
    p.advance(&mut out);
    p.offer(ev("new", 20 * DAY + 3_600_000, None)).unwrap();
    p.advance(&mut out);
    assert_eq!(p.state_size().0, 1);
    assert_eq!(p.counters().expired, 1);
}

#[test]
fn snapshot_round_trips_pending_events() {
    let mut p = engine(LatePolicy::Reject);
    let mut out = Outputs::default();
    p.offer(ev("a", 0, Some(1))).unwrap();
    p.offer(ev("a", MIN, Some(2))).unwrap();
    let bytes = p.snapshot();
    let mut q = Pipeline::restore(p.cfg.clone(), Arc::new(NetData::default()), &bytes).unwrap();
    assert_eq!(q.pending(), 2);
    assert_eq!(q.offer(ev("a", MIN, Some(2))), Err(RejectReason::Duplicate));
    q.finish(&mut out);
    assert_eq!(q.counters().processed, 2);
    assert!(Pipeline::restore(p.cfg.clone(), Arc::new(NetData::default()), b"junk").is_err());
}

/// A snapshot of another state format is refused as such, not misread.
#[test]
fn snapshot_of_another_format_is_refused() {
    use crate::{PipelineError, STATE_FORMAT};
    let mut p = engine(LatePolicy::Reject);
    p.offer(ev("a", 0, Some(1))).unwrap();
    let bytes = p.snapshot();
    let restore = |b: &[u8]| Pipeline::restore(p.cfg.clone(), Arc::new(NetData::default()), b);
    assert!(restore(&bytes).is_ok());
    let mut newer = bytes.clone();
    newer[3..5].copy_from_slice(&(STATE_FORMAT + 1).to_le_bytes());
    let err = restore(&newer).expect_err("refused");
    assert!(
        matches!(err, PipelineError::Format { found: Some(v), expected } if v == STATE_FORMAT + 1 && expected == STATE_FORMAT),
        "{err}"
    );
    // Before formats were numbered a snapshot was the bare bincode.
    let err = restore(&bytes[5..]).expect_err("refused");
    assert!(
        matches!(err, PipelineError::Format { found: None, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("reset the checkpoints"), "{err}");
    let mut cut = bytes.clone();
    cut.truncate(bytes.len() / 2);
    assert!(matches!(restore(&cut), Err(PipelineError::Snapshot(_))));
}

/// Split mode: the key side expires keys on the clock it is given (`key_clock`), never on the
/// account side's watermark, so its answers depend only on the order of its own input.
#[test]
fn split_key_side_expires_on_its_own_clock() {
    use distillguard_types::corr::{CorrKey, KeyKind, Observation};
    let observe = |account: &str, ts_ms: i64| {
        ToKeys::Observe(Observation {
            key: CorrKey {
                kind: KeyKind::Ip,
                hash: 7,
            },
            account: account.into(),
            ts_ms,
            fresh: true,
            extraction: 0,
            org: None,
            activity: 1,
            label: None,
        })
    };
    // (account-side watermark, key clock) before a second account shares the key 3 days
    // after the first: the key becomes shared only while the first is still held
    let check = |wm: Option<i64>, clock: Option<i64>, shared: usize| {
        let mut cfg = Config::default();
        cfg.input.max_future = std::time::Duration::from_secs(30 * 86_400);
        let mut p = Pipeline::new(Arc::new(cfg), Arc::new(NetData::default()));
        p.set_split(true);
        let (mut out, mut evs) = (Outputs::default(), Vec::new());
        p.key_message(&observe("a", 0), &mut evs, &mut out);
        assert!(evs.is_empty(), "one account: no evidence yet");
        if let Some(wm) = wm {
            p.offer(ev("z", wm, None)).unwrap();
            p.advance_to(wm, &mut out);
        }
        if let Some(ts) = clock {
            p.key_clock(ts);
        }
        p.key_message(&observe("b", 3 * DAY), &mut evs, &mut out);
        let (_, _, _, shared_keys, _) = p.state_size();
        assert_eq!(shared_keys, shared, "wm {wm:?} clock {clock:?}");
    };
    check(None, None, 1);
    check(Some(3 * DAY), None, 1);
    check(None, Some(3 * DAY), 0);
    check(Some(3 * DAY), Some(DAY), 1);
}
