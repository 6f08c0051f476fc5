//! Hand-computed evaluation cases.

use super::*;
use crate::labels::Labels;
use crate::logs::LogScan;
use crate::verdicts::VerdictSet;
use std::path::Path;

/// 2026-01-01T00:00:00Z in epoch ms.
const T0: i64 = 1_767_225_600_000;

fn rfc3339(minute: i64) -> String {
    chrono::DateTime::from_timestamp_millis(T0 + minute * 60_000)
        .unwrap()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

struct Input<'a> {
    labels: &'a str,
    /// `(account, action, minute)`.
    verdicts: &'a [(&'a str, &'a str, i64)],
    /// `(account, minute of each request)`; `None` = no logs.
    logs: Option<&'a [(&'a str, &'a [i64])]>,
}

/// `(campaign, accounts, detected, median requests, (leaked, total))`.
type CampaignExpect = (String, u64, u64, Option<f64>, Option<(u64, u64)>);

/// The numbers a case is checked on.
#[derive(Debug, PartialEq)]
struct Expected {
    /// `[none, monitor, throttle, suspend]` per class (organic, automation, attack).
    classes: [[u64; 4]; 3],
    recall: Option<f64>,
    precision: Option<f64>,
    /// `[monitor, throttle, suspend]` for organic, automation, benign.
    fpr: [[Option<f64>; 3]; 3],
    /// `(median, p90)` of requests to detect.
    requests: Option<(Option<f64>, Option<f64>)>,
    hours_from_request: Option<(Option<f64>, Option<f64>)>,
    hours_from_verdict: (Option<f64>, Option<f64>),
    /// `(leaked, total)`.
    leak: Option<(u64, u64)>,
    /// `(campaign, accounts, detected, median requests, (leaked, total))`.
    campaigns: Vec<CampaignExpect>,
    unlabelled: u64,
}

fn report_of(input: &Input) -> EvalReport {
    let labels = Labels::from_reader(input.labels.as_bytes(), Path::new("l")).unwrap();
    let mut verdicts = VerdictSet::default();
    for (id, action, minute) in input.verdicts {
        let line = format!(
            r#"{{"account_id":"{id}","action":"{action}","ts":"{}","score":0.5,"reasons":[],"campaign_id":null,"config_version":"t"}}"#,
            rfc3339(*minute)
        );
        verdicts.add_line(line.as_bytes());
    }
    let logs = input.logs.map(|accounts| {
        let mut text = String::new();
        for (id, minutes) in accounts {
            for m in *minutes {
                text.push_str(&format!(
                    "{{\"ts\":\"{}\",\"account_id\":\"{id}\"}}\n",
                    rfc3339(*m)
                ));
            }
        }
        let mut scan = LogScan {
            files: 1,
            ..LogScan::default()
        };
        scan.add_chunk(text.as_bytes(), &verdicts.action_cutoffs());
        scan
    });
    evaluate(&labels, &verdicts, logs.as_ref())
}

fn pair(d: &crate::stats::Dist) -> (Option<f64>, Option<f64>) {
    let r = |x: Option<f64>| x.map(|v| (v * 1e9).round() / 1e9);
    (r(d.median), r(d.p90))
}

fn check(input: Input, expected: Expected) -> EvalReport {
    let r = report_of(&input);
    let counts = |i: usize| {
        let c = &r.classes[i].max_action;
        [c.none, c.monitor, c.throttle, c.suspend]
    };
    let row = |f: &FprRow| [f.monitor, f.throttle, f.suspend];
    let b = &r.benign_fpr;
    let actual = Expected {
        classes: [counts(0), counts(1), counts(2)],
        recall: r.attack.recall,
        precision: r.attack.precision,
        fpr: [row(&b.organic), row(&b.automation), row(&b.benign)],
        requests: r.attack.ttd.requests.as_ref().map(pair),
        hours_from_request: r.attack.ttd.hours_from_first_request.as_ref().map(pair),
        hours_from_verdict: pair(&r.attack.ttd.hours_from_first_verdict),
        leak: r.attack.leak.map(|l| (l.leaked, l.total)),
        campaigns: r
            .campaigns
            .iter()
            .map(|c| {
                (
                    c.campaign.clone(),
                    c.accounts,
                    c.detected,
                    c.ttd.requests.as_ref().and_then(|d| d.median),
                    c.leak.map(|l| (l.leaked, l.total)),
                )
            })
            .collect(),
        unlabelled: r.unlabelled.accounts,
    };
    assert_eq!(actual, expected);
    r
}

