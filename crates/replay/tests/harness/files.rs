//! Replay between files in a test's directory: options, an input written line by line, and a
//! run to the end. Shared by `tests/stops.rs` and `tests/threads.rs`.
#![allow(dead_code)]

use distillguard_io::InputSpec;
use distillguard_replay::{replay, ReplayOptions, ReplaySummary};
use distillguard_types::config::Config;
use distillguard_types::net::NetData;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

/// Replay `input` to `v.jsonl`, `c.jsonl` and `r.jsonl` in `dir`, on 2 threads.
pub fn opts(dir: &Path, input: &Path, stop: Option<Arc<AtomicBool>>) -> ReplayOptions {
    ReplayOptions {
        inputs: vec![InputSpec::new(input)],
        verdicts: dir.join("v.jsonl"),
        campaigns: Some(dir.join("c.jsonl")),
        rejects: dir.join("r.jsonl"),
        batch: 256,
        stop,
        threads: 2,
    }
}

/// `in.jsonl` in `dir`, one line each.
pub fn write_input(dir: &Path, lines: impl Iterator<Item = String>) -> PathBuf {
    let p = dir.join("in.jsonl");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&p).unwrap());
    for l in lines {
        writeln!(f, "{l}").unwrap();
    }
    f.flush().unwrap();
    p
}

/// Replay with `opts` and the default configuration, to the end.
pub fn run_with(opts: ReplayOptions) -> ReplaySummary {
    run_cfg(Config::default(), opts)
}

/// Replay with `opts` and `cfg`, to the end.
pub fn run_cfg(cfg: Config, opts: ReplayOptions) -> ReplaySummary {
    replay(
        Arc::new(cfg),
        Arc::new(NetData::default()),
        opts,
        false,
        &mut |_, _| {},
        &mut |_| {},
    )
    .unwrap()
}
