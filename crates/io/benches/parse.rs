//! Parse throughput on ~1 KB records (tape vs typed strategy) and read+parse of a zstd file.
//!
//! `cargo bench -p distillguard-io --bench parse`

use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use distillguard_io::parse::{RecordParser, Strategy};
use distillguard_io::read::{open_input, InputSpec, LineReader};
use distillguard_io::spawn_sources;
use distillguard_types::config::InputConfig;

const RECORDS: usize = 4000;

/// A small deterministic generator (no rand dependency in the bench).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.next() as usize % xs.len()]
    }
}

const SYSTEMS: &[&str] = &[
    "You are CodeHelper, an expert programming assistant inside an IDE. Answer concisely, prefer idiomatic code, and explain trade-offs when asked.",
    "You are a careful math tutor. Show intermediate steps and check the final answer.",
    "You are an autonomous software agent with shell access. Plan, then act, one tool call at a time.",
];
const ASKS: &[&str] = &[
    "Refactor the following function to avoid the extra allocation and explain why it is faster:",
    "Write unit tests for this code, covering the edge cases you can think of:",
    "Think step by step: why does this panic with an index out of bounds?",
    "Translate this snippet to idiomatic Python and keep the same behaviour:",
];
const CODE: &[&str] = &[
    "```rust\nfn sum(xs: &[u64]) -> u64 {\n    let v: Vec<u64> = xs.iter().copied().collect();\n    v.iter().sum()\n}\n```",
    "```python\ndef fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n\nprint([fib(i) for i in range(20)])\n```",
    "```js\nconst xs = [3, 1, 2];\nxs.sort();\nconsole.log(xs.map(x => x * 2).join(\",\"));\n```",
];

fn records() -> Vec<Vec<u8>> {
    let mut r = Lcg(7);
    (0..RECORDS)
        .map(|i| {
            let sys = r.pick(SYSTEMS);
            let ask = r.pick(ASKS);
            let code = serde_json::to_string(r.pick(CODE)).unwrap();
            let mut fields = format!(
                r#"{{"ts":"2026-04-22T10:{:02}:{:02}.{:03}Z","account_id":"acct-{:06}","ip":"{}.{}.{}.{}","request_id":"req-{:016x}","api_key_id":"key-{:08x}","org_id":"org-{}","model":"claude-sonnet-4","user_agent":"python-httpx/0.27 distill/{}","endpoint":"/v1/messages","system":{},"messages":[{{"role":"user","content":[{{"type":"text","text":{}}},{{"type":"text","text":{}}}]}}"#,
                (i / 60) % 60,
                i % 60,
                r.next() % 1000,
                r.next() % 5000,
                r.next() % 223 + 1,
                r.next() % 256,
                r.next() % 256,
                r.next() % 256,
                r.next(),
                r.next() as u32,
                r.next() % 300,
                r.next() % 9,
                serde_json::to_string(sys).unwrap(),
                serde_json::to_string(ask).unwrap(),
                code,
            );
            if r.next() % 2 == 0 {
                fields.push_str(r#",{"role":"assistant","content":"Sure. The allocation comes from collecting into a Vec; iterate directly instead."},{"role":"user","content":"Thanks, now make it generic over the integer type."}"#);
            }
            fields.push(']');
            if r.next() % 3 != 0 {
                fields.push_str(&format!(
                    r#","input_tokens":{},"output_tokens":{},"max_tokens":{},"temperature":{:.1},"stream":{},"thinking":{},"tools":{},"status":200"#,
                    r.next() % 3000,
                    r.next() % 8000,
                    [1024, 4096, 8192, 16000][r.next() as usize % 4],
                    (r.next() % 10) as f64 / 10.0,
                    r.next() % 2 == 0,
                    r.next() % 4 == 0,
                    r.next() % 5,
                ));
            }
            fields.push('}');
            fields.into_bytes()
        })
        .collect()
}

/// The system text and the user texts of a bench record (outside any timing).
fn user_and_system(r: &[u8]) -> (String, Vec<String>) {
    let v: serde_json::Value = serde_json::from_slice(r).unwrap();
    let sys = v["system"].as_str().unwrap().to_string();
    let mut user = Vec::new();
    for m in v["messages"].as_array().unwrap() {
        if m["role"] == "user" {
            match &m["content"] {
                serde_json::Value::String(s) => user.push(s.clone()),
                serde_json::Value::Array(bs) => {
                    user.extend(bs.iter().map(|b| b["text"].as_str().unwrap().to_string()))
                }
                _ => {}
            }
        }
    }
    (sys, user)
}

fn parse(c: &mut Criterion) {
    let recs = records();
    let bytes: usize = recs.iter().map(|r| r.len()).sum();
    eprintln!(
        "{} records, {} bytes, {:.0} bytes/record",
        recs.len(),
        bytes,
        bytes as f64 / recs.len() as f64
    );
    let cfg = InputConfig::default();
    let mut g = c.benchmark_group("parse");
    g.throughput(Throughput::Bytes(bytes as u64));
    for (name, strategy) in [("tape", Strategy::Tape), ("typed", Strategy::Typed)] {
        let mut parser = RecordParser::with_strategy(&cfg, strategy);
        let mut scratch = Vec::with_capacity(4096);
        for r in &recs {
            scratch.clear();
            scratch.extend_from_slice(r);
            parser.parse(&mut scratch).expect("bench records are valid");
        }
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut n = 0u64;
                for r in &recs {
                    scratch.clear();
                    scratch.extend_from_slice(r);
                    n += parser
                        .parse(&mut scratch)
                        .map(|e| e.ts_ms as u64)
                        .unwrap_or(0);
                }
                black_box(n)
            })
        });
    }
    // The fingerprinting share: the same text fed to a PromptPrinter, without JSON.
    let texts: Vec<(String, Vec<String>)> = recs.iter().map(|r| user_and_system(r)).collect();
    g.bench_function("printer_only", |b| {
        b.iter(|| {
            let mut n = 0u64;
            for (sys, user) in &texts {
                let mut p = distillguard_fingerprint::PromptPrinter::new();
                p.system(sys);
                for u in user {
                    p.user(u);
                }
                n ^= p.finish().skeleton;
            }
            black_box(n)
        })
    });
    g.finish();
}

