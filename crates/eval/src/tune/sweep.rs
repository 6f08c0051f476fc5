//! Replaying recorded trajectories under every grid point, in parallel.

use super::trajectories::{Sample, Trajectories};
use crate::action::{Action, Level};
use crate::labels::{Class, Labels};
use crate::stats::{share, Dist};
use rayon::prelude::*;
use serde::Serialize;

/// What one grid point achieves.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PointMetrics {
    /// Labelled attack accounts.
    pub attack_accounts: u64,
    /// Attack accounts that reached throttle or suspend.
    pub attack_detected: u64,
    /// `attack_detected / attack_accounts`.
    pub recall: Option<f64>,
    /// Labelled benign (organic, automation and cohort) accounts.
    pub benign_accounts: u64,
    /// Benign accounts that reached monitor or more.
    pub benign_monitored: u64,
    /// Benign accounts that reached throttle or suspend.
    pub benign_throttled: u64,
    /// Benign accounts suspended.
    pub benign_suspended: u64,
    /// Cohort members (benign groups of new people) that reached throttle or suspend.
    pub cohort_throttled: u64,
    /// `benign_monitored / benign_accounts`.
    pub benign_monitor_rate: Option<f64>,
    /// `benign_throttled / benign_accounts`.
    pub benign_throttle_rate: Option<f64>,
    /// `benign_suspended / benign_accounts`.
    pub benign_suspend_rate: Option<f64>,
    /// Attack requests served before their account's first throttle/suspend.
    pub leaked: u64,
    /// All attack requests known from the trajectories.
    pub attack_requests: u64,
    /// `leaked / attack_requests`.
    pub leak_share: Option<f64>,
    /// Requests up to and including the detecting one, over detected attack accounts.
    pub requests_to_detect: Dist,
}

/// How one account fares under one grid point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// Most severe action reached.
    pub max_level: Level,
    /// At the first throttle/suspend: `(requests so far, requests with an earlier
    /// timestamp)`.
    pub detection: Option<(u64, u64)>,
}

/// Replays one account's samples through a fresh ladder state. Stops early once the
/// account is suspended (nothing it could reach later changes the metrics).
pub fn replay_account<T, S, F>(samples: &[Sample], point: &T, step_fn: &F) -> Outcome
where
    T: Bounds,
    S: Default,
    F: Fn(&mut S, f64, i64, &T) -> Option<Action>,
{
    let mut state = S::default();
    let mut current = Level::None;
    let mut out = Outcome {
        max_level: Level::None,
        detection: None,
    };
    let (mut prev_ts, mut prev_n, mut n_before) = (i64::MIN, 0u64, 0u64);
    for s in samples {
        if s.ts_ms > prev_ts {
            n_before = prev_n;
            prev_ts = s.ts_ms;
        }
        prev_n = u64::from(s.n_request);
        let score = point.bounded(f64::from(s.score), s.bound);
        if let Some(action) = step_fn(&mut state, score, s.ts_ms, point) {
            current = Level::from(action);
        }
        out.max_level = out.max_level.max(current);
        if out.detection.is_none() && current.is_actioning() {
            out.detection = Some((prev_n, n_before));
        }
        if out.max_level == Level::Suspend {
            break;
        }
    }
    out
}

/// The class of every trajectory account, and the labelled population sizes.
struct Population {
    class: Vec<Option<Class>>,
    attack_accounts: u64,
    benign_accounts: u64,
    attack_requests: u64,
}

impl Population {
    fn new(traj: &Trajectories, labels: &Labels) -> Self {
        let class: Vec<Option<Class>> = (0..traj.accounts())
            .map(|i| labels.get(traj.name(i)).map(|l| l.class))
            .collect();
        let attack_requests = class
            .iter()
            .enumerate()
            .filter(|(_, c)| **c == Some(Class::Attack))
            .map(|(i, _)| traj.total_requests(i))
            .sum();
        let attack_accounts = labels.count(Class::Attack) as u64;
        Population {
            class,
            attack_accounts,
            benign_accounts: labels.len() as u64 - attack_accounts,
            attack_requests,
        }
    }
}

/// A grid point that can bound a score to an action, as the engine's group assessment did
/// with its own thresholds when the score was recorded.
pub trait Bounds {
    /// `score`, lowered so it reaches at most `max` under this point.
    fn bounded(&self, score: f64, max: Action) -> f64;
}

impl Bounds for super::Thresholds {
    fn bounded(&self, score: f64, max: Action) -> f64 {
        super::Thresholds::bounded(self, score, max)
    }
}

