//! `distillguard report` in a real browser: the fixture is replayed, its report rendered by
//! headless Chromium (Debian's `chromium`, which `.ci/run` installs), and the rendered DOM
//! must hold the fixture's campaign and its 40 members, with no console message at all and
//! the page's script run to its end. A screenshot is saved as `target/report.png`. A report of
//! a 25,000-member campaign renders too, its member list one page of 100 rows at a time.

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

#[test]
fn a_campaign_of_25000_members_renders_one_page_of_rows() {
    let Some(browser) = chromium() else {
        eprintln!(
            "SKIPPED: chromium is not installed (.ci/run installs it; apt-get install chromium)"
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let members: Vec<String> = (0..25_000).map(|i| format!("acct_{i:05}")).collect();
    let verdicts: String = members
        .iter()
        .enumerate()
        .map(|(i, m)| {
            format!(
                "{{\"account_id\":\"{m}\",\"action\":\"suspend\",\"ts\":\"2026-04-23T{:02}:{:02}:00Z\",\"score\":0.9,\"reasons\":[{{\"signal\":\"shared_template\",\"value\":0.9,\"threshold\":0.5}}],\"campaign_id\":\"cmp-00000000big0\",\"config_version\":\"v\",\"enforced\":true}}\n",
                i / 60 % 24,
                i % 60
            )
        })
        .collect();
    let record = serde_json::json!({
        "campaign_id": "cmp-00000000big0", "first_seen": "2026-04-23T00:00:00Z",
        "ts": "2026-04-23T23:59:00Z", "size": members.len(), "members": members,
        "views": ["template"], "keys": ["template:00000000000000ff"],
        "size_over_time": [["2026-04-23T01:00:00Z", 40], ["2026-04-23T23:59:00Z", 25_000]],
        "assessment": "extraction",
        "extraction": {"score": 0.9, "harvest_share": 0.8, "task_share": 0.9,
            "followup_share": 0.0, "duplicate_share": 0.1, "output_tokens": 8000.0,
            "targeting_share": 0.7, "requests": 100000}
    });
    let (v, c, page) = (
        dir.path().join("v.jsonl"),
        dir.path().join("c.jsonl"),
        dir.path().join("big.html"),
    );
    std::fs::write(&v, verdicts).unwrap();
    std::fs::write(&c, format!("{record}\n")).unwrap();
    let report = bin()
        .args(["report", "--verdicts"])
        .arg(&v)
        .arg("--campaigns")
        .arg(&c)
        .arg("--output")
        .arg(&page)
        .output()
        .unwrap();
    assert!(report.status.success(), "{report:?}");
    let (dom, log) = headless(&browser, &page, &["--dump-dom"]);
    assert!(!log.contains(":CONSOLE"), "console messages: {log}");
    assert!(dom.contains(r#"data-rendered="ok""#));
    // the campaign's member table and the accounts table each show their first page
    assert_eq!(dom.matches("rows 1\u{2013}100 of 25000").count(), 2);
    assert_eq!(dom.matches("<td>acct_00099</td>").count(), 2);
    assert!(!dom.contains("<td>acct_00100</td>"));

    // paging, sorting and filtering the accounts table, driven by a probe script appended to
    // a copy of the page
    let probe = r#"<script>
(function () {
  var host = document.getElementById("accounts-table");
  var first = function () { return host.querySelector("tbody tr td").textContent; };
  host.querySelectorAll(".pager button")[1].click();
  var paged = first();
  var th = host.querySelectorAll("th")[0];
  th.click(); th.click();
  var sorted = first();
  var filter = host.querySelector(".pager input");
  filter.value = "acct_0000";
  filter.dispatchEvent(new Event("input"));
  var out = document.createElement("pre");
  out.id = "probe";
  out.textContent = [paged, sorted, first(), host.querySelector(".pager span").textContent].join("|");
  document.body.appendChild(out);
})();
</script></body>"#;
    let probed = dir.path().join("probed.html");
    let html = std::fs::read_to_string(&page).unwrap();
    std::fs::write(&probed, html.replace("</body>", probe)).unwrap();
    let (dom, log) = headless(&browser, &probed, &["--dump-dom"]);
    assert!(!log.contains(":CONSOLE"), "console messages: {log}");
    assert!(
        dom.contains(
            "<pre id=\"probe\">acct_00100|acct_24999|acct_00009| rows 1\u{2013}10 of 10</pre>"
        ),
        "page 2 starts at row 101, descending by account starts at the last, the filter keeps \
         the order: {}",
        dom[dom.find("<pre id=\"probe\"").unwrap_or(0)..]
            .chars()
            .take(200)
            .collect::<String>()
    );
}
