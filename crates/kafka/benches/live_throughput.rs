//! Live-path throughput of the real engine against librdkafka's mock cluster, versus the replay
//! path on the same records in the same process, plus the counting test engine over the same
//! topic (the transport with a trivial engine) and `kcat -C -e` into a null sink (the
//! consume-only ceiling) when kcat is installed.
//!
//! `cargo bench -p distillguard-kafka --bench live_throughput --features pipeline`
//!
//! Records: the shipped fixture `fixtures/sample.jsonl.zst` (gateway request contract, ~1 KB a
//! record), or the JSONL file `BENCH_INPUT` names (`scripts/bench-input.sh` writes one day of
//! simulated traffic, ~97k records, far denser in event time than the fixture), repeated
//! `BENCH_REPEAT` times (default: ≈ 100k records). Copy `k` gets `-r{k}`
//! appended to `account_id` and `request_id` (distinct accounts, no dedupe hits) and its `ts` and
//! `account_created_at` moved forward by k × (fixture span + [`GAP_MS`]), so event time rises
//! copy after copy and every copy scores like the first (the gap between copies is an hour; the
//! bench reports the longest silence of a partition, which `input.max_future` is measured
//! against only until the stage watermark passes it). Records are keyed
//! by `account_id`, partition = `partition_of(account, partitions)`. [`CLOCK_AGREE`] sentinel
//! records per partition (the event-time clock moves only when that many agree), 5 min after
//! the last record, end the input, so no finished partition holds the stage watermark back for
//! `windows.idle_partition` (30 s of wall time) at the end.
//!
//! Figures (events/s over the same records, `Config::default()`, `NetData::default()`):
//! - replay path: `distillguard_replay::replay` on a temporary JSONL file — what `distillguard
//!   replay` runs (the source stage parses on its own thread, one `Pipeline` on the caller's);
//! - in-process loop: `RecordParser` + one `Pipeline` on one thread, `offer` per record,
//!   `advance` every 4096 records, `finish` at the end (the replay driver's loop, no files);
//! - live path: `run_pipeline` (one `Pipeline` per input partition) consuming the input topic in
//!   a consumer group, once with the default `max_partition_lead` (10 min: partitions running
//!   ahead in event time are paused) and once with a lead longer than the data (no pausing).
//!   Time = (run over warm-up + N records) − (run over the warm-up only), each run timed from its
//!   first consumed record (the `distillguard_live_records_total` counter, published at least
//!   every 10 ms while records come, looked at every 5 ms) until its engines have processed
//!   every record — in split mode until the last internal message, verdict or campaign record
//!   that follows (the evidence answering the last step and the rescores it causes: the run's
//!   outcome is complete only then; the [`QUIET`] period that shows it is not counted) — and it
//!   has written its final checkpoints and committed every input offset (the
//!   `distillguard_live_checkpoints_total` counter, which moves once the commit is
//!   acknowledged). Group join before and client teardown after are left out of both runs:
//!   both vary by more than the difference being measured (see benches/RESULTS.md). The
//!   subtraction removes the fixed costs in between (restore, first fetch,
//!   the final round's fixed part). Every run still leaves the group and its committed offsets
//!   are checked afterwards against the high watermarks. Each run also prints (to stderr) when
//!   its first record was counted, when every record was processed, when the final commit was
//!   counted and when it had shut down;
//! - counting engine: the same live measurement with the counting test engine (no pausing);
//! - kcat: `kcat -C -e` over the input topic to /dev/null.
//!
//! Not a figure but printed under each live run of the pipeline: its outcome (the accounts it
//! throttled or suspended and its campaigns, read back from the run's own verdict and campaign
//! topics) against one replay of the same records (warm-up and bench records) through one
//! unsplit engine, the reference of the tests (`tests/common/split.rs`): exact, within the
//! tests' campaign tolerance, or DIFFERS with the difference.
//!
//! The mock cluster keeps at most 5 MiB per partition (older batches are dropped, which aborts
//! the bench), so the input topic is lz4-compressed with 12 partitions (`BENCH_COMPRESSION`,
//! `BENCH_PARTS`; with `BENCH_COMPRESSION=none` the partition count defaults to what keeps each
//! partition under 4 MiB). Checkpoints as by default (every 30 s or 100k records per partition,
//! so within a run only the final one at shutdown, which is in the figure) to checkpoint topics
//! with as many partitions. The whole measurement (replay, in-process, the three live runs,
//! kcat) is repeated `BENCH_ROUNDS` times (default 3), each round with its own groups and
//! internal topics (every run its own); the summary line gives medians, and the median of the
//! per-round live/replay ratios. `BENCH_REPARTITION=1` runs the real pipeline in split mode
//! (`LiveConfig::repartition`) and creates the observation and evidence topics.
//! `BENCH_KAFKA="key=value,…"` is passed to the live clients (`[live.kafka]`), e.g.
//! `fetch.wait.max.ms=10`. `RUST_LOG` enables the live loop's logs; `BENCH_TRACE=1` prints,
//! every 200 ms, how many records each live run has consumed and processed. `BENCH_QUICK=1`
//! runs only the replay path and the first live run in each round (for A/B comparisons; the
//! other figures print as NaN). `BENCH_DUMP=FILE` writes the bench topic's records (warm-up,
//! then bench records) as JSONL and exits, for the in-process split comparison
//! (`cargo run --release -p distillguard-replay --example split_compare -- FILE`).