const LABELS: &str = "account_id,class,campaign
o1,organic,
o2,organic,
o3,organic,
o4,organic,
m1,automation,
m2,automation,
a1,attack,c1
a2,attack,c1
a3,attack,c2
a4,attack,c2
";

const VERDICTS: &[(&str, &str, i64)] = &[
    ("o1", "monitor", 10),
    ("o1", "clear", 20),
    ("o2", "monitor", 5),
    ("o2", "throttle", 15),
    ("m1", "monitor", 30),
    ("a1", "monitor", 60),
    ("a1", "throttle", 120),
    ("a1", "suspend", 180),
    ("a2", "monitor", 0),
    ("a2", "throttle", 60),
    ("a3", "monitor", 30),
    ("x9", "suspend", 10),
];

const LOGS: &[(&str, &[i64])] = &[
    // cut at 120: 4 requests before, 5 up to and including, 6 in all.
    ("a1", &[0, 30, 60, 90, 120, 150]),
    // cut at 60: 2 before, 3 up to, 4 in all.
    ("a2", &[61, 0, 30, 60]),
    ("a3", &[0, 10]),
    ("a4", &[5]),
    ("o1", &[0]),
    ("o2", &[0]),
    ("m1", &[0]),
];

fn expected_base() -> Expected {
    Expected {
        classes: [[2, 1, 1, 0], [1, 1, 0, 0], [1, 1, 1, 1]],
        recall: Some(0.5),
        // o2, a1, a2 actioned; a1, a2 are attacks.
        precision: Some(2.0 / 3.0),
        fpr: [
            [Some(0.5), Some(0.25), Some(0.0)],
            [Some(0.5), Some(0.0), Some(0.0)],
            [Some(0.5), Some(1.0 / 6.0), Some(0.0)],
        ],
        // requests to detect [5, 3]: median 4, p90 3 + 0.9 * 2.
        requests: Some((Some(4.0), Some(4.8))),
        // hours from first request [2, 1].
        hours_from_request: Some((Some(1.5), Some(1.9))),
        // hours from first verdict: a1 60->120, a2 0->60.
        hours_from_verdict: (Some(1.0), Some(1.0)),
        // leaked 4 + 2 + 2 + 1 of 6 + 4 + 2 + 1.
        leak: Some((9, 13)),
        campaigns: vec![
            ("c1".into(), 2, 2, Some(4.0), Some((6, 10))),
            ("c2".into(), 2, 0, None, Some((3, 3))),
        ],
        unlabelled: 1,
    }
}

#[test]
fn full_case_with_logs() {
    let r = check(
        Input {
            labels: LABELS,
            verdicts: VERDICTS,
            logs: Some(LOGS),
        },
        expected_base(),
    );
    assert_eq!(r.inputs.labelled_without_requests, 3); // o3, o4, m2
    assert_eq!(r.inputs.verdict_lines, 12);
    assert_eq!(r.unlabelled.max_action.suspend, 1);
    assert_eq!(r.attack.leak.unwrap().share, Some(9.0 / 13.0));
    // no attack account sent the 8 requests usage is judged on; a1 and a2 (10 of the 13
    // exchanges) were caught
    let j = r.attack.judged.clone().unwrap();
    assert_eq!((j.min_requests, j.accounts, j.recall), (8, 0, None));
    assert_eq!(j.exchange_recall, Some(10.0 / 13.0));
    assert!(r.to_string().contains("76.92% of attack exchanges"), "{r}");
}

#[test]
fn judged_recall_counts_accounts_past_the_minimum_and_weights_by_exchanges() {
    let mut j = super::JudgedRecall::default();
    for (requests, caught) in [(20, true), (9, false), (3, false), (8, true)] {
        j.add(requests, caught);
    }
    let j = j.finish();
    assert_eq!((j.accounts, j.detected, j.recall), (3, 2, Some(2.0 / 3.0)));
    assert_eq!((j.exchanges, j.exchanges_detected), (40, 28));
    assert_eq!(j.exchange_recall, Some(0.7));
}

