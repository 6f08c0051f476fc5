//! When each account acts next: organic sessions, automation jobs, campaign schedules.

use super::{OrgParams, Pop, Simulator};
use crate::net::NetKind;
use crate::timing::{self, DAY_MS, HOUR_MS};
use rand::Rng;

/// Organic sessions are separated by at least this (the session definition of the fit).
const MIN_SESSION_GAP_MS: i64 = 30 * 60 * 1000;
const MAX_TRIES: usize = 100_000;

impl Simulator {
    /// Time of an account's first request.
    pub(super) fn first_event(&mut self, i: usize) -> Option<i64> {
        match self.accounts[i].pop {
            Pop::Organic | Pop::Tool(_) => {
                let p = self.params_of(i);
                let a = &self.accounts[i];
                let t0 = a.first_use.max(self.start);
                // Start somewhere inside the user's first gap so the window start is not a burst.
                let mean = (a.gap + p.gap_sigma * p.gap_sigma / 2.0).exp();
                let from = t0 - (self.rng.gen::<f64>() * mean) as i64;
                let mut t = self.next_session(i, from, p)?;
                while t < t0 {
                    t = self.next_session(i, t, p)?;
                }
                Some(t)
            }
            Pop::Ci(_) | Pop::Eval | Pop::Batch => self.schedule(i, self.start),
            Pop::Campaign(c) => {
                let a = &self.accounts[i];
                let t = self.campaign_adjust(c as usize, i, a.first_use);
                (t <= self.accounts[i].end).then_some(t)
            }
        }
    }

    fn params_of(&self, i: usize) -> OrgParams {
        match self.accounts[i].pop {
            Pop::Tool(k) => self.tools[k as usize].params,
            _ => self.organic_params,
        }
    }

    /// Time of the account's request after one at `now` (`None`: the account is done).
    pub(super) fn schedule(&mut self, i: usize, now: i64) -> Option<i64> {
        match self.accounts[i].pop {
            Pop::Organic | Pop::Tool(_) => {
                let p = self.params_of(i);
                if self.accounts[i].left > 0 {
                    self.accounts[i].left -= 1;
                    return Some(now + timing::think_ms(&mut self.rng, p.think_mu, p.think_sigma));
                }
                self.next_session(i, now, p)
            }
            Pop::Ci(_) => self.ci_next(i, now),
            Pop::Eval => self.eval_next(i, now),
            Pop::Batch => self.batch_next(i, now),
            Pop::Campaign(c) => self.campaign_next(c as usize, i, now),
        }
    }

    /// Start of the next organic session after `from` (thinned by the diurnal/weekly rhythm);
    /// also picks where the user connects from.
    fn next_session(&mut self, i: usize, from: i64, p: OrgParams) -> Option<i64> {
        let (mu, tz) = (self.accounts[i].gap, self.accounts[i].tz_s);
        let mut t = from;
        let mut tries = 0;
        loop {
            let g =
                (timing::lognormal(&mut self.rng, mu, p.gap_sigma) as i64).max(MIN_SESSION_GAP_MS);
            t = t.saturating_add(g);
            if t >= self.end {
                return None;
            }
            tries += 1;
            if timing::accept_organic(&mut self.rng, t, tz) || tries > MAX_TRIES {
                break;
            }
        }
        self.accounts[i].left = timing::session_length(&mut self.rng, p.msgs) - 1;
        self.pick_location(i, t, p);
        Some(t)
    }

    fn pick_location(&mut self, i: usize, t: i64, p: OrgParams) {
        let rng = &mut self.rng;
        let a = &mut self.accounts[i];
        let days = (t - a.last_ip_change).max(0) as f64 / DAY_MS as f64;
        if rng.gen::<f64>() < 1.0 - (-p.ip_change_per_day * days).exp() {
            let v6 = if a.home.ip.is_ipv6() { 1.0 } else { 0.0 };
            a.home = self.ips.draw(NetKind::Residential, v6, rng);
            a.last_ip_change = t;
        }
        a.cur = match a.office {
            Some(off) if timing::in_business_hours(t, a.tz_s, 9, 18) && rng.gen_bool(0.7) => off,
            _ if rng.gen::<f64>() < p.mobile_share => {
                if rng.gen_bool(0.5) {
                    a.mobile = self.ips.draw(NetKind::Mobile, p.ipv6_share, rng);
                }
                a.mobile
            }
            _ => a.home,
        };
    }

    fn ci_next(&mut self, i: usize, now: i64) -> Option<i64> {
        let c = self.scenario.ci.as_ref()?;
        let a = &mut self.accounts[i];
        if a.left > 0 {
            a.left -= 1;
            return Some(now + (timing::lognormal(&mut self.rng, a.gap, 0.6) as i64).max(200));
        }
        let (bs, be) = c.business_hours;
        let frac = (be.saturating_sub(bs)) as f64 / 24.0 * 5.0 / 7.0;
        let mean = DAY_MS as f64 * frac / c.jobs_per_day.max(1e-6);
        let mut t = now;
        for _ in 0..MAX_TRIES {
            t += (timing::exponential(&mut self.rng, mean) as i64).max(1000);
            if t >= self.end {
                return None;
            }
            if timing::in_business_hours(t, a.tz_s, bs, be) {
                a.left = timing::session_length(&mut self.rng, c.requests_per_job) - 1;
                return Some(t);
            }
        }
        None
    }

