//! `explain`: one account's story for an appeal review, built from the engine's score
//! samples of that account and its verdicts and campaign records: the score and every
//! signal's strength over time (a text table sampled when long, and an SVG plot with the
//! action thresholds), each verdict with its reasons, and the keys and groups it shares with
//! how many other accounts. Everything shown is a number, a signal name, a hashed key or an
//! id: the engine's samples carry no prompt text.

use crate::svg::{self, Frame, HLine, LineSeries};
use distillguard_types::ladder::Thresholds;
use distillguard_types::time::format_rfc3339_ms;
use distillguard_types::{Action, CampaignRecord, Verdict};
use std::collections::BTreeMap;
use std::fmt::Write;

/// The account's state at one scored event.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    /// Event time (epoch ms).
    pub ts_ms: i64,
    /// Requests the account had made.
    pub n_request: u64,
    /// Score before the group assessment's bound.
    pub score: f64,
    /// The highest action the group assessment allowed.
    pub bound: Action,
    /// Strength 0..1 of each signal, in the order of [`Explanation::signal_names`].
    pub strengths: Vec<f64>,
}

/// A correlation key the account was tied to by the evidence it received.
#[derive(Debug, Clone, PartialEq)]
pub struct SharedKey {
    /// The view (`template`, `ip_pool`, `identity`).
    pub view: String,
    /// Members of the key, the account included (the largest seen).
    pub members: u32,
    /// Suspect members (when `members` was largest).
    pub suspect_members: u32,
    /// The strongest suspicion the key carried.
    pub strength: f64,
    /// First and last time it was the account's strongest key of its view (epoch ms).
    pub first_ms: i64,
    /// See `first_ms`.
    pub last_ms: i64,
}

/// Everything `explain` shows about one account.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    /// The account.
    pub account: String,
    /// Signal names, in the order of each point's strengths.
    pub signal_names: Vec<String>,
    /// The action thresholds of the config the logs were replayed with.
    pub thresholds: Thresholds,
    /// One point per scored event, in time order.
    pub points: Vec<Point>,
    /// Keys it shared, by `kind:hash`.
    pub keys: BTreeMap<String, SharedKey>,
    /// Campaign ids its label named, in the order first carried.
    pub labels: Vec<String>,
    /// Its verdicts.
    pub verdicts: Vec<Verdict>,
    /// The latest record of each campaign or cohort that lists it.
    pub campaigns: Vec<CampaignRecord>,
}

impl Explanation {
    /// An empty explanation of `account`.
    pub fn new(account: &str, signal_names: Vec<String>, thresholds: Thresholds) -> Self {
        Explanation {
            account: account.to_string(),
            signal_names,
            thresholds,
            points: Vec::new(),
            keys: BTreeMap::new(),
            labels: Vec::new(),
            verdicts: Vec::new(),
            campaigns: Vec::new(),
        }
    }

    /// Notes the key a view held at `ts_ms`.
    pub fn note_key(
        &mut self,
        view: &str,
        key: String,
        members: u32,
        suspect_members: u32,
        strength: f64,
        ts_ms: i64,
    ) {
        let k = self.keys.entry(key).or_insert_with(|| SharedKey {
            view: view.to_string(),
            members,
            suspect_members,
            strength,
            first_ms: ts_ms,
            last_ms: ts_ms,
        });
        if members > k.members {
            k.members = members;
            k.suspect_members = suspect_members;
        }
        k.strength = k.strength.max(strength);
        k.last_ms = k.last_ms.max(ts_ms);
        k.first_ms = k.first_ms.min(ts_ms);
    }

    /// Notes the campaign id the account's label named.
    pub fn note_label(&mut self, campaign_id: String) {
        if !self.labels.contains(&campaign_id) {
            self.labels.push(campaign_id);
        }
    }

    /// Keeps the account's verdicts among `verdicts`.
    pub fn take_verdicts(&mut self, verdicts: Vec<Verdict>) {
        self.verdicts = verdicts
            .into_iter()
            .filter(|v| v.account_id == self.account)
            .collect();
    }

    /// Keeps, per campaign id, the latest of `records` that lists the account.
    pub fn take_campaigns(&mut self, records: Vec<CampaignRecord>) {
        let mut latest: BTreeMap<String, CampaignRecord> = BTreeMap::new();
        for r in records {
            if !r.members.contains(&self.account) {
                continue;
            }
            match latest.get(&r.campaign_id) {
                Some(old) if old.ts > r.ts => {}
                _ => {
                    latest.insert(r.campaign_id.clone(), r);
                }
            }
        }
        self.campaigns = latest.into_values().collect();
    }

    /// Indices of the points a table of at most `rows` rows shows: evenly spaced, plus the
    /// first, the last and every point at which a verdict was written.
    pub fn sampled(&self, rows: usize) -> Vec<usize> {
        let n = self.points.len();
        if n == 0 {
            return Vec::new();
        }
        let rows = rows.max(2);
        let mut pick: Vec<usize> = if n <= rows {
            (0..n).collect()
        } else {
            (0..rows).map(|i| i * (n - 1) / (rows - 1)).collect()
        };
        let verdict_times: Vec<String> = self.verdicts.iter().map(|v| v.ts.clone()).collect();
        for (i, p) in self.points.iter().enumerate() {
            if verdict_times.contains(&format_rfc3339_ms(p.ts_ms)) {
                pick.push(i);
            }
        }
        pick.sort_unstable();
        pick.dedup();
        pick
    }

