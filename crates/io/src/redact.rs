//! What the reject file keeps of a *well-formed* record refused by the engine (`late`,
//! `future_ts`): its scalar contract fields, never text a user wrote.
//!
//! Kept: the configured keys of `ts`, `account_id`, `ip`, `request_id`, `api_key_id`, `org_id`,
//! `payment_fingerprint`, `account_created_at`, `model`, `endpoint`, `user_agent`, `asn`, the
//! token counts, `temperature`, `stream`, `thinking` and `status`, when their value is a string,
//! number, boolean or null. Dropped: `prompt`, `messages`, `system`, `tools`, every key outside
//! the contract, and any kept key whose value is an array or object. A malformed record has no
//! fields to trust and stays the quarantine's raw bytes (see [`crate::rejects`]).

use distillguard_types::config::FieldMap;
use serde_json::{Map, Value};

/// Contract fields that may hold a user's text, never kept.
const TEXT_FIELDS: [&str; 4] = ["prompt", "messages", "system", "tools"];

/// The configured keys a well-formed reject keeps.
#[derive(Debug, Clone)]
pub struct KeptFields {
    keys: Vec<String>,
}

impl KeptFields {
    /// From the configured field names.
    pub fn new(map: &FieldMap) -> KeptFields {
        let keys = map
            .pairs()
            .iter()
            .filter(|(name, _)| !TEXT_FIELDS.contains(name))
            .map(|(_, key)| key.to_string())
            .collect();
        KeptFields { keys }
    }

    /// The kept fields of a record (an empty object when the bytes are not a JSON object).
    pub fn extract(&self, raw: &[u8]) -> Map<String, Value> {
        let Ok(mut record) = serde_json::from_slice::<Map<String, Value>>(raw) else {
            return Map::new();
        };
        let mut kept = Map::new();
        for k in &self.keys {
            if let Some(v) = record.remove(k) {
                if !(v.is_array() || v.is_object()) {
                    kept.insert(k.clone(), v);
                }
            }
        }
        kept
    }

    /// [`KeptFields::extract`] as JSON text (what a record held for later keeps of itself).
    pub fn extract_json(&self, raw: &[u8]) -> String {
        Value::Object(self.extract(raw)).to_string()
    }
}

impl Default for KeptFields {
    fn default() -> Self {
        KeptFields::new(&FieldMap::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(raw: &str, want: Value) {
        let got = Value::Object(KeptFields::default().extract(raw.as_bytes()));
        assert_eq!(got, want, "{raw}");
    }

    #[test]
    fn keeps_fields_and_drops_text() {
        check(
            r#"{"ts":1,"account_id":"a","ip":"1.2.3.4","prompt":"secret words","request_id":"r","x":"y"}"#,
            json!({"ts":1,"account_id":"a","ip":"1.2.3.4","request_id":"r"}),
        );
        check(
            r#"{"ts":"2026-01-01T00:00:00Z","account_id":"a","ip":"::1","system":"be secret","messages":[{"role":"user","content":"secret"}],"tools":[{"description":"secret"}],"thinking":{"type":"enabled"},"model":"m","status":200}"#,
            json!({"ts":"2026-01-01T00:00:00Z","account_id":"a","ip":"::1","model":"m","status":200}),
        );
        check("not json", json!({}));
        check("[1,2]", json!({}));
    }

    #[test]
    fn follows_remapped_names() {
        let m = FieldMap {
            prompt: "input_text".into(),
            account_id: "user".into(),
            ..FieldMap::default()
        };
        let k = KeptFields::new(&m);
        let got = k.extract(
            br#"{"ts":1,"user":"u","ip":"1.2.3.4","input_text":"secret","prompt":"also dropped"}"#,
        );
        assert_eq!(
            Value::Object(got),
            json!({"ts":1,"user":"u","ip":"1.2.3.4"})
        );
    }
}
