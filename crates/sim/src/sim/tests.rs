//! Population behaviour of the cohorts, the evasive campaigns and conversations.

use super::*;
use crate::record::Body;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::IpAddr;

const BASE: &str = r#"
name = "t"
start = "2026-09-01T00:00:00Z"
days = 14
[organic]
accounts = 300
requests_per_day = 3
"#;

/// One request: (ts, ip, history turns, body).
type Req = (i64, IpAddr, usize, Body);

/// Per account: (created_at, requests) and labels.
struct Run {
    accounts: BTreeMap<String, (i64, Vec<Req>)>,
    labels: HashMap<String, (Class, String)>,
    sim_start: i64,
}

fn run(extra: &str, seed: u64) -> Run {
    let text = format!("{BASE}{extra}");
    let s = Scenario::from_toml("t", &text).expect("scenario parses");
    let mut sim = Simulator::new(&s, seed, 1.0, Resources::default()).unwrap();
    let labels = sim
        .labels()
        .into_iter()
        .map(|l| (l.account_id, (l.class, l.campaign)))
        .collect();
    let mut accounts: BTreeMap<String, (i64, Vec<_>)> = BTreeMap::new();
    while let Some(r) = sim.next_record() {
        let e = accounts
            .entry(r.account_id.clone())
            .or_insert((r.account_created_at, Vec::new()));
        e.1.push((r.ts, r.ip, r.history.len(), r.body));
    }
    Run {
        accounts,
        labels,
        sim_start: sim.window().0,
    }
}

fn class_of<'a>(run: &'a Run, id: &str) -> &'a (Class, String) {
    &run.labels[id]
}

fn slash24(ip: &IpAddr) -> [u8; 3] {
    match ip {
        IpAddr::V4(v) => {
            let o = v.octets();
            [o[0], o[1], o[2]]
        }
        IpAddr::V6(_) => [0, 0, 0],
    }
}

/// Each cohort kind: accounts created within the sign-up window, class cohort with the
/// group name, and members sharing the group's NAT addresses (one /24).
#[test]
fn cohort_kinds_sign_up_together_and_share_their_nat() {
    // (section, sign-up window hours, share of members that must use a shared address)
    let cases: &[(&str, f64, f64)] = &[
        (
            "kind = \"course\"\ngroups = 2\nsize = [30, 40]\nstart_days = [0, 2]",
            2.0,
            0.95,
        ),
        (
            "kind = \"bench_team\"\ngroups = 2\nsize = [5, 10]\nruns = [1, 2]\nstart_days = [0, 2]",
            36.0,
            1.0,
        ),
        (
            "kind = \"onboarding\"\ngroups = 2\nsize = [50, 60]\nstart_days = [0, 3]",
            60.0,
            0.9,
        ),
        (
            "kind = \"event\"\ngroups = 2\nsize = [40, 50]\nstart_days = [1, 3]",
            3.0,
            0.95,
        ),
    ];
    for (section, signup_h, share) in cases {
        let r = run(&format!("[[cohort]]\n{section}\nmin_groups = 2\n"), 3);
        let mut groups: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (id, (c, g)) in &r.labels {
            if *c == Class::Cohort {
                assert!(!g.is_empty(), "{section}: cohort label without group");
                groups.entry(g.as_str()).or_default().push(id.as_str());
            }
        }
        assert_eq!(groups.len(), 2, "{section}");
        for (g, members) in &groups {
            let created: Vec<i64> = members
                .iter()
                .filter_map(|m| r.accounts.get(*m).map(|a| a.0))
                .collect();
            assert!(
                created.len() * 10 >= members.len() * 9,
                "{g}: members silent"
            );
            let span = (created.iter().max().unwrap() - created.iter().min().unwrap()) as f64;
            assert!(
                span <= signup_h * 3.6e6 + 1.0,
                "{g}: sign-ups over {span} ms"
            );
            // Addresses used by at least half the members: the NAT.
            let mut users: HashMap<IpAddr, BTreeSet<&str>> = HashMap::new();
            for m in members {
                for (_, ip, _, _) in r.accounts.get(*m).map_or(&[][..], |a| &a.1[..]) {
                    users.entry(*ip).or_default().insert(m);
                }
            }
            let nat: Vec<IpAddr> = users
                .iter()
                .filter(|(_, u)| u.len() * 2 >= members.len())
                .map(|(ip, _)| *ip)
                .collect();
            assert!(!nat.is_empty(), "{g}: no shared address");
            assert!(
                nat.iter().all(|ip| slash24(ip) == slash24(&nat[0])),
                "{g}: NAT not one /24"
            );
            let on_nat = members
                .iter()
                .filter(|m| {
                    r.accounts
                        .get(**m)
                        .is_some_and(|a| a.1.iter().any(|(_, ip, _, _)| nat.contains(ip)))
                })
                .count();
            assert!(
                on_nat as f64 >= share * created.len() as f64,
                "{g}: {on_nat}/{} on the NAT",
                created.len()
            );
        }
    }
}

