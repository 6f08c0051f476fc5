//! Replay never destroys data: path clashes are refused before anything is opened, a failed
//! run leaves an existing output as it was, SIGTERM drains and keeps whole lines with a
//! summary, and an empty input says so.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_distillguard"))
}

const GOOD: &str = r#"{"ts":"2026-04-22T10:00:00Z","account_id":"a1","ip":"81.2.69.160","prompt":"how do tides work"}"#;

/// `distillguard replay ARGS` run in `d`.
fn replay_in(d: &Path, args: &[&str]) -> std::process::Output {
    bin()
        .current_dir(d)
        .arg("replay")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn lines_of(p: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(p)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("torn line {l:?}: {e}")))
        .collect()
}

#[test]
fn clashing_paths_are_refused_and_nothing_is_touched() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let input = d.join("in.jsonl");
    let content = format!("{GOOD}\n");
    std::fs::write(&input, &content).unwrap();
    std::fs::write(d.join("old.jsonl"), "keep me\n").unwrap();
    // (arguments, what the error names)
    let cases: &[(&[&str], &str)] = &[
        (&["--output", "in.jsonl", "in.jsonl"], "--output"),
        (
            &["--output", "v.jsonl", "--rejects", "in.jsonl", "in.jsonl"],
            "--rejects",
        ),
        (&["--output", "./sub/../in.jsonl", "in.jsonl"], "--output"),
        (
            &[
                "--output",
                "old.jsonl",
                "--campaigns",
                "old.jsonl",
                "in.jsonl",
            ],
            "--campaigns",
        ),
        (&["--output", "v.jsonl", "-", "-"], "same stream"),
    ];
    std::fs::create_dir(d.join("sub")).unwrap();
    for (args, names) in cases {
        let out = replay_in(d, args);
        let e = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {e}");
        assert!(
            e.contains("refusing to run") && e.contains(names),
            "{args:?}: {e}"
        );
        assert_eq!(std::fs::read_to_string(&input).unwrap(), content);
        assert_eq!(
            std::fs::read_to_string(d.join("old.jsonl")).unwrap(),
            "keep me\n"
        );
        assert!(!d.join("v.jsonl").exists(), "{args:?}");
        assert!(!d.join("rejects.jsonl").exists(), "{args:?}");
    }
}

#[test]
fn a_failed_run_leaves_the_existing_output_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("v.jsonl"), "previous verdicts\n").unwrap();
    // the second input does not exist: the run fails after the outputs were started
    let out = replay_in(
        d,
        &[
            "--output",
            "v.jsonl",
            "--campaigns",
            "c.jsonl",
            "missing.jsonl",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        std::fs::read_to_string(d.join("v.jsonl")).unwrap(),
        "previous verdicts\n"
    );
    let mut names: Vec<String> = std::fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["v.jsonl"], "no temporary or empty outputs left");
}

#[test]
fn an_empty_input_exits_0_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("in.jsonl"), "\n  \n").unwrap();
    let out = replay_in(d, &["--output", "v.jsonl", "in.jsonl"]);
    let e = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{e}");
    assert!(e.contains("warning: the input held no records"), "{e}");
    assert!(e.contains("lines: 2 (blank: 2)"), "{e}");
}

/// SIGTERM while stdin is still open (so the run cannot have ended by itself): the replay
/// drains, keeps whole lines as `.partial`, prints its summary and exits 143; the previous
/// output is untouched.
#[test]
fn sigterm_drains_keeps_whole_lines_and_prints_the_summary() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("v.jsonl"), "previous verdicts\n").unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/sample.jsonl.zst");
    let raw = zstd_decompress(&fixture);
    let mut child = bin()
        .current_dir(d)
        .args([
            "replay",
            "--output",
            "v.jsonl",
            "--campaigns",
            "c.jsonl",
            "-",
        ])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // returns once the child has read all but a pipe buffer of it
    stdin.write_all(&raw).unwrap();
    stdin.flush().unwrap();
    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let out = child.wait_with_output().unwrap();
    drop(stdin);
    let e = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(143), "{e}");
    assert!(e.contains("distillguard replay summary"), "{e}");
    assert!(e.contains("STOPPED EARLY: interrupted"), "{e}");
    assert_eq!(
        std::fs::read_to_string(d.join("v.jsonl")).unwrap(),
        "previous verdicts\n"
    );
    for f in ["v.jsonl.partial", "c.jsonl.partial"] {
        let p = d.join(f);
        assert!(p.exists(), "{f}: {e}");
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(text.is_empty() || text.ends_with('\n'), "{f}");
        lines_of(&p);
    }
}

