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
    let origin = |i: usize| RecordOrigin {
        position: i as u64,
        ..RecordOrigin::default()
    };
    for (i, (ts, req)) in input.iter().enumerate() {
        if let Err(r) = p.offer_from(ev("a", *ts, *req), || origin(i)) {
            got.push((i, r));
        }
        p.advance(&mut out);
    }
    p.finish(&mut out);
    // records held ahead of the clock and refused later come out with their origin
    got.extend(out.refused.iter().map(|(o, r)| (o.position as usize, *r)));
    got.sort_unstable();
    assert_eq!(got, expected);
    assert_eq!(p.counters().processed, processed);
}

const MIN: i64 = 60_000;
const DAY: i64 = 86_400_000;

/// `n` records one second apart from `from`.
fn run_of(from: i64, n: usize) -> Vec<(i64, Option<u64>)> {
    (0..n as i64).map(|i| (from + i * 1_000, None)).collect()
}

/// Indices of `run` shifted by `at` (for expected rejects after a prefix).
fn at(i: usize, r: RejectReason) -> (usize, RejectReason) {
    (i, r)
}

#[test]
fn far_future_is_refused() {
    let mut input = run_of(0, 5);
    input.push((2 * DAY, None));
    input.push((MIN, None));
    check(
        LatePolicy::Reject,
        &input,
        &[at(5, RejectReason::FutureTs)],
        6,
    );
}

/// The cases of issue 20, item 1: an outlier is the one rejected (or waits harmlessly in the
/// reorder buffer when it comes first), a gap costs nothing, and nothing after an outlier is
/// refused.
#[test]
fn outlying_timestamps_cannot_lock_a_run() {
    use crate::CLOCK_AGREE;
    let t = 1_776_852_000_000; // 2026-04-22
    let year_0001 = -62_135_596_800_000;
    let with = |head: &[i64], rest: Vec<(i64, Option<u64>)>| {
        let mut v: Vec<(i64, Option<u64>)> = head.iter().map(|t| (*t, None)).collect();
        v.extend(rest);
        v
    };
    // one record two days older than the rest, first
    check(
        LatePolicy::Reject,
        &with(&[t - 2 * DAY], run_of(t, 50)),
        &[],
        51,
    );
    // a negative epoch, or year 0001, first
    check(LatePolicy::Reject, &with(&[-1_000], run_of(t, 50)), &[], 51);
    check(
        LatePolicy::Reject,
        &with(&[year_0001], run_of(t, 50)),
        &[],
        51,
    );
    // one far-future record first: it waits, nothing after it is late
    check(
        LatePolicy::Reject,
        &with(&[t + 365 * DAY], run_of(t, 50)),
        &[],
        51,
    );
    // a gap of three days inside a log: the first CLOCK_AGREE − 1 after it wait until the
    // next one moves the clock, then everything is processed
    let mut gap = run_of(t, 30);
    gap.extend(run_of(t + 3 * DAY, 30));
    check(LatePolicy::Reject, &gap, &[], 60);
    // a log ending CLOCK_AGREE − 1 records after a gap: nothing agrees with them, so they are
    // the outliers
    let mut tail = run_of(t, 30);
    tail.extend(run_of(t + 3 * DAY, CLOCK_AGREE - 1));
    let lost: Vec<_> = (30..30 + CLOCK_AGREE - 1)
        .map(|i| at(i, RejectReason::FutureTs))
        .collect();
    check(LatePolicy::Reject, &tail, &lost, 30);
    // a far-future outlier in a long run is refused once CLOCK_RING records passed it
    let mut long = run_of(t, 10);
    long.push((t + 400 * DAY, None));
    long.extend(run_of(t + 10_000, 2 * crate::CLOCK_RING));
    check(
        LatePolicy::Reject,
        &long,
        &[at(10, RejectReason::FutureTs)],
        10 + 2 * crate::CLOCK_RING as u64,
    );
    // three records each under a day apart walking ahead of the rest: the first is within
    // max_future and waits, the others are the ones rejected; nothing else is late
    let mut walk = run_of(t, 20);
    for (i, ahead) in [23, 46, 69].iter().enumerate() {
        walk.push((t + ahead * 3_600_000, None));
        walk.extend(run_of(t + 20_000 + i as i64 * 10_000, 10));
    }
    check(
        LatePolicy::Reject,
        &walk,
        &[
            at(31, RejectReason::FutureTs),
            at(42, RejectReason::FutureTs),
        ],
        51,
    );
    // outliers later in a run, far ahead and far behind: each one is rejected
    let mut mid = run_of(t, 20);
    mid.push((t + 400 * DAY, None));
    mid.extend(run_of(t + 20_000, 10));
    mid.push((-5, None));
    mid.extend(run_of(t + 30_000, 10));
    check(
        LatePolicy::Reject,
        &mid,
        &[at(20, RejectReason::FutureTs), at(31, RejectReason::Late)],
        40,
    );
}

