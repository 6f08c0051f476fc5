//! When each account acts next: organic sessions, automation jobs, campaign schedules.

use super::{OrgParams, Pop, Simulator, F_AFTER, F_DORMANT, F_LAB, F_SESSION};
use crate::net::NetKind;
use crate::scenario::CohortKind;
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
                if self.accounts[i].flags & F_DORMANT != 0 {
                    // Old organic use: start inside the first gap so the window start is no burst.
                    let mean = (self.accounts[i].gap2
                        + timing::SESSION_GAP_SIGMA * timing::SESSION_GAP_SIGMA / 2.0)
                        .exp();
                    let from = self.start - (self.rng.gen::<f64>() * mean) as i64;
                    let mut t = self.dormant_next(c as usize, i, from)?;
                    while t < self.start {
                        self.accounts[i].left = 0;
                        t = self.dormant_next(c as usize, i, t)?;
                    }
                    return Some(t);
                }
                let a = &self.accounts[i];
                let t = self.campaign_adjust(c as usize, i, a.first_use);
                (t <= self.accounts[i].end).then_some(t)
            }
            Pop::Cohort(_) => {
                let t = self.accounts[i].first_use;
                self.cohort_next(i, t - 1)
            }
        }
    }

    /// Light organic use of a bought account before its takeover; at the takeover the
    /// account switches to the campaign schedule.
    fn dormant_next(&mut self, c: usize, i: usize, now: i64) -> Option<i64> {
        let a = &mut self.accounts[i];
        let t = if a.left > 0 {
            a.left -= 1;
            now + timing::think_ms(&mut self.rng, timing::THINK_MU, timing::THINK_SIGMA)
        } else {
            let mut t = now;
            for _ in 0..MAX_TRIES {
                t += (timing::lognormal(&mut self.rng, a.gap2, timing::SESSION_GAP_SIGMA) as i64)
                    .max(MIN_SESSION_GAP_MS);
                if t >= a.first_use || timing::accept_organic(&mut self.rng, t, a.tz_s) {
                    break;
                }
            }
            a.left = timing::session_length(&mut self.rng, 2.0) - 1;
            a.flags |= F_SESSION;
            t
        };
        if t < a.first_use {
            return Some(t);
        }
        // The takeover: new addresses, harvesting volume.
        a.flags &= !(F_DORMANT | F_SESSION);
        a.left = 0;
        if self.campaigns[c].cfg.local_schedule || self.campaigns[c].cfg.timing_mimicry {
            // The new user's first session.
            a.left = timing::session_length(&mut self.rng, timing::MESSAGES_PER_SESSION) - 1;
        }
        let first = a.first_use;
        let t = self.campaign_adjust(c, i, first);
        (t <= self.accounts[i].end).then_some(t)
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
            Pop::Campaign(c) => {
                if self.accounts[i].flags & F_DORMANT != 0 {
                    self.dormant_next(c as usize, i, now)
                } else {
                    self.campaign_next(c as usize, i, now)
                }
            }
            Pop::Cohort(_) => self.cohort_next(i, now),
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
        self.accounts[i].flags |= F_SESSION;
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
        let cfg = &self.campaigns[c].cfg;
        let (on_a, on_b) = if cfg.local_schedule {
            (0, 24)
        } else {
            cfg.on_hours
        };
        let local = cfg.local_schedule;
        let cap = cfg.daily_cap;
        let jitter_max = (self.accounts[i].gap as i64).clamp(1000, HOUR_MS);
        for _ in 0..400 {
            let day = t.div_euclid(DAY_MS);
            let hour = t.rem_euclid(DAY_MS) / HOUR_MS;
            if !local && self.campaign_paused(c, day) {
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
        let (mimic, jitter, ramp, rpm, local) = (
            cfg.timing_mimicry || cfg.local_schedule,
            cfg.jitter,
            cfg.ramp_days,
            cfg.rate_limit_rpm,
            cfg.local_schedule,
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
                a.flags |= F_SESSION;
                if local {
                    // Session starts thinned by the organic rhythm in the account's own zone
                    // (the candidate gaps are shortened so the mean rate is kept).
                    let mu = timing::lognormal_mu_for_mean(
                        sess * timing::ORGANIC_ACCEPT_MEAN,
                        timing::SESSION_GAP_SIGMA,
                    );
                    let mut t = 0f64;
                    for _ in 0..MAX_TRIES {
                        t += timing::lognormal(&mut self.rng, mu, timing::SESSION_GAP_SIGMA)
                            .max(MIN_SESSION_GAP_MS as f64);
                        if timing::accept_organic(&mut self.rng, now + t as i64, a.tz_s) {
                            break;
                        }
                    }
                    t
                } else {
                    let mu = timing::lognormal_mu_for_mean(sess, timing::SESSION_GAP_SIGMA);
                    timing::lognormal(&mut self.rng, mu, timing::SESSION_GAP_SIGMA)
                }
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

/// Within-session think time of cohort members (a little faster than the fit: they work
/// on one task).
const COHORT_THINK_MU: f64 = 3.7; // median 40 s

impl Simulator {
    /// The next request of a cohort member after one at `now`.
    fn cohort_next(&mut self, i: usize, now: i64) -> Option<i64> {
        let Pop::Cohort(g) = self.accounts[i].pop else {
            return None;
        };
        let g = g as usize;
        let kind = self.cohorts[g].kind;
        let (t0, t_end) = (self.cohorts[g].t0, self.cohorts[g].t_end);
        let rng = &mut self.rng;
        let a = &mut self.accounts[i];
        if a.left > 0 {
            a.left -= 1;
            let gap = match kind {
                CohortKind::Course if a.flags & F_LAB != 0 => {
                    timing::lognormal(rng, a.gap.max(1.0).ln() - 0.32, 0.8) as i64
                }
                CohortKind::BenchTeam => {
                    a.aux += 1;
                    (timing::lognormal(rng, a.gap, 0.5) as i64).max(200)
                }
                _ => timing::think_ms(rng, COHORT_THINK_MU, 1.0),
            };
            return Some(now + gap.max(1000));
        }
        a.flags &= !F_LAB;
        match kind {
            CohortKind::Course => self.course_session(g, i, now),
            CohortKind::BenchTeam => {
                if a.budget == 0 {
                    return None;
                }
                let start = now.max(t0).max(a.first_use);
                let remaining = (t_end - start).max(0) as f64;
                let t = start
                    + (rng.gen::<f64>() * (2.0 * remaining / a.budget as f64).min(remaining))
                        as i64;
                if t >= t_end {
                    return None;
                }
                a.budget -= 1;
                let len = self
                    .kit
                    .bench_len(self.cohorts[g].bench as usize % self.kit.bench_count());
                a.aux = 0;
                a.left = len as u32 - 1;
                a.flags |= F_SESSION;
                let nat = &self.cohorts[g].nat;
                a.cur = nat[rng.gen_range(0..nat.len())];
                Some(t)
            }
            CohortKind::Onboarding => {
                let mut t = now.max(a.first_use);
                let tz = a.tz_s;
                for _ in 0..MAX_TRIES {
                    t += (timing::lognormal(rng, a.gap, timing::SESSION_GAP_SIGMA) as i64)
                        .max(MIN_SESSION_GAP_MS);
                    if t >= t_end {
                        return None;
                    }
                    if timing::in_business_hours(t, tz, 9, 18) {
                        break;
                    }
                }
                a.left = timing::session_length(rng, 5.0) - 1;
                a.flags |= F_SESSION;
                let nat = &self.cohorts[g].nat;
                a.cur = match rng.gen_range(0..20) {
                    0..=16 => nat[rng.gen_range(0..nat.len())],
                    17..=18 => a.home,
                    _ => a.mobile,
                };
                Some(t)
            }
            CohortKind::Event => self.event_session(g, i, now),
        }
    }

    /// Next lab session (whole class, campus NAT) or evening homework session (home).
    fn course_session(&mut self, g: usize, i: usize, now: i64) -> Option<i64> {
        let grp = &self.cohorts[g];
        let (t_end, tz) = (grp.t_end, grp.tz_s);
        let lab_ms = (grp.p.session_hours * HOUR_MS as f64) as i64;
        let (rq_lo, rq_hi) = grp.p.requests_per_session;
        let rng = &mut self.rng;
        let a = &mut self.accounts[i];
        let now = now.max(a.first_use - 1);
        // The next lab that has not ended (joining a running one), attended with p = 0.85
        // (always the first one).
        let mut lab = None;
        let off = tz as i64 * 1000;
        let first_day = (now + off).div_euclid(DAY_MS);
        for day in first_day..first_day + 400 {
            let start = day * DAY_MS - off + grp.lab_hour as i64 * HOUR_MS;
            let wd = (day + 3).rem_euclid(7) as u8;
            if start >= t_end {
                break;
            }
            if !grp.lab_days.contains(&wd) || start + lab_ms - 20 * 60_000 <= now {
                continue;
            }
            if start <= grp.t0 || rng.gen_bool(0.85) {
                lab = Some(start);
                break;
            }
        }
        // Homework: evenings at the student's own pace.
        let mut hw = now;
        let mut hw_ok = false;
        for _ in 0..MAX_TRIES {
            hw += (timing::lognormal(rng, a.gap2, 1.0) as i64).max(MIN_SESSION_GAP_MS);
            if hw >= t_end {
                break;
            }
            let (h, _) = timing::local_hour_weekday(hw, tz);
            if (17..24).contains(&h) || (h < 1 && rng.gen_bool(0.5)) {
                hw_ok = true;
                break;
            }
        }
        match lab {
            Some(l) if !(hw_ok && hw + 2 * HOUR_MS < l) => {
                let t = l.max(now) + rng.gen_range(0..15 * 60_000);
                let n = rng.gen_range(rq_lo..=rq_hi);
                a.left = n - 1;
                a.gap = (l + lab_ms - t).max(60_000) as f64 * 0.9 / n as f64;
                a.flags |= F_SESSION | F_LAB;
                let nat = &grp.nat;
                a.cur = nat[rng.gen_range(0..nat.len())];
                Some(t)
            }
            _ if hw_ok => {
                a.left = timing::session_length(rng, 6.0) - 1;
                a.flags |= F_SESSION;
                a.cur = if rng.gen_bool(0.8) { a.home } else { a.mobile };
                Some(hw)
            }
            _ => None,
        }
    }

    /// Event sessions: synchronised with the programme (kickoff, every `session_hours`),
    /// day and late night; afterwards light organic use or nothing.
    fn event_session(&mut self, g: usize, i: usize, now: i64) -> Option<i64> {
        let grp = &self.cohorts[g];
        let (t0, t_end, tz) = (grp.t0, grp.t_end, grp.tz_s);
        let sync = (grp.p.session_hours.max(0.5) * HOUR_MS as f64) as i64;
        let (rq_lo, rq_hi) = grp.p.requests_per_session;
        let sim_end = self.end;
        let rng = &mut self.rng;
        let a = &mut self.accounts[i];
        if a.flags & F_AFTER == 0 {
            let t = if now < t0 {
                t0 + rng.gen_range(0..20 * 60_000)
            } else if rng.gen_bool(0.5) {
                // The next programme slot (talk over, mentors around, pizza...).
                let k = (now - t0).div_euclid(sync) + 1;
                t0 + k * sync + rng.gen_range(0..20 * 60_000)
            } else {
                now + (timing::lognormal(rng, (75.0 * 60_000f64).ln(), 0.7) as i64)
                    .max(MIN_SESSION_GAP_MS)
            };
            let (h, _) = timing::local_hour_weekday(t, tz);
            // Some sleep between 3 and 8, most keep going.
            let t = if (3..8).contains(&h) && rng.gen_bool(0.6) {
                t + (8 - h as i64) * HOUR_MS
            } else {
                t
            };
            if t < t_end {
                a.left = rng.gen_range(rq_lo..=rq_hi) - 1;
                a.flags |= F_SESSION | F_LAB;
                let nat = &grp.nat;
                a.cur = if rng.gen_bool(0.9) {
                    nat[rng.gen_range(0..nat.len())]
                } else {
                    a.mobile
                };
                return Some(t);
            }
            if a.budget == 0 {
                return None;
            }
            a.flags |= F_AFTER;
        }
        // After the event: a light organic user at home.
        let mut t = now.max(t_end);
        for _ in 0..MAX_TRIES {
            t += (timing::lognormal(rng, a.gap2, timing::SESSION_GAP_SIGMA) as i64)
                .max(MIN_SESSION_GAP_MS);
            if t >= sim_end {
                return None;
            }
            if timing::accept_organic(rng, t, a.tz_s) {
                break;
            }
        }
        a.left = timing::session_length(rng, 4.0) - 1;
        a.flags |= F_SESSION;
        a.cur = if rng.gen_bool(0.8) { a.home } else { a.mobile };
        Some(t)
    }
}
