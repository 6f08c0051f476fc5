//! Building the accounts of every population from the scenario.

use super::{
    Account, CampaignPop, CohortGroup, OrgParams, Pop, Resources, Simulator, ToolPop, F_DORMANT,
};
use crate::clients::{pick_client, pick_model, SYSTEM_PROMPTS, SYSTEM_PROMPT_SHARE};
use crate::error::SimError;
use crate::ids::{mix64, ShortId};
use crate::net::{Endpoint, IpSpace, NetKind};
use crate::prompts::{automation, CampaignPrompts, PromptKit};
use crate::record::SimRecord;
use crate::scenario::{CohortKind, Habits, Scenario};
use crate::style::Style;
use crate::timing::{self, DAY_MS, HOUR_MS};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Accounts at `scale`: proportional, rounded.
fn scaled(x: f64, scale: f64) -> usize {
    (x * scale).round().max(0.0) as usize
}

fn pick_tz(rng: &mut impl Rng, h: &Habits) -> i32 {
    pick_tz_in(rng, &h.timezones)
}

fn pick_tz_in(rng: &mut impl Rng, zones: &[(f64, f64)]) -> i32 {
    let total: f64 = zones.iter().map(|t| t.1.max(0.0)).sum();
    if total <= 0.0 {
        return 0;
    }
    let mut x = rng.gen::<f64>() * total;
    for &(off, w) in zones {
        if x < w.max(0.0) {
            return (off * 3600.0) as i32;
        }
        x -= w.max(0.0);
    }
    0
}

