//! Campaign-record attribution: how pure the engine's campaign records are, judged by the
//! ground-truth labels of their listed members.
//!
//! The campaigns file is the engine's JSONL of campaign records; the last record per
//! `campaign_id` is its final state. Only `campaign_id`, `size`, `members` and the
//! optional `assessment` (`extraction` or `cohort`) are read; other fields are ignored.

use super::report::{Attribution, AttributionRow};
use crate::error::EvalError;
use crate::labels::{Class, Labels};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// The fields of a campaign record eval reads.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CampaignFinal {
    /// Stable id.
    pub campaign_id: String,
    /// Number of member accounts (exact).
    #[serde(default)]
    pub size: u64,
    /// Listed members (possibly capped).
    #[serde(default)]
    pub members: Vec<String>,
    /// The engine's assessment, when it gives one (`extraction`, `cohort`).
    #[serde(default)]
    pub assessment: Option<String>,
}

/// Final records (last per id, in first-seen order) and (lines, skipped lines).
pub fn read_campaigns<R: Read>(
    reader: R,
    path: &Path,
) -> Result<(Vec<CampaignFinal>, u64, u64), EvalError> {
    let mut order: Vec<String> = Vec::new();
    let mut last: BTreeMap<String, CampaignFinal> = BTreeMap::new();
    let (mut lines, mut skipped) = (0u64, 0u64);
    for line in BufReader::new(reader).lines() {
        let line = line.map_err(|e| EvalError::io(path, e))?;
        if line.trim().is_empty() {
            continue;
        }
        lines += 1;
        match serde_json::from_str::<CampaignFinal>(&line) {
            Ok(rec) => {
                if !last.contains_key(&rec.campaign_id) {
                    order.push(rec.campaign_id.clone());
                }
                last.insert(rec.campaign_id.clone(), rec);
            }
            Err(_) => skipped += 1,
        }
    }
    let finals = order
        .into_iter()
        .filter_map(|id| last.remove(&id))
        .collect();
    Ok((finals, lines, skipped))
}

/// Reads a campaigns JSONL file (plain, gzip or zstd), opened as the engine opens inputs.
pub fn load_campaigns(path: &Path) -> Result<(Vec<CampaignFinal>, u64, u64), EvalError> {
    read_campaigns(crate::logs::open_log(path)?, path)
}

/// The group a member counts under: campaign (attack), group (cohort), class, `unlabelled`.
fn group_of(labels: &Labels, id: &str) -> (Option<bool>, String) {
    match labels.get(id) {
        None => (None, "unlabelled".into()),
        Some(l) => {
            let name = match (&l.campaign, l.class) {
                (Some(c), Class::Attack | Class::Cohort) => c.clone(),
                _ => l.class.name().to_string(),
            };
            (Some(l.class == Class::Attack), name)
        }
    }
}

/// Scores the final records against the labels.
pub fn attribute(
    labels: &Labels,
    finals: &[CampaignFinal],
    lines: u64,
    skipped: u64,
) -> Attribution {
    let mut out = Attribution {
        lines,
        lines_skipped: skipped,
        ..Attribution::default()
    };
    for rec in finals.iter().filter(|r| r.size >= 1) {
        out.records += 1;
        let (mut attack, mut benign) = (0u64, 0u64);
        let mut groups: BTreeMap<String, u64> = BTreeMap::new();
        for m in &rec.members {
            let (side, name) = group_of(labels, m);
            match side {
                Some(true) => attack += 1,
                Some(false) => benign += 1,
                None => {}
            }
            *groups.entry(name).or_default() += 1;
        }
        let labelled = attack + benign;
        let (majority, share) = if labelled == 0 {
            (None, None)
        } else {
            let side = match attack.cmp(&benign) {
                std::cmp::Ordering::Greater => "attack",
                std::cmp::Ordering::Less => "benign",
                std::cmp::Ordering::Equal => "tie",
            };
            (
                Some(side.to_string()),
                Some(attack.max(benign) as f64 / labelled as f64),
            )
        };
        if let Some(s) = share {
            out.min_share = Some(out.min_share.map_or(s, |m: f64| m.min(s)));
            if s < 0.95 {
                out.under_95 += 1;
            }
        }
        match rec.assessment.as_deref() {
            Some("extraction") => out.benign_in_extraction += benign,
            Some("cohort") => out.attack_in_cohort += attack,
            _ => {}
        }
        let mut groups: Vec<(String, u64)> = groups.into_iter().collect();
        groups.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        out.rows.push(AttributionRow {
            campaign_id: rec.campaign_id.clone(),
            size: rec.size,
            assessment: rec.assessment.clone(),
            labelled,
            attack,
            benign,
            majority,
            share,
            groups,
        });
    }
    out.rows.sort_by(|a, b| {
        a.share
            .unwrap_or(2.0)
            .total_cmp(&b.share.unwrap_or(2.0))
            .then_with(|| a.campaign_id.cmp(&b.campaign_id))
    });
    out
}
