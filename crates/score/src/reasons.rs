//! Reasons: every contributing signal with its value and threshold, ordered by contribution,
//! with a plain-language detail for the cross-account ones. Never prompt text.

use distillguard_features::signals::{SignalId, SignalSet};
use distillguard_features::AccountState;
use distillguard_types::config::Config;
use distillguard_types::corr::{byte_share, View};
use distillguard_types::Reason;

fn round(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

/// Reasons of a signal set, strongest contribution first (signals contributing nothing are
/// left out).
pub fn reasons(s: &SignalSet, st: &AccountState, cfg: &Config) -> Vec<Reason> {
    let w = &cfg.score.weights;
    let mut by: Vec<(SignalId, f64)> = s
        .iter()
        .map(|(id, x)| (id, id.weight(w) * x.strength))
        .filter(|(_, c)| *c > 0.0)
        .collect();
    by.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    by.into_iter()
        .map(|(id, _)| Reason {
            signal: id.name().to_string(),
            value: round(s[id].value),
            threshold: round(s[id].threshold),
            detail: detail(id, st),
        })
        .collect()
}

/// The plain-language detail of a cross-account signal's reason, by the view the signal reads
/// ([`SignalId::view`], an exhaustive match); none for per-account signals, whose value and
/// threshold say it all.
fn detail(id: SignalId, st: &AccountState) -> Option<String> {
    let e = &st.evidence;
    let held = match id.view() {
        Some(View::Template) => &e.template,
        Some(View::IpPool) => &e.ip_pool,
        Some(View::Identity) => &e.identity,
        Some(View::Timing) => {
            let h = if e.template.strength >= e.ip_pool.strength {
                &e.template
            } else {
                &e.ip_pool
            };
            return Some(format!(
                "activity correlation {:.2} with the other members of {}",
                h.sync,
                h.key
                    .map_or_else(|| "its keys".to_string(), |k| k.display())
            ));
        }
        None => return None,
    };
    let key = held.key?;
    Some(format!(
        "shares {} with {} accounts, {} of them suspect (young, or extracting); the group \
         extracts {:.2} (harvest-style, standalone task prompts, few follow-ups, few prompts \
         others send word for word)",
        key.display(),
        held.members.saturating_sub(1),
        held.suspect_members,
        byte_share(held.group_extraction)
    ))
}