pub(super) fn build(
    scenario: &Scenario,
    seed: u64,
    scale: f64,
    resources: Resources,
) -> Result<Simulator, SimError> {
    if !(scale.is_finite() && scale > 0.0) {
        return Err(SimError::InvalidScenario(
            scenario.name.clone(),
            format!("scale {scale} must be > 0"),
        ));
    }
    let start = scenario.start_ms()?;
    let end = start + (scenario.days * DAY_MS as f64) as i64;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let bench_sizes = scenario
        .eval
        .as_ref()
        .map(|e| e.benchmark_sizes.clone())
        .filter(|v| !v.is_empty())
        // Research teams run the same public benchmarks even without an eval population.
        .unwrap_or_else(|| vec![164, 500, 300, 250]);
    let kit = PromptKit::new(resources.corpus.as_ref(), seed, &bench_sizes);
    let ips = resources.ip_space.unwrap_or_else(IpSpace::builtin);
    let default_habits = Habits::default();
    let (organic_style, organic_params) = match &scenario.organic {
        Some(o) => (
            o.style.resolve(Style::organic()),
            OrgParams::new(&o.timing, &o.habits),
        ),
        None => (
            Style::organic(),
            OrgParams::new(&Default::default(), &default_habits),
        ),
    };
    let mut sim = Simulator {
        scenario: scenario.clone(),
        start,
        end,
        rng: ChaCha8Rng::seed_from_u64(mix64(seed ^ 0x5EED)),
        accounts: Vec::new(),
        heap: BinaryHeap::new(),
        kit,
        ips,
        organic_style,
        organic_params,
        tools: Vec::new(),
        ci_style: scenario
            .ci
            .as_ref()
            .map(|c| c.style.resolve(Style::automation()))
            .unwrap_or_else(Style::automation),
        ci_orgs: Vec::new(),
        eval_style: scenario
            .eval
            .as_ref()
            .map(|c| c.style.resolve(Style::automation()))
            .unwrap_or_else(Style::automation),
        batch_style: scenario
            .batch
            .as_ref()
            .map(|c| c.style.resolve(Style::automation()))
            .unwrap_or_else(Style::automation),
        campaigns: Vec::new(),
        cohorts: Vec::new(),
        expected: 0,
        emitted: 0,
        rec: SimRecord::default(),
        scratch: String::new(),
    };
    let days = scenario.days;

    if let Some(o) = &scenario.organic {
        for _ in 0..scaled(o.accounts, scale) {
            let style = sim.organic_style.clone();
            people(
                &mut sim,
                &mut rng,
                Pop::Organic,
                &o.habits,
                &style,
                o.requests_per_day,
                o.activity_sigma,
                false,
            );
        }
    }
    for (k, t) in scenario.shared_tool.iter().enumerate() {
        let style = t.style.resolve(Style::shared_tool());
        let client = pick_client(&mut rng, true);
        sim.tools.push(ToolPop {
            params: OrgParams::new(&t.timing, &t.habits),
            style: style.clone(),
            system: automation::tool_system_prompt(&t.name),
            tools: t.tools,
        });
        for _ in 0..scaled(t.users, scale) {
            let i = people(
                &mut sim,
                &mut rng,
                Pop::Tool(k as u16),
                &t.habits,
                &style,
                t.requests_per_day,
                t.activity_sigma,
                true,
            );
            sim.accounts[i].client = client;
        }
    }
    if let Some(c) = &scenario.ci {
        let style = sim.ci_style.clone();
        for o in 0..scaled(c.orgs, scale) {
            let n_ips = rng.gen_range(1..=c.egress_ips_max.max(1));
            let egress = (0..n_ips)
                .map(|_| sim.ips.draw_v4(NetKind::Cloud, &mut rng))
                .collect();
            sim.ci_orgs.push((
                egress,
                rng.gen_range(0..automation::CI_TEMPLATES.len()) as u16,
            ));
            let org = ShortId::random("org_", 12, &mut rng);
            let pay = ShortId::random("pf_", 16, &mut rng);
            let tz = pick_tz(&mut rng, &default_habits);
            let created = start
                - ((c.min_age_days + timing::lognormal(&mut rng, 300f64.ln(), 0.8)) * DAY_MS as f64)
                    as i64;
            for _ in 0..rng.gen_range(1..=c.accounts_per_org_max.max(1)) {
                let created = created - rng.gen_range(0..30 * DAY_MS);
                let mut a = new_account(&mut rng, Pop::Ci(o as u32), created, tz, &style, false);
                a.org = org;
                a.pay = pay;
                a.gap = (c.gap_median_s * 1000.0).max(1.0).ln();
                sim.expected += (c.jobs_per_day * c.requests_per_job * days * 5.0 / 7.0) as u64;
                sim.accounts.push(a);
            }
        }
    }
    if let Some(e) = &scenario.eval {
        let style = sim.eval_style.clone();
        let nb = sim.kit.bench_count().max(1);
        let avg = (0..sim.kit.bench_count())
            .map(|b| sim.kit.bench_len(b))
            .sum::<usize>() as f64
            / nb as f64;
        for _ in 0..scaled(e.accounts, scale) {
            let tz = pick_tz(&mut rng, &default_habits);
            let created = start
                - ((e.min_age_days + timing::lognormal(&mut rng, 300f64.ln(), 0.8)) * DAY_MS as f64)
                    as i64;
            let mut a = new_account(&mut rng, Pop::Eval, created, tz, &style, false);
            a.home = sim.ips.draw_v4(NetKind::Cloud, &mut rng);
            a.mobile = sim.ips.draw_v4(NetKind::Cloud, &mut rng);
            a.cur = a.home;
            a.habit = rng.gen_range(0..automation::HARNESSES.len()) as u16;
            a.budget = rng.gen_range(0..nb) as u32; // favourite benchmark
            a.gap = (e.gap_median_s * 1000.0).max(1.0).ln();
            sim.expected +=
                (e.runs_per_week * days / 7.0 * avg * e.run_fraction.clamp(0.0, 1.0)) as u64;
            sim.accounts.push(a);
        }
    }
    if let Some(b) = &scenario.batch {
        let style = sim.batch_style.clone();
        for _ in 0..scaled(b.accounts, scale) {
            let tz = pick_tz(&mut rng, &default_habits);
            let created = start
                - ((b.min_age_days + timing::lognormal(&mut rng, 300f64.ln(), 0.8)) * DAY_MS as f64)
                    as i64;
            let mut a = new_account(&mut rng, Pop::Batch, created, tz, &style, false);
            a.home = sim.ips.draw_v4(NetKind::Cloud, &mut rng);
            a.cur = a.home;
            a.habit = rng.gen_range(0..automation::BATCH_TEMPLATES.len()) as u16;
            a.gap = (b.gap_median_s * 1000.0).max(1.0).ln();
            sim.expected += (b.job_probability * days * b.docs_per_job) as u64;
            sim.accounts.push(a);
        }
    }
    for (ci, c) in scenario.campaign.iter().enumerate() {
        campaign(&mut sim, &mut rng, ci, c, scale, seed);
    }
    for c in &scenario.cohort {
        cohorts(&mut sim, &mut rng, c, scale);
    }

    for i in 0..sim.accounts.len() {
        if let Some(t) = sim.first_event(i) {
            if t < sim.end {
                sim.heap.push(Reverse((t, i as u32)));
            }
        }
    }
    Ok(sim)
}

