//! End to end against a real broker with the real engine in split mode: three live instances
//! (child processes of the fixture binary with `--pipeline`) run the cross-account stage over
//! the repartition topics on the shipped fixture, once cleanly and once with one instance
//! killed with SIGKILL mid-stream and restarted, against one in-process replay.
//!
//! Runs only when `DISTILLGUARD_E2E_BROKERS` names a broker (`scripts/e2e-kafka.sh` starts
//! tansu and sets it); otherwise it passes without doing anything.
#![cfg(feature = "pipeline")]

mod common;

use common::kafka::create_topics;
use common::split;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

fn brokers() -> Option<String> {
    std::env::var("DISTILLGUARD_E2E_BROKERS")
        .ok()
        .filter(|b| !b.trim().is_empty())
}

fn run(name: &str, kill: bool) -> Option<(split::Outcome, split::Outcome)> {
    let Some(b) = brokers() else {
        eprintln!("DISTILLGUARD_E2E_BROKERS not set: skipped");
        return None;
    };
    let dir = tempfile::tempdir().unwrap();
    let logs = std::env::var("DISTILLGUARD_E2E_LOGS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| dir.path().to_path_buf());
    std::fs::create_dir_all(&logs).unwrap();
    let stamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis();
    let s = split::setup(
        &b,
        &format!("e2e-{name}-{stamp}"),
        &logs,
        &format!(
            "\"heartbeat.interval.ms\" = \"1000\"\n{}",
            std::env::var("DISTILLGUARD_E2E_KAFKA_EXTRA").unwrap_or_default()
        ),
    );
    let topics = split::topics(&s);
    let refs: Vec<(&str, i32, bool)> = topics
        .iter()
        .map(|(t, n, c)| (t.as_str(), *n, *c))
        .collect();
    create_topics(&b, &refs);
    // restart only after the dead member's session (6 s) expired: tansu 0.6 can keep a dead
    // member in a generation a new member joined before its expiry
    Some(split::run(&s, kill, Duration::from_secs(10)))
}

// Held to the same bar as the mock-cluster split tests (see crates/kafka/tests/pipeline_mock.rs):
// exactly the replay's actioned accounts and the same campaigns (`split::matches`), clean and
// with a kill -9.

#[test]
fn split_three_instances_match_replay() {
    if let Some((got, want)) = run("split", false) {
        assert!(split::matches(&got, &want), "{}", split::diff(&got, &want));
    }
}

#[test]
fn split_kill_9_one_of_three_mid_stream() {
    if let Some((got, want)) = run("split-kill", true) {
        assert!(split::matches(&got, &want), "{}", split::diff(&got, &want));
    }
}
