//! Population behaviour: scaling, campaign youth and rate limits, shipped scenarios.

mod common;

use common::{run, small};
use distillguard_sim::scenario::BUILTIN;
use distillguard_sim::{Class, Resources, Scenario, Simulator};
use std::collections::BTreeMap;

fn counts(scale: f64) -> ([usize; 3], [usize; 3]) {
    let s = small();
    let mut sim = Simulator::new(&s, 11, scale, Resources::default()).unwrap();
    let mut acc = [0; 3];
    for l in sim.labels() {
        acc[l.class as usize] += 1;
    }
    let mut rec = [0; 3];
    while let Some(r) = sim.next_record() {
        rec[r.class as usize] += 1;
    }
    (acc, rec)
}

#[test]
fn scale_shrinks_proportionally() {
    let (a1, r1) = counts(1.0);
    let (a2, r2) = counts(0.5);
    for k in 0..3 {
        let ra = a2[k] as f64 / a1[k] as f64;
        assert!((ra - 0.5).abs() < 0.12, "accounts class {k}: {ra}");
        let rr = r2[k] as f64 / r1[k] as f64;
        assert!(
            (rr - 0.5).abs() < 0.2,
            "records class {k}: {rr} ({r1:?} {r2:?})"
        );
    }
}

#[test]
fn campaign_accounts_are_young_and_under_rate_limits() {
    let s = small();
    let rpm: BTreeMap<String, (f64, u32)> = s
        .campaign
        .iter()
        .map(|c| (c.name.clone(), (c.rate_limit_rpm, c.daily_cap)))
        .collect();
    let mut sim = Simulator::new(&s, 2, 1.0, Resources::default()).unwrap();
    let names = sim.campaign_names();
    let mut times: BTreeMap<String, (usize, i64, Vec<i64>)> = BTreeMap::new();
    let mut attack_records = 0u64;
    while let Some(r) = sim.next_record() {
        if let Some(c) = r.campaign {
            attack_records += 1;
            let e = times.entry(r.account_id.clone()).or_insert((
                c as usize,
                r.account_created_at,
                Vec::new(),
            ));
            e.2.push(r.ts);
        }
    }
    let target: f64 = s.campaign.iter().map(|c| c.exchanges).sum();
    assert!(
        attack_records as f64 > 0.7 * target,
        "{attack_records} vs {target}"
    );
    for (id, (c, created, ts)) in &times {
        let (limit, cap) = rpm[&names[*c]];
        let first = ts[0];
        assert!(first > *created, "{id}");
        assert!(first - created < 5 * 86_400_000, "{id} not young");
        // No 60-second window holds more than the per-minute limit.
        let mut lo = 0;
        for hi in 0..ts.len() {
            while ts[hi] - ts[lo] >= 60_000 {
                lo += 1;
            }
            assert!((hi - lo + 1) as f64 <= limit, "{id} exceeds {limit} rpm");
        }
        if cap > 0 {
            let mut per_day: BTreeMap<i64, u32> = BTreeMap::new();
            for t in ts {
                *per_day.entry(t.div_euclid(86_400_000)).or_default() += 1;
            }
            assert!(per_day.values().all(|&n| n <= cap), "{id} over daily cap");
        }
    }
}

#[test]
fn organic_accounts_include_young_ones() {
    let s = small();
    let sim = Simulator::new(&s, 4, 1.0, Resources::default()).unwrap();
    let (start, _) = sim.window();
    let mut young = 0;
    let mut organic = 0;
    let mut created = BTreeMap::new();
    for r in Simulator::new(&s, 4, 1.0, Resources::default()).unwrap() {
        if r.class == Class::Organic {
            created.insert(r.account_id.clone(), r.account_created_at);
        }
    }
    for c in created.values() {
        organic += 1;
        young += (*c >= start) as usize;
    }
    assert!(young > 0 && young < organic / 4, "{young}/{organic}");
}

#[test]
fn shipped_scenarios_parse_and_run_tiny() {
    for (name, _) in BUILTIN {
        let s = Scenario::load(name).unwrap();
        let (buf, labels) = run(&s, 1, 0.0005, Resources::default());
        assert!(!buf.is_empty(), "{name}");
        let attack = labels.iter().filter(|l| l.class == Class::Attack).count();
        assert_eq!(attack > 0, !s.campaign.is_empty(), "{name}");
        let cohort = labels.iter().filter(|l| l.class == Class::Cohort).count();
        assert_eq!(cohort > 0, !s.cohort.is_empty(), "{name}");
        assert!(labels.iter().all(
            |l| (l.class == Class::Cohort || l.class == Class::Attack) != l.campaign.is_empty()
        ));
    }
}

#[test]
fn unknown_scenario_is_an_error() {
    assert!(Scenario::load("no-such-scenario").is_err());
    assert!(Scenario::from_toml("x", "name = 1").is_err());
}