fn new_account(
    rng: &mut ChaCha8Rng,
    pop: Pop,
    created_at: i64,
    tz_s: i32,
    style: &Style,
    messages_only: bool,
) -> Account {
    let ep = crate::net::Endpoint {
        ip: std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED),
        asn: None,
    };
    let nkeys = rng.gen_range(1..=2u8);
    // 0 = no personal system prompt; k = SYSTEM_PROMPTS[k - 1] (organic and campaign accounts).
    let habit = if rng.gen::<f64>() < SYSTEM_PROMPT_SHARE {
        rng.gen_range(1..=SYSTEM_PROMPTS.len()) as u16
    } else {
        0
    };
    Account {
        id: ShortId::random("acct_", 12, rng),
        org: ShortId::random("org_", 12, rng),
        pay: ShortId::random("pf_", 16, rng),
        keys: [
            ShortId::random("key_", 12, rng),
            ShortId::random("key_", 12, rng),
        ],
        nkeys,
        created_at,
        pop,
        client: pick_client(rng, messages_only),
        model: pick_model(rng, style.flagship_share),
        stream: rng.gen::<f64>() < style.stream_share,
        blocks: rng.gen_bool(0.25),
        tz_s,
        end: i64::MAX,
        first_use: created_at,
        gap: 0.0,
        left: 0,
        budget: 0,
        day: i32::MIN,
        day_count: 0,
        home: ep,
        mobile: ep,
        office: None,
        cur: ep,
        last_ip_change: created_at,
        aux: 0,
        aux2: 0,
        habit,
        conv: 0,
        turn: 0,
        flags: 0,
        gap2: 0.0,
        relay: 0,
    }
}

/// Adds one person (organic or shared-tool user); returns the account index.
#[allow(clippy::too_many_arguments)]
fn people(
    sim: &mut Simulator,
    rng: &mut ChaCha8Rng,
    pop: Pop,
    h: &Habits,
    style: &Style,
    rpd: f64,
    activity_sigma: f64,
    messages_only: bool,
) -> usize {
    let p = match pop {
        Pop::Tool(k) => sim.tools[k as usize].params,
        _ => sim.organic_params,
    };
    let tz = pick_tz(rng, h);
    let young = rng.gen::<f64>() < h.young_share;
    let span = sim.end - sim.start;
    let created = if young {
        sim.start + (rng.gen::<f64>() * span as f64) as i64
    } else {
        sim.start
            - (timing::lognormal(rng, h.age_median_days.max(1.0).ln(), 1.0) * DAY_MS as f64) as i64
    };
    let mut a = new_account(rng, pop, created, tz, style, messages_only);
    a.first_use = if young {
        created + (timing::exponential(rng, 2.0) * HOUR_MS as f64) as i64
    } else {
        sim.start
    };
    let rpd_u =
        rpd * timing::lognormal(rng, -activity_sigma * activity_sigma / 2.0, activity_sigma);
    let eff_gap_ms = DAY_MS as f64 * p.msgs.max(1.0) / rpd_u.max(1e-6);
    a.gap = timing::lognormal_mu_for_mean(eff_gap_ms * timing::ORGANIC_ACCEPT_MEAN, p.gap_sigma);
    let v6 = rng.gen::<f64>() < p.ipv6_share;
    a.home = sim
        .ips
        .draw(NetKind::Residential, if v6 { 1.0 } else { 0.0 }, rng);
    a.mobile = sim.ips.draw(NetKind::Mobile, p.ipv6_share, rng);
    if rng.gen::<f64>() < h.office_share {
        a.office = Some(sim.ips.draw_v4(NetKind::Residential, rng));
    }
    a.cur = a.home;
    a.last_ip_change = a.first_use;
    let active_days = (sim.end - a.first_use).max(0) as f64 / DAY_MS as f64;
    sim.expected += (rpd_u * active_days) as u64;
    sim.accounts.push(a);
    sim.accounts.len() - 1
}