#[test]
fn without_logs_only_verdict_times_are_reported() {
    let mut e = expected_base();
    e.requests = None;
    e.hours_from_request = None;
    e.leak = None;
    e.campaigns = vec![
        ("c1".into(), 2, 2, None, None),
        ("c2".into(), 2, 0, None, None),
    ];
    check(
        Input {
            labels: LABELS,
            verdicts: VERDICTS,
            logs: None,
        },
        e,
    );
}

#[test]
fn no_verdicts_means_zero_recall_and_no_precision() {
    check(
        Input {
            labels: "account_id,class,campaign\no,organic,\na,attack,\n",
            verdicts: &[],
            logs: Some(&[("a", &[0, 1, 2])]),
        },
        Expected {
            classes: [[1, 0, 0, 0], [0, 0, 0, 0], [1, 0, 0, 0]],
            recall: Some(0.0),
            precision: None,
            fpr: [[Some(0.0); 3], [None; 3], [Some(0.0); 3]],
            requests: Some((None, None)),
            hours_from_request: Some((None, None)),
            hours_from_verdict: (None, None),
            leak: Some((3, 3)),
            campaigns: vec![("-".into(), 1, 0, None, Some((3, 3)))],
            unlabelled: 0,
        },
    );
}

#[test]
fn suspend_without_throttle_counts_and_later_clear_does_not_undo_detection() {
    check(
        Input {
            labels: "account_id,class,campaign\na,attack,k\n",
            verdicts: &[("a", "suspend", 2), ("a", "clear", 5), ("a", "monitor", 9)],
            logs: Some(&[("a", &[0, 1, 2, 3, 9])]),
        },
        Expected {
            classes: [[0; 4], [0; 4], [0, 0, 0, 1]],
            recall: Some(1.0),
            precision: Some(1.0),
            fpr: [[None; 3], [None; 3], [None; 3]],
            requests: Some((Some(3.0), Some(3.0))),
            hours_from_request: Some((Some(0.033333333), Some(0.033333333))), // 2 minutes
            hours_from_verdict: (Some(0.0), Some(0.0)),
            leak: Some((2, 5)),
            campaigns: vec![("k".into(), 1, 1, Some(3.0), Some((2, 5)))],
            unlabelled: 0,
        },
    );
}

#[test]
fn run_eval_reads_files_writes_json_and_prints_tables() {
    let dir = tempfile::tempdir().unwrap();
    let labels = dir.path().join("labels.csv");
    let verdicts = dir.path().join("verdicts.jsonl");
    let logs = dir.path().join("logs.jsonl.zst");
    let json = dir.path().join("eval.json");
    std::fs::write(&labels, LABELS).unwrap();
    let mut v = String::new();
    for (id, action, m) in VERDICTS {
        v.push_str(&format!(
            "{{\"account_id\":\"{id}\",\"action\":\"{action}\",\"ts\":\"{}\",\"score\":0.7,\"reasons\":[{{\"signal\":\"s\",\"value\":1.0,\"threshold\":0.5}}],\"campaign_id\":null,\"config_version\":\"t\",\"enforced\":true}}\n",
            rfc3339(*m)
        ));
    }
    std::fs::write(&verdicts, v).unwrap();
    let mut l = String::new();
    for (id, minutes) in LOGS {
        for m in *minutes {
            // epoch-ms timestamps here, RFC 3339 in the other cases
            l.push_str(&format!(
                "{{\"ts\":{},\"account_id\":\"{id}\",\"model\":\"m\"}}\n",
                T0 + m * 60_000
            ));
        }
    }
    std::fs::write(&logs, zstd::encode_all(l.as_bytes(), 3).unwrap()).unwrap();
    let args = EvalArgs {
        labels,
        verdicts,
        logs: vec![logs],
        json: Some(json.clone()),
        campaigns: None,
    };
    let report = run_eval(&args).unwrap();
    assert_eq!(
        report,
        report_of(&Input {
            labels: LABELS,
            verdicts: VERDICTS,
            logs: Some(LOGS),
        })
    );
    let parsed: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(parsed["attack"]["recall"], 0.5);
    assert_eq!(parsed["attack"]["ttd"]["requests"]["median"], 4.0);
    assert_eq!(parsed["attack"]["leak"]["leaked"], 9);
    assert_eq!(parsed["benign_fpr"]["benign"]["suspend"], 0.0);
    assert_eq!(parsed["campaigns"][0]["campaign"], "c1");
    let text = report.to_string();
    for needle in ["recall     50.00% (2/4)", "unlabelled", "c2", "69.23%"] {
        assert!(text.contains(needle), "missing {needle:?} in\n{text}");
    }
}

