//! End to end against a real broker: three live instances (child processes) in one consumer
//! group must action exactly the accounts an in-process replay of the same records actions,
//! also when one instance is killed with SIGKILL mid-stream and restarted (after its session
//! expired, or at once), and when a 2 MiB
//! malformed message sits among the records (it is dead-lettered cut, nothing else is lost).
//!
//! Runs only when `DISTILLGUARD_E2E_BROKERS` names a broker (`scripts/e2e-kafka.sh` starts
//! tansu and sets it); otherwise it passes without doing anything.

mod common;

use common::kafka::{create_topics, produce, produce_with, read_all};
use common::procs::{all_committed, commits_reach, print_logs, spawn, wait_commits, Setup};
use common::{partition_of, replay_actioned, sentinels, stream};
use std::collections::BTreeSet;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const T0: i64 = 1_776_852_000_000;
const PARTS: i32 = 6;

fn brokers() -> Option<String> {
    std::env::var("DISTILLGUARD_E2E_BROKERS")
        .ok()
        .filter(|b| !b.trim().is_empty())
}

fn setup(brokers: &str, name: &str, dir: &std::path::Path, static_members: bool) -> Setup {
    let run = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis();
    let s = Setup {
        brokers: brokers.into(),
        group: format!("e2e-{name}-{run}"),
        input: format!("e2e-{name}-{run}-requests"),
        prefix: format!("e2e-{name}-{run}"),
        extra: [
            "repartition = false",
            "checkpoint_interval = \"2s\"",
            "checkpoint_records = 200",
            "[live.kafka]",
            "\"session.timeout.ms\" = \"6000\"",
            "\"heartbeat.interval.ms\" = \"1000\"",
            &std::env::var("DISTILLGUARD_E2E_KAFKA_EXTRA").unwrap_or_default(),
        ]
        .join("\n"),
        dir: dir.to_path_buf(),
        static_members,
        windows: None,
    };
    create_topics(
        brokers,
        &[
            (&s.input, PARTS, false),
            (&s.verdicts(), PARTS, false),
            (&format!("{}-campaigns", s.prefix), PARTS, false),
            (&s.dead_letters(), PARTS, false),
            (&format!("{}-checkpoints", s.prefix), PARTS, true),
        ],
    );
    s
}

type Recs = Vec<(i32, String, Vec<u8>)>;

fn recorded() -> (Vec<(String, Vec<u8>)>, Recs) {
    let records = stream(400, 6, 24, T0);
    let mut recs: Recs = records
        .iter()
        .map(|(k, v)| (partition_of(k, PARTS), k.clone(), v.clone()))
        .collect();
    let end = T0 + records.len() as i64 * 1_000 + 1_000_000;
    for (p, v) in sentinels(PARTS, end) {
        recs.push((p, format!("zz-sentinel-{p}"), v));
    }
    (records, recs)
}

fn actioned(s: &Setup) -> BTreeSet<String> {
    read_all(&s.brokers, &s.verdicts())
        .into_iter()
        .map(|r| String::from_utf8(r.key.unwrap()).unwrap())
        .collect()
}

/// Three instances run until every input partition is committed; they must have read at least
/// `min_read` records and actioned exactly the accounts a replay of `records` actions.
fn three_match_replay(s: &Setup, records: &[(String, Vec<u8>)], min_read: u64) {
    let instances: Vec<_> = (0..3).map(|i| spawn(s, i, "")).collect();
    let logs: Vec<_> = instances.iter().map(|i| i.log.clone()).collect();
    wait_commits(s, Duration::from_secs(180), all_committed);
    let summaries: Vec<_> = instances.into_iter().map(|i| i.stop()).collect();
    let records_read: u64 = summaries
        .iter()
        .map(|s| s["records"].as_u64().unwrap())
        .sum();
    assert!(records_read >= min_read, "{summaries:?}");
    let (got, want) = (actioned(s), replay_actioned(records));
    if got != want {
        // rare on tansu and unexplained (see benches/RESULTS.md): keep what happened
        print_logs(&logs);
        eprintln!("summaries: {summaries:?}");
    }
    assert_eq!(got, want);
}