fn campaign(
    sim: &mut Simulator,
    rng: &mut ChaCha8Rng,
    ci: usize,
    c: &crate::scenario::CampaignConfig,
    scale: f64,
    seed: u64,
) {
    let style = c.style.resolve(Style::campaign());
    let n = scaled(c.accounts, scale).max(1);
    let pool_n = if c.dedicated_ips {
        0
    } else {
        scaled(c.proxy_pool_size, scale).max(8)
    };
    let pool = (0..pool_n)
        .map(|_| {
            let kind = if rng.gen::<f64>() < c.pool_residential_share {
                if rng.gen_bool(0.8) {
                    NetKind::Residential
                } else {
                    NetKind::Mobile
                }
            } else if rng.gen_bool(0.6) {
                NetKind::Hosting
            } else {
                NetKind::Cloud
            };
            sim.ips.draw_v4(kind, rng)
        })
        .collect();
    let prompts = CampaignPrompts::new(
        rng,
        c.templates_per_area,
        c.paraphrases,
        c.synonym_swap,
        c.area_weights,
    );
    let shared_pay: Vec<ShortId> = (0..c.shared_payment_count.max(1))
        .map(|_| ShortId::random("pf_", 16, rng))
        .collect();
    let c_start = sim.start + (c.start_day * DAY_MS as f64) as i64;
    let c_end = sim.start + (c.end_day.unwrap_or(sim.scenario.days) * DAY_MS as f64) as i64;
    let lifetime = c.account_lifetime_days * DAY_MS as f64;
    let spread = c.wave_spread_days * DAY_MS as f64;
    let span = ((c_end - c_start) as f64 - lifetime - spread).max(0.0);
    let waves = c.waves.max(1) as usize;
    let per = c.exchanges * scale / n as f64;
    let on_frac =
        (c.on_hours.1 - c.on_hours.0) as f64 / 24.0 * (1.0 - c.pause_day_share.clamp(0.0, 0.95));
    let on_frac = if c.local_schedule { 1.0 } else { on_frac };
    let min_gap = (60_000.0 / c.rate_limit_rpm).ceil();
    let zones = c
        .timezones
        .clone()
        .unwrap_or_else(|| Habits::default().timezones);
    let drip_span = ((c_end - c_start) as f64 - lifetime).max(0.0);
    let mut taken = std::collections::HashSet::new();
    for i in 0..n {
        let first_use = if c.is_drip() {
            // One at a time, evenly over the period (no waves).
            (c_start as f64 + (i as f64 + rng.gen::<f64>()) / n as f64 * drip_span) as i64
        } else {
            let w = i * waves / n;
            let wave_start = c_start as f64
                + if waves > 1 {
                    span * w as f64 / (waves - 1) as f64
                } else {
                    0.0
                };
            (wave_start + rng.gen::<f64>() * spread) as i64
        };
        let life = lifetime * rng.gen_range(0.6..1.4);
        let end = ((first_use as f64 + life) as i64).min(c_end);
        let created = match c.account_age_days {
            Some((lo, hi)) => first_use - (rng.gen_range(lo..=hi) * DAY_MS as f64) as i64 - 60_000,
            None => {
                first_use
                    - ((timing::exponential(rng, c.provision_lead_hours) * HOUR_MS as f64) as i64)
                        .max(60_000)
            }
        };
        let tz = if c.local_schedule || c.dormant_history {
            pick_tz_in(rng, &zones)
        } else {
            0
        };
        let mut a = new_account(rng, Pop::Campaign(ci as u16), created, tz, &style, false);
        if rng.gen::<f64>() < c.shared_payment_share {
            a.pay = shared_pay[rng.gen_range(0..shared_pay.len())];
        }
        a.first_use = first_use;
        a.end = end;
        a.budget = ((per * rng.gen_range(0.5..1.5)).round() as u32).max(1);
        let mut active = (end - first_use).max(0) as f64 * on_frac;
        if c.ramp_days > 0.0 {
            active -= (c.ramp_days * DAY_MS as f64).min((end - first_use) as f64) * 0.45 * on_frac;
        }
        a.gap = (active * 0.9 / a.budget as f64).max(min_gap);
        if c.dedicated_ips {
            // A sticky address of its own (never shared within the campaign).
            let kind = if rng.gen_bool(0.85) {
                NetKind::Residential
            } else {
                NetKind::Mobile
            };
            let mut ep = sim.ips.draw_v4(kind, rng);
            while !taken.insert(ep.ip) {
                ep = sim.ips.draw_v4(kind, rng);
            }
            a.mobile = ep;
            a.cur = ep;
        } else {
            a.aux = rng.gen_range(0..pool_n) as u32;
        }
        a.aux2 = rng.gen_range(0..c.wordings.max(1)) as u16;
        if c.dormant_history && first_use > sim.start {
            // The seller's old owner: light organic use from the old home address.
            a.flags |= F_DORMANT;
            a.home = sim.ips.draw_v4(NetKind::Residential, rng);
            a.cur = a.home;
            let msgs = 2.0;
            let eff = 7.0 * DAY_MS as f64 * msgs / c.dormant_requests_per_week.max(1e-3);
            a.gap2 = timing::lognormal_mu_for_mean(
                eff * timing::ORGANIC_ACCEPT_MEAN,
                timing::SESSION_GAP_SIGMA,
            );
            let days = (first_use - sim.start) as f64 / DAY_MS as f64;
            sim.expected += (c.dormant_requests_per_week * days / 7.0) as u64;
        }
        sim.expected += a.budget as u64;
        sim.accounts.push(a);
    }
    sim.campaigns.push(CampaignPop {
        name: c.name.clone(),
        cfg: c.clone(),
        style,
        pool,
        prompts,
        next_task: 0,
        salt: mix64(seed ^ ((ci as u64 + 1) << 40)),
    });
    // Real customers of the same reseller: organic people whose traffic leaves through the
    // same pool addresses.
    if pool_n > 0 {
        let habits = sim
            .scenario
            .organic
            .as_ref()
            .map(|o| o.habits.clone())
            .unwrap_or_default();
        let (rpd, sigma) = sim
            .scenario
            .organic
            .as_ref()
            .map_or((2.2, 1.0), |o| (o.requests_per_day, o.activity_sigma));
        let ostyle = sim.organic_style.clone();
        for _ in 0..scaled(c.pool_relays_organic, scale) {
            let k = people(sim, rng, Pop::Organic, &habits, &ostyle, rpd, sigma, false);
            let pool = &sim.campaigns[ci].pool;
            let a = &mut sim.accounts[k];
            a.relay = ci as u16 + 1;
            a.home = pool[rng.gen_range(0..pool.len())];
            a.mobile = a.home;
            a.office = None;
            a.cur = a.home;
        }
    }
}

