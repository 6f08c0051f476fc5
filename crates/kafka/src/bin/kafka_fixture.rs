//! Test fixture: the live transport as a child process (for kill -9 tests), driving either a
//! small counting engine (an account reaching five events gets one `throttle` verdict) or, with
//! `--pipeline` (feature `pipeline`), the real engine with the default configuration plus the
//! file's `[windows]`.
//!
//! Usage: `distillguard-kafka-fixture CONFIG.toml [--pipeline]` with `[live]` and optional
//! `[windows]` sections; stops on SIGINT / SIGTERM and prints the run summary as JSON.
//! Built only with the `testkit` feature, which the crate's own tests enable.

#[path = "../../tests/common/engine.rs"]
#[allow(dead_code, unused_imports)]
mod engine;

use distillguard_kafka::LiveConfig;
use distillguard_types::config::WindowsConfig;
use serde::Deserialize;
use std::process::ExitCode;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FixtureConfig {
    live: LiveConfig,
    #[serde(default)]
    windows: WindowsConfig,
}

async fn signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: distillguard-kafka-fixture CONFIG.toml");
        return ExitCode::from(2);
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{path}: {e}");
            return ExitCode::from(2);
        }
    };
    let cfg: FixtureConfig = match toml::from_str(&text) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{path}: {e}");
            return ExitCode::from(2);
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let pipeline = std::env::args().any(|a| a == "--pipeline");
    let result = if pipeline {
        #[cfg(feature = "pipeline")]
        {
            let engine_cfg = distillguard_types::Config {
                windows: cfg.windows,
                ..Default::default()
            };
            rt.block_on(distillguard_kafka::run_pipeline(
                std::sync::Arc::new(engine_cfg),
                std::sync::Arc::new(distillguard_types::net::NetData::default()),
                cfg.live,
                signal(),
            ))
        }
        #[cfg(not(feature = "pipeline"))]
        {
            eprintln!("--pipeline needs the `pipeline` feature");
            return ExitCode::from(2);
        }
    } else {
        rt.block_on(distillguard_kafka::run(
            cfg.live,
            cfg.windows,
            engine::Counting,
            signal(),
        ))
    };
    match result {
        Ok(summary) => {
            println!(
                "{}",
                serde_json::to_string(&summary).expect("summary serializes")
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
