//! `distillguard report` in a real browser: the fixture is replayed, its report rendered by
//! headless Chromium (Debian's `chromium`, which `.ci/run` installs), and the rendered DOM
//! must hold the fixture's campaign and its 40 members, with no console message at all and
//! the page's script run to its end. A screenshot is saved as `target/report.png`.

use std::path::{Path, PathBuf};
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_distillguard"))
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The browser binary, if one is installed.
fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser"].iter().find_map(|name| {
        std::env::split_paths(&std::env::var_os("PATH")?)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    })
}

/// Runs headless Chromium on `page` with `extra` arguments; returns (stdout, stderr).
fn headless(browser: &Path, page: &Path, extra: &[&str]) -> (String, String) {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(format!("file://{}", page.canonicalize().unwrap().display()))
        .output()
        .unwrap();
    assert!(out.status.success(), "chromium failed: {out:?}");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn fixture_report_renders_in_headless_chromium() {
    let Some(browser) = chromium() else {
        eprintln!(
            "SKIPPED: chromium is not installed (.ci/run installs it; apt-get install chromium)"
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (verdicts, campaigns) = (dir.path().join("v.jsonl"), dir.path().join("c.jsonl"));
    let replay = bin()
        .args(["replay", "--output"])
        .arg(&verdicts)
        .arg("--campaigns")
        .arg(&campaigns)
        .arg("--rejects")
        .arg(dir.path().join("r.jsonl"))
        .arg(workspace().join("fixtures/sample.jsonl.zst"))
        .output()
        .unwrap();
    assert!(replay.status.success(), "{replay:?}");
    let page = dir.path().join("report.html");
    let report = bin()
        .args(["report", "--verdicts"])
        .arg(&verdicts)
        .arg("--campaigns")
        .arg(&campaigns)
        .arg("--output")
        .arg(&page)
        .output()
        .unwrap();
    assert!(report.status.success(), "{report:?}");

    // the campaign the fixture holds, from its last record
    let records = std::fs::read_to_string(&campaigns).unwrap();
    let last: serde_json::Value = serde_json::from_str(records.lines().last().unwrap()).unwrap();
    let campaign = last["campaign_id"].as_str().unwrap();
    let members: Vec<&str> = last["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    assert_eq!(members.len(), 40);

    let (dom, log) = headless(&browser, &page, &["--dump-dom"]);
    let console: Vec<&str> = log.lines().filter(|l| l.contains(":CONSOLE")).collect();
    assert!(console.is_empty(), "console messages: {console:#?}");
    assert!(
        dom.contains(r#"data-rendered="ok""#),
        "the page's script did not finish"
    );
    assert!(dom.contains(campaign), "campaign {campaign} not in the DOM");
    let section_start = dom.find(&format!(r#"id="c-{campaign}""#)).unwrap();
    let section = &dom[section_start..];
    let section = &section[..section.find("</details>").unwrap()];
    for m in &members {
        assert!(
            section.contains(&format!("<td>{m}</td>")),
            "member {m} is not a row of the campaign's member table"
        );
    }

    let shot = workspace().join("target/report.png");
    let _ = std::fs::remove_file(&shot);
    let arg = format!("--screenshot={}", shot.display());
    headless(&browser, &page, &[&arg, "--window-size=1400,2000"]);
    let png = std::fs::read(&shot).unwrap();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "screenshot"
    );
}
