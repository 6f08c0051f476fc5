//! `distillguard run`: the engine as a Kafka consumer group, and the `[live]` section of the
//! config file (kept apart so the engine config stays strict about unknown keys).

use anyhow::Context;
use distillguard_io::load_netdata;
use std::process::ExitCode;
use std::sync::Arc;

/// Split a config file into (engine config text, the body of its `[live]` table if present).
pub fn split_live(text: &str) -> anyhow::Result<(String, Option<String>)> {
    let mut table: toml::Table = toml::from_str(text).map_err(|e| anyhow::anyhow!("{e}"))?;
    let live = table.remove("live").map(|v| toml::to_string(&v));
    let live = live.transpose().context("re-serialising [live]")?;
    Ok((
        toml::to_string(&table).context("re-serialising the config")?,
        live,
    ))
}

/// Run until SIGINT or SIGTERM, then drain, checkpoint, commit and leave the group.
pub fn run(path: &std::path::Path) -> anyhow::Result<ExitCode> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let (_, live) = split_live(&text)?;
    let live = live.context("the config has no [live] section (see configs/live.toml)")?;
    let live = distillguard_kafka::LiveConfig::from_toml(&live)
        .map_err(|e| anyhow::anyhow!("[live]: {e}"))?;
    if let Err(problems) = live.validate() {
        let list: Vec<String> = problems.iter().map(|p| format!("  {p}")).collect();
        anyhow::bail!("invalid [live] section:\n{}", list.join("\n"));
    }
    let cfg = Arc::new(crate::commands::load_config(Some(path))?);
    let (net, _) = load_netdata(&cfg.netdata).context("loading [netdata]")?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let summary = rt.block_on(distillguard_kafka::run_pipeline(
        cfg,
        Arc::new(net),
        live,
        shutdown(),
    ))?;
    eprintln!("{summary:?}");
    Ok(ExitCode::SUCCESS)
}

async fn shutdown() {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}