fn evaluate_point<T, S, F>(
    floor: f64,
    traj: &Trajectories,
    pop: &Population,
    point: &T,
    step_fn: &F,
) -> PointMetrics
where
    T: Bounds,
    S: Default,
    F: Fn(&mut S, f64, i64, &T) -> Option<Action>,
{
    let (mut detected, mut leaked) = (0u64, 0u64);
    let (mut monitored, mut throttled, mut suspended) = (0u64, 0u64, 0u64);
    let mut cohort_throttled = 0u64;
    let mut to_detect = Vec::new();
    for (i, class) in pop.class.iter().enumerate() {
        let Some(class) = class else { continue };
        let o = if f64::from(traj.max_score(i)) < floor {
            Outcome {
                max_level: Level::None,
                detection: None,
            }
        } else {
            replay_account(traj.samples(i), point, step_fn)
        };
        if class.is_benign() {
            monitored += u64::from(o.max_level >= Level::Monitor);
            throttled += u64::from(o.max_level >= Level::Throttle);
            suspended += u64::from(o.max_level >= Level::Suspend);
            if *class == Class::Cohort {
                cohort_throttled += u64::from(o.max_level >= Level::Throttle);
            }
        } else {
            match o.detection {
                Some((n, before)) => {
                    detected += 1;
                    leaked += before;
                    to_detect.push(n as f64);
                }
                None => leaked += traj.total_requests(i),
            }
        }
    }
    PointMetrics {
        attack_accounts: pop.attack_accounts,
        attack_detected: detected,
        recall: share(detected, pop.attack_accounts),
        benign_accounts: pop.benign_accounts,
        benign_monitored: monitored,
        benign_throttled: throttled,
        benign_suspended: suspended,
        cohort_throttled,
        benign_monitor_rate: share(monitored, pop.benign_accounts),
        benign_throttle_rate: share(throttled, pop.benign_accounts),
        benign_suspend_rate: share(suspended, pop.benign_accounts),
        leaked,
        attack_requests: pop.attack_requests,
        leak_share: share(leaked, pop.attack_requests),
        requests_to_detect: Dist::of(to_detect),
    }
}

/// Evaluates every grid point over the trajectories, in parallel; the result is in grid
/// order. `step_fn(state, score, ts_ms, point)` is the action ladder: it returns the new
/// action when the account's action changes (`Clear` = back to none). Each account starts
/// from `S::default()`. Accounts without a label are ignored; labelled accounts without
/// samples count as never acted on.
pub fn sweep<T, S, F>(
    traj: &Trajectories,
    labels: &Labels,
    grid: &[T],
    step_fn: F,
) -> Vec<PointMetrics>
where
    T: Sync + Bounds,
    S: Default,
    F: Fn(&mut S, f64, i64, &T) -> Option<Action> + Sync,
{
    sweep_with_floor(traj, labels, grid, |_| f64::NEG_INFINITY, step_fn)
}