const DRIP: &str = r#"
[[campaign]]
name = "drip"
accounts = 60
exchanges = 6000
waves = 0
account_lifetime_days = 2
rate_limit_rpm = 3
local_schedule = true
dedicated_ips = true
camouflage_share = 0.2
camouflage_followups = 0.5
prompt_source = "corpus"
"#;

#[test]
fn drip_accounts_never_share_an_address_and_start_spread_over_the_period() {
    let r = run(DRIP, 5);
    let mut owner: HashMap<IpAddr, &str> = HashMap::new();
    let mut created = Vec::new();
    let mut firsts = Vec::new();
    for (id, (c, ts)) in &r.accounts {
        if class_of(&r, id).0 != Class::Attack {
            continue;
        }
        created.push(*c);
        firsts.push(ts[0].0);
        for (_, ip, _, _) in ts {
            let o = owner.entry(*ip).or_insert(id);
            assert_eq!(o, id, "{ip} shared");
        }
        let ips: BTreeSet<_> = ts.iter().map(|t| t.1).collect();
        assert_eq!(ips.len(), 1, "{id}: sticky address");
    }
    assert!(created.len() >= 55, "{}", created.len());
    // No waves: first uses cover the period (12 of 14 days usable), no day holds many.
    let mut days: BTreeMap<i64, usize> = BTreeMap::new();
    for f in &firsts {
        *days.entry((f - r.sim_start) / 86_400_000).or_default() += 1;
    }
    assert!(days.len() >= 10, "{days:?}");
    assert!(days.values().all(|&n| n <= 12), "{days:?}");
}

const AGED: &str = r#"
[[campaign]]
name = "aged"
accounts = 40
exchanges = 4000
start_day = 2
waves = 2
account_lifetime_days = 6
account_age_days = [60, 900]
rate_limit_rpm = 3
local_schedule = true
proxy_pool_size = 40
pool_residential_share = 1.0
ip_rotate_share = 1.0
pool_relays_organic = 50
"#;

#[test]
fn aged_accounts_are_old_at_first_use_and_the_pool_relays_organic_people() {
    let r = run(AGED, 7);
    let mut pool = BTreeSet::new();
    let mut n = 0;
    for (id, (created, ts)) in &r.accounts {
        if class_of(&r, id).0 == Class::Attack {
            n += 1;
            assert!(ts[0].0 - created >= 60 * 86_400_000, "{id} not aged");
            pool.extend(ts.iter().map(|t| t.1));
        }
    }
    assert!(n >= 35, "{n}");
    // Rotation per request over a residential pool.
    assert!(pool.len() >= 30, "{}", pool.len());
    let relayed: Vec<&String> = r
        .accounts
        .iter()
        .filter(|(id, (_, ts))| {
            class_of(&r, id).0 == Class::Organic && ts.iter().all(|t| pool.contains(&t.1))
        })
        .map(|(id, _)| id)
        .collect();
    assert!(
        relayed.len() >= 30,
        "{} relayed organic accounts",
        relayed.len()
    );
    let relayed_records: usize = relayed.iter().map(|id| r.accounts[*id].1.len()).sum();
    assert!(relayed_records > 200, "{relayed_records}");
}

