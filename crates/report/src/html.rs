//! The report page: one HTML document with its CSS, JS and SVG charts inline. Small tables
//! are rendered here (sortable in the page); member and account lists travel as JSON in a
//! `<script type="application/json">` element and reach the DOM a page at a time.

use crate::escape::{html, script_json};
use crate::model::{AccountRow, ActionCounts, CampaignView, ReasonCount, ReportData};
use crate::svg::{self, BarSeries, Frame, LineSeries};
use distillguard_types::time::parse_rfc3339_ms;
use distillguard_types::Action;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::fmt::Write;

const CSS: &str = include_str!("assets/report.css");
const JS: &str = include_str!("assets/report.js");
/// Campaign sections open when the page loads (the largest extraction groups first).
const OPEN_CAMPAIGNS: usize = 3;
/// Keys listed in a campaign section before the rest fold away.
const KEYS_SHOWN: usize = 24;
/// Action colours, indexed by `Action as usize`.
const ACTION_COLORS: [&str; 4] = ["#6aa84f", "#6fa8dc", "#f1a33c", "#cc4125"];

/// Renders the whole page. `title` names the inputs (escaped here).
pub fn render_html(data: &ReportData, title: &str) -> String {
    let mut out = String::with_capacity(64 * 1024 + data.accounts.len() * 120);
    let _ = write!(
        out,
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,"><title>distillguard report: {t}</title><style>{CSS}</style></head><body><header><h1>distillguard report</h1><p class="muted">{t} &middot; {v} verdicts, {c} campaign records</p></header>"#,
        t = html(title),
        v = data.verdicts,
        c = data.campaign_records
    );
    summary(&mut out, data);
    actions_chart(&mut out, data);
    campaign_table(&mut out, &data.campaigns);
    out.push_str(r#"<section id="reasons"><h2>Top reasons</h2><p class="muted">Signals among the reasons of every verdict; strongest = the verdict's first reason.</p>"#);
    reason_table(&mut out, &data.top_reasons);
    out.push_str("</section>");
    let index: HashMap<&str, usize> = data
        .accounts
        .iter()
        .enumerate()
        .map(|(i, a)| (a.account_id.as_str(), i))
        .collect();
    let mut members: Vec<Vec<Value>> = Vec::with_capacity(data.campaigns.len());
    out.push_str(r#"<section id="campaign-details"><h2>Each campaign and cohort</h2>"#);
    for (i, c) in data.campaigns.iter().enumerate() {
        campaign_section(
            &mut out,
            c,
            i,
            i < OPEN_CAMPAIGNS && c.absorbed_by.is_none(),
        );
        members.push(
            c.record
                .members
                .iter()
                .map(|m| {
                    index
                        .get(m.as_str())
                        .map_or_else(|| json!(m), |&j| json!(j))
                })
                .collect(),
        );
    }
    if data.campaigns.is_empty() {
        out.push_str(r#"<p class="muted">No campaign records.</p>"#);
    }
    out.push_str(r#"</section><section id="accounts"><h2>Accounts</h2><p class="muted">Every account with a verdict, with its latest action.</p><div id="accounts-table"></div></section>"#);
    let accounts: Vec<Value> = data.accounts.iter().map(account_json).collect();
    let payload = json!({ "accounts": accounts, "members": members });
    let _ = write!(
        out,
        r#"<script type="application/json" id="dg-data">{}</script><script>{JS}</script></body></html>"#,
        script_json(&payload)
    );
    out
}

fn account_json(a: &AccountRow) -> Value {
    json!([
        a.account_id,
        a.action.as_str(),
        a.ts,
        a.score,
        a.verdicts,
        a.top_reason,
        a.campaign_id,
        a.allowlisted
    ])
}

fn summary(out: &mut String, d: &ReportData) {
    out.push_str(r#"<section id="summary"><h2>Summary</h2><div class="cards">"#);
    for a in Action::ALL {
        let _ = write!(
            out,
            r#"<div class="card"><b class="a-{a}">{n}</b>accounts at {a}</div>"#,
            n = d.latest_actions[a as usize]
        );
    }
    let extraction = d
        .campaigns
        .iter()
        .filter(|c| c.absorbed_by.is_none() && c.record.assessment == "extraction")
        .count();
    let cohorts = d
        .campaigns
        .iter()
        .filter(|c| c.absorbed_by.is_none() && c.record.assessment != "extraction")
        .count();
    let _ = write!(
        out,
        r#"<div class="card"><b>{extraction}</b>campaigns</div><div class="card"><b>{cohorts}</b>cohorts</div></div></section>"#
    );
}

fn actions_chart(out: &mut String, d: &ReportData) {
    out.push_str(r#"<section id="actions"><h2>Actions over time</h2>"#);
    let b = &d.buckets;
    if b.counts.is_empty() {
        out.push_str(r#"<p class="muted">No verdicts.</p></section>"#);
        return;
    }
    let series: Vec<BarSeries> = Action::ALL
        .iter()
        .map(|a| BarSeries {
            label: a.as_str(),
            color: ACTION_COLORS[*a as usize],
        })
        .collect();
    let counts: Vec<Vec<u64>> = b.counts.iter().map(|c| c.to_vec()).collect();
    let _ = write!(
        out,
        r#"<p class="muted">Verdicts per {} by action.</p>{}</section>"#,
        html(&width_label(b.width_ms)),
        svg::stacked_bars(
            Frame {
                width: 1200.0,
                height: 240.0
            },
            "verdicts by action over time",
            &series,
            b.start_ms,
            b.width_ms,
            &counts
        )
    );
}

fn width_label(ms: i64) -> String {
    match ms {
        m if m % 86_400_000 == 0 => format!("{} day(s)", m / 86_400_000),
        m if m % 3_600_000 == 0 => format!("{} hour(s)", m / 3_600_000),
        m if m % 60_000 == 0 => format!("{} minute(s)", m / 60_000),
        m => format!("{m} ms"),
    }
}

fn assessment_badge(c: &CampaignView) -> String {
    let a = &c.record.assessment;
    let mut s = format!(r#"<span class="badge b-{0}">{0}</span>"#, html(a));
    if let Some(by) = &c.absorbed_by {
        let _ = write!(
            s,
            r#"<span class="badge b-absorbed">merged into {}</span>"#,
            html(by)
        );
    }
    s
}

fn anchor(id: &str) -> String {
    let safe: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("c-{safe}")
}

fn campaign_table(out: &mut String, campaigns: &[CampaignView]) {
    out.push_str(r#"<section id="campaigns"><h2>Campaigns and cohorts</h2><table class="sortable"><thead><tr><th>id</th><th>assessment</th><th>size</th><th>first seen</th><th>last record</th><th>views</th><th>extraction</th><th>suspend</th><th>throttle</th><th>monitor</th><th>no verdict / clear</th></tr></thead><tbody>"#);
    for c in campaigns {
        let r = &c.record;
        let m = &c.member_actions;
        let _ = write!(
            out,
            r##"<tr><td><a href="#{a}">{id}</a></td><td>{badge}</td><td class="num" data-v="{size}">{size}</td><td>{first}</td><td>{ts}</td><td>{views}</td><td class="num" data-v="{x}">{x:.3}</td>{counts}</tr>"##,
            a = anchor(&r.campaign_id),
            id = html(&r.campaign_id),
            badge = assessment_badge(c),
            size = r.size,
            first = html(&r.first_seen),
            ts = html(&r.ts),
            views = html(&r.views.join(", ")),
            x = r.extraction.score,
            counts = count_cells(m)
        );
    }
    out.push_str("</tbody></table></section>");
}

fn count_cells(m: &ActionCounts) -> String {
    [
        Action::Suspend,
        Action::Throttle,
        Action::Monitor,
        Action::Clear,
    ]
    .iter()
    .map(|a| {
        let n = m[*a as usize];
        format!(r#"<td class="num" data-v="{n}">{n}</td>"#)
    })
    .collect()
}

fn reason_table(out: &mut String, reasons: &[ReasonCount]) {
    if reasons.is_empty() {
        out.push_str(r#"<p class="muted">No reasons.</p>"#);
        return;
    }
    out.push_str(r#"<table class="sortable"><thead><tr><th>signal</th><th>strongest</th><th>present</th><th>mean value</th></tr></thead><tbody>"#);
    for r in reasons {
        let _ = write!(
            out,
            r#"<tr><td>{}</td><td class="num" data-v="{s}">{s}</td><td class="num" data-v="{p}">{p}</td><td class="num" data-v="{m}">{m:.4}</td></tr>"#,
            html(&r.signal),
            s = r.strongest,
            p = r.present,
            m = r.mean_value
        );
    }
    out.push_str("</tbody></table>");
}

fn campaign_section(out: &mut String, c: &CampaignView, index: usize, open: bool) {
    let r = &c.record;
    let _ = write!(
        out,
        r#"<details class="campaign" id="{a}"{open}><summary>{id} {badge} &middot; {size} members</summary><p class="muted">first seen {first} &middot; last record {ts} ({n} records) &middot; views: {views}</p><div class="grid"><div><h3>Extraction</h3>"#,
        a = anchor(&r.campaign_id),
        open = if open { " open" } else { "" },
        id = html(&r.campaign_id),
        badge = assessment_badge(c),
        size = r.size,
        first = html(&r.first_seen),
        ts = html(&r.ts),
        n = c.records,
        views = html(&r.views.join(", "))
    );
    let x = &r.extraction;
    out.push_str(r#"<table><tbody>"#);
    for (name, v) in [
        ("score", format!("{:.4}", x.score)),
        ("harvest share", format!("{:.4}", x.harvest_share)),
        ("task share", format!("{:.4}", x.task_share)),
        ("follow-up share", format!("{:.4}", x.followup_share)),
        ("duplicate share", format!("{:.4}", x.duplicate_share)),
        ("targeting share", format!("{:.4}", x.targeting_share)),
        ("output tokens / request", format!("{:.1}", x.output_tokens)),
        ("requests", x.requests.to_string()),
    ] {
        let _ = write!(out, r#"<tr><th>{name}</th><td class="num">{v}</td></tr>"#);
    }
    out.push_str("</tbody></table></div><div><h3>Size over time</h3>");
    let points: Vec<(i64, f64)> = r
        .size_over_time
        .iter()
        .filter_map(|(t, n)| parse_rfc3339_ms(t).map(|t| (t, *n as f64)))
        .collect();
    let y_max = points.iter().map(|p| p.1).fold(0.0, f64::max) * 1.1;
    out.push_str(&svg::lines(
        Frame {
            width: 520.0,
            height: 180.0,
        },
        "members over time",
        &[LineSeries {
            label: "members",
            color: "#674ea7",
            points: &points,
            step: true,
        }],
        &[],
        y_max.ceil(),
    ));
    out.push_str("</div><div><h3>Top reasons of its members</h3>");
    reason_table(out, &c.top_reasons);
    let _ = write!(
        out,
        r#"</div></div><h3>Keys ({})</h3>{}<h3>Members ({} listed of {})</h3><div class="members" data-members="{index}"></div></details>"#,
        r.keys.len(),
        key_list(&r.keys),
        r.members.len(),
        r.size
    );
}

fn key_list(keys: &[String]) -> String {
    let item = |k: &String| format!(r#"<li class="key">{}</li>"#, html(k));
    let shown: String = keys.iter().take(KEYS_SHOWN).map(item).collect();
    let mut s = format!(r#"<ul class="keys">{shown}</ul>"#);
    if keys.len() > KEYS_SHOWN {
        let rest: String = keys.iter().skip(KEYS_SHOWN).map(item).collect();
        let _ = write!(
            s,
            r#"<details><summary>{} more</summary><ul class="keys">{rest}</ul></details>"#,
            keys.len() - KEYS_SHOWN
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tests::{record, verdict};

    #[test]
    fn page_is_self_contained_and_escapes_inputs() {
        let mut r = record("cmp-<x>", "2026-01-01T01:00:00Z", &["<b>m1</b>", "m2"]);
        r.keys = vec!["template:\"quoted\"".to_string()];
        let vs = vec![verdict(
            "<b>m1</b>",
            Action::Suspend,
            "2026-01-01T01:00:00Z",
            &["<script>alert(1)</script>"],
        )];
        let page = render_html(&ReportData::build(&vs, &[r]), "in<put>.jsonl");
        for bad in ["<b>m1", "<script>alert", "cmp-<x>", "\"quoted\"", "in<put>"] {
            assert!(!page.contains(bad), "unescaped {bad}");
        }
        assert!(page.contains("cmp-&lt;x&gt;") && page.contains("in&lt;put&gt;"));
        for remote in ["http://", "https://", "src=", "@import"] {
            let hits: Vec<&str> = page.matches(remote).collect();
            let allowed = remote == "http://" && hits.len() == page.matches("<svg").count();
            assert!(hits.is_empty() || allowed, "network reference {remote}");
        }
        assert_eq!(page.matches("<script").count(), 2);
    }

    #[test]
    fn members_refer_to_account_rows_or_stay_bare_ids() {
        let r = record("cmp-1", "2026-01-01T01:00:00Z", &["a", "z"]);
        let vs = vec![verdict(
            "a",
            Action::Throttle,
            "2026-01-01T01:00:00Z",
            &["synchrony"],
        )];
        let page = render_html(&ReportData::build(&vs, &[r]), "t");
        assert!(page.contains(r#""members":[[0,"z"]]"#), "{page}");
        assert!(page.contains(r#"<details class="campaign" id="c-cmp-1" open>"#));
    }

    #[test]
    fn many_members_stay_out_of_the_markup() {
        let ids: Vec<String> = (0..25_000).map(|i| format!("acct_{i:05}")).collect();
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        let r = record("cmp-big", "2026-01-01T01:00:00Z", &refs);
        let vs: Vec<_> = refs
            .iter()
            .map(|a| verdict(a, Action::Suspend, "2026-01-01T01:00:00Z", &["synchrony"]))
            .collect();
        let page = render_html(&ReportData::build(&vs, &[r]), "t");
        // campaigns (head + 1), top reasons (head + 1), extraction figures (8), the
        // campaign's reasons (head + 1): no member row is markup
        assert_eq!(page.matches("<tr>").count(), 2 + 2 + 8 + 2);
        assert!(page.contains("acct_24999"));
    }
}
