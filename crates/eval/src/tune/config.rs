//! Writing tuned thresholds into a TOML configuration: only the three threshold keys
//! change (comments and key order are not preserved), and the result must still be a
//! valid distillguard configuration.

use super::grid::{round4, Thresholds};
use crate::error::EvalError;
use distillguard_types::Config;

/// The configuration text to start from: `path`'s contents, else the built-in defaults.
pub fn config_text(path: Option<&std::path::Path>) -> Result<String, EvalError> {
    match path {
        Some(p) => std::fs::read_to_string(p).map_err(|e| EvalError::io(p, e)),
        None => Ok(distillguard_types::config::DEFAULT_TOML.to_string()),
    }
}

/// Parses and validates a distillguard configuration.
pub fn load_config(text: &str) -> Result<Config, EvalError> {
    Config::load_str(text).map_err(|e| EvalError::Config(e.to_string()))
}

/// Parses `text` as TOML and checks that `[score]`, if present, is a table.
pub fn check_config(text: &str) -> Result<toml::Table, EvalError> {
    let table: toml::Table = toml::from_str(text).map_err(|e| EvalError::Config(e.to_string()))?;
    if table.get("score").is_some_and(|s| !s.is_table()) {
        return Err(EvalError::Config("`score` is not a table".into()));
    }
    Ok(table)
}

const KEYS: [&str; 3] = ["monitor", "throttle", "suspend"];

/// Returns `text` with the thresholds set to `t`, every other key kept. They are written
/// to `[score.thresholds]` (created if missing), or directly under `[score]` when that is
/// where the input keeps them.
pub fn rewrite_thresholds(text: &str, t: &Thresholds) -> Result<String, EvalError> {
    let mut root = check_config(text)?;
    let not_table = || EvalError::Config("`score.thresholds` is not a table".into());
    let score = root
        .entry("score")
        .or_insert_with(|| toml::Value::Table(toml::Table::new()))
        .as_table_mut()
        .ok_or_else(not_table)?;
    let flat = !score.contains_key("thresholds") && KEYS.iter().any(|k| score.contains_key(*k));
    let target = if flat {
        score
    } else {
        score
            .entry("thresholds")
            .or_insert_with(|| toml::Value::Table(toml::Table::new()))
            .as_table_mut()
            .ok_or_else(not_table)?
    };
    for (key, value) in KEYS.into_iter().zip([t.monitor, t.throttle, t.suspend]) {
        target.insert(key.to_string(), toml::Value::Float(round4(value)));
    }
    toml::to_string(&toml::Value::Table(root)).map_err(|e| EvalError::Config(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Thresholds = Thresholds {
        monitor: 0.35,
        throttle: 0.55,
        suspend: 0.8,
    };

    #[test]
    fn rewrites_the_shipped_defaults_into_a_valid_config() {
        let text = config_text(None).unwrap();
        let out = rewrite_thresholds(&text, &T).unwrap();
        let tuned = load_config(&out).unwrap();
        let mut expected = load_config(&text).unwrap();
        expected.score.thresholds = T;
        assert_eq!(tuned, expected);
    }

    #[test]
    fn keeps_other_keys_and_the_input_layout() {
        let nested = "config_version = \"v3\"\n[score]\nper_account_cap = 0.4\n[score.thresholds]\nmonitor = 0.1\n[score.hysteresis]\nmin_dwell = \"10m\"\n";
        let v: toml::Table = toml::from_str(&rewrite_thresholds(nested, &T).unwrap()).unwrap();
        assert_eq!(v["config_version"].as_str(), Some("v3"));
        assert_eq!(v["score"]["per_account_cap"].as_float(), Some(0.4));
        assert_eq!(v["score"]["thresholds"]["throttle"].as_float(), Some(0.55));
        assert_eq!(v["score"]["hysteresis"]["min_dwell"].as_str(), Some("10m"));

        let flat = "[score]\nmonitor = 0.1\nthrottle = 0.2\nsuspend = 0.3\nwindow = 7\n";
        let v: toml::Table = toml::from_str(&rewrite_thresholds(flat, &T).unwrap()).unwrap();
        assert_eq!(v["score"]["suspend"].as_float(), Some(0.8));
        assert_eq!(v["score"]["window"].as_integer(), Some(7));
        assert!(v["score"].get("thresholds").is_none());

        let v: toml::Table = toml::from_str(&rewrite_thresholds("", &T).unwrap()).unwrap();
        assert_eq!(v["score"]["thresholds"]["monitor"].as_float(), Some(0.35));
    }

    #[test]
    fn rejects_bad_input() {
        assert!(rewrite_thresholds("score = 3", &T).is_err());
        assert!(rewrite_thresholds("[score]\nthresholds = 1\n", &T).is_err());
        assert!(rewrite_thresholds("[score", &T).is_err());
        assert!(load_config("[score]\nnonsense = 1\n").is_err());
    }
}