/// `n` addresses in one /24 of a network of `kind` (a NAT's public addresses).
fn nat_block(sim: &Simulator, rng: &mut ChaCha8Rng, kind: NetKind, n: u32) -> Vec<Endpoint> {
    let base = sim.ips.draw_v4(kind, rng);
    let std::net::IpAddr::V4(v4) = base.ip else {
        return vec![base];
    };
    let o = v4.octets();
    let mut lasts: Vec<u8> = Vec::new();
    while lasts.len() < n.max(1) as usize {
        let l = if lasts.is_empty() {
            o[3].clamp(1, 254)
        } else {
            rng.gen_range(1..=254u8)
        };
        if !lasts.contains(&l) {
            lasts.push(l);
        }
    }
    lasts
        .into_iter()
        .map(|l| Endpoint {
            ip: std::net::IpAddr::V4(std::net::Ipv4Addr::new(o[0], o[1], o[2], l)),
            asn: base.asn,
        })
        .collect()
}

/// Local midnight (ms) of the day containing `t` in zone `tz_s`.
fn local_midnight(t: i64, tz_s: i32) -> i64 {
    let off = tz_s as i64 * 1000;
    (t + off).div_euclid(DAY_MS) * DAY_MS - off
}

/// Benign groups of one `[[cohort]]` section.
fn cohorts(
    sim: &mut Simulator,
    rng: &mut ChaCha8Rng,
    c: &crate::scenario::CohortConfig,
    scale: f64,
) {
    let p = c.params();
    let n_groups = scaled(c.groups, scale).max(c.min_groups as usize);
    let base_style = match c.kind {
        CohortKind::Course => Style {
            output_tokens_median: 350.0,
            thinking_share: 0.1,
            max_tokens: vec![1024, 2048, 4096],
            ..Style::organic()
        },
        CohortKind::BenchTeam => Style {
            max_tokens: vec![4096, 8192, 16000, 32000],
            thinking_share: 0.6,
            output_tokens_median: 1800.0,
            temperature_share: 1.0,
            temperatures: vec![0.0],
            flagship_share: 0.7,
            ..Style::automation()
        },
        CohortKind::Onboarding => Style::organic(),
        CohortKind::Event => Style {
            max_tokens: vec![4096, 8192, 16000, 16000],
            output_tokens_median: 900.0,
            thinking_share: 0.25,
            ..Style::organic()
        },
    };
    let style = c.style.resolve(base_style);
    let window_days = sim.scenario.days;
    for _ in 0..n_groups {
        let gid = sim.cohorts.len() as u16;
        let name = format!("{}-{}", p.name, gid as usize + 1);
        let tz = pick_tz_in(rng, &p.timezones);
        let day = rng
            .gen_range(p.start_days.0..=p.start_days.1)
            .min(window_days - 0.5)
            .max(0.0);
        let day_t = sim.start + (day * DAY_MS as f64) as i64;
        let hour = match c.kind {
            CohortKind::Course => rng.gen_range(9..=14) as i64,
            CohortKind::BenchTeam => rng.gen_range(9..=16) as i64,
            CohortKind::Onboarding | CohortKind::Event => 9,
        };
        let mut t0 = local_midnight(day_t, tz) + hour * HOUR_MS;
        if t0 < sim.start {
            t0 += DAY_MS;
        }
        let t_end = if p.active_days.is_finite() {
            (t0 + (p.active_days * DAY_MS as f64) as i64).min(sim.end)
        } else {
            sim.end
        };
        let kind_net = match c.kind {
            CohortKind::BenchTeam if rng.gen_bool(0.5) => NetKind::Cloud,
            _ => NetKind::Residential,
        };
        let n_nat = rng.gen_range(p.nat_ips.0..=p.nat_ips.1);
        let nat = nat_block(sim, rng, kind_net, n_nat);
        let mut group = CohortGroup {
            name,
            kind: c.kind,
            p: p.clone(),
            style: style.clone(),
            nat,
            tz_s: tz,
            t0,
            t_end,
            sheet: Vec::new(),
            system: String::new(),
            wrapper: String::new(),
            bench: 0,
            lab_days: Vec::new(),
            lab_hour: hour as u8,
        };
        match c.kind {
            CohortKind::Course => {
                let n_ex = rng.gen_range(p.exercises.0..=p.exercises.1) as usize;
                group.sheet = crate::prompts::chat::exercise_sheet(rng, n_ex);
                // Lab weekdays: the start day's weekday plus others spread over the week.
                let (_, wd) = timing::local_hour_weekday(t0, tz);
                let k = p.sessions_per_week.clamp(1, 5) as usize;
                let mut days: Vec<u8> = (0..k).map(|j| ((wd + j * 7 / k) % 7) as u8).collect();
                days.sort_unstable();
                days.dedup();
                group.lab_days = days;
            }
            CohortKind::BenchTeam => {
                let (sys, wrap) = crate::prompts::chat::team_harness(rng);
                group.system = sys;
                group.wrapper = wrap;
                group.bench = rng.gen_range(0..sim.kit.bench_count().max(1)) as u16;
            }
            CohortKind::Onboarding => {
                group.system = crate::prompts::chat::company_system_prompt(rng);
            }
            CohortKind::Event => {
                group.wrapper = crate::prompts::chat::event_starter(rng);
            }
        }
        let org = ShortId::random("org_", 12, rng);
        let pay = ShortId::random("pf_", 16, rng);
        let key = ShortId::random("key_", 12, rng);
        let size = rng.gen_range(p.size.0..=p.size.1);
        let signup = (p.signup_hours * HOUR_MS as f64) as i64;
        let active_days = (t_end - t0).max(0) as f64 / DAY_MS as f64;
        for _ in 0..size {
            let created = match c.kind {
                // Before the first lab / the kickoff.
                CohortKind::Course | CohortKind::Event => t0 - rng.gen_range(0..=signup.max(1)),
                // Over the first days.
                CohortKind::BenchTeam | CohortKind::Onboarding => {
                    t0 + rng.gen_range(0..=signup.max(1))
                }
            };
            let mut a = new_account(rng, Pop::Cohort(gid), created, tz, &group.style, false);
            a.first_use = created + rng.gen_range(60_000..20 * 60_000);
            a.home = sim.ips.draw(NetKind::Residential, 0.15, rng);
            a.mobile = sim.ips.draw(NetKind::Mobile, 0.15, rng);
            a.cur = group.nat[rng.gen_range(0..group.nat.len())];
            a.last_ip_change = a.first_use;
            let homework_rate = p.requests_per_day.max(1e-3);
            let msgs = 6.0;
            a.gap2 = timing::lognormal_mu_for_mean(
                DAY_MS as f64 * msgs / homework_rate,
                timing::SESSION_GAP_SIGMA,
            );
            match c.kind {
                CohortKind::Course => {
                    let weeks = active_days / 7.0;
                    let labs = weeks * group.lab_days.len() as f64 * 0.85;
                    let per_lab =
                        (p.requests_per_session.0 + p.requests_per_session.1) as f64 / 2.0;
                    sim.expected += (labs * per_lab + active_days * homework_rate) as u64;
                }
                CohortKind::BenchTeam => {
                    a.org = org;
                    a.pay = pay;
                    if p.shared_key {
                        a.keys[0] = key;
                        a.nkeys = 1;
                    }
                    a.cur = group.nat[rng.gen_range(0..group.nat.len())];
                    a.budget = rng.gen_range(p.runs.0..=p.runs.1);
                    a.gap = (p.gap_median_s * 1000.0).max(1.0).ln();
                    let len = sim
                        .kit
                        .bench_len(group.bench as usize % sim.kit.bench_count());
                    sim.expected += (a.budget as usize * len) as u64;
                }
                CohortKind::Onboarding => {
                    a.org = org;
                    a.pay = pay;
                    a.habit = 0;
                    a.gap = timing::lognormal_mu_for_mean(
                        DAY_MS as f64 * msgs / homework_rate * 0.25,
                        timing::SESSION_GAP_SIGMA,
                    );
                    sim.expected += (active_days * homework_rate * 5.0 / 7.0) as u64;
                }
                CohortKind::Event => {
                    let per = (p.requests_per_session.0 + p.requests_per_session.1) as f64 / 2.0;
                    let sessions = active_days * 24.0 / p.session_hours.max(0.5) * 0.6;
                    sim.expected += (sessions * per) as u64;
                    if rng.gen::<f64>() < p.after_share {
                        a.budget = 1; // stays on as a light organic user
                    }
                }
            }
            sim.accounts.push(a);
        }
        sim.cohorts.push(group);
    }
}