#[test]
fn three_instances_match_replay() {
    let Some(b) = brokers() else {
        eprintln!("DISTILLGUARD_E2E_BROKERS not set: skipped");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let s = setup(&b, "clean", dir.path(), false);
    let (records, recs) = recorded();
    produce(&b, &s.input, &recs);
    three_match_replay(&s, &records, recs.len() as u64);
    assert_eq!(read_all(&b, &s.dead_letters()).len(), 24);
}

#[test]
fn kill_9_one_of_three_mid_stream() {
    let Some(b) = brokers() else {
        eprintln!("DISTILLGUARD_E2E_BROKERS not set: skipped");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let keep = std::env::var("DISTILLGUARD_E2E_LOGS")
        .ok()
        .map(std::path::PathBuf::from);
    let logs = keep.unwrap_or_else(|| dir.path().to_path_buf());
    std::fs::create_dir_all(&logs).unwrap();
    let s = setup(&b, "kill", &logs, false);
    let (records, recs) = recorded();
    let mut instances: Vec<_> = (0..3).map(|i| Some(spawn(&s, i, ""))).collect();
    let mut killed_at = None;
    produce_in_tenths(&s, &recs, |n| {
        if n == 4 {
            instances[1].take().unwrap().kill9();
            killed_at = Some(std::time::Instant::now());
        }
        if n == 7 {
            // restart only after the dead member's session (6 s) has expired: tansu 0.6 can keep
            // a dead member in a generation that a new member joined before its expiry, which
            // strands the dead member's partitions (a broker limitation, not the transport's)
            let since = killed_at.unwrap().elapsed();
            std::thread::sleep(Duration::from_secs(10).saturating_sub(since));
            instances[1] = Some(spawn(&s, 1, ""));
        }
    });
    wait_commits(&s, Duration::from_secs(180), all_committed);
    for i in instances.into_iter().flatten() {
        i.stop();
    }
    assert_eq!(actioned(&s), replay_actioned(&records));
}

/// Issue 20, item 8: kill -9 and restart at once, inside the dead member's session. The group
/// converges; or, where the broker keeps the dead member (tansu 0.6 has kept one that a
/// restarted instance's join overtook, with its partitions), the live instances say so: an
/// instance owning nothing turns not ready, and every instance logs the input partitions that
/// have lag and no progress. Restarting the group after the session timeout, as the alert on
/// that metric advises, converges. Either way the actioned set equals replay.
#[test]
fn kill_9_and_an_immediate_restart() {
    let Some(b) = brokers() else {
        eprintln!("DISTILLGUARD_E2E_BROKERS not set: skipped");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let s = setup(&b, "restart", dir.path(), false);
    let more = "unowned_timeout = \"10s\"";
    let (records, recs) = recorded();
    let mut instances: Vec<_> = (0..3).map(|i| Some(spawn(&s, i, more))).collect();
    produce_in_tenths(&s, &recs, |n| {
        if n == 4 {
            instances[1].take().unwrap().kill9();
            instances[1] = Some(spawn(&s, 1, more));
        }
    });
    if commits_reach(&s, Duration::from_secs(90), all_committed).is_ok() {
        eprintln!("kill -9 and an immediate restart: the group converged by itself");
    } else {
        let said = |i: &common::procs::Instance| {
            let log = i.log_text();
            log.contains("owns no input partition") || log.contains("input partitions have lag")
        };
        let logs: Vec<_> = instances.iter().flatten().map(|i| i.log.clone()).collect();
        if !instances.iter().flatten().any(said) {
            print_logs(&logs);
            panic!("stuck, and no instance said why");
        }
        eprintln!("kill -9 and an immediate restart: stuck, and said so; restarting the group");
        stop_group(instances.iter_mut().filter_map(Option::take).collect());
        std::thread::sleep(Duration::from_secs(10));
        for (i, slot) in instances.iter_mut().enumerate() {
            *slot = Some(spawn(&s, i, more));
        }
        wait_commits(&s, Duration::from_secs(180), all_committed);
    }
    // everything is committed, so every verdict was delivered: how the instances end changes
    // nothing below
    stop_group(instances.into_iter().flatten().collect());
    assert_eq!(actioned(&s), replay_actioned(&records));
}

/// Produce `recs` in ten parts, 700 ms apart; `after(n)` runs once part `n` is sent.
fn produce_in_tenths(s: &Setup, recs: &Recs, mut after: impl FnMut(usize)) {
    for (n, chunk) in recs.chunks(recs.len() / 10 + 1).enumerate() {
        produce(&s.brokers, &s.input, chunk);
        std::thread::sleep(Duration::from_millis(700));
        after(n);
    }
}

/// Stop every instance at once (no member is left alone to take the others' partitions over),
/// as an orchestrator does: SIGTERM, SIGKILL after a grace period; the log of an instance that
/// needed SIGKILL is printed (a rebalance callback restoring checkpoints defers SIGTERM).
fn stop_group(instances: Vec<common::procs::Instance>) {
    for i in &instances {
        i.terminate();
    }
    for i in instances {
        let log = i.log.clone();
        if !i.wait_or_kill(Duration::from_secs(90)) {
            eprintln!("an instance needed SIGKILL");
            print_logs(&[log]);
        }
    }
}

#[test]
fn an_oversized_malformed_message_is_dead_lettered_and_nothing_is_lost() {
    let Some(b) = brokers() else {
        eprintln!("DISTILLGUARD_E2E_BROKERS not set: skipped");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let s = setup(&b, "poison", dir.path(), false);
    let (records, recs) = recorded();
    let (first, rest) = recs.split_at(recs.len() / 2);
    produce(&b, &s.input, first);
    // 2 MiB of garbage: more than the producer's default message.max.bytes, so its dead
    // letter must be cut to fit
    let poison = vec![(0, "poison".to_string(), vec![b'{'; 2 << 20])];
    produce_with(&b, &s.input, &poison, &[("message.max.bytes", "4194304")]);
    produce(&b, &s.input, rest);
    three_match_replay(&s, &records, recs.len() as u64 + 1);
    let dead = read_all(&b, &s.dead_letters());
    assert_eq!(
        dead.len(),
        25,
        "the fixture's 24 malformed records and the poison"
    );
    let cut: Vec<_> = dead
        .iter()
        .filter(|r| r.headers.get("truncated").map(String::as_str) == Some("true"))
        .collect();
    assert_eq!(cut.len(), 1);
    assert_eq!(
        cut[0].headers.get("original_bytes").map(String::as_str),
        Some("2097152")
    );
    assert!(cut[0].value.as_ref().unwrap().len() < 1_000_000);
}