#[test]
fn cli_arguments_parse() {
    use clap::Parser;
    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: EvalArgs,
    }
    let cli = Cli::try_parse_from([
        "eval",
        "--labels",
        "l.csv",
        "--verdicts",
        "v.jsonl",
        "--logs",
        "a.jsonl.zst",
        "b.jsonl",
        "--json",
        "out.json",
        "--campaigns",
        "c.jsonl",
    ])
    .unwrap();
    assert_eq!(cli.args.campaigns.as_deref(), Some(Path::new("c.jsonl")));
    assert_eq!(cli.args.logs.len(), 2);
    assert_eq!(cli.args.json.as_deref(), Some(Path::new("out.json")));
    let cli = Cli::try_parse_from(["eval", "--labels", "l.csv", "--verdicts", "v.jsonl"]).unwrap();
    assert!(cli.args.logs.is_empty() && cli.args.json.is_none());
    assert!(Cli::try_parse_from(["eval", "--labels", "l.csv"]).is_err());
}

#[test]
fn cohorts_are_benign_with_their_own_row_and_worst_action() {
    let labels = "account_id,class,campaign
o1,organic,
s1,cohort,course-1
s2,cohort,course-1
s3,cohort,course-1
b1,cohort,bench-team-1
a1,attack,c1
";
    let r = report_of(&Input {
        labels,
        verdicts: &[
            ("s1", "monitor", 1),
            ("s2", "throttle", 2),
            ("b1", "monitor", 3),
            ("a1", "suspend", 4),
        ],
        logs: None,
    });
    assert_eq!(r.classes[3].class, "cohort");
    assert_eq!(r.classes[3].accounts, 4);
    let f = &r.benign_fpr;
    assert_eq!(
        (f.cohort.accounts, f.cohort.monitor, f.cohort.throttle),
        (4, Some(0.75), Some(0.25))
    );
    // benign = organic + automation + cohort.
    assert_eq!((f.benign.accounts, f.benign.throttle), (5, Some(0.2)));
    assert_eq!((r.attack.accounts, r.attack.recall), (1, Some(1.0)));
    assert_eq!(r.attack.precision, Some(0.5));
    let c = &r.cohort_max_action;
    assert_eq!(
        (c.level.as_str(), c.throttled_or_worse, c.suspended),
        ("throttle", 1, 0)
    );
    let groups: Vec<(&str, u64, u64)> = c
        .groups
        .iter()
        .map(|g| (g.group.as_str(), g.accounts, g.max_action.throttle))
        .collect();
    assert_eq!(groups, vec![("bench-team-1", 1, 0), ("course-1", 3, 1)]);
    assert!(r.campaigns.iter().all(|c| c.campaign == "c1"));
    let json: serde_json::Value = serde_json::from_str(&r.to_json().unwrap()).unwrap();
    assert_eq!(json["benign_fpr"]["cohort"]["monitor"], 0.75);
    assert_eq!(json["cohort_max_action"]["level"], "throttle");
    assert!(r.to_string().contains("worst action throttle"));
}