#[test]
fn a_silent_partition_accepts_its_next_record_once_the_stage_watermark_moved() {
    // live mode: this engine saw nothing for 3 days while the stage watermark (driven by the
    // other partitions) moved on; its next record is not "future"
    let mut p = engine(LatePolicy::Reject);
    let mut out = Outputs::default();
    for (ts, _) in run_of(0, 5) {
        p.offer(ev("a", ts, None)).unwrap();
    }
    p.advance_to(3 * DAY, &mut out);
    assert_eq!(p.offer(ev("a", 3 * DAY + MIN, None)), Ok(()));
    // still relative to that watermark: two days past it is held, and refused when nothing
    // reaches it before the input ends
    assert_eq!(p.offer(ev("a", 5 * DAY + 5 * MIN, None)), Ok(()));
    assert_eq!(p.held_ahead(), 1);
    p.finish(&mut out);
    assert_eq!(
        out.refused,
        [(RecordOrigin::default(), RejectReason::FutureTs)]
    );
    assert_eq!(p.counters().future, 1);
}

#[test]
fn behind_the_watermark_is_late() {
    // Clock (the time CLOCK_AGREE recent records reached) after 0 and four at 10m: 10m;
    // watermark 10m − 2m = 8m; an event at 1m is late.
    let ten = [
        (0, None),
        (10 * MIN, None),
        (10 * MIN, None),
        (10 * MIN, None),
        (10 * MIN, None),
    ];
    let with = |last: i64| {
        let mut v = ten.to_vec();
        v.push((last, None));
        v
    };
    check(
        LatePolicy::Reject,
        &with(MIN),
        &[(5, RejectReason::Late)],
        5,
    );
    // Within the lateness it is fine.
    check(LatePolicy::Reject, &with(9 * MIN), &[], 6);
    // Admitted late events are counted and processed.
    let mut p = engine(LatePolicy::Admit);
    let mut out = Outputs::default();
    for ts in [0, 10 * MIN, 10 * MIN, 10 * MIN, 10 * MIN, MIN] {
        p.offer(ev("a", ts, None)).unwrap();
        p.advance(&mut out);
    }
    p.finish(&mut out);
    assert_eq!((p.counters().late, p.counters().processed), (1, 6));
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

/// A request id is scoped to its account: the same id from another account is another request.
#[test]
fn request_ids_dedupe_per_account() {
    let mut p = engine(LatePolicy::Reject);
    assert_eq!(p.offer(ev("a", 0, Some(7))), Ok(()));
    assert_eq!(p.offer(ev("b", 0, Some(7))), Ok(()));
    assert_eq!(p.offer(ev("a", MIN, Some(7))), Err(RejectReason::Duplicate));
    assert_eq!(p.offer(ev("b", MIN, Some(7))), Err(RejectReason::Duplicate));
    assert_eq!(p.counters().duplicate, 2);
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
    // the clock is the time CLOCK_AGREE recent records reached: four at 7m pass 5m + 2m
    for _ in 0..4 {
        p.offer(ev("b", 7 * MIN, None)).unwrap();
    }
    p.advance(&mut out);
    assert_eq!(p.counters().processed, 2);
    p.finish(&mut out);
    assert_eq!(p.counters().processed, 6);
    assert_eq!(p.watermark(), 7 * MIN);
}

#[test]
fn idle_accounts_expire() {
    let mut cfg = Config::default();
    cfg.input.max_future = std::time::Duration::from_secs(30 * 86_400);
    let mut p = Pipeline::new(Arc::new(cfg), Arc::new(NetData::default()));
    let mut out = Outputs::default();
    p.offer(ev("old", 0, None)).unwrap();
    for i in 0..4 {
        p.offer(ev("new", 20 * DAY + i, None)).unwrap();
    }
    p.advance(&mut out);
    for i in 0..8 {
        p.offer(ev("new", 20 * DAY + 3_600_000 + i, None)).unwrap();
    }
    p.advance(&mut out);
    assert_eq!(p.state_size().accounts.entries, 1);
    assert_eq!(p.counters().expired, 1);
}

#[test]
fn an_account_flood_is_held_to_max_accounts() {
    let mut cfg = Config::default();
    cfg.windows.max_accounts = 1000;
    let mut p = Pipeline::new(Arc::new(cfg), Arc::new(NetData::default()));
    let mut out = Outputs::default();
    for i in 0..5000i64 {
        p.offer(ev(&format!("flood{i}"), i * 100, None)).unwrap();
        if i % 500 == 499 {
            p.advance(&mut out);
            assert!(
                p.state_size().accounts.entries <= 1000,
                "{} held",
                p.state_size().accounts.entries
            );
        }
    }
    p.finish(&mut out);
    // every account is either held or counted as evicted; nothing is dropped unseen
    let c = p.counters();
    assert_eq!((c.processed, c.expired), (5000, 0));
    assert_eq!(
        c.evicted as usize + p.state_size().accounts.entries,
        5000,
        "{c:?}"
    );
    assert!(c.evicted > 2000, "{c:?}");
}

/// A flood of accounts on addresses of their own, one request each, replayed with
/// `state_budget_mib`; returns the largest estimated state after an advance, and the counters.
fn flood(budget_mib: u64) -> (usize, Counters, usize) {
    let mut cfg = Config::default();
    cfg.windows.state_budget_mib = budget_mib;
    let mut p = Pipeline::new(Arc::new(cfg), Arc::new(NetData::default()));
    let mut out = Outputs::default();
    let mut peak = 0;
    for i in 0..60_000i64 {
        let ip = format!("10.{}.{}.{}", (i >> 16) & 255, (i >> 8) & 255, i & 255);
        let mut e = Event::sample(&format!("flood{i}"), i * 50, ip.parse().unwrap());
        e.api_key = Some(i as u64 * 7_919 + 1);
        p.offer(e).unwrap();
        if i % 1000 == 999 {
            p.advance(&mut out);
            peak = peak.max(p.state_size().total_bytes());
        }
    }
    p.finish(&mut out);
    (peak, p.counters().clone(), p.state_size().accounts.entries)
}

#[test]
fn an_account_flood_is_held_to_the_state_budget_cheapest_loss_first() {
    let (free_peak, free, _) = flood(4096);
    let budget = 16 << 20;
    assert!(
        free_peak > 3 * budget,
        "the flood must need more: {free_peak}"
    );
    assert_eq!(free.budget_accounts + free.budget_single_keys, 0);
    let (peak, c, held) = flood(16);
    // checked every BUDGET_CHECK_EVENTS events: between checks it grows by at most that many
    // events' worth of state
    let between = free_peak * BUDGET_CHECK_EVENTS as usize / 60_000;
    assert!(peak <= budget + between, "{peak} > {budget} + {between}");
    // keys seen by one account go first; accounts only when that is not enough
    assert!(c.budget_single_keys > 0, "{c:?}");
    assert!(c.budget_accounts > 0, "{c:?}");
    // every account is held or counted as dropped
    assert_eq!(c.budget_accounts as usize + held, 60_000, "{c:?}");
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

#[test]
fn snapshot_keeps_records_held_ahead_of_the_clock_with_their_origins() {
    let mut p = engine(LatePolicy::Reject);
    let origin = |i: u64| RecordOrigin {
        source: 3,
        position: i,
        kept_fields: format!("{{\"line\":{i}}}"),
    };
    for i in 0..6 {
        p.offer_from(ev("a", i as i64 * 1_000, None), || origin(i))
            .unwrap();
    }
    // a gap: two records three days on are held
    for i in 6..8 {
        p.offer_from(ev("a", 3 * DAY + i as i64, None), || origin(i))
            .unwrap();
    }
    assert_eq!(p.held_ahead(), 2);
    let bytes = p.snapshot();
    let restore = || Pipeline::restore(p.cfg.clone(), Arc::new(NetData::default()), &bytes);
    // the log goes on after the gap: both are taken
    let mut q = restore().unwrap();
    let mut out = Outputs::default();
    for i in 8..12 {
        q.offer(ev("a", 3 * DAY + i, None)).unwrap();
    }
    q.finish(&mut out);
    assert_eq!((q.counters().processed, out.refused.len()), (12, 0));
    // the log ends: both are refused with their origins
    let mut q = restore().unwrap();
    let mut out = Outputs::default();
    q.finish(&mut out);
    assert_eq!(
        out.refused,
        [
            (origin(6), RejectReason::FutureTs),
            (origin(7), RejectReason::FutureTs)
        ]
    );
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
        let shared_keys = p.state_size().shared_keys.entries;
        assert_eq!(shared_keys, shared, "wm {wm:?} clock {clock:?}");
    };
    check(None, None, 1);
    check(Some(3 * DAY), None, 1);
    check(None, Some(3 * DAY), 0);
    check(Some(3 * DAY), Some(DAY), 1);
}

/// A reload between batches: later decisions use the new thresholds and carry the new
/// version; a restart-only change is refused by section and nothing changes.
#[test]
fn reconfigure_applies_thresholds_and_version_to_later_verdicts() {
    let mut cfg = Config {
        config_version: "v1".into(),
        ..Config::default()
    };
    // no account of this test reaches monitor
    cfg.score.thresholds.monitor = 0.97;
    cfg.score.thresholds.throttle = 0.98;
    cfg.score.thresholds.suspend = 0.99;
    let mut p = Pipeline::new(Arc::new(cfg.clone()), Arc::new(NetData::default()));
    let mut out = Outputs::default();
    p.offer(ev("a", MIN, None)).unwrap();
    p.finish(&mut out);
    assert_eq!(p.counters().processed, 1);
    assert!(out.verdicts.is_empty(), "{:?}", out.verdicts);

    let mut restart_only = cfg.clone();
    restart_only.config_version = "bad".into();
    restart_only.input.dedupe_window *= 2;
    let refused = p.reconfigure(Arc::new(restart_only)).unwrap_err();
    assert_eq!(refused[0].path, "input");
    assert_eq!(p.config().config_version, "v1");

    // every account reaches monitor
    let mut next = cfg.clone();
    next.config_version = "v2".into();
    next.score.thresholds.monitor = 0.0;
    p.reconfigure(Arc::new(next)).unwrap();
    p.offer(ev("b", 10 * MIN, None)).unwrap();
    p.finish(&mut out);
    let b: Vec<_> = out
        .verdicts
        .iter()
        .map(|v| (v.account_id.as_str(), v.config_version.as_str()))
        .collect();
    assert_eq!(b, [("b", "v2")]);
}

#[test]
fn state_size_counts_each_structure() {
    let mut p = engine(LatePolicy::Reject);
    let mut out = Outputs::default();
    for (i, acct) in ["a", "b", "c"].iter().enumerate() {
        p.offer(ev(acct, i as i64 * 1_000, Some(i as u64))).unwrap();
    }
    let before = p.state_size();
    assert_eq!(before.reorder_buffer.entries, 3);
    assert_eq!(before.accounts.entries, 0);
    assert_eq!(before.dedupe.entries, 3);
    p.finish(&mut out);
    let after = p.state_size();
    assert_eq!(after.accounts.entries, 3);
    assert_eq!(after.reorder_buffer, Default::default());
    assert!(
        after.accounts.bytes > 0 && after.shared_keys.entries > 0,
        "{after:?}"
    );
    let named: Vec<&str> = after.named().iter().map(|(n, _)| *n).collect();
    assert_eq!(
        named,
        [
            "accounts",
            "single_keys",
            "shared_keys",
            "reorder_buffer",
            "campaigns",
            "dedupe"
        ]
    );
    assert_eq!(
        after.total_bytes(),
        after.named().iter().map(|(_, f)| f.bytes).sum::<usize>()
    );
}