/// [`sweep`], skipping the replay of accounts whose highest score is below
/// `floor(point)`: they are taken as never acted on. Pass the monitor threshold when the
/// ladder cannot act on scores below it (true of any ladder that starts at no action).
pub fn sweep_with_floor<T, S, F, L>(
    traj: &Trajectories,
    labels: &Labels,
    grid: &[T],
    floor: L,
    step_fn: F,
) -> Vec<PointMetrics>
where
    T: Sync + Bounds,
    S: Default,
    F: Fn(&mut S, f64, i64, &T) -> Option<Action> + Sync,
    L: Fn(&T) -> f64 + Sync,
{
    let pop = Population::new(traj, labels);
    grid.par_iter()
        .map(|point| evaluate_point(floor(point), traj, &pop, point, &step_fn))
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::tune::grid::Thresholds;
    use crate::tune::trajectories::ScoreSample;

    /// A tiny ladder without hysteresis: the level is whatever the score reaches, and a
    /// verdict is emitted when it changes.
    #[derive(Default)]
    pub(crate) struct TestLadder(Level);

    pub(crate) fn test_step(
        s: &mut TestLadder,
        score: f64,
        _ts: i64,
        t: &Thresholds,
    ) -> Option<Action> {
        let level = if score >= t.suspend {
            Level::Suspend
        } else if score >= t.throttle {
            Level::Throttle
        } else if score >= t.monitor {
            Level::Monitor
        } else {
            Level::None
        };
        (level != s.0).then(|| {
            s.0 = level;
            match level {
                Level::None => Action::Clear,
                Level::Monitor => Action::Monitor,
                Level::Throttle => Action::Throttle,
                Level::Suspend => Action::Suspend,
            }
        })
    }

    pub(crate) fn traj(accounts: &[(&str, &[f64])]) -> Trajectories {
        let mut samples = Vec::new();
        for (a, scores) in accounts {
            for (k, &score) in scores.iter().enumerate() {
                samples.push(ScoreSample {
                    account: a,
                    ts_ms: 1000 * k as i64,
                    n_request: k as u64 + 1,
                    score,
                    bound: Action::Suspend,
                });
            }
        }
        samples.into_iter().collect()
    }

    pub(crate) fn labels() -> Labels {
        use Class::*;
        Labels::from_entries([
            ("a1", Attack, Some("c")),
            ("a2", Attack, Some("c")),
            ("a3", Attack, Some("c")),
            ("o1", Organic, None),
            ("o2", Organic, None),
            ("m1", Automation, None),
            ("m2", Automation, None), // no samples
        ])
    }

    pub(crate) const SCORES: &[(&str, &[f64])] = &[
        ("a1", &[0.1, 0.5, 0.71, 0.95, 0.2]), // scores are stored as f32: keep off exact thresholds
        ("a2", &[0.2, 0.6, 0.65, 0.75]),
        ("a3", &[0.1, 0.3, 0.45]),
        ("o1", &[0.1, 0.62, 0.1]),
        ("o2", &[0.2, 0.2]),
        ("m1", &[0.5, 0.92]),
        ("x", &[0.99]), // unlabelled: ignored
    ];

    fn point(monitor: f64, throttle: f64, suspend: f64) -> Thresholds {
        Thresholds {
            monitor,
            throttle,
            suspend,
        }
    }

    fn check(t: Thresholds, expected: (u64, [u64; 3], u64, Option<f64>)) {
        let m = &sweep(&traj(SCORES), &labels(), &[t], test_step)[0];
        let actual = (
            m.attack_detected,
            [m.benign_monitored, m.benign_throttled, m.benign_suspended],
            m.leaked,
            m.requests_to_detect.median,
        );
        assert_eq!(actual, expected, "{t:?}");
        assert_eq!(
            (m.attack_accounts, m.benign_accounts, m.attack_requests),
            (3, 4, 12)
        );
    }

    #[test]
    fn hand_computed_points() {
        // throttle 0.6: a1 at request 3 (2 leaked), a2 at request 2 (1 leaked), a3 never
        // (3 leaked); o1 throttled (0.62), m1 suspended (0.92), o2 nothing.
        check(point(0.4, 0.6, 0.9), (2, [2, 2, 1], 6, Some(2.5)));
        // throttle 0.7: a1 at request 3 (2 leaked), a2 at 4 (3 leaked), a3 never (3);
        // o1 only monitored (0.62); m1 throttled, not suspended (0.92 < 0.96).
        check(point(0.5, 0.7, 0.96), (2, [2, 1, 0], 2 + 3 + 3, Some(3.5)));
        // everything high: nobody detected, all 12 attack requests leak.
        check(point(0.97, 0.98, 0.99), (0, [0, 0, 0], 12, None));
        let m = &sweep(&traj(SCORES), &labels(), &[point(0.4, 0.6, 0.9)], test_step)[0];
        assert_eq!(m.recall, Some(2.0 / 3.0));
        assert_eq!(m.benign_throttle_rate, Some(0.5));
        assert_eq!(m.leak_share, Some(0.5));
    }

    #[test]
    fn a_swept_ladder_keeps_the_bound_the_engine_recorded() {
        // A cohort member scoring 0.95: the engine held it at monitor, and so does every
        // grid point, whatever its thresholds.
        for (bound, want) in [
            (Action::Monitor, Level::Monitor),
            (Action::Throttle, Level::Throttle),
            (Action::Suspend, Level::Suspend),
        ] {
            let t: Trajectories = std::iter::once(ScoreSample {
                account: "a1",
                ts_ms: 5,
                n_request: 1,
                score: 0.95,
                bound,
            })
            .collect();
            for p in [point(0.3, 0.6, 0.9), point(0.2, 0.4, 0.5)] {
                let o = replay_account(t.samples(0), &p, &test_step);
                assert_eq!(o.max_level, want, "{bound:?} at {p:?}");
            }
        }
    }

    #[test]
    fn requests_sharing_a_timestamp_are_not_leaked_before_detection() {
        // Three requests at the same ms, the third one detected: none was served strictly
        // before the detection time.
        let t: Trajectories = (1..=3)
            .map(|n| ScoreSample {
                account: "a1",
                ts_ms: 5,
                n_request: n,
                score: if n == 3 { 0.8 } else { 0.1 },
                bound: Action::Suspend,
            })
            .collect();
        let o = replay_account(t.samples(0), &point(0.3, 0.6, 0.9), &test_step);
        assert_eq!(o.detection, Some((3, 0)));
        assert_eq!(o.max_level, Level::Throttle);
    }

    #[test]
    fn the_floor_skips_accounts_without_changing_results() {
        let grid: Vec<Thresholds> = [0.3, 0.5, 0.6, 0.7, 0.9]
            .iter()
            .map(|&t| point(t - 0.1, t, t + 0.05))
            .collect();
        let plain = sweep(&traj(SCORES), &labels(), &grid, test_step);
        let floored = sweep_with_floor(&traj(SCORES), &labels(), &grid, |t| t.monitor, test_step);
        assert_eq!(plain, floored);
    }

    #[test]
    fn sweep_keeps_grid_order() {
        let grid = [point(0.97, 0.98, 0.99), point(0.4, 0.6, 0.9)];
        let ms = sweep(&traj(SCORES), &labels(), &grid, test_step);
        assert_eq!(ms[0].attack_detected, 0);
        assert_eq!(ms[1].attack_detected, 2);
    }
}