    /// Signals whose strength was ever above zero.
    fn active_signals(&self) -> Vec<usize> {
        (0..self.signal_names.len())
            .filter(|&i| self.points.iter().any(|p| p.strengths[i] > 0.0))
            .collect()
    }

    /// The text an appeal review reads; the table holds at most `rows` sampled rows (plus one
    /// per verdict).
    pub fn render_text(&self, rows: usize) -> String {
        let mut out = String::new();
        let last = self.verdicts.last();
        let _ = writeln!(
            out,
            "account {}: {} scored events, {} requests, {} verdicts, latest action {}",
            self.account,
            self.points.len(),
            self.points.last().map_or(0, |p| p.n_request),
            self.verdicts.len(),
            last.map_or("none", |v| v.action.as_str())
        );
        let t = &self.thresholds;
        let _ = writeln!(
            out,
            "thresholds: monitor {:.2}, throttle {:.2}, suspend {:.2}",
            t.monitor, t.throttle, t.suspend
        );
        self.trajectory_text(&mut out, rows);
        self.verdicts_text(&mut out);
        self.shared_text(&mut out);
        out
    }

    fn trajectory_text(&self, out: &mut String, rows: usize) {
        let pick = self.sampled(rows);
        let active = self.active_signals();
        let _ = writeln!(
            out,
            "\nscore trajectory ({} of {} scored events; allowed = the highest action the group \
             assessment allowed; signal columns are strengths 0..1, signals never above 0 left \
             out)",
            pick.len(),
            self.points.len()
        );
        let mut head = format!(
            "{:<24} {:>6} {:>6} {:<8}",
            "time", "req", "score", "allowed"
        );
        for &i in &active {
            let _ = write!(
                head,
                " {:>w$}",
                self.signal_names[i],
                w = col(&self.signal_names[i])
            );
        }
        let _ = writeln!(out, "{head}");
        for &i in &pick {
            let p = &self.points[i];
            let mut line = format!(
                "{:<24} {:>6} {:>6.3} {:<8}",
                format_rfc3339_ms(p.ts_ms),
                p.n_request,
                p.score,
                p.bound.as_str()
            );
            for &s in &active {
                let _ = write!(
                    line,
                    " {:>w$.3}",
                    p.strengths[s],
                    w = col(&self.signal_names[s])
                );
            }
            let _ = writeln!(out, "{line}");
        }
    }

    fn verdicts_text(&self, out: &mut String) {
        let _ = writeln!(out, "\nverdicts ({})", self.verdicts.len());
        for v in &self.verdicts {
            let _ = writeln!(
                out,
                "{}  {:<8} score {:.4}  campaign {}  config {}{}{}",
                v.ts,
                v.action.as_str(),
                v.score,
                v.campaign_id.as_deref().unwrap_or("-"),
                v.config_version,
                if v.enforced { "" } else { "  (not enforced)" },
                v.allowlisted
                    .as_deref()
                    .map_or(String::new(), |a| format!("  allowlisted: {a}"))
            );
            for r in &v.reasons {
                let _ = write!(
                    out,
                    "    {:<24} {:>9.4} (threshold {:.4})",
                    r.signal, r.value, r.threshold
                );
                match &r.detail {
                    Some(d) => {
                        let _ = writeln!(out, ": {d}");
                    }
                    None => out.push('\n'),
                }
            }
        }
    }