    fn eval_next(&mut self, i: usize, now: i64) -> Option<i64> {
        let e = self.scenario.eval.as_ref()?;
        let a = &mut self.accounts[i];
        if a.left > 0 {
            a.left -= 1;
            a.aux += 1;
            return Some(now + (timing::lognormal(&mut self.rng, a.gap, 0.5) as i64).max(100));
        }
        let mean = 7.0 * DAY_MS as f64 / e.runs_per_week.max(1e-6);
        let t = now + (timing::exponential(&mut self.rng, mean) as i64).max(60_000);
        if t >= self.end {
            return None;
        }
        let nb = self.kit.bench_count();
        let b = if self.rng.gen_bool(0.7) {
            a.budget as usize % nb
        } else {
            self.rng.gen_range(0..nb)
        };
        let len = self.kit.bench_len(b);
        let count =
            ((len as f64 * e.run_fraction.clamp(0.0, 1.0)).ceil() as usize).clamp(1, len.max(1));
        a.aux2 = b as u16;
        a.aux = if count < len {
            self.rng.gen_range(0..=(len - count)) as u32
        } else {
            0
        };
        a.left = count as u32 - 1;
        Some(t)
    }

    fn batch_next(&mut self, i: usize, now: i64) -> Option<i64> {
        let b = self.scenario.batch.as_ref()?;
        let a = &mut self.accounts[i];
        if a.left > 0 {
            a.left -= 1;
            return Some(now + (timing::lognormal(&mut self.rng, a.gap, 0.4) as i64).max(100));
        }
        let tz = a.tz_s as i64 * 1000;
        let mut day = (now + tz).div_euclid(DAY_MS);
        loop {
            day += 1;
            let t = day * DAY_MS - tz
                + b.start_hour as i64 * HOUR_MS
                + self.rng.gen_range(0..30 * 60_000);
            if t >= self.end {
                return None;
            }
            if self.rng.gen::<f64>() < b.job_probability {
                let docs =
                    timing::lognormal(&mut self.rng, b.docs_per_job.max(1.0).ln() - 0.125, 0.5);
                a.left = (docs.round() as u32).max(1) - 1;
                return Some(t);
            }
        }
    }

    fn campaign_paused(&self, c: usize, day: i64) -> bool {
        let cp = &self.campaigns[c];
        let share = cp.cfg.pause_day_share;
        share > 0.0
            && (crate::ids::mix64(cp.salt ^ day as u64) >> 11) as f64 / (1u64 << 53) as f64 <= share
    }

    /// Moves `t` forward into the operator's on-hours, off pause days and under the daily cap.
    fn campaign_adjust(&mut self, c: usize, i: usize, mut t: i64) -> i64 {
        let (on_a, on_b) = self.campaigns[c].cfg.on_hours;
        let cap = self.campaigns[c].cfg.daily_cap;
        let jitter_max = (self.accounts[i].gap as i64).clamp(1000, HOUR_MS);
        for _ in 0..400 {
            let day = t.div_euclid(DAY_MS);
            let hour = t.rem_euclid(DAY_MS) / HOUR_MS;
            if self.campaign_paused(c, day) {
                t = (day + 1) * DAY_MS + on_a as i64 * HOUR_MS + self.rng.gen_range(0..jitter_max);
                continue;
            }
            if hour < on_a as i64 {
                t = day * DAY_MS + on_a as i64 * HOUR_MS + self.rng.gen_range(0..jitter_max);
                continue;
            }
            if hour >= on_b as i64 {
                t = (day + 1) * DAY_MS + on_a as i64 * HOUR_MS + self.rng.gen_range(0..jitter_max);
                continue;
            }
            let a = &self.accounts[i];
            if cap > 0 && day as i32 == a.day && a.day_count >= cap {
                t = (day + 1) * DAY_MS + on_a as i64 * HOUR_MS + self.rng.gen_range(0..jitter_max);
                continue;
            }
            break;
        }
        t
    }

    fn campaign_next(&mut self, c: usize, i: usize, now: i64) -> Option<i64> {
        if self.accounts[i].budget == 0 {
            return None;
        }
        let cfg = &self.campaigns[c].cfg;
        let (mimic, jitter, ramp, rpm) = (
            cfg.timing_mimicry,
            cfg.jitter,
            cfg.ramp_days,
            cfg.rate_limit_rpm,
        );
        let a = &mut self.accounts[i];
        let mut g = if mimic {
            if a.left > 0 {
                a.left -= 1;
                timing::think_ms(&mut self.rng, timing::THINK_MU, timing::THINK_SIGMA) as f64
            } else {
                let msgs = timing::MESSAGES_PER_SESSION;
                let think_mean =
                    (timing::THINK_MU + timing::THINK_SIGMA.powi(2) / 2.0).exp() * 1000.0;
                let sess = (msgs * a.gap - (msgs - 1.0) * think_mean).max(60_000.0);
                a.left = timing::session_length(&mut self.rng, msgs) - 1;
                let mu = timing::lognormal_mu_for_mean(sess, timing::SESSION_GAP_SIGMA);
                timing::lognormal(&mut self.rng, mu, timing::SESSION_GAP_SIGMA)
            }
        } else {
            a.gap * (1.0 + jitter * self.rng.gen_range(-1.0..1.0))
        };
        if ramp > 0.0 {
            let elapsed = (now - a.first_use) as f64 / (ramp * DAY_MS as f64);
            if elapsed < 1.0 {
                g /= elapsed.max(0.1);
            }
        }
        let min_gap = (60_000.0 / rpm).ceil();
        let t = now + g.max(min_gap) as i64;
        let t = self.campaign_adjust(c, i, t);
        (t <= self.accounts[i].end).then_some(t)
    }
}
