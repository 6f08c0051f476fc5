//! Live-path throughput against librdkafka's mock cluster versus the in-process replay path on
//! the same records, plus `kcat -C` into a null sink as the transport's ceiling when kcat is
//! installed. Engine: the counting test engine (so this measures the transport, not scoring).
//!
//! `cargo bench -p distillguard-kafka --bench live_throughput` (env `BENCH_RECORDS`, default
//! 100000). Live time is measured as (run over warm-up + N records) − (run over warm-up only),
//! which removes the group join and shutdown from the figure.

#[path = "../tests/common/mod.rs"]
mod common;

use common::kafka::{committed, high_watermarks, produce};
use common::{partition_of, Counting, CountingEngine, JsonParser};
use distillguard_kafka::{run, Engine, LiveConfig, Outputs, RecordParse};
use distillguard_types::config::WindowsConfig;
use rdkafka::mocking::MockCluster;
use std::time::{Duration, Instant};

const PARTS: i32 = 6;
const T0: i64 = 1_776_852_000_000;

fn records(n: usize, t0: i64) -> Vec<(i32, String, Vec<u8>)> {
    (0..n)
        .map(|i| {
            let acct = format!("acct-{:05}", (i * 7919) % 5000);
            let v =
                serde_json::json!({"ts": t0 + i as i64 * 10, "account_id": acct, "ip": "10.1.2.3"});
            (
                partition_of(&acct, PARTS),
                acct,
                serde_json::to_vec(&v).unwrap(),
            )
        })
        .collect()
}

fn replay(recs: &[(i32, String, Vec<u8>)]) -> Duration {
    let start = Instant::now();
    let mut engines: Vec<CountingEngine> = (0..PARTS).map(|_| CountingEngine::default()).collect();
    let mut parser = JsonParser;
    let mut out = Outputs::default();
    let mut buf = Vec::new();
    for (i, (p, _, v)) in recs.iter().enumerate() {
        buf.clear();
        buf.extend_from_slice(v);
        if let Ok(ev) = parser.parse(&mut buf) {
            let _ = engines[*p as usize].offer(ev);
        }
        if i % 1024 == 0 {
            let wm = engines
                .iter()
                .map(|e| e.max_event_ms())
                .min()
                .unwrap_or(i64::MIN)
                - 120_000;
            for e in &mut engines {
                e.advance_to(wm, &mut out);
            }
            out.clear();
        }
    }
    for e in &mut engines {
        e.advance_to(i64::MAX, &mut out);
    }
    start.elapsed()
}

fn live_run(rt: &tokio::runtime::Runtime, brokers: &str, topic: &str, group: &str) -> Duration {
    let live = LiveConfig {
        brokers: brokers.into(),
        group_id: group.into(),
        input_topic: topic.into(),
        create_topics: false,
        checkpoint_interval: Duration::from_millis(200),
        kafka: [("session.timeout.ms", "6000")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..LiveConfig::default()
    };
    let want = high_watermarks(brokers, topic);
    let start = Instant::now();
    rt.block_on(async {
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(run(live, WindowsConfig::default(), Counting, async move {
            let _ = rx.await;
        }));
        loop {
            let (b, g, t) = (brokers.to_string(), group.to_string(), topic.to_string());
            let got = tokio::task::spawn_blocking(move || committed(&b, &g, &t))
                .await
                .unwrap();
            if got == want {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let _ = tx.send(());
        task.await.unwrap().expect("live run");
    });
    start.elapsed()
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let n: usize = std::env::var("BENCH_RECORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let cluster = MockCluster::new(1).unwrap();
    let brokers = cluster.bootstrap_servers();
    for t in [
        "warm",
        "bench",
        "distillguard-verdicts",
        "distillguard-campaigns",
        "distillguard-dead-letter",
    ] {
        cluster.create_topic(t, PARTS, 1).unwrap();
    }
    cluster
        .create_topic("distillguard-checkpoints", 1, 1)
        .unwrap();
    let warm = records(PARTS as usize * 10, T0);
    let recs = records(n, T0);
    produce(&brokers, "warm", &warm);
    produce(&brokers, "bench", &warm);
    produce(&brokers, "bench", &recs);
    let bytes: usize = recs.iter().map(|r| r.2.len()).sum();

    let replay_t = replay(&recs);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let base = live_run(&rt, &brokers, "warm", "g-warm");
    let full = live_run(&rt, &brokers, "bench", "g-bench");
    let live_t = full.saturating_sub(base);
    let rate = |d: Duration| n as f64 / d.as_secs_f64();
    println!(
        "records: {n} ({:.1} MiB JSON, {PARTS} partitions)",
        bytes as f64 / 1048576.0
    );
    println!(
        "replay path (parse + engine, in process): {:>10.0} events/s  ({replay_t:?})",
        rate(replay_t)
    );
    println!(
        "live path (mock cluster, consume → engine → commit): {:>10.0} events/s  ({live_t:?} = {full:?} − {base:?} join/shutdown)",
        rate(live_t)
    );
    if std::process::Command::new("kcat")
        .arg("-V")
        .output()
        .is_ok()
    {
        let start = Instant::now();
        let out = std::process::Command::new("kcat")
            .args([
                "-C",
                "-b",
                &brokers,
                "-t",
                "bench",
                "-o",
                "beginning",
                "-e",
                "-q",
                "-f",
                "%s\n",
            ])
            .stdout(std::process::Stdio::null())
            .status()
            .unwrap();
        let k = start.elapsed();
        println!(
            "kcat -C to /dev/null (transport ceiling):   {:>10.0} records/s  ({k:?}, {out})",
            rate(k)
        );
    } else {
        println!("kcat not installed (apt-get install kcat) — skipping the consume-only ceiling");
    }
}