#[path = "../tests/common/mod.rs"]
mod common;

use common::kafka::{committed, high_watermarks, read_all};
use common::split::{self, Outcome};
use common::{partition_of, Counting};
use distillguard_io::{InputSpec, RecordParser};
use distillguard_kafka::{run, run_pipeline, LiveConfig, Summary};
use distillguard_pipeline::{Outputs, Pipeline, CLOCK_AGREE};
use distillguard_replay::{replay, ReplayOptions, ReplaySummary};
use distillguard_types::config::WindowsConfig;
use distillguard_types::net::NetData;
use distillguard_types::reject::RejectCounts;
use distillguard_types::time::{format_rfc3339_ms, parse_rfc3339_ms, DAY_MS, HOUR_MS};
use distillguard_types::Config;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::mocking::MockCluster;
use rdkafka::producer::{DefaultProducerContext, Producer, ThreadedProducer};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Event-time gap between the end of one copy of the fixture and the start of the next.
const GAP_MS: i64 = HOUR_MS;
/// Sentinels come this long after the last record: past the allowed lateness (2 min), so the
/// watermark passes every real record and the engines process all of them.
const SENTINEL_AFTER: i64 = 5 * 60_000;
/// Records per batch of the replay path and between `advance` calls of the in-process loop
/// (what `distillguard replay` uses).
const BATCH: usize = 4096;
/// Warm-up records per partition (the run subtracted from the measured one).
const WARM_PER_PART: usize = 20;
/// Input partitions when the topic is compressed (the default).
const DEFAULT_PARTS: i32 = 12;
/// Bytes per input partition at most when uncompressed (the mock keeps 5 MiB).
const PART_BUDGET: usize = 4 << 20;
/// Per-record overhead in the mock's log (record header, key, batch headers), roughly.
const REC_OVERHEAD: usize = 40;
/// `max_partition_lead` of the runs without pausing: longer than any input here.
const NO_PAUSE_LEAD: Duration = Duration::from_secs(365 * 86_400);
/// A live run that consumes nothing for this long is reported as stuck.
const STALL: Duration = Duration::from_secs(120);
/// Split mode: no internal message, verdict or campaign record for this long after the last
/// record was processed means the run's outcome is complete.
const QUIET: Duration = Duration::from_millis(300);

/// An input record.
struct Rec {
    part: i32,
    key: String,
    value: Vec<u8>,
    ts: i64,
}

fn env<T: std::str::FromStr>(name: &str) -> Option<T> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

/// The records to repeat: `BENCH_INPUT` (a JSONL file, `.gz` / `.zst` too) when set, else the
/// shipped fixture.
fn input() -> Vec<Value> {
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/sample.jsonl.zst"
    );
    let path = std::env::var("BENCH_INPUT").unwrap_or_else(|_| fixture.into());
    let lines = distillguard_io::read_lines(&InputSpec::new(&path)).expect("bench input");
    lines
        .iter()
        .map(|l| serde_json::from_slice(l).expect("bench input line"))
        .collect()
}

/// A time field (epoch ms or RFC 3339) in epoch ms.
fn time_ms(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => parse_rfc3339_ms(s),
        _ => None,
    }
}

/// Set a time field to `ms`, keeping its form (RFC 3339 string or epoch ms).
fn set_time(v: &mut Value, ms: i64) {
    *v = if v.is_string() {
        Value::String(format_rfc3339_ms(ms))
    } else {
        Value::from(ms)
    };
}

