//! `distillguard run`: the engine as a Kafka consumer group, and the `[live]` section of the
//! config file (kept apart so the engine config stays strict about unknown keys). SIGHUP, or
//! a change of the file's contents (checked every [`WATCH_EVERY`]), re-reads the file and reloads the engine's weights, thresholds, hysteresis, allowlist,
//! shadow flag and `config_version` between batches ([`reload_from_file`]); a file that fails
//! `check-config`'s checks, changes `[live]` or changes a restart-only section is refused
//! with every problem logged, and the running configuration stays.

use anyhow::Context;
use distillguard_io::load_netdata;
use distillguard_kafka::{ReloadHandle, ReloadOutcome};
use distillguard_types::config::Config;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// How often the config file is read to see whether its contents changed.
pub const WATCH_EVERY: Duration = Duration::from_secs(2);

/// Run until SIGINT or SIGTERM, then drain, checkpoint, commit and leave the group.
pub fn run(path: &std::path::Path) -> anyhow::Result<ExitCode> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let (_, live) = crate::config_check::split_live(&text)?;
    let live = live.context("the config has no [live] section (see configs/live.toml)")?;
    let live = distillguard_kafka::LiveConfig::from_value(live).context("[live]")?;
    if let Err(problems) = live.validate() {
        let list: Vec<String> = problems.iter().map(|p| format!("  {p}")).collect();
        anyhow::bail!("invalid [live] section:\n{}", list.join("\n"));
    }
    let cfg = Arc::new(crate::config_check::load_config(Some(path))?);
    let (net, _) = load_netdata(&cfg.netdata).context("loading [netdata]")?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let (reloads, requests) = distillguard_kafka::reload::channel();
    let hangups = {
        let _runtime = rt.enter();
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
            .context("installing the SIGHUP handler")?
    };
    rt.spawn(reload_on_change(
        path.to_path_buf(),
        live.clone(),
        reloads.clone(),
    ));
    rt.spawn(reload_on_hangup(
        hangups,
        path.to_path_buf(),
        live.clone(),
        reloads,
    ));
    let summary = rt.block_on(distillguard_kafka::run_pipeline_reloadable(
        cfg,
        Arc::new(net),
        live,
        Some(requests),
        shutdown(),
    ))?;
    eprintln!("{summary:?}");
    Ok(ExitCode::SUCCESS)
}

/// Each SIGHUP: [`reload_from_file`].
async fn reload_on_hangup(
    mut hangups: tokio::signal::unix::Signal,
    path: PathBuf,
    running_live: distillguard_kafka::LiveConfig,
    reloads: ReloadHandle<Arc<Config>>,
) {
    while hangups.recv().await.is_some() {
        tracing::info!(file = %path.display(), "SIGHUP: reloading the configuration");
        // the outcome is logged and counted by the handle
        let _ = reload_from_file(&path, &running_live, &reloads).await;
    }
}

/// Each change of the file's contents (a small blocking read every [`WATCH_EVERY`]; an unreadable file is no
/// change, so an editor's replace-by-rename is seen once it lands): [`reload_from_file`].
async fn reload_on_change(
    path: PathBuf,
    running_live: distillguard_kafka::LiveConfig,
    reloads: ReloadHandle<Arc<Config>>,
) {
    let mut seen = std::fs::read(&path).ok();
    loop {
        tokio::time::sleep(WATCH_EVERY).await;
        let Ok(now) = std::fs::read(&path) else {
            continue;
        };
        if seen.as_ref() != Some(&now) {
            seen = Some(now);
            tracing::info!(file = %path.display(), "config file changed: reloading");
            let _ = reload_from_file(&path, &running_live, &reloads).await;
        }
    }
}

/// Re-read `path` and hand it to the running loop: refused, with every problem, when it does
/// not pass `check-config`'s checks of the engine part or its `[live]` section differs from
/// `running_live` (topics, group and clients are restart-only); the loop then refuses changes
/// to restart-only engine sections (`Config::restart_only_changes`). What SIGHUP calls.
pub async fn reload_from_file(
    path: &Path,
    running_live: &distillguard_kafka::LiveConfig,
    reloads: &ReloadHandle<Arc<Config>>,
) -> ReloadOutcome {
    reloads.apply(check_reload(path, running_live)).await
}

/// The engine config of `path` if it can be offered to the running loop, else every problem.
fn check_reload(
    path: &Path,
    running_live: &distillguard_kafka::LiveConfig,
) -> Result<Arc<Config>, Vec<String>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| vec![format!("reading {}: {e}", path.display())])?;
    let (engine, live) = crate::config_check::split_live(&text).map_err(|e| vec![e.to_string()])?;
    let mut problems = Vec::new();
    let same_live = live
        .map(distillguard_kafka::LiveConfig::from_value)
        .is_some_and(|l| l.is_ok_and(|l| &l == running_live));
    if !same_live {
        problems.push(
            "live: the [live] section cannot change while running (topics, group, clients): \
             restart to apply"
                .to_string(),
        );
    }
    match crate::config_check::check_engine(engine, false) {
        Ok(cfg) if problems.is_empty() => Ok(Arc::new(cfg)),
        Ok(_) => Err(problems),
        Err(found) => {
            problems.extend(found);
            Err(problems)
        }
    }
}

async fn shutdown() {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_live_section_is_refused_with_the_file_problems() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        let running = distillguard_kafka::LiveConfig::from_toml("input_topic = \"in\"").unwrap();
        std::fs::write(
            &path,
            "config_version = \"v2\"\n[live]\ninput_topic = \"in\"\n",
        )
        .unwrap();
        assert_eq!(check_reload(&path, &running).unwrap().config_version, "v2");
        std::fs::write(
            &path,
            "[score.thresholds]\nsuspend = 2.0\n[live]\ninput_topic = \"other\"\n",
        )
        .unwrap();
        let problems = check_reload(&path, &running).unwrap_err().join("\n");
        assert!(
            problems.contains("[live] section cannot change"),
            "{problems}"
        );
        assert!(problems.contains("score.thresholds.suspend"), "{problems}");
        std::fs::write(&path, "config_version = \"v3\"\n").unwrap();
        let problems = check_reload(&path, &running).unwrap_err().join("\n");
        assert!(
            problems.contains("[live] section cannot change"),
            "{problems}"
        );
    }
}
