//! The internal topics' codec (`wire.rs`) in isolation: bytes per message and per item, and
//! encode + decode time per message, for a step's observation message and an evidence message.
//!
//! `cargo bench -p distillguard-kafka --bench wire_codec`
//!
//! The messages: a step of 1,000 observations of 20 accounts (ten keys an event, one in five
//! labelled) plus one campaign move, as one sender packs them for one key partition; and 300
//! pieces of evidence for 25 accounts over 40 keys. Sizes print once before the timings.

#[path = "wire/messages.rs"]
mod messages;

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use distillguard_kafka::repartition::Ack;
use distillguard_kafka::wire::{decode_back, decode_key, encode_back, encode_key};
use messages::{evidence, step};

fn codec(c: &mut Criterion) {
    let (msgs, numbers) = step();
    let which: Vec<usize> = (0..msgs.len()).collect();
    let evs = evidence();
    let ack = Some(Ack {
        wm: 1_776_812_901_862,
        slowest: 1_776_812_900_000,
    });
    let mut buf = Vec::new();
    encode_key(4, Some(1), (&msgs, &numbers, &which), &mut buf);
    assert_eq!(decode_key(&buf).expect("decodes").msgs.len(), msgs.len());
    println!(
        "observation message: {} items, {} bytes, {:.1} bytes an item",
        msgs.len(),
        buf.len(),
        buf.len() as f64 / msgs.len() as f64
    );
    encode_back(11, ack, 1000, &evs, &mut buf);
    assert_eq!(decode_back(&buf).expect("decodes").items.len(), evs.len());
    println!(
        "evidence message: {} items, {} bytes, {:.1} bytes an item",
        evs.len(),
        buf.len(),
        buf.len() as f64 / evs.len() as f64
    );

    let mut g = c.benchmark_group("wire");
    g.throughput(Throughput::Elements(msgs.len() as u64));
    g.bench_function("observations encode+decode", |b| {
        b.iter(|| {
            encode_key(4, Some(1), (&msgs, &numbers, &which), &mut buf);
            black_box(decode_key(&buf).expect("decodes"))
        })
    });
    g.throughput(Throughput::Elements(evs.len() as u64));
    g.bench_function("evidence encode+decode", |b| {
        b.iter(|| {
            encode_back(11, ack, 1000, &evs, &mut buf);
            black_box(decode_back(&buf).expect("decodes"))
        })
    });
    g.finish();
}

criterion_group!(benches, codec);
criterion_main!(benches);
