//! Shared helpers for the integration tests: a small scenario and a runner.

#![allow(dead_code)]

use distillguard_sim::{Label, Resources, Scenario, Simulator};

/// A small scenario with every population, fast in debug builds.
pub const SMALL: &str = r#"
name = "small"
start = "2026-04-22T00:00:00Z"
days = 4
[organic]
accounts = 400
requests_per_day = 3
[[shared_tool]]
name = "T"
users = 60
requests_per_day = 5
[ci]
orgs = 40
accounts_per_org_max = 1
jobs_per_day = 1
requests_per_job = 4
[eval]
accounts = 20
runs_per_week = 3
benchmark_sizes = [20, 30]
[batch]
accounts = 20
docs_per_job = 10
[[campaign]]
name = "camp-a"
accounts = 60
exchanges = 9000
waves = 3
wave_spread_days = 0.5
account_lifetime_days = 2
rate_limit_rpm = 4
daily_cap = 120
on_hours = [2, 20]
pause_day_share = 0.2
proxy_pool_size = 30
[[campaign]]
name = "camp-b"
accounts = 20
exchanges = 3000
waves = 2
account_lifetime_days = 2
rate_limit_rpm = 2
timing_mimicry = true
ramp_days = 1
dedicated_ips = true
camouflage_share = 0.3
paraphrases = 4
synonym_swap = 0.5
"#;

/// The small scenario.
pub fn small() -> Scenario {
    Scenario::from_toml("small", SMALL).expect("small scenario parses")
}

/// All JSON lines and the labels of a run.
pub fn run(scenario: &Scenario, seed: u64, scale: f64, res: Resources) -> (Vec<u8>, Vec<Label>) {
    let mut sim = Simulator::new(scenario, seed, scale, res).expect("simulator builds");
    let mut buf = Vec::new();
    while let Some(r) = sim.next_record() {
        r.write_json(&mut buf);
    }
    (buf, sim.labels())
}
