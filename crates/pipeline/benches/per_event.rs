//! The whole per-event path: parse (simd-json + prompt fingerprint) and the engine (features,
//! correlation, scoring), on the shipped fixture's records.
//!
//! `cargo bench -p distillguard-pipeline --bench per_event`

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use distillguard_io::RecordParser;
use distillguard_pipeline::{Outputs, Pipeline};
use distillguard_types::config::Config;
use distillguard_types::net::NetData;
use std::sync::Arc;

fn fixture_lines() -> Vec<Vec<u8>> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/sample.jsonl.zst"
    );
    distillguard_io::read_lines(&distillguard_io::InputSpec::new(path)).unwrap()
}

fn bench(c: &mut Criterion) {
    let lines = fixture_lines();
    let bytes: usize = lines.iter().map(|l| l.len()).sum();
    let cfg = Arc::new(Config::default());
    let mut parser = RecordParser::new(&cfg.input);
    let events: Vec<_> = lines
        .iter()
        .map(|l| parser.parse(&mut l.clone()).unwrap())
        .collect();

    let mut g = c.benchmark_group("per_event");
    g.throughput(Throughput::Elements(lines.len() as u64));
    g.bench_function("parse", |b| {
        b.iter_batched(
            || lines.clone(),
            |mut ls| {
                for l in ls.iter_mut() {
                    criterion::black_box(parser.parse(l).unwrap());
                }
            },
            BatchSize::LargeInput,
        )
    });
    g.bench_function("engine", |b| {
        b.iter_batched(
            || events.clone(),
            |evs| {
                let mut p = Pipeline::new(cfg.clone(), Arc::new(NetData::default()));
                let mut out = Outputs::default();
                for e in evs {
                    p.offer(e).unwrap();
                    p.advance(&mut out);
                }
                p.finish(&mut out);
                criterion::black_box(out.verdicts.len())
            },
            BatchSize::LargeInput,
        )
    });
    g.bench_function("parse_and_engine", |b| {
        b.iter_batched(
            || lines.clone(),
            |mut ls| {
                let mut p = Pipeline::new(cfg.clone(), Arc::new(NetData::default()));
                let mut out = Outputs::default();
                for l in ls.iter_mut() {
                    p.offer(parser.parse(l).unwrap()).unwrap();
                    p.advance(&mut out);
                }
                p.finish(&mut out);
                criterion::black_box(out.verdicts.len())
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
    eprintln!(
        "fixture: {} records, {} bytes ({} B/record)",
        lines.len(),
        bytes,
        bytes / lines.len()
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
