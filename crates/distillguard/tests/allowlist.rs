//! Allowlists end to end on the fixture: a campaign entry caps every verdict naming the
//! campaign at monitor, an API key entry caps the accounts using the key, and each capped
//! verdict's last reason names the entry; check-config names bad ranges, ids and expiries.

use std::path::{Path, PathBuf};
use std::process::Command;

const CAMPAIGN: &str = "cmp-1f925e05123e";
const ATTACK_ACCOUNT: &str = "acct_4ns4wf4t2wak";
const ATTACK_KEY: &str = "key_mlnfsgfteslr";

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_distillguard"))
}

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/sample.jsonl.zst")
}

/// Replays the fixture with `config` and returns its verdicts.
fn verdicts_with(config: &str) -> Vec<serde_json::Value> {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("allow.toml");
    std::fs::write(&cfg, config).unwrap();
    let out_path = dir.path().join("v.jsonl");
    let out = bin()
        .arg("replay")
        .arg("--config")
        .arg(&cfg)
        .arg("--output")
        .arg(&out_path)
        .arg("--rejects")
        .arg(dir.path().join("r.jsonl"))
        .arg(fixture())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    std::fs::read_to_string(&out_path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn last_reason(v: &serde_json::Value) -> &serde_json::Value {
    v["reasons"].as_array().unwrap().last().unwrap()
}

#[test]
fn a_campaign_entry_caps_its_members_at_monitor_until_it_expires() {
    let entry = format!(
        "[[allowlist]]\ncampaign = \"{CAMPAIGN}\"\nreason = \"red team exercise\"\nexpires = \"2027-01-01T00:00:00Z\"\n"
    );
    let vs = verdicts_with(&entry);
    let named: Vec<_> = vs.iter().filter(|v| v["campaign_id"] == CAMPAIGN).collect();
    assert!(named.len() >= 40, "the campaign's members have verdicts");
    for v in &named {
        assert_eq!(v["action"], "monitor", "{v}");
        assert_eq!(v["allowlisted"], "red team exercise", "{v}");
    }
    let capped = named
        .iter()
        .filter(|v| last_reason(v)["signal"] == "allowlisted")
        .count();
    assert!(capped >= 40, "capped verdicts say so: {capped}");
    let detail = named
        .iter()
        .map(|v| last_reason(v))
        .find(|r| r["signal"] == "allowlisted")
        .unwrap()["detail"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        detail.contains(&format!("campaign = \"{CAMPAIGN}\": red team exercise")),
        "{detail}"
    );

    let expired = entry.replace("2027-01-01T00:00:00Z", "2026-01-01T00:00:00Z");
    let vs = verdicts_with(&expired);
    assert!(vs.iter().all(|v| v.get("allowlisted").is_none()));
    assert!(vs.iter().any(|v| v["action"] == "suspend"));
}

#[test]
fn an_api_key_entry_caps_the_accounts_using_the_key() {
    let entry = format!("[[allowlist]]\napi_key = \"{ATTACK_KEY}\"\nreason = \"load test\"\n");
    let vs = verdicts_with(&entry);
    let mine: Vec<_> = vs
        .iter()
        .filter(|v| v["account_id"] == ATTACK_ACCOUNT)
        .collect();
    assert!(!mine.is_empty());
    for v in &mine {
        assert_eq!(v["action"], "monitor", "{v}");
        assert_eq!(v["allowlisted"], "load test");
    }
    assert!(mine
        .iter()
        .any(|v| last_reason(v)["signal"] == "allowlisted"));
    assert!(
        vs.iter()
            .any(|v| v["account_id"] != ATTACK_ACCOUNT && v["action"] == "suspend"),
        "other accounts are still actioned"
    );
}

#[test]
fn check_config_names_bad_ranges_ids_scopes_and_expiries() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("allow.toml");
    std::fs::write(
        &cfg,
        r#"
[[allowlist]]
ip = "10.1.2.3/8"
reason = "office"
expires = "2027-01-01"

[[allowlist]]
ip = "10.0.0.0/40"
reason = "office"

[[allowlist]]
api_key = "key_x"
campaign = "cmp-1f925e05123e"
reason = "partner"

[[allowlist]]
campaign = "campaign-7"
reason = "exercise"

[[allowlist]]
ip = "2001:db8::/32"
reason = "lab"
expires = "2027-01-01T00:00:00+01:00"
"#,
    )
    .unwrap();
    let out = bin().arg("check-config").arg(&cfg).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    for needle in [
        "5 problem(s)",
        "allowlist[0].ip: host bits set",
        "allowlist[0].expires: not RFC 3339",
        "allowlist[1].ip: not a CIDR (prefix length",
        "allowlist[2]: needs exactly one of",
        "allowlist[3].campaign: not a campaign or cohort id",
    ] {
        assert!(err.contains(needle), "{needle} in {err}");
    }
    assert!(!err.contains("allowlist[4]"), "{err}");
}
