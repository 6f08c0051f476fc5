//! Accounts of the same age: the population a young account's volume is compared with.
//!
//! Accounts fall into age bands (under 1 day, 1–7 days, 7–30, 30–180, older, unknown). Each band
//! keeps a request-weighted moving mean and variance of log(1 + daily volume); an account's
//! `rate_vs_cohort` is its z-score in its band. Request weighting makes heavy accounts pull the
//! mean up, which errs towards not flagging.

use serde::{Deserialize, Serialize};

const BANDS: usize = 6;
const ALPHA: f64 = 1.0 / 4096.0;

/// Moving log-volume statistics per age band.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cohorts {
    mean: [f64; BANDS],
    var: [f64; BANDS],
    n: [u64; BANDS],
}

impl Default for Cohorts {
    fn default() -> Self {
        Cohorts {
            mean: [0.0; BANDS],
            var: [1.0; BANDS],
            n: [0; BANDS],
        }
    }
}

/// Age band of an account age in days.
pub fn band(age_days: Option<f64>) -> usize {
    match age_days {
        None => 5,
        Some(d) if d < 1.0 => 0,
        Some(d) if d < 7.0 => 1,
        Some(d) if d < 30.0 => 2,
        Some(d) if d < 180.0 => 3,
        Some(_) => 4,
    }
}

impl Cohorts {
    /// Observe an account's daily volume and return its z-score in its band (0 until the band
    /// has seen 200 requests).
    pub fn observe(&mut self, age_days: Option<f64>, daily_volume: f64) -> f64 {
        let b = band(age_days);
        let x = daily_volume.ln_1p();
        let z = if self.n[b] >= 200 {
            (x - self.mean[b]) / self.var[b].sqrt().max(0.25)
        } else {
            0.0
        };
        let a = if self.n[b] < 4096 {
            1.0 / (self.n[b] + 1) as f64
        } else {
            ALPHA
        };
        let d = x - self.mean[b];
        self.mean[b] += a * d;
        self.var[b] = (1.0 - a) * (self.var[b] + a * d * d);
        self.n[b] += 1;
        z
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outlier_in_its_band_scores_high() {
        let mut c = Cohorts::default();
        for i in 0..1000 {
            c.observe(Some(2.0), 5.0 + (i % 7) as f64);
        }
        assert!(c.observe(Some(2.0), 300.0) > 3.0);
        assert!(c.observe(Some(2.0), 7.0).abs() < 1.0);
        // Another band has its own statistics.
        assert_eq!(c.observe(Some(400.0), 300.0), 0.0);
    }
}
