//! Real prompt corpora (`--corpus DIR`): JSONL files with a `text` field.
//!
//! Files named `organic_*` feed organic users; files named `tasks_*` feed campaign
//! task fillings and eval-harness benchmarks (one benchmark per file).

use crate::error::SimError;
use serde::Deserialize;
use std::io::BufRead;
use std::path::Path;

/// Prompt texts loaded from a corpus directory.
#[derive(Debug, Clone, Default)]
pub struct Corpus {
    /// Texts people typed (all `organic_*` files, in file-name order).
    pub organic: Vec<String>,
    /// Task sets, one per `tasks_*` file: (file stem without `tasks_`, texts).
    pub tasks: Vec<(String, Vec<String>)>,
}

#[derive(Deserialize)]
struct Line {
    text: String,
}

impl Corpus {
    /// Loads every `organic_*.jsonl` / `tasks_*.jsonl` file of `dir`, sorted by name.
    pub fn load(dir: &Path) -> Result<Self, SimError> {
        let mut names: Vec<_> = std::fs::read_dir(dir)
            .map_err(|e| SimError::io(dir, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
            .collect();
        names.sort();
        let mut c = Corpus::default();
        for path in names {
            let stem = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default()
                .to_string();
            if let Some(rest) = stem.strip_prefix("organic_") {
                let _ = rest;
                c.organic.extend(read_texts(&path)?);
            } else if let Some(rest) = stem.strip_prefix("tasks_") {
                let texts = read_texts(&path)?;
                if !texts.is_empty() {
                    c.tasks.push((rest.to_string(), texts));
                }
            }
        }
        Ok(c)
    }

    /// All task texts, concatenated in file order.
    pub fn all_tasks(&self) -> impl Iterator<Item = &str> {
        self.tasks
            .iter()
            .flat_map(|(_, t)| t.iter().map(String::as_str))
    }
}

fn read_texts(path: &Path) -> Result<Vec<String>, SimError> {
    let f = std::fs::File::open(path).map_err(|e| SimError::io(path, e))?;
    let mut out = Vec::new();
    for (i, line) in std::io::BufReader::new(f).lines().enumerate() {
        let line = line.map_err(|e| SimError::io(path, e))?;
        if line.trim().is_empty() {
            continue;
        }
        let l: Line = serde_json::from_str(&line).map_err(|e| SimError::Corpus {
            path: path.to_path_buf(),
            line: i + 1,
            msg: e.to_string(),
        })?;
        if !l.text.trim().is_empty() {
            out.push(l.text);
        }
    }
    Ok(out)
}
