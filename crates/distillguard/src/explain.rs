//! `distillguard explain`: replays the logs recording score samples, keeps those of one
//! account, and prints its explanation (rendered by `distillguard_report::explain`).

use crate::cli::ExplainArgs;
use crate::config_check::load_config;
use anyhow::Context;
use distillguard_features::signals::SignalId;
use distillguard_report::{load_campaigns, load_verdicts, Explanation};
use std::process::ExitCode;
use std::sync::Arc;

/// The views of a sample's held evidence, in its order.
const VIEWS: [&str; 3] = ["template", "ip_pool", "identity"];

/// Runs `explain`: exit 0 with the explanation on stdout, 1 when the logs never scored the
/// account.
pub fn run(a: &ExplainArgs) -> anyhow::Result<ExitCode> {
    let cfg = Arc::new(load_config(a.config.as_deref())?);
    let names = SignalId::ALL
        .iter()
        .map(|id| id.name().to_string())
        .collect();
    let mut e = Explanation::new(&a.account, names, cfg.score.thresholds);
    let run = crate::recorded::replay_recording(cfg, &a.inputs, "explain", &mut |samples| {
        for s in samples.iter().filter(|s| s.account == a.account.as_str()) {
            let point = distillguard_report::explain::Point {
                ts_ms: s.ts_ms,
                n_request: s.n_request,
                score: s.score,
                bound: s.bound,
                strengths: s.signals.iter().map(|(_, g)| g.strength).collect(),
            };
            // a rescore at the same request (its step's evidence arrived) replaces the score
            // taken before it
            match e.points.last_mut() {
                Some(last) if (last.ts_ms, last.n_request) == (s.ts_ms, s.n_request) => {
                    *last = point;
                }
                _ => e.points.push(point),
            }
            for (view, held) in VIEWS.iter().zip(&s.views) {
                if let Some(key) = held.key.filter(|_| held.members >= 2) {
                    e.note_key(
                        view,
                        key.display(),
                        held.members,
                        held.suspect_members,
                        held.strength,
                        s.ts_ms,
                    );
                }
            }
            if let Some(label) = s.label {
                e.note_label(label.campaign_id());
            }
        }
    })?;
    if e.points.is_empty() {
        eprintln!(
            "account {} does not appear in the {} events replayed",
            a.account, run.summary.events
        );
        return Ok(ExitCode::from(1));
    }
    e.take_verdicts(load_verdicts(&run.verdicts)?);
    e.take_campaigns(load_campaigns(&run.campaigns)?);
    print!("{}", e.render_text(a.rows));
    if let Some(path) = &a.svg {
        std::fs::write(path, e.render_svg())
            .with_context(|| format!("writing {}", path.display()))?;
        eprintln!("plot: {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}
