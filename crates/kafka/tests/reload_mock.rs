//! Live config reload against the mock cluster (feature `pipeline`): the real pipeline runs in
//! the live loop, a reload that changes a restart-only section is refused and the running
//! version stays on later verdicts, a reload that changes a threshold and the version is
//! applied between batches and later verdicts carry the new version.
#![cfg(feature = "pipeline")]

mod common;

use common::kafka::{produce, read_all, single_partition_cluster};
use distillguard_kafka::{reload, run_pipeline_reloadable, LiveConfig};
use distillguard_types::net::NetData;
use distillguard_types::{Config, Verdict};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

const T0: i64 = 1_776_852_000_000;

/// `accounts` accounts with `prefix`, one record each second from `from_s` (seconds after T0),
/// then ten records of pusher accounts at `push_s` so the event clock (and the watermark,
/// two minutes behind it) passes every one of them.
fn batch(prefix: &str, accounts: usize, from_s: i64, push_s: i64) -> Vec<(i32, String, Vec<u8>)> {
    let rec = |acct: String, ts: i64, i: usize| {
        let v = serde_json::json!({
            "ts": distillguard_types::time::format_rfc3339_ms(ts),
            "account_id": acct, "ip": format!("198.51.100.{}", i % 200),
            "prompt": format!("Translate sentence number {i} into French, please."),
        });
        (0, acct, serde_json::to_vec(&v).unwrap())
    };
    let mut out: Vec<_> = (0..accounts * 3)
        .map(|i| {
            let acct = format!("{prefix}-{:03}", i % accounts);
            rec(acct, T0 + (from_s + i as i64) * 1_000, i)
        })
        .collect();
    out.extend((0..10).map(|i| {
        rec(
            format!("push-{prefix}-{i}"),
            T0 + (push_s + i as i64) * 1_000,
            i,
        )
    }));
    out
}

/// Each account with `prefix` and the config versions of its verdicts, once every one of the
/// `accounts` has at least one (polled, generous deadline).
async fn versions_of(
    brokers: &str,
    prefix: &str,
    accounts: usize,
) -> BTreeMap<String, Vec<String>> {
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let b = brokers.to_string();
        let recs = tokio::task::spawn_blocking(move || read_all(&b, "distillguard-verdicts"))
            .await
            .unwrap();
        let mut got: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for r in recs {
            let v: Verdict = serde_json::from_slice(r.value.as_deref().unwrap()).unwrap();
            if v.account_id.starts_with(&format!("{prefix}-")) {
                got.entry(v.account_id).or_default().push(v.config_version);
            }
        }
        if got.len() == accounts {
            return got;
        }
        assert!(
            Instant::now() < deadline,
            "{} of {accounts} {prefix} accounts have verdicts",
            got.len()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A config whose monitor threshold every account reaches (each account's first scored event
/// is a verdict), labelled `version`.
fn config(version: &str) -> Config {
    let mut c = Config {
        config_version: version.into(),
        ..Config::default()
    };
    c.score.thresholds.monitor = 0.0;
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reload_applies_between_batches_and_a_restart_only_change_is_refused() {
    let cluster = single_partition_cluster();
    let brokers = cluster.bootstrap_servers();
    let live = LiveConfig {
        brokers: brokers.clone(),
        group_id: "g-reload".into(),
        create_topics: false,
        repartition: false,
        checkpoint_interval: Duration::from_millis(500),
        kafka: [("session.timeout.ms", "6000")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..LiveConfig::default()
    };
    let (reloads, requests) = reload::channel::<Arc<Config>>();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(run_pipeline_reloadable(
        Arc::new(config("reload-v1")),
        Arc::new(NetData::default()),
        live,
        Some(requests),
        async move {
            let _ = stopped.await;
        },
    ));

    produce(&brokers, "request-log", &batch("a", 20, 0, 1_000));
    let a = versions_of(&brokers, "a", 20).await;
    assert!(a.values().flatten().all(|v| v == "reload-v1"), "{a:?}");

    // a restart-only section changed: refused by name, nothing applied
    let mut restart_only = config("reload-bad");
    restart_only.correlate.common_members += 1;
    restart_only.windows.allowed_lateness = Duration::from_secs(60);
    let problems = reloads
        .apply(Ok(Arc::new(restart_only)))
        .await
        .expect_err("a restart-only change is refused");
    let all = problems.join("\n");
    assert!(
        all.contains("correlate") && all.contains("windows"),
        "{all}"
    );
    assert!(all.contains("restart to apply"), "{all}");
    // what the file checks found is refused as given
    let listed = vec!["score.thresholds: must satisfy monitor < throttle < suspend".to_string()];
    assert_eq!(reloads.apply(Err(listed.clone())).await, Err(listed));

    produce(&brokers, "request-log", &batch("c", 20, 1_100, 2_000));
    let c = versions_of(&brokers, "c", 20).await;
    assert!(c.values().flatten().all(|v| v == "reload-v1"), "{c:?}");

    // a threshold and the version: applied, later verdicts carry the new version
    let mut next = config("reload-v2");
    next.score.thresholds.suspend = 0.95;
    assert_eq!(
        reloads.apply(Ok(Arc::new(next))).await,
        Ok("reload-v2".to_string())
    );
    produce(&brokers, "request-log", &batch("b", 20, 2_100, 3_000));
    let b = versions_of(&brokers, "b", 20).await;
    assert!(b.values().flatten().all(|v| v == "reload-v2"), "{b:?}");

    stop.send(()).unwrap();
    let summary = task.await.unwrap().expect("live run");
    assert_eq!(summary.records, 3 * (60 + 10));
}