/// `lines` with times moved by `by` and `suffix` on the ids, as (account, ts, JSON).
fn copy(lines: &[Value], by: i64, suffix: &str) -> Vec<(String, i64, Vec<u8>)> {
    lines
        .iter()
        .map(|l| {
            let mut v = l.clone();
            let o = v.as_object_mut().expect("object");
            for f in ["ts", "account_created_at"] {
                if let Some(t) = o.get_mut(f) {
                    if let Some(ms) = time_ms(t) {
                        set_time(t, ms + by);
                    }
                }
            }
            for f in ["account_id", "request_id"] {
                if let Some(Value::String(id)) = o.get_mut(f) {
                    id.push_str(suffix);
                }
            }
            let acct = o
                .get("account_id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let ts = o.get("ts").and_then(time_ms).expect("ts");
            (acct, ts, serde_json::to_vec(&v).unwrap())
        })
        .collect()
}

fn keyed(recs: Vec<(String, i64, Vec<u8>)>, parts: i32) -> Vec<Rec> {
    recs.into_iter()
        .map(|(key, ts, value)| Rec {
            part: partition_of(&key, parts),
            key,
            value,
            ts,
        })
        .collect()
}

/// [`CLOCK_AGREE`] records per partition at `ts` (copies of `template` under an account keyed
/// to it).
fn sentinels(template: &Value, ts: i64, prefix: &str, parts: i32) -> Vec<Rec> {
    (0..parts)
        .flat_map(|p| (0..CLOCK_AGREE).map(move |copy| (p, copy)))
        .map(|(p, copy)| {
            let key = (0..)
                .map(|i| format!("{prefix}-{i}"))
                .find(|a| partition_of(a, parts) == p)
                .unwrap();
            let mut v = template.clone();
            let o = v.as_object_mut().expect("object");
            if let Some(t) = o.get_mut("ts") {
                set_time(t, ts);
            }
            o.insert("account_id".into(), Value::from(key.as_str()));
            o.insert("request_id".into(), Value::from(format!("{key}-req{copy}")));
            Rec {
                part: p,
                value: serde_json::to_vec(&v).unwrap(),
                key,
                ts,
            }
        })
        .collect()
}

/// The smallest partition count ≥ 6 keeping every partition within [`PART_BUDGET`].
fn partitions_for(recs: &[(String, i64, Vec<u8>)]) -> i32 {
    (6..1024)
        .find(|&p| {
            let mut size = vec![0usize; p as usize];
            for (k, _, v) in recs {
                size[partition_of(k, p) as usize] += k.len() + v.len() + REC_OVERHEAD;
            }
            size.into_iter().max().unwrap_or(0) <= PART_BUDGET
        })
        .expect("partition count")
}

/// Longest event-time silence of one partition (from its highest event time so far to its
/// next record), over `recs` in log order.
fn longest_silence<'a>(recs: impl IntoIterator<Item = &'a Rec>, parts: i32) -> i64 {
    let mut max = vec![i64::MIN; parts as usize];
    let mut gap = 0;
    for r in recs {
        let m = &mut max[r.part as usize];
        if *m != i64::MIN {
            gap = gap.max(r.ts - *m);
        }
        *m = (*m).max(r.ts);
    }
    gap
}

/// Produce and wait.
fn produce(brokers: &str, topic: &str, recs: &[Rec], compression: &str) {
    let p: ThreadedProducer<DefaultProducerContext> = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("linger.ms", "20")
        .set("compression.type", compression)
        .create()
        .expect("producer");
    for r in recs {
        common::kafka::send(&p, topic, r.part, &r.key, &r.value);
    }
    p.flush(Duration::from_secs(60)).expect("flush");
}

/// Abort when the mock cluster dropped the head of a partition (its 5 MiB cap).
fn check_not_truncated(brokers: &str, topic: &str, parts: i32) {
    let c: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .create()
        .expect("consumer");
    for p in 0..parts {
        let (lo, _) = c
            .fetch_watermarks(topic, p, Duration::from_secs(10))
            .expect("watermarks");
        assert!(
            lo == 0,
            "mock cluster dropped the first {lo} records of {topic}/{p} (5 MiB per partition): \
             raise BENCH_PARTS or compress (BENCH_COMPRESSION)"
        );
    }
}

/// The replay path: `distillguard_replay::replay` over a JSONL file of `recs`; its time,
/// summary and CPU time.
fn replay_path(cfg: &Arc<Config>, recs: &[Rec]) -> (Duration, ReplaySummary, Duration) {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("bench.jsonl");
    {
        let mut w = std::io::BufWriter::new(std::fs::File::create(&input).unwrap());
        for r in recs {
            w.write_all(&r.value).unwrap();
            w.write_all(b"\n").unwrap();
        }
        w.flush().unwrap();
    }
    let opts = ReplayOptions {
        inputs: vec![InputSpec::new(&input)],
        verdicts: dir.path().join("verdicts.jsonl"),
        campaigns: Some(dir.path().join("campaigns.jsonl")),
        rejects: dir.path().join("rejects.jsonl"),
        batch: BATCH,
        stop: None,
        threads: distillguard_replay::default_threads(),
    };
    let (start, cpu0) = (Instant::now(), cpu_time());
    let sum = replay(
        cfg.clone(),
        Arc::new(NetData::default()),
        opts,
        false,
        &mut |_, _| {},
        &mut |_| {},
    )
    .expect("replay");
    (start.elapsed(), sum, cpu_time().saturating_sub(cpu0))
}