/// `(campaign_id, majority, share, groups)` per row (lowest share first) and
/// `(records, min_share, under_95, benign_in_extraction)`.
type AttrExpect<'a> = (
    Vec<(&'a str, Option<&'a str>, Option<f64>, Vec<(&'a str, u64)>)>,
    (u64, Option<f64>, u64, u64),
);

fn check_attribution(labels: &str, campaigns: &str, expected: AttrExpect) {
    let labels = Labels::from_reader(labels.as_bytes(), Path::new("l")).unwrap();
    let (finals, lines, skipped) =
        super::read_campaigns(campaigns.as_bytes(), Path::new("c")).unwrap();
    let a = super::attribute(&labels, &finals, lines, skipped);
    let rows: Vec<_> = a
        .rows
        .iter()
        .map(|r| {
            (
                r.campaign_id.as_str(),
                r.majority.as_deref(),
                r.share.map(|s| (s * 1e6).round() / 1e6),
                r.groups
                    .iter()
                    .map(|(g, n)| (g.as_str(), *n))
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    assert_eq!(
        (
            rows,
            (
                a.records,
                a.min_share.map(|s| (s * 1e6).round() / 1e6),
                a.under_95,
                a.benign_in_extraction
            )
        ),
        expected
    );
}

#[test]
fn attribution_of_final_campaign_records() {
    let labels = "account_id,class,campaign
o1,organic,
m1,automation,
s1,cohort,course-1
s2,cohort,course-1
a1,attack,drip
a2,attack,drip
a3,attack,drip
a4,attack,aged
";
    // cmp-1: an early record, then its final state (the last line wins); unknown fields
    // ignored; cmp-2 mixes a cohort into an extraction record; cmp-3 is a pure cohort;
    // cmp-4 has size 0 (left out); cmp-5 has only unlabelled members; one bad line.
    let campaigns = r#"{"campaign_id":"cmp-1","size":1,"members":["a1"],"first_seen":"x"}
{"campaign_id":"cmp-2","size":5,"members":["a4","s1","s2","a2","zz"],"assessment":"extraction","views":["ip_pool"]}
not json
{"campaign_id":"cmp-1","size":3,"members":["a1","a2","a3"],"assessment":"extraction","extra":{"k":1}}
{"campaign_id":"cmp-3","size":2,"members":["s1","s2"],"assessment":"cohort"}
{"campaign_id":"cmp-4","size":0,"members":[]}
{"campaign_id":"cmp-5","size":1,"members":["nobody"]}
{"campaign_id":"cmp-6","size":2,"members":["o1","a1"]}
"#;
    check_attribution(
        labels,
        campaigns,
        (
            vec![
                (
                    "cmp-2",
                    Some("tie"),
                    Some(0.5),
                    vec![("course-1", 2), ("aged", 1), ("drip", 1), ("unlabelled", 1)],
                ),
                (
                    "cmp-6",
                    Some("tie"),
                    Some(0.5),
                    vec![("drip", 1), ("organic", 1)],
                ),
                ("cmp-1", Some("attack"), Some(1.0), vec![("drip", 3)]),
                ("cmp-3", Some("benign"), Some(1.0), vec![("course-1", 2)]),
                ("cmp-5", None, None, vec![("unlabelled", 1)]),
            ],
            (5, Some(0.5), 2, 2),
        ),
    );
    check_attribution(labels, "", (vec![], (0, None, 0, 0)));
    check_attribution(
        labels,
        r#"{"campaign_id":"c","size":4,"members":["a1","a2","a3","m1"]}"#,
        (
            vec![(
                "c",
                Some("attack"),
                Some(0.75),
                vec![("drip", 3), ("automation", 1)],
            )],
            (1, Some(0.75), 1, 0),
        ),
    );
}

#[test]
fn run_eval_reads_campaigns_file() {
    let dir = tempfile::tempdir().unwrap();
    let labels = dir.path().join("l.csv");
    let verdicts = dir.path().join("v.jsonl");
    let campaigns = dir.path().join("c.jsonl");
    let json = dir.path().join("r.json");
    std::fs::write(
        &labels,
        "account_id,class,campaign\na1,attack,x\ns1,cohort,event-1\n",
    )
    .unwrap();
    std::fs::write(&verdicts, "").unwrap();
    std::fs::write(
        &campaigns,
        "{\"campaign_id\":\"k\",\"size\":2,\"members\":[\"a1\",\"s1\"],\"assessment\":\"extraction\"}\n",
    )
    .unwrap();
    let report = run_eval(&EvalArgs {
        labels,
        verdicts,
        logs: vec![],
        json: Some(json.clone()),
        campaigns: Some(campaigns),
    })
    .unwrap();
    let a = report.attribution.as_ref().unwrap();
    assert_eq!((a.records, a.benign_in_extraction, a.under_95), (1, 1, 1));
    let parsed: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(parsed["attribution"]["min_share"], 0.5);
    assert_eq!(parsed["attribution"]["rows"][0]["groups"][0][0], "event-1");
    assert!(report
        .to_string()
        .contains("1 benign accounts in extraction-assessed records"));
}
