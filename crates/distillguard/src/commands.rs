//! What each command does: load config, call the library, print the summary.

use crate::cli::{Cli, Command, ReplayArgs, ReportArgs};
use crate::config_check::load_config;
use anyhow::Context;
use distillguard_io::{load_netdata, InputSpec};
use distillguard_replay::{replay, ReplayOptions, ReplaySummary, Stopped};
use distillguard_types::config::Config;
use distillguard_types::ladder::Action;
use std::process::ExitCode;
use std::sync::Arc;

/// Run a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Replay(a) => run_replay(a),
        Command::CheckConfig { file } => check_config(&file),
        Command::Simulate(a) => {
            let bar = crate::progress::bar("records");
            let s = distillguard_sim::run_simulate(&a, &mut |done, total| {
                if let Some(b) = &bar {
                    b.set_length(total);
                    b.set_position(done);
                }
            })?;
            if let Some(b) = bar {
                b.finish_and_clear();
            }
            eprintln!(
                "simulated {}: {} records ({} organic, {} automation, {} attack), accounts {:?}, {:.1}s, records/s: {:.0}",
                s.scenario,
                s.records,
                s.records_by_class[0],
                s.records_by_class[1],
                s.records_by_class[2],
                s.accounts_by_class,
                s.elapsed_s,
                s.records_per_sec()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Eval(a) => {
            let report = distillguard_eval::run_eval(&a)?;
            println!("{report}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Tune(a) => crate::commands::tune(a),
        Command::Run { config } => crate::live::run(&config),
        Command::Report(a) => report(&a),
        Command::Explain(a) => crate::explain::run(&a),
    }
}

fn report(a: &ReportArgs) -> anyhow::Result<ExitCode> {
    use distillguard_report::{load_campaigns, load_verdicts, render_html, ReportData};
    let verdicts = load_verdicts(&a.verdicts)?;
    let records = match &a.campaigns {
        Some(p) => load_campaigns(p)?,
        None => Vec::new(),
    };
    let data = ReportData::build(&verdicts, &records);
    let mut title = a.verdicts.display().to_string();
    if let Some(p) = &a.campaigns {
        title = format!("{title} + {}", p.display());
    }
    std::fs::write(&a.output, render_html(&data, &title))
        .with_context(|| format!("writing {}", a.output.display()))?;
    eprintln!(
        "report: {} verdicts, {} accounts, {} campaign records ({} campaigns) -> {}",
        data.verdicts,
        data.accounts.len(),
        data.campaign_records,
        data.campaigns.len(),
        a.output.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn check_config(file: &std::path::Path) -> anyhow::Result<ExitCode> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let (engine, live) = match crate::config_check::split_live(&text) {
        Ok(parts) => parts,
        Err(e) => {
            eprintln!("{}: {e}", file.display());
            return Ok(ExitCode::from(1));
        }
    };
    let mut problems: Vec<String> = Vec::new();
    let parsed = crate::config_check::check_engine(engine, true);
    if let Err(ps) = &parsed {
        problems.extend(ps.iter().cloned());
    }
    if let Some(live) = live {
        match distillguard_kafka::LiveConfig::from_value(live) {
            Ok(l) => {
                if let Err(ps) = l.validate() {
                    problems.extend(ps.iter().map(|p| p.to_string()));
                }
            }
            Err(e) => problems.push(format!("live: {e}")),
        }
    }
    match parsed {
        Ok(c) if problems.is_empty() => {
            println!(
                "{}: ok (config_version {})",
                file.display(),
                c.config_version
            );
            Ok(ExitCode::SUCCESS)
        }
        _ => {
            eprintln!("{}: {} problem(s)", file.display(), problems.len());
            for p in problems {
                eprintln!("  {p}");
            }
            Ok(ExitCode::from(1))
        }
    }
}

fn run_replay(a: ReplayArgs) -> anyhow::Result<ExitCode> {
    let cfg = Arc::new(load_config(a.config.as_deref())?);
    let (net, _) = load_netdata(&cfg.netdata).context("loading [netdata]")?;
    let interrupt = crate::interrupt::watch()?;
    let opts = ReplayOptions {
        inputs: a.inputs.iter().map(InputSpec::new).collect(),
        verdicts: a.output.clone(),
        campaigns: a.campaigns.clone(),
        rejects: a.rejects.clone(),
        batch: 4096,
        stop: Some(interrupt.flag.clone()),
        threads: a
            .threads
            .map_or_else(distillguard_replay::default_threads, usize::from),
    };
    let bar = crate::progress::bar("records");
    let sum = replay(
        cfg.clone(),
        Arc::new(net),
        opts,
        false,
        &mut |lines, _| {
            if let Some(b) = &bar {
                b.set_position(lines);
            }
        },
        &mut |_| {},
    )?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    print_summary(&sum, &a.rejects);
    let limit = cfg.input.reject_share_limit;
    match sum.stopped {
        Some(Stopped::Interrupted) => {
            return Ok(ExitCode::from(interrupt.exit_code().unwrap_or(130)));
        }
        Some(Stopped::RejectShare) => {
            eprintln!(
                "stopped early: reject share {:.4} exceeds input.reject_share_limit {limit} \
                 after {} records",
                sum.reject_share(),
                sum.events + sum.rejected
            );
            return Ok(ExitCode::from(1));
        }
        None => {}
    }
    if sum.lines == sum.blank {
        eprintln!(
            "warning: the input held no records ({} lines, all blank): nothing was judged; \
             the outputs are empty",
            sum.lines
        );
    }
    if sum.reject_share() > limit {
        eprintln!(
            "reject share {:.4} exceeds input.reject_share_limit {limit}",
            sum.reject_share()
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// The replay summary on stderr.
pub fn print_summary(s: &ReplaySummary, rejects: &std::path::Path) {
    eprintln!("distillguard replay summary");
    if let Some(why) = s.stopped {
        let why = match why {
            Stopped::Interrupted => "interrupted by a signal",
            Stopped::RejectShare => "the reject share passed input.reject_share_limit",
        };
        eprintln!("  STOPPED EARLY: {why}; read input was drained, outputs kept whole-line as:");
        for p in &s.partial {
            eprintln!("    {}", p.display());
        }
    }
    eprintln!(
        "  lines: {} (blank: {})  bytes: {}",
        s.lines, s.blank, s.bytes
    );
    if s.shards > 1 {
        eprintln!(
            "  events: {}  ({} shards on {} threads)",
            s.events, s.shards, s.threads
        );
    } else {
        eprintln!("  events: {}", s.events);
    }
    let nonzero: Vec<String> = s
        .rejects
        .nonzero()
        .map(|(r, n)| format!("{r}={n}"))
        .collect();
    if nonzero.is_empty() {
        eprintln!("  rejects: 0");
    } else {
        let at = if s.stopped.is_some() {
            distillguard_io::partial_path(rejects)
        } else {
            rejects.to_path_buf()
        };
        eprintln!(
            "  rejects: {} ({}) -> {}",
            s.rejected,
            nonzero.join(", "),
            at.display()
        );
    }
    let by: Vec<String> = Action::ALL
        .iter()
        .zip(s.verdicts)
        .map(|(a, n)| format!("{a}={n}"))
        .collect();
    eprintln!("  verdicts: {}", by.join(", "));
    eprintln!(
        "  campaigns: {} ({} records)",
        s.campaigns, s.campaign_records
    );
    let st = &s.state;
    eprintln!(
        "  accounts held: {}  account state (estimate of state structs): {:.0} B/account",
        st.accounts.entries,
        st.accounts.bytes as f64 / st.accounts.entries.max(1) as f64
    );
    let mib = |b: usize| b as f64 / (1 << 20) as f64;
    let parts: Vec<String> = st
        .named()
        .iter()
        .map(|(name, f)| format!("{name} {:.1} MiB ({})", mib(f.bytes), f.entries))
        .collect();
    eprintln!(
        "  state at the end (estimates, {:.1} MiB): {}",
        mib(st.total_bytes()),
        parts.join(", ")
    );
    eprintln!(
        "  accounts dropped: {} idle past windows.idle_expiry, {} evicted over windows.max_accounts",
        s.counters.expired, s.counters.evicted
    );
    let c = &s.counters;
    eprintln!(
        "  dropped over windows.state_budget_mib: {} single-account keys, {} accounts, {} shared keys",
        c.budget_single_keys, c.budget_accounts, c.budget_shared_keys
    );
    if let Some(b) = crate::memory::peak_rss_bytes() {
        eprintln!(
            "  peak memory (resident, whole process): {:.1} MiB",
            b as f64 / (1 << 20) as f64
        );
    }
    eprintln!("  seconds: {:.2}", s.seconds);
    eprintln!("  events/s: {:.0}", s.events_per_s);
}

fn tune(a: distillguard_eval::TuneArgs) -> anyhow::Result<ExitCode> {
    use distillguard_eval::tune;
    let base = tune::config_text(a.config.as_deref())?;
    let variants = tune::variants(&base, &a.vary)?;
    let mut reports = Vec::with_capacity(variants.len());
    for v in &variants {
        let cfg = Arc::new(Config::load_str(&v.config).map_err(|e| anyhow::anyhow!("{e}"))?);
        let traj = record_trajectories(cfg, &a.logs)
            .with_context(|| format!("running the engine with {}", v.label()))?;
        let mut report = tune::sweep_config(&a, &traj, &v.config)?;
        report.variant = v.settings.clone();
        reports.push(report);
    }
    let objective = reports.first().map(|r| r.objective).unwrap_or_default();
    let best = tune::best_variant(objective, &reports).unwrap_or(0);
    if variants.len() > 1 {
        let labels: Vec<String> = variants.iter().map(|v| v.label()).collect();
        println!("{}", tune::variants_table(&labels, &reports, Some(best)));
    }
    let mut report = reports.swap_remove(best);
    tune::write_outputs(&a, &mut report, &variants[best].config)?;
    println!("{report}");
    Ok(ExitCode::SUCCESS)
}

/// Runs the engine over `logs` with `cfg` and records every account's score trajectory.
fn record_trajectories(
    cfg: Arc<Config>,
    logs: &[std::path::PathBuf],
) -> anyhow::Result<distillguard_eval::tune::Trajectories> {
    use distillguard_eval::tune::TrajectoryBuilder;
    let mut builder = TrajectoryBuilder::new();
    let mut totals = std::collections::HashMap::<String, u64>::new();
    let run = crate::recorded::replay_recording(cfg, logs, "tune", &mut |samples| {
        for s in samples {
            let i = builder.account_index(&s.account);
            builder.push_indexed(i, s.ts_ms, s.n_request, s.score, s.bound);
            totals.insert(s.account.to_string(), s.n_request);
        }
    })?;
    for (acct, n) in &totals {
        builder.set_total_requests(acct, *n);
    }
    eprintln!(
        "recorded {} score samples over {} events in {:.1}s",
        builder.len(),
        run.summary.events,
        run.summary.seconds
    );
    Ok(builder.finish())
}
