//! `distillguard explain` on the fixture: an attack account's trajectory, verdicts, keys and
//! campaign, its SVG plot, and no prompt text anywhere in what it prints.

use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

const ATTACK_ACCOUNT: &str = "acct_4ns4wf4t2wak";

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_distillguard"))
}

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/sample.jsonl.zst")
}

/// Lower-case alphanumeric words.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Every run of four words holding a word of three letters or more.
fn phrases(text: &str) -> HashSet<String> {
    words(text)
        .windows(4)
        .filter(|w| {
            w.iter()
                .any(|x| x.len() >= 3 && x.chars().all(char::is_alphabetic))
        })
        .map(|w| w.join(" "))
        .collect()
}

/// Every string inside the `prompt`, `messages` and `system` fields of `account`'s records.
fn prompt_texts(account: &str) -> Vec<String> {
    let mut raw = String::new();
    zstd::Decoder::new(std::fs::File::open(fixture()).unwrap())
        .unwrap()
        .read_to_string(&mut raw)
        .unwrap();
    fn strings(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::String(s) => out.push(s.clone()),
            serde_json::Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
            serde_json::Value::Object(o) => o.values().for_each(|x| strings(x, out)),
            _ => {}
        }
    }
    let mut texts = Vec::new();
    for line in raw.lines().filter(|l| l.contains(account)) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        for field in ["prompt", "messages", "system"] {
            strings(&v[field], &mut texts);
        }
    }
    texts.retain(|t| !matches!(t.as_str(), "user" | "assistant" | "system" | "text"));
    texts
}

#[test]
fn explain_shows_an_attack_account_without_prompt_text() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("score.svg");
    let out = bin()
        .args([
            "explain",
            "--account",
            ATTACK_ACCOUNT,
            "--rows",
            "12",
            "--svg",
        ])
        .arg(&svg)
        .arg(fixture())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    let all = format!("{text}{}", String::from_utf8_lossy(&out.stderr));

    assert!(
        text.starts_with(&format!("account {ATTACK_ACCOUNT}:")),
        "{text}"
    );
    assert!(text.contains("latest action suspend"), "{text}");
    for section in ["score trajectory", "verdicts (", "keys shared", "groups"] {
        assert!(text.contains(section), "missing {section}");
    }
    assert!(text.contains("shared_template"));
    assert!(
        text.contains("(extraction): 40 members"),
        "its campaign: {text}"
    );
    let rows = text
        .lines()
        .skip_while(|l| !l.starts_with("time "))
        .skip(1)
        .take_while(|l| l.starts_with("2026-"))
        .count();
    assert!(
        (12..=12 + 3).contains(&rows),
        "12 sampled rows plus verdict rows: {rows}"
    );

    let plot = std::fs::read_to_string(&svg).unwrap();
    assert!(plot.starts_with("<svg") && plot.contains("suspend 0.85"));

    let prompts = prompt_texts(ATTACK_ACCOUNT);
    assert!(prompts.len() >= 50, "the account's prompts were read");
    assert!(prompts.iter().any(|p| p.contains("step by step")));
    for doc in [&all, &plot] {
        let lower = doc.to_lowercase();
        assert!(!lower.contains("step by step"));
        let shown = phrases(doc);
        for p in &prompts {
            let leaked: Vec<String> = phrases(p)
                .into_iter()
                .filter(|s| shown.contains(s))
                .collect();
            assert!(leaked.is_empty(), "prompt text in the output: {leaked:?}");
        }
    }
}

#[test]
fn explain_of_an_unknown_account_exits_1() {
    let out = bin()
        .args(["explain", "--account", "acct_nobody"])
        .arg(fixture())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not appear"));
}
