//! Every problem of a config file at once: key by key for type and unknown-key errors (serde
//! stops at the first), then the values of everything that parsed, then the files `[netdata]`
//! names. [`split_live`] parses a file once into its engine part and its `[live]` table;
//! [`load_config`] is what every command but `check-config` loads.

use anyhow::Context;
use distillguard_types::config::{Config, ConfigError};

/// Split a config file, parsed once, into (the engine config's table, its `[live]` table if
/// present); each part is then deserialised from its table.
pub fn split_live(text: &str) -> anyhow::Result<(toml::Table, Option<toml::Value>)> {
    let mut table: toml::Table = toml::from_str(text).map_err(|e| anyhow::anyhow!("{e}"))?;
    let live = table.remove("live");
    Ok((table, live))
}

/// Load a config file (its `[live]` section is read by `run` only), or the embedded defaults.
pub fn load_config(path: Option<&std::path::Path>) -> anyhow::Result<Config> {
    let text = match path {
        Some(p) => {
            std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?
        }
        None => distillguard_types::config::DEFAULT_TOML.to_string(),
    };
    let (engine, _) = split_live(&text)?;
    check_engine(engine, false).map_err(|problems| {
        anyhow::anyhow!(
            "invalid configuration:\n{}",
            problems
                .iter()
                .map(|p| format!("  - {p}"))
                .collect::<Vec<_>>()
                .join("\n")
        )
    })
}

/// Problems of the engine part of a config (`[live]` removed), each `path: message`; the
/// parsed config when there were none. `files`: also load what `[netdata]` names (for
/// `check-config`; a run loads them itself).
pub fn check_engine(table: toml::Table, files: bool) -> Result<Config, Vec<String>> {
    let mut problems = Vec::new();
    let mut valid = toml::Table::new();
    for (path, value) in leaves(&table) {
        match parses_at(&table, &path, value) {
            Ok(part) => merge(&mut valid, part),
            Err(e) => problems.push(format!("{}: {}", path.join("."), message(&e))),
        }
    }
    // values of what parsed, and anything only the whole file shows
    let checked = match toml::Value::Table(valid).try_into::<Config>() {
        Ok(c) => match c.validate() {
            Ok(()) => Some(c),
            Err(ConfigError::Invalid(ps)) => {
                problems.extend(ps.iter().map(|p| p.to_string()));
                None
            }
            Err(e) => {
                problems.push(e.to_string());
                None
            }
        },
        Err(e) => {
            problems.push(e.to_string());
            None
        }
    };
    if let Some(c) = checked.as_ref().filter(|_| files) {
        if let Err(e) = distillguard_io::load_netdata(&c.netdata) {
            problems.push(format!("netdata: {e}"));
        }
    }
    match checked {
        Some(c) if problems.is_empty() => Ok(c),
        _ => Err(problems),
    }
}

/// The smallest part of the file holding `path` that parses alone: the key by itself, or, for
/// a table whose keys are all required (a window's `size` and `slide`), the table around it.
/// Err: the key's own error.
fn parses_at(
    table: &toml::Table,
    path: &[String],
    value: &toml::Value,
) -> Result<toml::Table, toml::de::Error> {
    let single = nest(path, value.clone());
    let err = match toml::Value::Table(single.clone()).try_into::<Config>() {
        Ok(_) => return Ok(single),
        Err(e) => e,
    };
    for depth in (1..path.len()).rev() {
        let mut parent = table;
        for k in &path[..depth] {
            match parent.get(k) {
                Some(toml::Value::Table(t)) => parent = t,
                _ => return Err(err),
            }
        }
        let whole = nest(&path[..depth], toml::Value::Table(parent.clone()));
        if toml::Value::Table(whole.clone())
            .try_into::<Config>()
            .is_ok()
        {
            return Ok(whole);
        }
    }
    Err(err)
}

/// Every value that is not a table, with its key path (arrays, e.g. `[[allowlist]]`, whole).
fn leaves(t: &toml::Table) -> Vec<(Vec<String>, &toml::Value)> {
    let mut out = Vec::new();
    for (k, v) in t {
        match v {
            toml::Value::Table(inner) if !inner.is_empty() => {
                for (mut path, leaf) in leaves(inner) {
                    path.insert(0, k.clone());
                    out.push((path, leaf));
                }
            }
            _ => out.push((vec![k.clone()], v)),
        }
    }
    out
}

fn nest(path: &[String], value: toml::Value) -> toml::Table {
    let mut v = value;
    for k in path.iter().skip(1).rev() {
        let mut t = toml::Table::new();
        t.insert(k.clone(), v);
        v = toml::Value::Table(t);
    }
    let mut t = toml::Table::new();
    t.insert(path[0].clone(), v);
    t
}

fn merge(into: &mut toml::Table, from: toml::Table) {
    for (k, v) in from {
        match (into.get_mut(&k), v) {
            (Some(toml::Value::Table(a)), toml::Value::Table(b)) => merge(a, b),
            (_, v) => {
                into.insert(k, v);
            }
        }
    }
}

/// The error without its location (the key path is given instead).
fn message(e: &toml::de::Error) -> String {
    e.message().lines().next().unwrap_or_default().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str) -> Result<Config, Vec<String>> {
        check_engine(toml::from_str(text).unwrap(), true)
    }

    #[test]
    fn every_key_problem_at_once_with_its_path() {
        let text = "[score.thresholds]\nmonitor = \"high\"\n[input]\nmax_futur = \"1d\"\nmax_future = \"0s\"\n[windows]\nallowed_lateness = 5\n[netdata]\nasn_db = \"/nonexistent/asn.csv\"\n";
        let problems = check(text).unwrap_err();
        let all = problems.join("\n");
        for want in [
            "score.thresholds.monitor",
            "input.max_futur",
            "windows.allowed_lateness",
            "input.max_future: must be greater than zero",
        ] {
            assert!(all.contains(want), "missing {want} in\n{all}");
        }
        // the netdata file is looked at only once the rest is valid
        let problems = check("[netdata]\nasn_db = \"/nonexistent/asn.csv\"\n").unwrap_err();
        assert!(problems[0].contains("/nonexistent/asn.csv"), "{problems:?}");
        assert!(check("[score.thresholds]\nsuspend = 0.9\n").is_ok());
    }
}
