//! `floor INPUT...`: the fastest a replay of these inputs could go on this machine. It reads
//! and decompresses them with the engine's own opener on one thread and parses every line
//! with simd-json on every core, and does nothing else; it prints one JSON line with records,
//! parsed records, seconds and records per second. `benches/floor.sh` compares replay to it.

use distillguard_io::{open_input, InputSpec, LineReader};
use rayon::prelude::*;
use std::ops::Range;
use std::time::Instant;

/// Lines per batch handed from the reader to the parsers.
const BATCH_LINES: usize = 4096;

/// Longest line read whole (a longer one is cut, as the replay's reader cuts a too-large one).
const MAX_LINE_BYTES: usize = 16 << 20;

/// Lines read together: their bytes back to back, and where each one is.
#[derive(Default)]
struct Lines {
    bytes: Vec<u8>,
    spans: Vec<Range<usize>>,
}

/// Read every input into batches (one thread), sent as they fill.
fn read(inputs: Vec<String>, tx: crossbeam_channel::Sender<Lines>) -> Result<(), String> {
    for path in inputs {
        let spec = InputSpec::new(&path);
        let (reader, _) = open_input(&spec).map_err(|e| e.to_string())?;
        let mut lines = LineReader::new(reader, MAX_LINE_BYTES);
        let mut batch = Lines::default();
        while let Some(line) = lines.next_line().map_err(|e| format!("{path}: {e}"))? {
            if line.bytes.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let start = batch.bytes.len();
            batch.bytes.extend_from_slice(line.bytes);
            batch.spans.push(start..batch.bytes.len());
            if batch.spans.len() == BATCH_LINES {
                tx.send(std::mem::take(&mut batch))
                    .map_err(|e| e.to_string())?;
            }
        }
        if !batch.spans.is_empty() {
            tx.send(batch).map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

/// Parse a batch on every core (simd-json parses in place: each line is copied to a per-thread
/// buffer first, as the engine's parser does); returns the lines that parsed.
fn parse(batch: &Lines) -> u64 {
    batch
        .spans
        .par_iter()
        .map_init(Vec::new, |buf: &mut Vec<u8>, span| {
            buf.clear();
            buf.extend_from_slice(&batch.bytes[span.clone()]);
            u64::from(simd_json::to_tape(buf).is_ok())
        })
        .sum()
}

fn main() -> std::process::ExitCode {
    let inputs: Vec<String> = std::env::args().skip(1).collect();
    if inputs.is_empty() {
        eprintln!("usage: floor INPUT... (.jsonl, .jsonl.gz, .jsonl.zst)");
        return std::process::ExitCode::from(2);
    }
    let started = Instant::now();
    let (tx, rx) = crossbeam_channel::bounded(4);
    let reader = std::thread::spawn(move || read(inputs, tx));
    let (mut records, mut parsed) = (0u64, 0u64);
    for batch in rx {
        records += batch.spans.len() as u64;
        parsed += parse(&batch);
    }
    if let Err(e) = reader
        .join()
        .unwrap_or_else(|_| Err("reader panicked".into()))
    {
        eprintln!("error: {e}");
        return std::process::ExitCode::from(2);
    }
    let seconds = started.elapsed().as_secs_f64();
    let line = serde_json::json!({
        "records": records,
        "parsed": parsed,
        "seconds": seconds,
        "records_per_s": records as f64 / seconds.max(1e-9),
    });
    println!("{line}");
    std::process::ExitCode::SUCCESS
}
