//! `distillguard run` as a child process against librdkafka's mock cluster, reloading on
//! SIGHUP and, in a second run, on the file's change alone: an invalid file is refused with
//! every problem logged and counted as `invalid`; a changed threshold and version is applied,
//! counted as `ok`, and later verdicts carry the new version.

#[path = "../../kafka/tests/common/kafka.rs"]
#[allow(dead_code)]
mod kafka;

use kafka::{produce, read_all, single_partition_cluster};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const T0: i64 = 1_776_852_000_000;

/// The config file: `engine` lines, then the `[live]` section every version shares.
fn write_config(path: &Path, brokers: &str, listen: &str, engine: &str) {
    let text = format!(
        r#"{engine}
[live]
brokers = "{brokers}"
group_id = "g-sighup"
create_topics = false
repartition = false
checkpoint_interval = "500ms"
metrics_listen = "{listen}"
"#
    );
    std::fs::write(path, text).unwrap();
}

/// GET `path` from the instance's listener: (status line, body), or None while it is down.
fn get(listen: &str, path: &str) -> Option<(String, String)> {
    let mut s = TcpStream::connect(listen).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut text = String::new();
    s.read_to_string(&mut text).ok()?;
    let (head, body) = text.split_once("\r\n\r\n")?;
    Some((head.lines().next()?.to_string(), body.to_string()))
}

/// Poll until `done` holds (generous deadline), naming `what` on failure.
fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(90);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn hangup(child: &Child) {
    let status = Command::new("kill")
        .args(["-HUP", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

fn metric_line(listen: &str, line: &str) -> bool {
    get(listen, "/metrics").is_some_and(|(_, body)| body.lines().any(|l| l == line))
}

/// Reloads counted with `result` so far (the file watch and a signal may both count one).
fn reloads(listen: &str, result: &str) -> u64 {
    let series = format!(
        "{}{{result=\"{result}\"}} ",
        distillguard_kafka::metric::CONFIG_RELOADS
    );
    get(listen, "/metrics")
        .and_then(|(_, body)| {
            body.lines()
                .find_map(|l| l.strip_prefix(&series).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

/// Twenty accounts, three records each, then ten pusher records 15 minutes later so the
/// watermark passes all of them.
fn records() -> Vec<(i32, String, Vec<u8>)> {
    let rec = |acct: String, ts: i64, i: usize| {
        let v = serde_json::json!({
            "ts": ts, "account_id": acct, "ip": format!("198.51.100.{}", i % 200),
            "prompt": format!("Translate sentence number {i} into French, please."),
        });
        (0, acct, serde_json::to_vec(&v).unwrap())
    };
    let mut out: Vec<_> = (0..60)
        .map(|i| rec(format!("h-{:03}", i % 20), T0 + i as i64 * 1_000, i))
        .collect();
    out.extend((0..10).map(|i| rec(format!("push-{i}"), T0 + (900 + i as i64) * 1_000, i)));
    out
}

#[test]
fn sighup_refuses_an_invalid_file_and_applies_a_valid_one() {
    reload_refuses_an_invalid_file_and_applies_a_valid_one(true);
}

#[test]
fn a_changed_file_is_reloaded_without_a_signal() {
    reload_refuses_an_invalid_file_and_applies_a_valid_one(false);
}

/// The whole case; after each write the reload comes from SIGHUP (`signal`) or from the
/// file watch alone.
fn reload_refuses_an_invalid_file_and_applies_a_valid_one(signal: bool) {
    let cluster = single_partition_cluster();
    let brokers = cluster.bootstrap_servers();
    let listen = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().to_string()
    };
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("live.toml");
    let stderr_path = dir.path().join("stderr.log");
    // every account's first scored event reaches monitor: one verdict each
    let v1 = "config_version = \"sighup-v1\"\n[score.thresholds]\nmonitor = 0.0\n";
    write_config(&config, &brokers, &listen, v1);
    let mut child = Command::new(env!("CARGO_BIN_EXE_distillguard"))
        .args(["run", "--config"])
        .arg(&config)
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&stderr_path).unwrap())
        .spawn()
        .unwrap();
    wait_for("/readyz", || {
        get(&listen, "/readyz").is_some_and(|(status, _)| status.contains("200"))
    });
    let ready = format!("{} 1", distillguard_kafka::metric::READY);
    assert!(metric_line(&listen, &ready));

    // two problems at once; the running configuration stays
    let invalid = "config_version = \"sighup-bad\"\n[score]\nbogus = 1\n[score.thresholds]\nmonitor = 0.9\nthrottle = 0.5\n";
    write_config(&config, &brokers, &listen, invalid);
    if signal {
        hangup(&child);
    }
    wait_for("an invalid reload counted", || {
        reloads(&listen, "invalid") >= 1
    });

    let v2 = "config_version = \"sighup-v2\"\n[score.thresholds]\nmonitor = 0.0\nsuspend = 0.95\n";
    write_config(&config, &brokers, &listen, v2);
    if signal {
        hangup(&child);
    }
    wait_for("a reload counted ok", || reloads(&listen, "ok") >= 1);

    produce(&brokers, "request-log", &records());
    let mut versions: BTreeMap<String, Vec<String>> = BTreeMap::new();
    wait_for("verdicts of all 20 accounts", || {
        versions.clear();
        for r in read_all(&brokers, "distillguard-verdicts") {
            let v: serde_json::Value = serde_json::from_slice(r.value.as_deref().unwrap()).unwrap();
            let account = v["account_id"].as_str().unwrap();
            if account.starts_with("h-") {
                let version = v["config_version"].as_str().unwrap().to_string();
                versions
                    .entry(account.to_string())
                    .or_default()
                    .push(version);
            }
        }
        versions.len() == 20
    });
    assert!(
        versions.values().flatten().all(|v| v == "sighup-v2"),
        "{versions:?}"
    );

    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    let log = std::fs::read_to_string(&stderr_path).unwrap();
    assert!(status.success(), "{status:?}\n{log}");
    let refusal = log
        .split("configuration reload refused")
        .nth(1)
        .unwrap_or_else(|| panic!("no refusal logged:\n{log}"));
    for problem in [
        "score.bogus",
        "score.thresholds: must satisfy monitor < throttle < suspend",
    ] {
        assert!(refusal.contains(problem), "{problem} not listed:\n{log}");
    }
    assert!(log.contains("configuration reloaded"), "{log}");
}
