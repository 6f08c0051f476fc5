//! Reading the engine's verdicts JSONL into a per-account summary of the actions reached.

use crate::action::{Action, Level};
use crate::error::EvalError;
use crate::timestamp::TsMs;
use ahash::AHashMap;
use serde::Deserialize;
use std::borrow::Cow;
use std::io::BufRead;
use std::path::Path;

/// The fields of a verdict line that evaluation needs.
#[derive(Deserialize)]
struct VerdictLine<'a> {
    #[serde(borrow)]
    account_id: Cow<'a, str>,
    action: Action,
    ts: TsMs,
    #[serde(default)]
    enforced: Option<bool>,
}

/// What the verdicts say about one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountVerdicts {
    /// The most severe action ever reached.
    pub max_level: Level,
    /// Time of the account's first verdict (epoch ms).
    pub first_verdict_ms: i64,
    /// Time of its first throttle or suspend verdict (epoch ms), if any.
    pub first_action_ms: Option<i64>,
    /// Number of verdicts.
    pub verdicts: u32,
}

/// All verdicts, summarised per account.
#[derive(Debug, Clone, Default)]
pub struct VerdictSet {
    /// Per-account summaries.
    pub accounts: AHashMap<String, AccountVerdicts>,
    /// Verdict lines read (not counting blank lines).
    pub lines: u64,
    /// Lines that were not valid verdicts and were skipped.
    pub skipped: u64,
    /// Verdicts marked `"enforced": false` (shadow mode).
    pub shadow: u64,
}

impl VerdictSet {
    /// Reads a verdicts JSONL file.
    pub fn load(path: &Path) -> Result<VerdictSet, EvalError> {
        let file = std::fs::File::open(path).map_err(|e| EvalError::io(path, e))?;
        Self::from_reader(std::io::BufReader::new(file), path)
    }

    /// Reads verdicts JSONL text; `path` only names the source in errors.
    pub fn from_reader<R: BufRead>(mut reader: R, path: &Path) -> Result<VerdictSet, EvalError> {
        let mut set = VerdictSet::default();
        let mut buf = Vec::with_capacity(1024);
        loop {
            buf.clear();
            let n = reader
                .read_until(b'\n', &mut buf)
                .map_err(|e| EvalError::io(path, e))?;
            if n == 0 {
                break;
            }
            set.add_line(&buf);
        }
        Ok(set)
    }

    /// Adds one JSONL line (blank lines are ignored, bad ones counted in `skipped`).
    pub fn add_line(&mut self, line: &[u8]) {
        if line.iter().all(u8::is_ascii_whitespace) {
            return;
        }
        self.lines += 1;
        let Ok(v) = serde_json::from_slice::<VerdictLine>(line) else {
            self.skipped += 1;
            return;
        };
        if v.enforced == Some(false) {
            self.shadow += 1;
        }
        let level = Level::from(v.action);
        let ts = v.ts.0;
        let first_action = level.is_actioning().then_some(ts);
        match self.accounts.get_mut(v.account_id.as_ref()) {
            Some(a) => {
                a.max_level = a.max_level.max(level);
                a.first_verdict_ms = a.first_verdict_ms.min(ts);
                a.first_action_ms = match (a.first_action_ms, first_action) {
                    (Some(x), Some(y)) => Some(x.min(y)),
                    (x, y) => x.or(y),
                };
                a.verdicts += 1;
            }
            None => {
                self.accounts.insert(
                    v.account_id.into_owned(),
                    AccountVerdicts {
                        max_level: level,
                        first_verdict_ms: ts,
                        first_action_ms: first_action,
                        verdicts: 1,
                    },
                );
            }
        }
    }

    /// The first throttle/suspend time of every account that reached one.
    pub fn action_cutoffs(&self) -> AHashMap<String, i64> {
        self.accounts
            .iter()
            .filter_map(|(k, v)| v.first_action_ms.map(|t| (k.clone(), t)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summarises_per_account_in_any_order() {
        let text = r#"{"account_id":"a","action":"monitor","ts":"2026-01-01T00:00:10Z","score":0.5,"reasons":[],"campaign_id":null,"config_version":"v1"}
{"account_id":"a","action":"suspend","ts":"2026-01-01T00:00:30Z","score":0.9,"reasons":[],"campaign_id":"c","config_version":"v1","enforced":false}
{"account_id":"a","action":"throttle","ts":"2026-01-01T00:00:20Z","score":0.8,"reasons":[],"campaign_id":"c","config_version":"v1"}
{"account_id":"b","action":"monitor","ts":1000}

not json
{"account_id":"b","action":"clear","ts":2000}
"#;
        let set = VerdictSet::from_reader(text.as_bytes(), Path::new("v")).unwrap();
        assert_eq!(set.lines, 6);
        assert_eq!(set.skipped, 1);
        assert_eq!(set.shadow, 1);
        let a = &set.accounts["a"];
        assert_eq!(a.max_level, Level::Suspend);
        assert_eq!(a.first_action_ms, Some(1_767_225_620_000));
        assert_eq!(a.first_verdict_ms, 1_767_225_610_000);
        let b = &set.accounts["b"];
        assert_eq!(
            (b.max_level, b.first_action_ms, b.verdicts),
            (Level::Monitor, None, 2)
        );
        assert_eq!(set.action_cutoffs().len(), 1);
    }
}
