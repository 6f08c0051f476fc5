//! The dashboard and alert rules in `deploy/` query only metrics this crate exports: every
//! `distillguard_*` name in the Grafana dashboard's queries and in the Prometheus rules is one
//! of the metric-name literals in `src/` (read from the source, not a copied list), the panels
//! and rules the runbook promises are there, and `deploy/README.md` lists every exported name.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn deploy(file: &str) -> String {
    let path = crate_dir().join("../../deploy").join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every `.rs` file under `dir`.
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Runs of `[a-z0-9_]` starting with `distillguard_` in `text`.
fn names_in(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("distillguard_") {
        let tail = &rest[at..];
        let end = tail
            .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'))
            .unwrap_or(tail.len());
        out.push(tail[..end].to_string());
        rest = &tail[end..];
    }
    out
}

/// The metric names the crate exports: string literals `"distillguard_live_…"` in `src/`
/// (the `metrics::counter!` / `gauge!` calls and the name constants they use).
fn exported() -> BTreeSet<String> {
    let mut files = Vec::new();
    sources(&crate_dir().join("src"), &mut files);
    let mut names = BTreeSet::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for name in names_in(&text) {
            if name.starts_with("distillguard_live_") && text.contains(&format!("\"{name}\"")) {
                names.insert(name);
            }
        }
    }
    names
}

/// Every string value under the keys `expr`, `query` and `definition`, recursively.
fn queries(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, v) in m {
                match (k.as_str(), v) {
                    ("expr" | "query" | "definition", serde_json::Value::String(s)) => {
                        out.push(s.clone())
                    }
                    _ => queries(v, out),
                }
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|v| queries(v, out)),
        _ => {}
    }
}

/// The dashboard panels' PromQL queries (Grafana's variables given values) as recording rules in
/// `target/tmp/dashboard-queries.yml`, so that `.ci/run` can check their syntax with
/// `promtool check rules` after the tests.
fn write_dashboard_rules(queries: &[String]) {
    let mut text = String::from("groups:\n  - name: dashboard-queries\n    rules:\n");
    for (i, q) in queries.iter().enumerate() {
        let expr = q
            .replace("$__rate_interval", "1m")
            .replace("$__range", "1h")
            .replace("$job", "distillguard");
        let quoted = serde_json::to_string(&expr).unwrap();
        text.push_str(&format!(
            "      - record: dashboard:query_{i}\n        expr: {quoted}\n"
        ));
    }
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("dashboard-queries.yml");
    std::fs::write(&path, text).unwrap();
}

#[test]
fn dashboard_and_alerts_use_only_exported_metrics() {
    let exported = exported();
    assert!(
        exported.len() >= 20 && exported.contains("distillguard_live_config_reloads_total"),
        "{exported:?}"
    );

    let dashboard: serde_json::Value =
        serde_json::from_str(&deploy("grafana/dashboards/distillguard.json")).unwrap();
    let mut dashboard_queries = Vec::new();
    queries(&dashboard, &mut dashboard_queries);
    let used_by_dashboard: BTreeSet<String> =
        dashboard_queries.iter().flat_map(|q| names_in(q)).collect();

    let mut panel_queries = Vec::new();
    queries(&dashboard["panels"], &mut panel_queries);
    assert!(panel_queries.len() >= 20, "{panel_queries:?}");
    write_dashboard_rules(&panel_queries);

    let rules = deploy("prometheus/alerts.yml");
    let alerts = rules
        .lines()
        .filter(|l| l.trim_start().starts_with("- alert:"))
        .count();
    let exprs: Vec<&str> = rules
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("expr:"))
        .collect();
    assert_eq!(alerts, exprs.len(), "every rule has a one-line expr");
    let used_by_alerts: BTreeSet<String> = exprs.iter().flat_map(|e| names_in(e)).collect();

    for (what, used) in [
        ("dashboard", &used_by_dashboard),
        ("alerts", &used_by_alerts),
    ] {
        let unknown: Vec<_> = used.difference(&exported).collect();
        assert!(
            unknown.is_empty(),
            "{what} queries metrics the code does not export: {unknown:?}"
        );
    }
    let promised = |used: &BTreeSet<String>, names: &[&str], what: &str| {
        for n in names {
            let n = format!("distillguard_live_{n}");
            assert!(used.contains(&n), "{what} does not show {n}");
        }
    };
    promised(
        &used_by_dashboard,
        &[
            "consumer_lag",
            "records_total",
            "rejects_total",
            "verdicts_total",
            "checkpoints_total",
            "commit_failures_total",
            "delivery_failures_total",
            "checkpoint_missing_total",
            "ready",
            "config_reloads_total",
        ],
        "the dashboard",
    );
    promised(
        &used_by_alerts,
        &[
            "consumer_lag",
            "rejects_total",
            "verdicts_total",
            "delivery_failures_total",
            "checkpoints_total",
            "checkpoint_missing_total",
            "ready",
        ],
        "the alert rules",
    );

    let readme = deploy("README.md");
    let undocumented: Vec<_> = exported
        .iter()
        .filter(|n| !readme.contains(&format!("`{n}")))
        .collect();
    assert!(
        undocumented.is_empty(),
        "deploy/README.md does not list {undocumented:?}"
    );
}
