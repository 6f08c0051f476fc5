//! Live engine instances as child processes (the fixture binary), for kill -9 tests.

use super::kafka::{committed, high_watermarks};
use std::io::Write;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Where a test's instances connect and what they read.
#[derive(Clone, Debug)]
pub struct Setup {
    pub brokers: String,
    pub group: String,
    pub input: String,
    pub prefix: String,
    /// Extra `[live]` lines (may end with a `[live.kafka]` table).
    pub extra: String,
    /// Give instance `i` the static group membership `<group>-<i>` (`group.instance.id`, which
    /// must then be the last table in `extra`, `[live.kafka]`).
    pub static_members: bool,
    /// `[windows]` lines (default: `idle_partition = "2s"`, so the counting tests' tails flush
    /// quickly; the real-pipeline tests end with sentinel records instead).
    pub windows: Option<String>,
    pub dir: PathBuf,
}

impl Setup {
    /// Topic names derived from the prefix.
    pub fn verdicts(&self) -> String {
        format!("{}-verdicts", self.prefix)
    }
    pub fn dead_letters(&self) -> String {
        format!("{}-dead-letter", self.prefix)
    }

    /// The fixture's config file (`more`: extra `[live]` lines for this instance).
    pub fn config(&self, instance: usize, more: &str) -> PathBuf {
        let path = self.dir.join(format!("live-{instance}.toml"));
        let text = format!(
            r#"[live]
brokers = "{b}"
group_id = "{g}"
input_topic = "{i}"
verdict_topic = "{p}-verdicts"
campaign_topic = "{p}-campaigns"
dead_letter_topic = "{p}-dead-letter"
internal_prefix = "{p}"
{more}
{extra}
{member}

[windows]
{windows}
"#,
            windows = self
                .windows
                .clone()
                .unwrap_or_else(|| "idle_partition = \"2s\"".into()),
            b = self.brokers,
            g = self.group,
            i = self.input,
            p = self.prefix,
            extra = self.extra,
            member = if self.static_members {
                format!("\"group.instance.id\" = \"{}-{instance}\"", self.group)
            } else {
                String::new()
            },
        );
        std::fs::File::create(&path)
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
        path
    }
}

/// One running instance.
pub struct Instance {
    pub child: Child,
    pub log: PathBuf,
}

/// Start an instance of the fixture binary (`more`: extra `[live]` lines).
pub fn spawn(setup: &Setup, instance: usize, more: &str) -> Instance {
    spawn_args(setup, instance, more, &[])
}

/// [`spawn`] with extra arguments (`--pipeline`: the real engine).
pub fn spawn_args(setup: &Setup, instance: usize, more: &str, args: &[&str]) -> Instance {
    let log = setup.dir.join(format!(
        "instance-{instance}-{}.log",
        Instant::now().elapsed().as_nanos()
    ));
    let err = std::fs::File::create(&log).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_distillguard-kafka-fixture"))
        .arg(setup.config(instance, more))
        .args(args)
        .env(
            "RUST_LOG",
            std::env::var("RUST_LOG").unwrap_or_else(|_| "info,librdkafka=warn".into()),
        )
        .stdout(Stdio::piped())
        .stderr(err)
        .spawn()
        .expect("spawn fixture");
    Instance { child, log }
}

impl Drop for Instance {
    /// A test that fails half-way must not leave instances running.
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

impl Instance {
    /// kill -9.
    pub fn kill9(mut self) {
        self.child.kill().unwrap();
        let _ = self.child.wait();
    }

    /// The instance's log so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Send SIGTERM (see [`Instance::wait_or_kill`]).
    pub fn terminate(&self) {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
    }

    /// Wait up to `grace` for the instance to exit, then SIGKILL it, as an orchestrator stops
    /// a pod; returns whether it exited by itself.
    pub fn wait_or_kill(mut self, grace: Duration) -> bool {
        let deadline = Instant::now() + grace;
        while Instant::now() < deadline {
            if self.child.try_wait().unwrap().is_some() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        false
    }

    /// SIGTERM, then wait for a clean exit; returns the summary JSON.
    pub fn stop(mut self) -> serde_json::Value {
        let pid = self.child.id().to_string();
        let ok = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -TERM {pid}");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                let log = std::fs::read_to_string(&self.log).unwrap_or_default();
                assert!(status.success(), "instance failed: {status}\n{log}");
                let out = std::io::read_to_string(self.child.stdout.take().unwrap()).unwrap();
                return serde_json::from_str(out.trim())
                    .unwrap_or_else(|e| panic!("{e}: {out}\n{log}"));
            }
            assert!(Instant::now() < deadline, "instance did not stop");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// Print the instances' logs (without librdkafka's configuration warnings, the last 300 lines
/// each), for a failing test's output: a run that went wrong on a real broker is rarely
/// reproduced on demand.
pub fn print_logs(logs: &[PathBuf]) {
    for log in logs {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().filter(|l| !l.contains("CONFWARN")).collect();
        eprintln!("==== {} ({} lines)", log.display(), lines.len());
        for l in &lines[lines.len().saturating_sub(300)..] {
            eprintln!("{l}");
        }
    }
}

/// Wait until `pred(committed offsets, high watermarks)` holds.
pub fn wait_commits(
    setup: &Setup,
    timeout: Duration,
    pred: impl Fn(&std::collections::BTreeMap<i32, i64>, &std::collections::BTreeMap<i32, i64>) -> bool,
) {
    if let Err(e) = commits_reach(setup, timeout, pred) {
        panic!("{e}");
    }
}

/// Whether `pred(committed offsets, high watermarks)` comes to hold within `timeout`; Err
/// says where the commits stood.
pub fn commits_reach(
    setup: &Setup,
    timeout: Duration,
    pred: impl Fn(&std::collections::BTreeMap<i32, i64>, &std::collections::BTreeMap<i32, i64>) -> bool,
) -> Result<(), String> {
    let deadline = Instant::now() + timeout;
    let hw = high_watermarks(&setup.brokers, &setup.input);
    loop {
        let c = committed(&setup.brokers, &setup.group, &setup.input);
        if pred(&c, &hw) {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(format!("commits {c:?} vs high watermarks {hw:?}"));
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// Everything committed.
pub fn all_committed(
    c: &std::collections::BTreeMap<i32, i64>,
    hw: &std::collections::BTreeMap<i32, i64>,
) -> bool {
    c == hw
}