/// CPU time of this thread in ns (`/proc/thread-self/schedstat`), robust to the machine being
/// shared; `None` off Linux.
fn thread_cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

/// Tape vs typed, interleaved, by thread CPU time (wall time is noisy on a shared machine).
fn cpu_time_comparison(_: &mut Criterion) {
    let recs = records();
    let bytes: usize = recs.iter().map(|r| r.len()).sum();
    let cfg = InputConfig::default();
    let mut parsers = [
        (
            "tape",
            RecordParser::with_strategy(&cfg, Strategy::Tape),
            0u64,
        ),
        (
            "typed",
            RecordParser::with_strategy(&cfg, Strategy::Typed),
            0u64,
        ),
    ];
    let mut scratch = Vec::with_capacity(4096);
    let rounds = 30;
    for round in 0..=rounds {
        for (_, parser, total) in parsers.iter_mut() {
            let Some(t0) = thread_cpu_ns() else { return };
            for r in &recs {
                scratch.clear();
                scratch.extend_from_slice(r);
                black_box(parser.parse(&mut scratch).is_ok());
            }
            if round > 0 {
                *total += thread_cpu_ns().unwrap_or(t0) - t0;
            }
        }
    }
    // The fingerprinting share: the same texts straight into a PromptPrinter.
    let texts: Vec<(String, Vec<String>)> = recs.iter().map(|r| user_and_system(r)).collect();
    let t0 = thread_cpu_ns().unwrap_or(0);
    for _ in 0..rounds {
        for (sys, user) in &texts {
            let mut p = distillguard_fingerprint::PromptPrinter::new();
            p.system(sys);
            for u in user {
                p.user(u);
            }
            black_box(p.finish());
        }
    }
    let printer_ns = thread_cpu_ns().unwrap_or(t0) - t0;
    eprintln!(
        "cpu-time printer only: {:.1} ms per {} records ({:.1} MB/s of record bytes)",
        printer_ns as f64 / 1e6 / rounds as f64,
        recs.len(),
        (bytes * rounds) as f64 / (printer_ns as f64 / 1e9) / 1e6
    );
    for (name, _, ns) in &parsers {
        eprintln!(
            "cpu-time {name}: {:.1} ms per {} records",
            *ns as f64 / 1e6 / rounds as f64,
            recs.len()
        );
        let secs = *ns as f64 / 1e9;
        eprintln!(
            "cpu-time {name}: {:.1} MB/s, {:.0} records/s ({rounds} rounds of {} records)",
            (bytes * rounds) as f64 / secs / 1e6,
            (recs.len() * rounds) as f64 / secs,
            recs.len()
        );
    }
}

fn read_zstd(c: &mut Criterion) {
    let recs = records();
    let mut text = Vec::new();
    for _ in 0..5 {
        for r in &recs {
            text.extend_from_slice(r);
            text.push(b'\n');
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bench.jsonl.zst");
    std::fs::write(&path, zstd::encode_all(&text[..], 3).unwrap()).unwrap();
    let cfg = InputConfig::default();
    let mut g = c.benchmark_group("read_zstd");
    g.sample_size(20);
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function("decompress_split", |b| {
        b.iter(|| {
            let (r, _) = open_input(&InputSpec::new(&path)).unwrap();
            let mut lines = LineReader::new(r, cfg.max_record_bytes);
            let mut n = 0usize;
            while let Some(l) = lines.next_line().unwrap() {
                n += l.bytes.len();
            }
            black_box(n)
        })
    });
    g.bench_function("decompress_split_parse_inline", |b| {
        let mut parser = RecordParser::new(&cfg);
        b.iter(|| {
            let (r, _) = open_input(&InputSpec::new(&path)).unwrap();
            let mut lines = LineReader::new(r, cfg.max_record_bytes);
            let mut n = 0usize;
            while let Some(l) = lines.next_line().unwrap() {
                n += parser.parse(l.bytes).is_ok() as usize;
            }
            assert_eq!(n, 5 * RECORDS);
        })
    });
    g.bench_function("source_stage", |b| {
        b.iter_batched(
            || (),
            |()| {
                let stage = spawn_sources(vec![InputSpec::new(&path)], cfg.clone(), 1024);
                let mut n = 0usize;
                for batch in stage.batches.iter() {
                    n += batch.events.len();
                    let _ = stage.recycle.try_send(batch);
                }
                stage.join().unwrap();
                assert_eq!(n, 5 * RECORDS);
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

criterion_group!(benches, cpu_time_comparison, parse, read_zstd);
criterion_main!(benches);
