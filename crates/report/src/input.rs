//! Reading verdicts and campaign records from the engine's JSONL files.

use crate::error::ReportError;
use distillguard_types::{CampaignRecord, Verdict};
use serde::de::DeserializeOwned;
use std::io::BufRead;
use std::path::Path;

/// Reads a verdicts JSONL file (blank lines skipped).
pub fn load_verdicts(path: &Path) -> Result<Vec<Verdict>, ReportError> {
    load(path)
}

/// Reads a campaign records JSONL file (blank lines skipped).
pub fn load_campaigns(path: &Path) -> Result<Vec<CampaignRecord>, ReportError> {
    load(path)
}

fn load<T: DeserializeOwned>(path: &Path) -> Result<Vec<T>, ReportError> {
    let file = std::fs::File::open(path).map_err(|e| ReportError::io(path, e))?;
    parse_lines(std::io::BufReader::new(file), path)
}

/// Parses JSONL text, one `T` a line; `path` only names the source in errors.
pub fn parse_lines<T: DeserializeOwned, R: BufRead>(
    reader: R,
    path: &Path,
) -> Result<Vec<T>, ReportError> {
    let mut rows = Vec::new();
    for (i, line) in reader.lines().enumerate() {
        let line = line.map_err(|e| ReportError::io(path, e))?;
        if line.trim().is_empty() {
            continue;
        }
        let row = serde_json::from_str(&line).map_err(|e| ReportError::Parse {
            path: path.to_path_buf(),
            line: i as u64 + 1,
            message: e.to_string(),
        })?;
        rows.push(row);
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skips_blank_lines_and_names_the_bad_line() {
        let ok = "{\"account_id\":\"a\",\"action\":\"monitor\",\"ts\":\"2026-01-01T00:00:00Z\",\"score\":0.3,\"reasons\":[],\"campaign_id\":null,\"config_version\":\"v\",\"enforced\":true}\n\n";
        let v: Vec<Verdict> = parse_lines(ok.as_bytes(), Path::new("v.jsonl")).unwrap();
        assert_eq!(v.len(), 1);
        let bad = format!("{ok}not json\n");
        let e = parse_lines::<Verdict, _>(bad.as_bytes(), Path::new("v.jsonl")).unwrap_err();
        assert!(e.to_string().starts_with("v.jsonl:3:"), "{e}");
    }
}
