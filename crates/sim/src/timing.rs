//! Timing models: the fitted organic defaults, random draws, diurnal/weekly rhythm.
//!
//! # Fitted defaults
//!
//! `crates/sim/fit/fit_timing.py` (standard-library Python; rerun it with
//! `python3 crates/sim/fit/fit_timing.py /work/shared/timing`) fits these numbers to
//! the real traces in `shared/timing`: the chitchat dataset (258,145 message times of
//! 1,315 real chat users) and one day of NASA web requests (30,969 requests, 2,365
//! hosts). A session is a run of one user's events with gaps under 30 minutes.
//!
//! | parameter | value | source |
//! |---|---|---|
//! | think time within a session, LogNormal μ, σ (seconds) | 3.0240, 1.2329 (median 20.6 s) | chitchat, 249,174 gaps, MLE |
//! | gap between sessions, LogNormal σ | 1.9324 (μ = 10.1225, median 6.9 h) | chitchat, 2,942 gaps, MLE |
//! | requests per session (1 + geometric) mean | 10.36 | NASA (chitchat's human chats: 60.6) |
//! | hour-of-day profile, local time | [`HOUR_PROFILE`] | chitchat, local = UTC−5 |
//! | day-of-week profile Mon..Sun | [`WEEKDAY_PROFILE`] | chitchat, local = UTC−5 |
//!
//! The inter-session σ is kept; its μ is set per user so the user's mean rate matches
//! their activity level (heavy-tailed across users too).

use rand::Rng;

/// Fitted within-session think time: LogNormal location (ln seconds).
pub const THINK_MU: f64 = 3.0240;
/// Fitted within-session think time: LogNormal scale.
pub const THINK_SIGMA: f64 = 1.2329;
/// Fitted gap between sessions: LogNormal scale.
pub const SESSION_GAP_SIGMA: f64 = 1.9324;
/// Fitted mean requests per session (NASA trace).
pub const MESSAGES_PER_SESSION: f64 = 10.36;

/// Fitted hour-of-day activity (local hour 0..23, mean 1), chitchat at UTC−5.
pub const HOUR_PROFILE: [f64; 24] = [
    1.043, 0.504, 0.251, 0.121, 0.089, 0.060, 0.118, 0.201, 0.334, 0.377, 0.744, 1.055, 1.238,
    1.313, 1.376, 1.555, 1.816, 1.770, 1.584, 1.744, 1.641, 1.884, 1.768, 1.414,
];
/// Fitted day-of-week activity (Mon..Sun, mean 1), chitchat at UTC−5.
pub const WEEKDAY_PROFILE: [f64; 7] = [1.121, 1.221, 0.936, 0.935, 1.402, 0.812, 0.573];

const HOUR_MAX: f64 = 1.884;
const WEEKDAY_MAX: f64 = 1.402;
/// Mean acceptance of [`accept_organic`] (mean/max of both profiles).
pub const ORGANIC_ACCEPT_MEAN: f64 = 1.0 / (HOUR_MAX * WEEKDAY_MAX);

/// Milliseconds per hour / day.
pub const HOUR_MS: i64 = 3_600_000;
/// Milliseconds per day.
pub const DAY_MS: i64 = 86_400_000;

/// A standard normal draw (Box–Muller).
pub fn normal(rng: &mut impl Rng) -> f64 {
    let u1: f64 = rng.gen_range(f64::MIN_POSITIVE..1.0);
    let u2: f64 = rng.gen();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// A LogNormal(μ, σ) draw.
pub fn lognormal(rng: &mut impl Rng, mu: f64, sigma: f64) -> f64 {
    (mu + sigma * normal(rng)).exp()
}

/// μ of a LogNormal with the given mean and σ.
pub fn lognormal_mu_for_mean(mean: f64, sigma: f64) -> f64 {
    mean.max(1e-9).ln() - sigma * sigma / 2.0
}

/// An exponential draw with the given mean.
pub fn exponential(rng: &mut impl Rng, mean: f64) -> f64 {
    let u: f64 = rng.gen_range(f64::MIN_POSITIVE..1.0);
    -u.ln() * mean
}

/// Number of requests in a session: 1 + Geometric, with the given mean (≥ 1).
pub fn session_length(rng: &mut impl Rng, mean: f64) -> u32 {
    if mean <= 1.0 {
        return 1;
    }
    let p = 1.0 / mean;
    let u: f64 = rng.gen_range(f64::MIN_POSITIVE..1.0);
    let extra = (u.ln() / (1.0 - p).ln()).floor();
    1 + extra.min(10_000.0) as u32
}

/// Fitted think time in milliseconds.
pub fn think_ms(rng: &mut impl Rng, mu: f64, sigma: f64) -> i64 {
    (lognormal(rng, mu, sigma) * 1000.0).clamp(500.0, 6.0 * 3_600_000.0) as i64
}

/// Local hour (0..23) and weekday (0 = Monday) of `ts_ms` at `tz_offset_s`.
pub fn local_hour_weekday(ts_ms: i64, tz_offset_s: i32) -> (usize, usize) {
    let local = ts_ms + tz_offset_s as i64 * 1000;
    let hour = local.rem_euclid(DAY_MS) / HOUR_MS;
    // 1970-01-01 was a Thursday (weekday 3).
    let day = local.div_euclid(DAY_MS);
    (hour as usize, (day + 3).rem_euclid(7) as usize)
}

/// Thinning test of the organic rhythm: accept a candidate session start at `ts_ms`
/// with probability hour_profile × weekday_profile / max.
pub fn accept_organic(rng: &mut impl Rng, ts_ms: i64, tz_offset_s: i32) -> bool {
    let (h, w) = local_hour_weekday(ts_ms, tz_offset_s);
    let p = HOUR_PROFILE[h] * WEEKDAY_PROFILE[w] / (HOUR_MAX * WEEKDAY_MAX);
    rng.gen::<f64>() < p
}

/// Whether `ts_ms` falls in local business hours `[start, end)` on a weekday.
pub fn in_business_hours(ts_ms: i64, tz_offset_s: i32, start: u8, end: u8) -> bool {
    let (h, w) = local_hour_weekday(ts_ms, tz_offset_s);
    w < 5 && h >= start as usize && h < end as usize
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn check(ts: i64, tz: i32, expected: (usize, usize)) {
        assert_eq!(local_hour_weekday(ts, tz), expected);
    }

    #[test]
    fn local_time() {
        check(0, 0, (0, 3)); // 1970-01-01 00:00 Thursday
        check(0, -5 * 3600, (19, 2)); // Wednesday 19:00 at UTC-5
        check(1_777_593_600_000, 0, (0, 4)); // 2026-05-01 Friday
    }

    #[test]
    fn profiles_have_mean_one() {
        let h: f64 = HOUR_PROFILE.iter().sum::<f64>() / 24.0;
        let w: f64 = WEEKDAY_PROFILE.iter().sum::<f64>() / 7.0;
        assert!((h - 1.0).abs() < 0.01 && (w - 1.0).abs() < 0.01, "{h} {w}");
    }

    #[test]
    fn session_length_mean() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let n = 20_000;
        let total: u64 = (0..n).map(|_| session_length(&mut rng, 4.0) as u64).sum();
        let mean = total as f64 / n as f64;
        assert!((mean - 4.0).abs() < 0.2, "{mean}");
    }
}
