//! Engine settings that `tune` varies: thresholds can be swept over one recorded run, but
//! knobs that change the evidence itself (what counts as extraction, how exposure ramps)
//! need the engine run again. `--vary KEY=V1|V2` gives each such key its candidate values;
//! every combination is one variant, run once and swept like the base configuration.

use super::config::check_config;
use super::config::load_config;
use crate::error::EvalError;
use serde::Serialize;

/// Most variants one `tune` run accepts (each costs one engine run over the logs).
pub const MAX_VARIANTS: usize = 32;

/// One key and its candidate values, from `KEY=V1|V2|...` (values in TOML syntax).
#[derive(Debug, Clone, PartialEq)]
pub struct Variation {
    /// Dotted key path, e.g. `extraction.group`.
    pub key: String,
    /// Candidate values.
    pub values: Vec<toml::Value>,
}

impl std::str::FromStr for Variation {
    type Err = EvalError;

    fn from_str(s: &str) -> Result<Self, EvalError> {
        let bad = |why: &str| EvalError::Invalid(format!("--vary {s:?}: {why}"));
        let (key, values) = s.split_once('=').ok_or_else(|| bad("expected KEY=V1|V2"))?;
        let key = key.trim();
        if key.is_empty() || key.split('.').any(|part| part.trim().is_empty()) {
            return Err(bad("empty key"));
        }
        let values = values
            .split('|')
            .map(|v| {
                let table: toml::Table = toml::from_str(&format!("v = {}", v.trim()))
                    .map_err(|_| bad(&format!("{:?} is not a TOML value", v.trim())))?;
                Ok(table["v"].clone())
            })
            .collect::<Result<Vec<_>, EvalError>>()?;
        Ok(Variation {
            key: key.to_string(),
            values,
        })
    }
}

/// One setting of a variant: a key and the value it takes there.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Setting {
    /// Dotted key path.
    pub key: String,
    /// The value, in TOML syntax.
    pub value: String,
}

/// One combination of varied values, and the configuration it makes.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    /// The varied keys and their values here (empty for the base configuration).
    pub settings: Vec<Setting>,
    /// The configuration text with those values set; it loads and validates.
    pub config: String,
}

impl Variant {
    /// `key=value` pairs, or `base` when nothing is varied.
    pub fn label(&self) -> String {
        label(&self.settings)
    }
}

fn label(settings: &[Setting]) -> String {
    if settings.is_empty() {
        return "base".into();
    }
    let parts: Vec<String> = settings
        .iter()
        .map(|s| format!("{}={}", s.key, s.value))
        .collect();
    parts.join(" ")
}

/// Every combination of `vary` applied to `config_toml` (the base alone when `vary` is
/// empty). Each variant must load as a valid configuration: an unknown key or a value out
/// of range is refused before any engine run.
pub fn variants(config_toml: &str, vary: &[Variation]) -> Result<Vec<Variant>, EvalError> {
    let count = vary
        .iter()
        .try_fold(1usize, |n, v| n.checked_mul(v.values.len()))
        .unwrap_or(usize::MAX);
    if count > MAX_VARIANTS {
        return Err(EvalError::Invalid(format!(
            "--vary makes {count} variants; at most {MAX_VARIANTS} (each is one engine run)"
        )));
    }
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        let mut root = check_config(config_toml)?;
        let mut settings = Vec::with_capacity(vary.len());
        let mut rest = i;
        for v in vary {
            let value = &v.values[rest % v.values.len()];
            rest /= v.values.len();
            set_path(&mut root, &v.key, value.clone())?;
            settings.push(Setting {
                key: v.key.clone(),
                value: value.to_string(),
            });
        }
        let config = toml::to_string(&toml::Value::Table(root))
            .map_err(|e| EvalError::Config(e.to_string()))?;
        load_config(&config)
            .map_err(|e| EvalError::Config(format!("variant {}: {e}", label(&settings))))?;
        out.push(Variant { settings, config });
    }
    Ok(out)
}

/// Sets a dotted key in a TOML table, creating the tables on the way.
fn set_path(root: &mut toml::Table, key: &str, value: toml::Value) -> Result<(), EvalError> {
    let mut parts: Vec<&str> = key.split('.').map(str::trim).collect();
    let last = parts.pop().expect("split yields one part");
    let mut table = root;
    for part in parts {
        table = table
            .entry(part)
            .or_insert_with(|| toml::Value::Table(toml::Table::new()))
            .as_table_mut()
            .ok_or_else(|| EvalError::Config(format!("`{part}` in `{key}` is not a table")))?;
    }
    table.insert(last.to_string(), value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vary(specs: &[&str]) -> Vec<Variation> {
        specs.iter().map(|s| s.parse().unwrap()).collect()
    }

    #[test]
    fn every_combination_is_a_valid_config_with_its_values() {
        let base = distillguard_types::config::DEFAULT_TOML;
        let v = variants(
            base,
            &vary(&[
                "extraction.group=[0.2, 0.5]|[0.25, 0.55]",
                "correlate.template_exposure = [0.05, 0.25] | [0.1, 0.4] | [0.15, 0.5]",
            ]),
        )
        .unwrap();
        assert_eq!(v.len(), 6);
        let labels: Vec<String> = v.iter().map(Variant::label).collect();
        assert_eq!(
            labels[0],
            "extraction.group=[0.2, 0.5] correlate.template_exposure=[0.05, 0.25]"
        );
        assert_eq!(
            labels
                .iter()
                .collect::<std::collections::HashSet<_>>()
                .len(),
            6
        );
        let last = load_config(&v[5].config).unwrap();
        assert_eq!(last.extraction.group, [0.25, 0.55]);
        assert_eq!(last.correlate.template_exposure, [0.15, 0.5]);
    }

    #[test]
    fn nothing_varied_is_the_base_alone() {
        let v = variants("[score]\nper_account_cap = 0.4\n", &[]).unwrap();
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].label(), "base");
        assert_eq!(
            load_config(&v[0].config).unwrap().score.per_account_cap,
            0.4
        );
    }

    #[test]
    fn unknown_keys_bad_values_and_too_many_variants_are_refused() {
        let base = distillguard_types::config::DEFAULT_TOML;
        let err = |specs: &[&str]| match variants(base, &vary(specs)) {
            Err(e) => e.to_string(),
            Ok(v) => panic!("accepted {} variants", v.len()),
        };
        assert!(err(&["extraction.nonsense=1|2"]).contains("extraction.nonsense=1"));
        assert!(err(&["extraction.group=[0.9, 0.1]"]).contains("variant"));
        let many = "correlate.asn_factor=0.1|0.2|0.3|0.4|0.5|0.6";
        assert!(err(&[many, many]).contains("at most"));
        for bad in ["no-equals", "=1", "a..b=1", "a=not toml"] {
            assert!(bad.parse::<Variation>().is_err(), "{bad}");
        }
    }
}