#[test]
fn dormant_history_comes_from_one_home_address_then_switches() {
    let text = AGED.replace(
        "pool_relays_organic = 50",
        "dormant_history = true\ndormant_requests_per_week = 6",
    );
    let r = run(&text, 9);
    let (mut with_history, mut pre, mut post) = (0, 0, 0);
    for (id, (_, ts)) in &r.accounts {
        if class_of(&r, id).0 != Class::Attack {
            continue;
        }
        // The old home address is used only before the switch, never after.
        let first_ip = ts[0].1;
        let last_home = ts.iter().rposition(|t| t.1 == first_ip).unwrap();
        let switch = ts.iter().position(|t| t.1 != first_ip).unwrap_or(ts.len());
        if switch > 1 {
            with_history += 1;
            assert_eq!(
                last_home + 1,
                switch,
                "{id}: home address after the takeover"
            );
            pre += switch;
            post += ts.len() - switch;
        }
    }
    assert!(with_history >= 20, "{with_history}");
    // The takeover brings the volume.
    assert!(post > 5 * pre, "{pre} history, {post} after");
}

#[test]
fn followups_carry_history_only_on_messages_clients() {
    let r = run(
        "[[shared_tool]]\nname = \"T\"\nusers = 50\nrequests_per_day = 6\n[[campaign]]\nname = \"c\"\naccounts = 10\nexchanges = 2000\nwaves = 1\naccount_lifetime_days = 5\nrate_limit_rpm = 4\n",
        11,
    );
    let (mut follow, mut messages, mut prompt) = (0usize, 0usize, 0usize);
    for (id, (_, ts)) in &r.accounts {
        let class = class_of(&r, id).0;
        for (_, _, hist, body) in ts {
            match body {
                Body::Prompt => {
                    prompt += 1;
                    assert_eq!(*hist, 0, "prompt-style request with history");
                }
                _ => messages += 1,
            }
            if *hist > 0 {
                follow += 1;
                assert!(*hist <= 3);
                // Harvesting stays single-turn (no chats configured here).
                assert_ne!(class, Class::Attack);
            }
        }
    }
    assert!(prompt > 0 && messages > 0);
    let share = follow as f64 / messages as f64;
    assert!((0.3..0.65).contains(&share), "follow-up share {share}");
}

#[test]
fn camouflage_chats_keep_the_share_and_have_followups() {
    let r = run(DRIP, 13);
    let mut hist = 0;
    let mut total = 0;
    for (id, (_, ts)) in &r.accounts {
        if class_of(&r, id).0 == Class::Attack {
            total += ts.len();
            hist += ts.iter().filter(|t| t.2 > 0).count();
        }
    }
    let share = hist as f64 / total as f64;
    // 20 % chats, ~half of them follow-ups, messages clients only.
    assert!((0.03..0.2).contains(&share), "{share}");
}

#[test]
fn local_schedule_follows_the_rhythm_of_each_accounts_zone() {
    let text = format!("{BASE}{DRIP}");
    let s = Scenario::from_toml("t", &text).unwrap();
    let mut sim = Simulator::new(&s, 17, 1.0, Resources::default()).unwrap();
    let tz: HashMap<String, i32> = sim
        .accounts
        .iter()
        .filter(|a| matches!(a.pop, Pop::Campaign(_)))
        .map(|a| (a.id.as_str().to_string(), a.tz_s))
        .collect();
    let zones: BTreeSet<i32> = tz.values().copied().collect();
    assert!(zones.len() >= 4, "{zones:?}");
    let (mut night, mut total) = (0, 0);
    while let Some(r) = sim.next_record() {
        if let Some(z) = tz.get(&r.account_id) {
            let (h, _) = crate::timing::local_hour_weekday(r.ts, *z);
            total += 1;
            night += (2..7).contains(&h) as usize;
        }
    }
    // 5 of 24 hours, but the fitted profile puts ~3 % of activity there.
    let share = night as f64 / total as f64;
    assert!(total > 1000 && share < 0.08, "{night}/{total}");
}
