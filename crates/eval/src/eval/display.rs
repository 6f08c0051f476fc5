//! The evaluation report as readable text tables.

use super::report::{DetectTimes, EvalReport, FprRow, Leak};
use crate::table::{num, pct, Table};
use std::fmt;

fn leak_cell(l: &Option<Leak>) -> String {
    match l {
        Some(l) => format!("{} ({}/{})", pct(l.share, 2), l.leaked, l.total),
        None => "- (no logs)".into(),
    }
}

fn ttd_cells(t: &DetectTimes) -> Vec<String> {
    let req = t.requests.as_ref();
    let hrs = t.hours_from_first_request.as_ref();
    vec![
        num(req.and_then(|d| d.median), 1),
        num(req.and_then(|d| d.p90), 1),
        num(hrs.and_then(|d| d.median), 2),
        num(hrs.and_then(|d| d.p90), 2),
        num(t.hours_from_first_verdict.median, 2),
    ]
}

fn fpr_cells(name: &str, r: &FprRow) -> Vec<String> {
    vec![
        name.to_string(),
        r.accounts.to_string(),
        pct(r.monitor, 2),
        pct(r.throttle, 3),
        pct(r.suspend, 3),
    ]
}

impl fmt::Display for EvalReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inputs;
        writeln!(
            f,
            "inputs: {} labelled accounts; {} verdicts ({} skipped, {} shadow) on {} accounts",
            i.labelled_accounts,
            i.verdict_lines,
            i.verdict_lines_skipped,
            i.shadow_verdicts,
            i.verdict_accounts
        )?;
        if i.logs {
            writeln!(
                f,
                "logs: {} files, {} lines ({} skipped), {} accounts; {} labelled accounts without requests",
                i.log_files, i.log_lines, i.log_lines_skipped, i.log_accounts, i.labelled_without_requests
            )?;
        } else {
            writeln!(
                f,
                "logs: none given (no request counts, leak or hours from first request)"
            )?;
        }

        writeln!(f, "\naccounts by maximum action reached")?;
        let mut t = Table::new(&[
            "class", "accounts", "none", "monitor", "throttle", "suspend",
        ]);
        let rows = self
            .classes
            .iter()
            .map(|c| (c.class.as_str(), c.accounts, &c.max_action))
            .chain([(
                "unlabelled",
                self.unlabelled.accounts,
                &self.unlabelled.max_action,
            )]);
        for (name, n, c) in rows {
            t.row(vec![
                name.into(),
                n.to_string(),
                c.none.to_string(),
                c.monitor.to_string(),
                c.throttle.to_string(),
                c.suspend.to_string(),
            ]);
        }
        write!(f, "{t}")?;

        let a = &self.attack;
        writeln!(f, "\nattack detection (throttle or suspend)")?;
        writeln!(
            f,
            "  recall     {} ({}/{})",
            pct(a.recall, 2),
            a.detected,
            a.accounts
        )?;
        if let Some(j) = &a.judged {
            writeln!(
                f,
                "             {} ({}/{}) over accounts with >= {} requests; {} of attack exchanges were from accounts caught",
                pct(j.recall, 2),
                j.detected,
                j.accounts,
                j.min_requests,
                pct(j.exchange_recall, 2)
            )?;
        }
        writeln!(
            f,
            "  precision  {} ({} of {} actioned labelled accounts are attacks)",
            pct(a.precision, 2),
            a.actioned_attack,
            a.actioned
        )?;
        writeln!(f, "  leak       {}", leak_cell(&a.leak))?;

        writeln!(
            f,
            "\nbenign false-positive rate (share reaching at least each action)"
        )?;
        let mut t = Table::new(&["group", "accounts", "monitor", "throttle", "suspend"]);
        let b = &self.benign_fpr;
        t.row(fpr_cells("organic", &b.organic));
        t.row(fpr_cells("automation", &b.automation));
        t.row(fpr_cells("cohort", &b.cohort));
        t.row(fpr_cells("benign", &b.benign));
        write!(f, "{t}")?;

        let c = &self.cohort_max_action;
        if c.accounts > 0 {
            writeln!(
                f,
                "\ncohorts: {} members in {} groups; worst action {}; {} throttled or suspended ({} suspended)",
                c.accounts,
                c.groups.len(),
                c.level,
                c.throttled_or_worse,
                c.suspended
            )?;
            let mut t = Table::new(&[
                "group", "accounts", "none", "monitor", "throttle", "suspend",
            ]);
            for g in c
                .groups
                .iter()
                .filter(|g| g.max_action.at_least(crate::action::Level::Monitor) > 0)
            {
                t.row(vec![
                    g.group.clone(),
                    g.accounts.to_string(),
                    g.max_action.none.to_string(),
                    g.max_action.monitor.to_string(),
                    g.max_action.throttle.to_string(),
                    g.max_action.suspend.to_string(),
                ]);
            }
            write!(f, "{t}")?;
        }

        if let Some(at) = &self.attribution {
            writeln!(
                f,
                "\ncampaign records: {} final (size >= 1) from {} lines ({} skipped); min majority share {}; {} under 95%; {} benign accounts in extraction-assessed records; {} attack accounts in cohort-assessed records",
                at.records,
                at.lines,
                at.lines_skipped,
                pct(at.min_share, 1),
                at.under_95,
                at.benign_in_extraction,
                at.attack_in_cohort
            )?;
            let mut t = Table::new(&[
                "campaign_id",
                "size",
                "assessment",
                "majority",
                "share",
                "members by group",
            ]);
            for r in at.rows.iter().take(20) {
                let groups: Vec<String> = r
                    .groups
                    .iter()
                    .take(6)
                    .map(|(g, n)| format!("{g}:{n}"))
                    .collect();
                t.row(vec![
                    r.campaign_id.clone(),
                    r.size.to_string(),
                    r.assessment.clone().unwrap_or_else(|| "-".into()),
                    r.majority.clone().unwrap_or_else(|| "-".into()),
                    pct(r.share, 1),
                    groups.join(" "),
                ]);
            }
            write!(f, "{t}")?;
            if at.rows.len() > 20 {
                writeln!(
                    f,
                    "  ... {} more (lowest share first; all in --json)",
                    at.rows.len() - 20
                )?;
            }
        }

        writeln!(
            f,
            "\nattack campaigns (time to detect, over detected accounts: requests and hours from the first request, hours from the first verdict)"
        )?;
        let mut t = Table::new(&[
            "campaign",
            "accounts",
            "detected",
            "recall",
            "suspended",
            "leak",
            "req med",
            "req p90",
            "h med",
            "h p90",
            "h from 1st verdict",
        ]);
        let all = std::iter::once((
            "ALL",
            a.accounts,
            a.detected,
            a.recall,
            self.classes
                .iter()
                .find(|c| c.class == "attack")
                .map_or(0, |c| c.max_action.suspend),
            &a.leak,
            &a.ttd,
        ));
        let per = self.campaigns.iter().map(|c| {
            (
                c.campaign.as_str(),
                c.accounts,
                c.detected,
                c.recall,
                c.max_action.suspend,
                &c.leak,
                &c.ttd,
            )
        });
        for (name, n, det, recall, susp, leak, ttd) in all.chain(per) {
            let mut row = vec![
                name.to_string(),
                n.to_string(),
                det.to_string(),
                pct(recall, 1),
                susp.to_string(),
                leak.as_ref().map_or("-".into(), |l| pct(l.share, 2)),
            ];
            row.extend(ttd_cells(ttd));
            t.row(row);
        }
        write!(f, "{t}")
    }
}