/// What the in-process loop did.
struct LoopCounts {
    events: u64,
    rejected: u64,
    verdicts: u64,
}

/// The replay driver's loop on one thread, without files.
fn in_process(cfg: &Arc<Config>, recs: &[Rec]) -> (Duration, LoopCounts) {
    let start = Instant::now();
    let mut engine = Pipeline::new(cfg.clone(), Arc::new(NetData::default()));
    let mut parser = RecordParser::new(&cfg.input);
    let mut out = Outputs::default();
    let (mut rejected, mut verdicts) = (0, 0);
    let mut buf = Vec::with_capacity(4096);
    for (i, r) in recs.iter().enumerate() {
        buf.clear();
        buf.extend_from_slice(&r.value);
        if parser
            .parse(&mut buf)
            .and_then(|ev| engine.offer(ev))
            .is_err()
        {
            rejected += 1;
        }
        if (i + 1) % BATCH == 0 {
            engine.advance(&mut out);
            verdicts += out.verdicts.len() as u64;
            out.verdicts.clear();
            out.campaigns.clear();
        }
    }
    engine.advance(&mut out);
    engine.finish(&mut out);
    verdicts += out.verdicts.len() as u64;
    let counts = LoopCounts {
        events: engine.counters().processed,
        rejected,
        verdicts,
    };
    (start.elapsed(), counts)
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Pipeline,
    Counting,
}

/// A metric (summed over labels) from this process's recorder.
fn metric(name: &str) -> u64 {
    let text = distillguard_kafka::health::prometheus().render();
    text.lines()
        .filter(|l| {
            l.strip_prefix(name)
                .is_some_and(|r| r.starts_with([' ', '{']))
        })
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum::<f64>() as u64
}

/// CPU time used so far by this process (every thread: the engines, librdkafka, the mock
/// cluster), from `/proc/self/stat` (utime + stime, in clock ticks of 10 ms); zero elsewhere.
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // the fields after the command name (which is in parentheses and may contain spaces)
    let rest = stat.rsplit_once(')').map_or("", |r| r.1);
    let f: Vec<u64> = rest
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0))
        .collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name
    let ticks = f.get(11).copied().unwrap_or(0) + f.get(12).copied().unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

/// Records consumed ([`distillguard_kafka::metric::RECORDS`]).
fn records_counter() -> u64 {
    metric(distillguard_kafka::metric::RECORDS)
}

/// One kind of live run.
struct Live<'a> {
    brokers: &'a str,
    /// Group-id and internal-topic prefix: runs must not restore each other's checkpoints.
    prefix: &'static str,
    kind: Kind,
    lead: Duration,
    repartition: bool,
    kafka: &'a BTreeMap<String, String>,
}

