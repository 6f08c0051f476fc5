//! Reasons: every contributing signal with its value and threshold, ordered by contribution,
//! with a plain-language detail for the cross-account ones. Never prompt text.

use distillguard_features::signals::{SignalSet, NAMES};
use distillguard_features::AccountState;
use distillguard_types::config::Config;
use distillguard_types::corr::byte_share;
use distillguard_types::Reason;

fn round(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

/// Reasons of a signal set, strongest contribution first (signals contributing nothing are
/// left out).
pub fn reasons(s: &SignalSet, st: &AccountState, cfg: &Config) -> Vec<Reason> {
    let w = cfg.score.weights.pairs();
    let mut idx: Vec<(usize, f64)> = (0..NAMES.len())
        .map(|i| (i, w[i].1 * s.0[i].strength))
        .filter(|(_, c)| *c > 0.0)
        .collect();
    idx.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    idx.into_iter()
        .map(|(i, _)| Reason {
            signal: NAMES[i].to_string(),
            value: round(s.0[i].value),
            threshold: round(s.0[i].threshold),
            detail: detail(NAMES[i], st),
        })
        .collect()
}

fn detail(name: &str, st: &AccountState) -> Option<String> {
    let e = &st.evidence;
    let held = match name {
        "shared_template" => &e.template,
        "shared_ip_pool" => &e.ip_pool,
        "shared_identity" => &e.identity,
        "synchrony" => {
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
        _ => return None,
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
