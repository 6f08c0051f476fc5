//! Ground-truth labels written by the simulator: `account_id,class,campaign`.

use crate::error::EvalError;
use ahash::AHashMap;
use serde::{Deserialize, Serialize};
use std::io::Read;
use std::path::Path;

/// The true nature of an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Class {
    /// A real person.
    Organic,
    /// Legitimate automation (CI, evaluation harnesses, batch jobs).
    Automation,
    /// Part of a distillation campaign.
    Attack,
    /// A member of a benign group of new people (course, research team, company
    /// onboarding, event): benign; its group name is in the `campaign` column.
    Cohort,
}

impl Class {
    /// All classes, in report order.
    pub const ALL: [Class; 4] = [
        Class::Organic,
        Class::Automation,
        Class::Attack,
        Class::Cohort,
    ];

    /// Whether the account is legitimate (organic, automation or cohort).
    pub fn is_benign(self) -> bool {
        self != Class::Attack
    }

    /// Lower-case name, as in the labels file.
    pub fn name(self) -> &'static str {
        match self {
            Class::Organic => "organic",
            Class::Automation => "automation",
            Class::Attack => "attack",
            Class::Cohort => "cohort",
        }
    }

    /// Whether the labels' `campaign` column names a group for this class (attack
    /// campaign, cohort group).
    pub fn has_group(self) -> bool {
        matches!(self, Class::Attack | Class::Cohort)
    }

    fn parse(s: &str) -> Option<Class> {
        match s.trim().to_ascii_lowercase().as_str() {
            "organic" => Some(Class::Organic),
            "automation" => Some(Class::Automation),
            "attack" => Some(Class::Attack),
            "cohort" => Some(Class::Cohort),
            _ => None,
        }
    }
}

/// One account's label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// The account's class.
    pub class: Class,
    /// The campaign of an attack account or the group of a cohort account (`None` for
    /// other accounts or when empty).
    pub campaign: Option<String>,
}

/// All labels, by account id.
#[derive(Debug, Clone, Default)]
pub struct Labels {
    by_account: AHashMap<String, Label>,
}

impl Labels {
    /// Reads a labels CSV file.
    pub fn load(path: &Path) -> Result<Labels, EvalError> {
        let file = std::fs::File::open(path).map_err(|e| EvalError::io(path, e))?;
        Self::from_reader(file, path)
    }

    /// Reads labels CSV text; `path` only names the source in errors.
    pub fn from_reader<R: Read>(reader: R, path: &Path) -> Result<Labels, EvalError> {
        let bad = |message: String| EvalError::Labels {
            path: path.to_path_buf(),
            message,
        };
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(reader);
        let headers = rdr.headers().map_err(|e| bad(e.to_string()))?.clone();
        let col = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
        let (Some(id_col), Some(class_col)) = (col("account_id"), col("class")) else {
            return Err(bad(
                "header must name account_id and class (and campaign)".into()
            ));
        };
        let campaign_col = col("campaign");
        let mut labels = Labels::default();
        for (i, rec) in rdr.records().enumerate() {
            let line = i + 2;
            let rec = rec.map_err(|e| bad(e.to_string()))?;
            let id = rec.get(id_col).unwrap_or("");
            if id.is_empty() {
                return Err(bad(format!("line {line}: empty account_id")));
            }
            let class_text = rec.get(class_col).unwrap_or("");
            let class = Class::parse(class_text)
                .ok_or_else(|| bad(format!("line {line}: unknown class {class_text:?}")))?;
            let campaign = campaign_col
                .and_then(|c| rec.get(c))
                .filter(|c| !c.is_empty() && class.has_group())
                .map(str::to_string);
            if labels
                .by_account
                .insert(id.to_string(), Label { class, campaign })
                .is_some()
            {
                return Err(bad(format!("line {line}: duplicate account_id {id:?}")));
            }
        }
        Ok(labels)
    }

    /// Builds labels from `(account, class, campaign)` triples (tests, other tools).
    pub fn from_entries<'a>(
        entries: impl IntoIterator<Item = (&'a str, Class, Option<&'a str>)>,
    ) -> Labels {
        let by_account = entries
            .into_iter()
            .map(|(id, class, campaign)| {
                let campaign = campaign.filter(|_| class.has_group()).map(String::from);
                (id.to_string(), Label { class, campaign })
            })
            .collect();
        Labels { by_account }
    }

    /// The label of an account.
    pub fn get(&self, account: &str) -> Option<&Label> {
        self.by_account.get(account)
    }

    /// Number of labelled accounts.
    pub fn len(&self) -> usize {
        self.by_account.len()
    }

    /// Whether there are no labels.
    pub fn is_empty(&self) -> bool {
        self.by_account.is_empty()
    }

    /// All `(account, label)` pairs, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Label)> {
        self.by_account.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Number of accounts of a class.
    pub fn count(&self, class: Class) -> usize {
        self.by_account
            .values()
            .filter(|l| l.class == class)
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Labels, EvalError> {
        Labels::from_reader(text.as_bytes(), Path::new("labels.csv"))
    }

    #[test]
    fn reads_classes_and_campaigns() {
        let l =
            parse("account_id,class,campaign\na,organic,\nb,attack,c1\nc,automation,\nd,attack,\n")
                .unwrap();
        assert_eq!(l.len(), 4);
        assert_eq!(l.get("a").unwrap().class, Class::Organic);
        assert_eq!(l.get("b").unwrap().campaign.as_deref(), Some("c1"));
        assert_eq!(l.get("d").unwrap().campaign, None);
        assert_eq!(l.count(Class::Attack), 2);
    }

    #[test]
    fn cohort_is_benign_and_keeps_its_group() {
        let l = parse("account_id,class,campaign\na,cohort,course-1\nb,organic,x\n").unwrap();
        assert_eq!(l.get("a").unwrap().class, Class::Cohort);
        assert!(Class::Cohort.is_benign());
        assert_eq!(l.get("a").unwrap().campaign.as_deref(), Some("course-1"));
        assert_eq!(l.get("b").unwrap().campaign, None);
    }

    #[test]
    fn rejects_bad_rows() {
        let e = parse("account_id,class,campaign\na,robot,\n").unwrap_err();
        assert!(e.to_string().contains("line 2"), "{e}");
        assert!(parse("account_id,class,campaign\na,organic,\na,attack,x\n").is_err());
        assert!(parse("id,kind\na,organic\n").is_err());
    }
}