impl Live<'_> {
    /// (warm-up + N) − warm-up, the full run, the warm-up run (each from its first record), the
    /// full run's summary, and the CPU time of (warm-up + N) − warm-up.
    fn measure(
        &self,
        rt: &tokio::runtime::Runtime,
    ) -> (Duration, Duration, Duration, Summary, Duration) {
        let (base, _, base_cpu) = self.run(rt, "warm");
        let (full, sum, full_cpu) = self.run(rt, "bench");
        let cpu = full_cpu.saturating_sub(base_cpu);
        (full.saturating_sub(base), full, base, sum, cpu)
    }

    /// One run from its first consumed record until every record of `topic` is processed,
    /// then shut down; the committed offsets must then equal the high watermarks.
    fn run(&self, rt: &tokio::runtime::Runtime, topic: &str) -> (Duration, Summary, Duration) {
        let group = format!("{}-{topic}", self.prefix);
        let mut kafka = self.kafka.clone();
        kafka.insert("session.timeout.ms".into(), "6000".into());
        let live = LiveConfig {
            brokers: self.brokers.into(),
            group_id: group.clone(),
            input_topic: topic.into(),
            // each run its own internal and output topics: a run must not read another's
            // observations, and its outcome is compared with the replay's
            internal_prefix: group.clone(),
            verdict_topic: format!("{group}-verdicts"),
            campaign_topic: format!("{group}-campaigns"),
            create_topics: false,
            // checkpoints as configured by default (every 30 s or 100k records per partition:
            // within a run only the final one, which every run writes at shutdown)
            max_partition_lead: self.lead,
            // split mode steps at most max_task_skew of event time per tick round trip; the
            // fixture is sparse (~150 records per hour of event time over 12 partitions), live
            // gateway traffic is thousands of times denser, so the bench allows a day. That is
            // not free: evidence lags by one step, and with day-long steps the repeated
            // fixture's campaigns differ a little from the replay's (its 360 actioned accounts
            // match; 2 h steps match exactly, but are round-trip bound). With BENCH_INPUT from
            // scripts/bench-input.sh, use BENCH_SKEW_HOURS=1 (exact there).
            max_task_skew: Duration::from_secs(env("BENCH_SKEW_HOURS").unwrap_or(24u64) * 3600),
            repartition: self.repartition && self.kind == Kind::Pipeline,
            kafka,
            ..LiveConfig::default()
        };
        // partitions without records get no commit
        let mut want = high_watermarks(self.brokers, topic);
        want.retain(|_, hw| *hw > 0);
        let total: i64 = want.values().sum();
        // CLOCK_AGREE sentinels per partition
        let sentinel_count = (want.len() * CLOCK_AGREE) as i64;
        let base = records_counter();
        let kind = self.kind;
        let split_mode = self.repartition && kind == Kind::Pipeline;
        let start = Instant::now();
        let (first, committed_at, summary, cpu) = rt.block_on(async {
            let (tx, rx) = tokio::sync::oneshot::channel::<()>();
            let task = tokio::spawn(async move {
                let stop = async move {
                    let _ = rx.await;
                };
                match kind {
                    Kind::Pipeline => {
                        let cfg = Arc::new(Config::default());
                        run_pipeline(cfg, Arc::new(NetData::default()), live, stop).await
                    }
                    Kind::Counting => run(live, WindowsConfig::default(), Counting, stop).await,
                }
            });
            let (mut seen, mut moved) = (0, Instant::now());
            let (mut first, mut cpu_first) = (None, Duration::ZERO);
            let trace = std::env::var("BENCH_TRACE").is_ok_and(|v| v == "1");
            let mut last_trace = Instant::now();
            // the pipeline: until its engines processed every record but the sentinels (in
            // split mode processing is paced by the key sides and trails consumption)
            let processed_target = (total - sentinel_count).max(0) as u64;
            loop {
                let got = records_counter() - base;
                let done = match kind {
                    Kind::Pipeline => {
                        metric(distillguard_kafka::metric::ENGINE_PROCESSED) >= processed_target
                    }
                    Kind::Counting => true,
                };
                if got > 0 && first.is_none() {
                    first = Some(start.elapsed());
                    cpu_first = cpu_time();
                }
                if got >= total as u64 && done {
                    break;
                }
                if trace && last_trace.elapsed() >= Duration::from_millis(200) {
                    last_trace = Instant::now();
                    eprintln!(
                        "    {group} {:>6.2?}: consumed {got}, processed {}, pending {}",
                        start.elapsed(),
                        metric(distillguard_kafka::metric::ENGINE_PROCESSED),
                        metric(distillguard_kafka::metric::ENGINE_PENDING),
                    );
                }
                if got > seen {
                    (seen, moved) = (got, Instant::now());
                }
                if moved.elapsed() > STALL || task.is_finished() {
                    eprintln!("{}", distillguard_kafka::health::prometheus().render());
                    panic!("live run {group} stuck at {got} of {total} records");
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            let mut consumed = start.elapsed();
            let processed_at = consumed;
            if split_mode {
                // split mode: the evidence answering the last step, the rescores it causes and
                // their campaign moves travel after the last record is processed; the live
                // outcome is complete once they stop. The run lasts until the last of them
                // (the quiet period that shows it is over is not counted).
                let activity = || {
                    metric(distillguard_kafka::metric::INTERNAL)
                        + metric(distillguard_kafka::metric::VERDICTS)
                        + metric(distillguard_kafka::metric::CAMPAIGNS)
                };
                let (mut last, mut changed) = (activity(), Instant::now());
                while changed.elapsed() < QUIET && !task.is_finished() {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    let now = activity();
                    if now != last {
                        (last, changed) = (now, Instant::now());
                        consumed = start.elapsed();
                    }
                    if start.elapsed() > STALL {
                        panic!("live run {group} never went quiet");
                    }
                }
            }
            let quiet_at = start.elapsed();
            // shutdown: the final checkpoints and commit end the measurement (counted as soon
            // as the commit is acknowledged); leaving the group and closing the clients follow
            let checkpoints = metric(distillguard_kafka::metric::CHECKPOINTS);
            let _ = tx.send(());
            while metric(distillguard_kafka::metric::CHECKPOINTS) == checkpoints
                && !task.is_finished()
            {
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            // the quiet period is not counted
            let committed_at = start.elapsed() - (quiet_at - consumed);
            let cpu = cpu_time().saturating_sub(cpu_first);
            let s = task.await.unwrap().expect("live run");
            eprintln!(
                "  {group}: first record counted at {:.2?}, all processed at {processed_at:.2?}, \
                 quiet (split mode: the last step's evidence answered) at {consumed:.2?}, final \
                 commit at {committed_at:.2?}, shut down at {:.2?}",
                first.unwrap_or_default(),
                start.elapsed()
            );
            (first.expect("records were counted"), committed_at, s, cpu)
        });
        let elapsed = committed_at - first;
        let got = committed(self.brokers, &group, topic);
        assert_eq!(got, want, "{group}: committed offsets after shutdown");
        (elapsed, summary, cpu)
    }

    /// What run `group` produced: its actioned accounts and campaigns.
    fn outcome(&self, group: &str) -> Outcome {
        let read = |topic: String| {
            read_all(self.brokers, &topic)
                .into_iter()
                .filter_map(|r| r.value)
                .collect::<Vec<_>>()
        };
        let verdicts = read(format!("{group}-verdicts"))
            .iter()
            .map(|v| serde_json::from_slice(v).expect("verdict JSON"))
            .collect();
        let campaigns = read(format!("{group}-campaigns"))
            .iter()
            .map(|v| serde_json::from_slice(v).expect("campaign JSON"))
            .collect();
        Outcome::from(verdicts, campaigns)
    }
}

fn kcat(brokers: &str, topic: &str) -> Option<Duration> {
    std::process::Command::new("kcat").arg("-V").output().ok()?;
    let start = Instant::now();
    let status = std::process::Command::new("kcat")
        .args([
            "-C",
            "-b",
            brokers,
            "-t",
            topic,
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
    assert!(status.success(), "kcat: {status}");
    Some(start.elapsed())
}

fn rejects(r: &RejectCounts) -> String {
    let v: Vec<String> = r
        .nonzero()
        .map(|(k, n)| format!("{}={n}", k.as_str()))
        .collect();
    if v.is_empty() {
        "none".into()
    } else {
        v.join(",")
    }
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    if std::env::var_os("RUST_LOG").is_some() {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_writer(std::io::stderr)
            .init();
    }
    // install the recorder before the first live run, so the records counter is kept
    let _ = distillguard_kafka::health::prometheus();
    let cfg = Arc::new(Config::default());

    let lines = input();
    let ts: Vec<i64> = lines
        .iter()
        .map(|l| time_ms(&l["ts"]).expect("ts"))
        .collect();
    let (first, last) = (*ts.iter().min().unwrap(), *ts.iter().max().unwrap());
    let repeat: usize =
        env("BENCH_REPEAT").unwrap_or(((100_000 + lines.len() / 2) / lines.len()).max(1));
    let compression = std::env::var("BENCH_COMPRESSION").unwrap_or_else(|_| "lz4".into());
    let repartition = std::env::var("BENCH_REPARTITION").is_ok_and(|v| v == "1");
    let kafka: BTreeMap<String, String> = std::env::var("BENCH_KAFKA")
        .unwrap_or_default()
        .split(',')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();

    let step = last - first + GAP_MS;
    let mut raw = Vec::with_capacity(lines.len() * repeat);
    for k in 0..repeat {
        raw.extend(copy(&lines, k as i64 * step, &format!("-r{k}")));
    }
    let parts: i32 = env("BENCH_PARTS").unwrap_or_else(|| {
        if compression == "none" {
            partitions_for(&raw)
        } else {
            DEFAULT_PARTS
        }
    });
    let mut recs = keyed(raw, parts);
    let end = recs.iter().map(|r| r.ts).max().unwrap();
    let template = lines.last().unwrap();
    recs.extend(sentinels(
        template,
        end + SENTINEL_AFTER,
        "zz-sentinel",
        parts,
    ));
    // warm-up: the fixture's first records, ending GAP_MS before the measured records start
    let w = (parts as usize * WARM_PER_PART).min(lines.len());
    let warm_by = first - GAP_MS - ts[w - 1];
    let mut warm = keyed(copy(&lines[..w], warm_by, "-w"), parts);
    warm.extend(sentinels(
        template,
        first - GAP_MS + SENTINEL_AFTER,
        "zz-warm",
        parts,
    ));
    let n = recs.len();
    let bytes: usize = recs.iter().map(|r| r.value.len()).sum();
    let silence = longest_silence(warm.iter().chain(&recs), parts);
    if silence > cfg.input.max_future.as_millis() as i64 {
        println!(
            "note: a partition is silent for {:.1} days of event time, more than \
             input.max_future (accepted once the stage watermark has moved on)",
            silence as f64 / DAY_MS as f64
        );
    }

    if let Ok(path) = std::env::var("BENCH_DUMP") {
        // the bench topic's records as JSONL, for the in-process comparison (split_compare)
        let mut w = std::io::BufWriter::new(std::fs::File::create(&path).expect("BENCH_DUMP"));
        for r in warm.iter().chain(&recs) {
            w.write_all(&r.value).unwrap();
            w.write_all(b"\n").unwrap();
        }
        w.flush().unwrap();
        println!("wrote {} records to {path}", warm.len() + recs.len());
        return;
    }

    let cluster = MockCluster::new(1).unwrap();
    let brokers = cluster.bootstrap_servers();
    let defaults = LiveConfig::default();
    let rounds: usize = env("BENCH_ROUNDS").unwrap_or(3).max(1);
    // BENCH_QUICK=1: per round only the replay path and the live path with the default lead
    let quick = std::env::var("BENCH_QUICK").is_ok_and(|v| v == "1");
    // per round and run: its own groups and internal topics, so no run restores another's
    // checkpoints or reads another's observations
    let prefixes: Vec<[&'static str; 3]> = (0..rounds)
        .map(|r| {
            ["distillguard", "nopause", "counting"]
                .map(|p| &*Box::leak(format!("{p}-r{r}").into_boxed_str()))
        })
        .collect();
    let mut topics = vec![
        "warm".to_string(),
        "bench".into(),
        defaults.verdict_topic.clone(),
        defaults.campaign_topic.clone(),
        defaults.dead_letter_topic.clone(),
    ];
    for prefix in prefixes.iter().flatten() {
        for run in ["warm", "bench"] {
            let l = LiveConfig {
                internal_prefix: format!("{prefix}-{run}"),
                ..LiveConfig::default()
            };
            topics.push(l.checkpoint_topic());
            topics.push(format!("{prefix}-{run}-verdicts"));
            topics.push(format!("{prefix}-{run}-campaigns"));
            if repartition {
                topics.push(l.observation_topic());
                topics.push(l.evidence_topic());
            }
        }
    }
    for t in &topics {
        cluster.create_topic(t, parts, 1).unwrap();
    }
    produce(&brokers, "warm", &warm, &compression);
    produce(&brokers, "bench", &warm, &compression);
    produce(&brokers, "bench", &recs, &compression);
    check_not_truncated(&brokers, "warm", parts);
    check_not_truncated(&brokers, "bench", parts);

    // what the live runs over the bench topic (warm-up records, then the bench records) are
    // held to: one replay of the same records through one unsplit engine (the tests' reference)
    let reference = split::replay(
        &warm
            .iter()
            .chain(&recs)
            .map(|r| (r.key.clone(), r.value.clone()))
            .collect::<Vec<_>>(),
    );
    println!(
        "records: {n} ({repeat} × input + {} sentinels, {:.1} MiB JSON; input topic \
         {parts} partitions, compression {compression}; repartition {repartition}; longest \
         partition silence {:.1} h; warm-up {} records; {rounds} rounds)",
        parts as usize * CLOCK_AGREE,
        bytes as f64 / 1048576.0,
        silence as f64 / HOUR_MS as f64,
        warm.len()
    );
    let rate = |d: Duration| n as f64 / d.as_secs_f64();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    // one row per round: replay, in-process, live, live no pausing, counting, kcat (rates)
    let mut rows: Vec<[f64; 6]> = Vec::new();
    for (round, prefixes) in prefixes.iter().enumerate() {
        println!("round {}:", round + 1);
        let (replay_t, rs, cpu) = replay_path(&cfg, &recs);
        println!(
            "  replay path (distillguard_replay::replay, 2 threads): {:>9.0} events/s  \
             ({replay_t:.2?}; CPU {:.2}s; events {}, rejects {}, verdicts {})",
            rate(replay_t),
            cpu.as_secs_f64(),
            rs.events,
            rejects(&rs.rejects),
            rs.verdicts.iter().sum::<u64>()
        );
        let loop_rate = if quick {
            f64::NAN
        } else {
            let (loop_t, lc) = in_process(&cfg, &recs);
            println!(
                "  in-process loop (parse + one Pipeline, 1 thread):     {:>9.0} events/s  \
                 ({loop_t:.2?}; events {}, rejected {}, verdicts {})",
                rate(loop_t),
                lc.events,
                lc.rejected,
                lc.verdicts
            );
            rate(loop_t)
        };
        let live = |prefix, kind, lead| Live {
            brokers: &brokers,
            prefix,
            kind,
            lead,
            repartition,
            kafka: &kafka,
        };
        let mut live_rates = Vec::new();
        for (label, l) in [
            (
                "live path (run_pipeline, default lead 10 min)",
                live(prefixes[0], Kind::Pipeline, defaults.max_partition_lead),
            ),
            (
                "live path (run_pipeline, no pausing)",
                live(prefixes[1], Kind::Pipeline, NO_PAUSE_LEAD),
            ),
            (
                "live path (counting engine, no pausing)",
                live(prefixes[2], Kind::Counting, NO_PAUSE_LEAD),
            ),
        ]
        .into_iter()
        .take(if quick { 1 } else { 3 })
        {
            let (t, full, base, s, cpu) = l.measure(&rt);
            println!(
                "  {label:<54} {:>9.0} events/s  ({t:.2?} = {full:.2?} − {base:.2?} warm-up \
                 run; CPU {:.2}s, {:.0}% of 2 cores; records {}, events {}, rejects {}, verdicts {}, campaigns {}, \
                 observations {}, evidence {}, internal {} messages, {:.1} MiB, checkpoints {}, commits {})",
                rate(t),
                cpu.as_secs_f64(),
                100.0 * cpu.as_secs_f64() / (2.0 * t.as_secs_f64()),
                s.records,
                s.events,
                rejects(&s.rejects),
                s.verdicts,
                s.campaigns,
                s.observations,
                s.evidence,
                s.internal,
                s.internal_bytes as f64 / 1048576.0,
                s.checkpoints,
                s.commits
            );
            if l.kind == Kind::Pipeline {
                let got = l.outcome(&format!("{}-bench", l.prefix));
                println!(
                    "    outcome vs one replay of the same records: {} ({} actioned accounts, \
                     campaigns of {:?} members; {})",
                    if got == reference {
                        "exact"
                    } else if split::matches(&got, &reference) {
                        "within the tests' campaign tolerance"
                    } else {
                        "DIFFERS"
                    },
                    got.actioned.len(),
                    got.campaigns.iter().map(Vec::len).collect::<Vec<_>>(),
                    split::diff(&got, &reference),
                );
            }
            live_rates.push(rate(t));
        }
        live_rates.resize(3, f64::NAN);
        let kcat_t = if quick { None } else { kcat(&brokers, "bench") };
        let kcat_rate = kcat_t.map_or(f64::NAN, |k| (n + warm.len()) as f64 / k.as_secs_f64());
        match kcat_t {
            Some(k) => println!(
                "  {:<54} {:>9.0} records/s ({k:.2?}, {} records)",
                "kcat -C -e to /dev/null (consume ceiling)",
                kcat_rate,
                n + warm.len()
            ),
            None if quick => {}
            None => {
                println!("  kcat not installed (apt-get install kcat): no consume-only ceiling")
            }
        }
        let row = [
            rate(replay_t),
            loop_rate,
            live_rates[0],
            live_rates[1],
            live_rates[2],
            kcat_rate,
        ];
        println!(
            "  ratios: live/replay {:.3} (no pausing {:.3})  live/in-process {:.3}  live/kcat {:.3}",
            row[2] / row[0],
            row[3] / row[0],
            row[2] / row[1],
            row[2] / row[5],
        );
        rows.push(row);
    }
    // medians over the rounds; ratios are taken within each round, then their median
    let median = |f: &dyn Fn(&[f64; 6]) -> f64| {
        let mut v: Vec<f64> = rows.iter().map(f).collect();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (rr, ir, lp, ln, lc, kc) = (
        median(&|r| r[0]),
        median(&|r| r[1]),
        median(&|r| r[2]),
        median(&|r| r[3]),
        median(&|r| r[4]),
        median(&|r| r[5]),
    );
    let (lpr, lnr, lpk, lnk) = (
        median(&|r| r[2] / r[0]),
        median(&|r| r[3] / r[0]),
        median(&|r| r[2] / r[5]),
        median(&|r| r[3] / r[5]),
    );
    let range = |f: &dyn Fn(&[f64; 6]) -> f64| {
        let v: Vec<f64> = rows.iter().map(f).collect();
        let (lo, hi) = v
            .iter()
            .fold((f64::MAX, f64::MIN), |(a, b), x| (a.min(*x), b.max(*x)));
        format!("{lo:.3}–{hi:.3}")
    };
    println!(
        "medians of {rounds} rounds: replay {rr:.0} ev/s, in-process {ir:.0}, live {lp:.0} (no \
         pausing {ln:.0}), counting {lc:.0}, kcat {kc:.0} rec/s; live/replay {lpr:.3} (per round \
         {}), no pausing {lnr:.3}; live/kcat {lpk:.3}",
        range(&|r| r[2] / r[0]),
    );
    println!(
        "RESULT rounds={rounds} records={n} mib={:.1} parts={parts} replay_eps={rr:.0} \
         inproc_eps={ir:.0} live_eps={lp:.0} live_nopause_eps={ln:.0} counting_eps={lc:.0} \
         kcat_rps={kc:.0} live_over_replay={lpr:.3} live_nopause_over_replay={lnr:.3} \
         live_over_kcat={lpk:.3} live_nopause_over_kcat={lnk:.3}",
        bytes as f64 / 1048576.0,
    );
}
