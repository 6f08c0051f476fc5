//! The prompt fingerprinter alone, on the texts of every record of the shipped fixture: the
//! system prompt and each user text chunk fed to one [`PromptPrinter`] per record, as the record
//! parser does, without the JSON.
//!
//! `cargo bench -p distillguard-fingerprint --bench printer`

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use distillguard_fingerprint::PromptPrinter;
use serde_json::Value;

/// One record's texts: system prompt chunks and user text chunks.
type Texts = (Vec<String>, Vec<String>);

/// The text chunks of a `content`, `prompt` or `system` field: a string or a list of blocks.
fn chunks(v: Option<&Value>) -> Vec<String> {
    let block = |b: &Value| {
        b.as_str()
            .or_else(|| b.get("text")?.as_str())
            .map(str::to_owned)
    };
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(blocks)) => blocks.iter().filter_map(block).collect(),
        _ => Vec::new(),
    }
}

fn fixture_texts() -> Vec<Texts> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/sample.jsonl.zst"
    );
    let raw = zstd::decode_all(&std::fs::read(path).expect("fixture")[..]).expect("zstd");
    raw.split(|b| *b == b'\n')
        .filter_map(|line| serde_json::from_slice::<Value>(line).ok())
        .map(|v| {
            let mut user = chunks(v.get("prompt"));
            for m in v
                .get("messages")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if matches!(
                    m.get("role").and_then(Value::as_str),
                    Some("user" | "human")
                ) {
                    user.extend(chunks(m.get("content")));
                }
            }
            (chunks(v.get("system")), user)
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let records = fixture_texts();
    let bytes: usize = records
        .iter()
        .flat_map(|(s, u)| s.iter().chain(u))
        .map(String::len)
        .sum();
    let mut g = c.benchmark_group("printer");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("fixture", |b| {
        b.iter(|| {
            for (system, user) in &records {
                let mut p = PromptPrinter::new();
                for s in system {
                    p.system(s);
                }
                for u in user {
                    p.user(u);
                }
                black_box(p.finish());
            }
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
