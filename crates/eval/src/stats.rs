//! Small summary statistics: quantiles, distributions and shares.

use serde::Serialize;

/// Quantile `q` (0–1) of sorted values, interpolating linearly between the two
/// nearest ranks (so the median of `[1, 2, 3, 4]` is 2.5). `None` when empty.
pub fn quantile_sorted(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let pos = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    let frac = pos - lo as f64;
    Some(sorted[lo] + (sorted[hi] - sorted[lo]) * frac)
}

/// `num / den`, or `None` when `den` is zero.
pub fn share(num: u64, den: u64) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

/// Count, median and 90th percentile of a sample.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Dist {
    /// Number of values.
    pub n: usize,
    /// Median (`None` when empty).
    pub median: Option<f64>,
    /// 90th percentile (`None` when empty).
    pub p90: Option<f64>,
}

impl Dist {
    /// Summarises the values (in any order).
    pub fn of(mut values: Vec<f64>) -> Self {
        values.sort_by(f64::total_cmp);
        Dist {
            n: values.len(),
            median: quantile_sorted(&values, 0.5),
            p90: quantile_sorted(&values, 0.9),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate() {
        let d = Dist::of(vec![4.0, 1.0, 3.0, 2.0]);
        assert_eq!(d.n, 4);
        assert_eq!(d.median, Some(2.5));
        // pos = 0.9 * 3 = 2.7 -> 3 + 0.7 * (4 - 3)
        assert!((d.p90.unwrap() - 3.7).abs() < 1e-12);
        assert_eq!(Dist::of(vec![]).median, None);
        assert_eq!(Dist::of(vec![7.0]).p90, Some(7.0));
        assert_eq!(share(1, 4), Some(0.25));
        assert_eq!(share(1, 0), None);
    }
}