    fn shared_text(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "\nkeys shared (the strongest key of each view, as the evidence named them; \
             accounts on the key, this one included, and how many of them are suspect)"
        );
        if self.keys.is_empty() {
            let _ = writeln!(out, "  none");
        }
        let mut keys: Vec<(&String, &SharedKey)> = self.keys.iter().collect();
        keys.sort_by(|a, b| b.1.strength.total_cmp(&a.1.strength).then(a.0.cmp(b.0)));
        for (key, k) in keys {
            let _ = writeln!(
                out,
                "  {:<9} {:<30} {:>5} accounts, {:>5} suspect, strength {:.3}, {} .. {}",
                k.view,
                key,
                k.members,
                k.suspect_members,
                k.strength,
                format_rfc3339_ms(k.first_ms),
                format_rfc3339_ms(k.last_ms)
            );
        }
        let _ = writeln!(out, "\ngroups");
        if self.labels.is_empty() && self.campaigns.is_empty() {
            let _ = writeln!(out, "  none");
        }
        for c in &self.campaigns {
            let _ = writeln!(
                out,
                "  {} ({}): {} members, views {}, {} keys, last record {}",
                c.campaign_id,
                c.assessment,
                c.size,
                c.views.join(", "),
                c.keys.len(),
                c.ts
            );
        }
        for l in &self.labels {
            if !self.campaigns.iter().any(|c| c.campaign_id == *l) {
                let _ = writeln!(
                    out,
                    "  {l}: the account's label, no campaign record lists it (below the minimum size)"
                );
            }
        }
    }

    /// The score over time with the action thresholds, over the three signals of highest
    /// mean strength.
    pub fn render_svg(&self) -> String {
        let score: Vec<(i64, f64)> = self.points.iter().map(|p| (p.ts_ms, p.score)).collect();
        let n = self.points.len().max(1) as f64;
        let mut strongest: Vec<(usize, f64)> = self
            .active_signals()
            .into_iter()
            .map(|i| {
                (
                    i,
                    self.points.iter().map(|p| p.strengths[i]).sum::<f64>() / n,
                )
            })
            .collect();
        strongest.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        strongest.truncate(3);
        let signal_points: Vec<Vec<(i64, f64)>> = strongest
            .iter()
            .map(|&(i, _)| {
                self.points
                    .iter()
                    .map(|p| (p.ts_ms, p.strengths[i]))
                    .collect()
            })
            .collect();
        const COLORS: [&str; 3] = ["#93c47d", "#8e7cc3", "#76a5af"];
        let mut series: Vec<LineSeries> = strongest
            .iter()
            .enumerate()
            .map(|(k, &(i, _))| LineSeries {
                label: &self.signal_names[i],
                color: COLORS[k],
                points: &signal_points[k],
                step: true,
            })
            .collect();
        series.push(LineSeries {
            label: "score",
            color: "#222",
            points: &score,
            step: true,
        });
        let t = &self.thresholds;
        let lines = [
            HLine {
                label: "monitor",
                value: t.monitor,
                color: "#3d85c6",
            },
            HLine {
                label: "throttle",
                value: t.throttle,
                color: "#e69138",
            },
            HLine {
                label: "suspend",
                value: t.suspend,
                color: "#cc0000",
            },
        ];
        let title = format!("{}: score over time", self.account);
        svg::lines(
            Frame {
                width: 720.0,
                height: 260.0,
            },
            &title,
            &series,
            &lines,
            1.0,
        )
    }
}

/// Width of a signal's column: its name, at least 6.
fn col(name: &str) -> usize {
    name.len().max(6)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tests::{record, verdict};

    fn explained() -> Explanation {
        let names = vec!["harvest_usage".to_string(), "synchrony".to_string()];
        let mut e = Explanation::new("a", names, Thresholds::default());
        for i in 0..100 {
            e.points.push(Point {
                ts_ms: 1_767_225_600_000 + i * 60_000,
                n_request: i as u64 + 1,
                score: i as f64 / 100.0,
                bound: Action::Suspend,
                strengths: vec![0.5, 0.0],
            });
        }
        e.note_key("template", "template:00aa".to_string(), 5, 4, 0.4, 1);
        e.note_key("template", "template:00aa".to_string(), 9, 8, 0.7, 2);
        e.note_label("cmp-000000000001".to_string());
        e.take_verdicts(vec![
            verdict(
                "a",
                Action::Throttle,
                "2026-01-01T00:50:00.000Z",
                &["harvest_usage"],
            ),
            verdict(
                "b",
                Action::Suspend,
                "2026-01-01T00:51:00.000Z",
                &["synchrony"],
            ),
        ]);
        e.take_campaigns(vec![
            record("cmp-000000000001", "2026-01-01T00:10:00Z", &["a", "b"]),
            record("cmp-000000000001", "2026-01-01T00:40:00Z", &["a", "b", "c"]),
            record("cmp-other", "2026-01-01T00:40:00Z", &["b", "c"]),
        ]);
        e
    }

    #[test]
    fn samples_evenly_and_keeps_verdict_points() {
        let e = explained();
        let pick = e.sampled(10);
        assert_eq!(pick.first(), Some(&0));
        assert_eq!(pick.last(), Some(&99));
        assert!(pick.contains(&50), "the verdict's point");
        assert_eq!(pick.len(), 11);
    }

    #[test]
    fn text_lists_trajectory_verdicts_keys_and_groups() {
        let text = explained().render_text(10);
        assert!(text.contains("latest action throttle"));
        assert!(
            text.contains("harvest_usage") && !text.contains(" synchrony"),
            "{text}"
        );
        assert!(text.contains("template:00aa"));
        assert!(
            text.contains("    9 accounts,     8 suspect, strength 0.700"),
            "{text}"
        );
        assert!(text.contains("cmp-000000000001 (extraction): 3 members"));
        assert!(!text.contains("cmp-other"));
        assert_eq!(
            text.matches("\n2026-01-01T0").count(),
            11 + 1,
            "rows and the verdict"
        );
    }

    #[test]
    fn svg_has_score_thresholds_and_signals() {
        let svg = explained().render_svg();
        for label in [">monitor 0.35<", "throttle", "suspend", "harvest_usage"] {
            assert!(svg.contains(label), "{label}");
        }
        assert!(!svg.contains(">synchrony<"));
    }
}