/// A full disk fails the run with the cause named, exit 2, and leaves the previous outputs as
/// they were and no temporary files behind. Needs root to mount a small tmpfs (CI runs as root;
/// elsewhere the test says it was skipped).
#[test]
fn a_full_disk_fails_the_run_and_leaves_the_previous_output() {
    let dir = tempfile::tempdir().unwrap();
    let full = dir.path().join("full");
    std::fs::create_dir(&full).unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=8k", "tmpfs"])
        .arg(&full)
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        eprintln!("skipped: mounting a tmpfs needs root");
        return;
    }
    struct Unmount<'a>(&'a Path);
    impl Drop for Unmount<'_> {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg(self.0).status();
        }
    }
    let _unmount = Unmount(&full);
    std::fs::write(full.join("v.jsonl"), "previous verdicts\n").unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/sample.jsonl.zst");
    let out = replay_in(
        &full,
        &[
            "--output",
            "v.jsonl",
            "--campaigns",
            "c.jsonl",
            fixture.to_str().unwrap(),
        ],
    );
    let e = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{e}");
    assert!(e.contains("No space left on device"), "{e}");
    assert_eq!(e.matches("No space left on device").count(), 1, "{e}");
    assert_eq!(
        std::fs::read_to_string(full.join("v.jsonl")).unwrap(),
        "previous verdicts\n"
    );
    let names: Vec<String> = std::fs::read_dir(&full)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["v.jsonl"], "no temporary or partial outputs left");
}

/// SIGTERM at points spread over a replay of the fixture (fixed pseudo-random delays): each run
/// either ended first (exit 0, whole outputs) or stopped (exit 143, summary printed, whole-line
/// `.partial` outputs); no run leaves a torn line or a missing summary.
#[test]
fn sigterm_at_spread_points_keeps_whole_lines() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/sample.jsonl.zst");
    let mut seed = 0x2545_f491_u64;
    let mut stopped = 0;
    for _ in 0..5 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let delay = std::time::Duration::from_millis(100 + seed % 1_100);
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let child = bin()
            .current_dir(d)
            .args(["replay", "--output", "v.jsonl", "--campaigns", "c.jsonl"])
            .arg(&fixture)
            .stdin(Stdio::null())
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let out = child.wait_with_output().unwrap();
        let e = String::from_utf8_lossy(&out.stderr);
        assert!(e.contains("distillguard replay summary"), "{delay:?}: {e}");
        let suffix = match out.status.code() {
            Some(0) => "",
            Some(143) => {
                stopped += 1;
                assert!(e.contains("STOPPED EARLY: interrupted"), "{e}");
                ".partial"
            }
            other => panic!("{delay:?}: exit {other:?}: {e}"),
        };
        for f in ["v.jsonl", "c.jsonl"] {
            let p = d.join(format!("{f}{suffix}"));
            let text = std::fs::read_to_string(&p).unwrap_or_else(|_| panic!("{p:?}: {e}"));
            assert!(text.is_empty() || text.ends_with('\n'), "{p:?}");
            lines_of(&p);
        }
    }
    assert!(stopped > 0, "no run was stopped before its end");
}

fn zstd_decompress(p: &Path) -> Vec<u8> {
    use std::io::Read;
    let (mut r, _) = distillguard_io::open_input(&distillguard_io::InputSpec::new(p)).unwrap();
    let mut v = Vec::new();
    r.read_to_end(&mut v).unwrap();
    v
}
