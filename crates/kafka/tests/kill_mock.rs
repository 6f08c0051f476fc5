//! kill -9 of a live instance (a child process) mid-stream against the mock cluster: the
//! restarted instance resumes from the checkpoints and no valid record is lost.

mod common;

use common::kafka::{produce, read_all};
use common::procs::{all_committed, spawn, wait_commits, Setup};
use common::{partition_of, replay_actioned, sentinels, stream};
use rdkafka::mocking::MockCluster;
use std::collections::BTreeSet;
use std::time::Duration;

const T0: i64 = 1_776_852_000_000;
const PARTS: i32 = 3;

#[test]
fn kill_9_mid_stream_then_restart_loses_nothing() {
    let cluster = MockCluster::new(1).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let setup = Setup {
        brokers: cluster.bootstrap_servers(),
        group: "g-kill".into(),
        input: "request-log".into(),
        prefix: "dg".into(),
        extra: [
            "create_topics = false",
            "repartition = false",
            "checkpoint_records = 100",
            "[live.kafka]",
            "\"session.timeout.ms\" = \"6000\"",
            "\"heartbeat.interval.ms\" = \"500\"",
        ]
        .join("\n"),
        dir: dir.path().to_path_buf(),
        static_members: false,
        windows: None,
    };
    for t in [
        "request-log",
        "dg-verdicts",
        "dg-campaigns",
        "dg-dead-letter",
    ] {
        cluster.create_topic(t, PARTS, 1).unwrap();
    }
    cluster.create_topic("dg-checkpoints", 1, 1).unwrap();

    let batch1 = stream(150, 7, 0, T0);
    let to_parts = |recs: &[(String, Vec<u8>)]| -> Vec<(i32, String, Vec<u8>)> {
        recs.iter()
            .map(|(k, v)| (partition_of(k, PARTS), k.clone(), v.clone()))
            .collect()
    };
    produce(&setup.brokers, "request-log", &to_parts(&batch1));

    // first instance: killed once checkpoints cover most of the batch (the tail after the last
    // checkpoint is processed, maybe verdicted, but not committed)
    let first = spawn(&setup, 0, "checkpoint_interval = \"1h\"");
    wait_commits(&setup, Duration::from_secs(90), |c, hw| {
        c.len() == PARTS as usize && c.iter().all(|(p, o)| *o + 100 >= hw[p])
    });
    first.kill9();

    // the rest of the stream, then a restarted instance runs to the end
    let t1 = T0 + batch1.len() as i64 * 1_000 + 10_000;
    let batch2 = stream(150, 2, 0, t1);
    let mut recs2 = to_parts(&batch2);
    for (p, v) in sentinels(PARTS, t1 + 1_000_000) {
        recs2.push((p, format!("zz-sentinel-{p}"), v));
    }
    produce(&setup.brokers, "request-log", &recs2);
    let second = spawn(&setup, 1, "checkpoint_interval = \"1s\"");
    wait_commits(&setup, Duration::from_secs(90), all_committed);
    let summary = second.stop();
    assert_eq!(summary["restored"], PARTS as u64, "{summary}");

    let mut all = batch1;
    all.extend(batch2);
    let want = replay_actioned(&all);
    let got: BTreeSet<String> = read_all(&setup.brokers, &setup.verdicts())
        .into_iter()
        .map(|r| String::from_utf8(r.key.unwrap()).unwrap())
        .collect();
    assert_eq!(got, want);
}
