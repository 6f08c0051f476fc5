//! Threshold triples and the grid of them that tuning sweeps.

use crate::error::EvalError;
use serde::Serialize;

/// The score thresholds of the action ladder (monitor < throttle < suspend).
pub use distillguard_types::ladder::Thresholds;

/// How the grid is laid out: throttle and suspend both run over `min..=max` by `step`
/// (suspend above throttle); monitor sits `monitor_gap` below throttle (at least
/// `min - monitor_gap`, and above zero).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GridSpec {
    /// Lowest throttle/suspend threshold.
    pub min: f64,
    /// Highest throttle/suspend threshold.
    pub max: f64,
    /// Spacing.
    pub step: f64,
    /// Distance of monitor below throttle.
    pub monitor_gap: f64,
}

/// Rounds to 4 decimals so grid values print and serialise cleanly.
pub fn round4(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

impl GridSpec {
    /// The grid points, throttle-major, each with monitor < throttle < suspend.
    pub fn build(&self) -> Result<Vec<Thresholds>, EvalError> {
        let ok = self.step > 0.0
            && self.min > 0.0
            && self.min < self.max
            && self.max <= 1.0
            && self.monitor_gap >= 0.0;
        if !ok {
            return Err(EvalError::Invalid(format!(
                "grid needs 0 < min < max <= 1, step > 0 and monitor gap >= 0 (got {self:?})"
            )));
        }
        let n = ((self.max - self.min) / self.step + 1e-9).floor() as usize + 1;
        let values: Vec<f64> = (0..n)
            .map(|i| round4(self.min + i as f64 * self.step))
            .collect();
        let mut grid = Vec::new();
        for (i, &throttle) in values.iter().enumerate() {
            let mut monitor = round4(throttle - self.monitor_gap);
            if monitor <= 0.0 || monitor >= throttle {
                monitor = round4(throttle / 2.0);
            }
            for &suspend in &values[i + 1..] {
                grid.push(Thresholds {
                    monitor,
                    throttle,
                    suspend,
                });
            }
        }
        if grid.len() > 100_000 {
            return Err(EvalError::Invalid(format!(
                "grid of {} points is too large: raise the step",
                grid.len()
            )));
        }
        Ok(grid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_ordered_triples() {
        let g = GridSpec {
            min: 0.5,
            max: 0.8,
            step: 0.1,
            monitor_gap: 0.2,
        }
        .build()
        .unwrap();
        // values 0.5 0.6 0.7 0.8: pairs 3 + 2 + 1
        assert_eq!(g.len(), 6);
        assert_eq!(
            g[0],
            Thresholds {
                monitor: 0.3,
                throttle: 0.5,
                suspend: 0.6
            }
        );
        assert_eq!(g[5].throttle, 0.7);
        assert_eq!(g[5].suspend, 0.8);
        assert!(g
            .iter()
            .all(|t| t.monitor < t.throttle && t.throttle < t.suspend));
        let gap0 = GridSpec {
            min: 0.5,
            max: 0.6,
            step: 0.1,
            monitor_gap: 0.0,
        };
        assert_eq!(gap0.build().unwrap()[0].monitor, 0.25);
    }

    #[test]
    fn rejects_bad_specs() {
        for (min, max, step) in [
            (0.5, 0.4, 0.1),
            (0.1, 0.9, 0.0),
            (0.0, 0.9, 0.1),
            (0.1, 1.5, 0.1),
        ] {
            let spec = GridSpec {
                min,
                max,
                step,
                monitor_gap: 0.1,
            };
            assert!(spec.build().is_err(), "{spec:?}");
        }
    }
}
