//! Contract fields and the lookup from the provider's configured key names to them.

use distillguard_types::config::FieldMap;

/// A contract field (one per [`FieldMap`] entry, in [`FieldMap::pairs`] order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Field {
    Ts,
    AccountId,
    Ip,
    Prompt,
    Messages,
    RequestId,
    ApiKeyId,
    OrgId,
    PaymentFingerprint,
    AccountCreatedAt,
    Model,
    Endpoint,
    UserAgent,
    Asn,
    System,
    InputTokens,
    OutputTokens,
    MaxTokens,
    Temperature,
    Stream,
    Thinking,
    Tools,
    Status,
}

/// Number of contract fields.
pub const FIELD_COUNT: usize = 23;

const ALL: [Field; FIELD_COUNT] = [
    Field::Ts,
    Field::AccountId,
    Field::Ip,
    Field::Prompt,
    Field::Messages,
    Field::RequestId,
    Field::ApiKeyId,
    Field::OrgId,
    Field::PaymentFingerprint,
    Field::AccountCreatedAt,
    Field::Model,
    Field::Endpoint,
    Field::UserAgent,
    Field::Asn,
    Field::System,
    Field::InputTokens,
    Field::OutputTokens,
    Field::MaxTokens,
    Field::Temperature,
    Field::Stream,
    Field::Thinking,
    Field::Tools,
    Field::Status,
];

/// Hash domain tags of the identifier fields (the types crate's, so a hash computed elsewhere,
/// e.g. an allowlisted org, matches the parser's).
pub use distillguard_types::event::tags;

/// Configured key → [`Field`], bucketed by key length (a record's keys are matched with a
/// length bucket and a byte compare; no hashing, no allocation).
#[derive(Debug, Clone)]
pub struct FieldIndex {
    by_len: Vec<Vec<(Box<[u8]>, Field)>>,
}

impl FieldIndex {
    /// Build from the configured field names.
    pub fn new(map: &FieldMap) -> FieldIndex {
        let mut by_len: Vec<Vec<(Box<[u8]>, Field)>> = Vec::new();
        for ((_, key), field) in map.pairs().iter().zip(ALL) {
            let k = key.as_bytes();
            if by_len.len() <= k.len() {
                by_len.resize(k.len() + 1, Vec::new());
            }
            by_len[k.len()].push((k.into(), field));
        }
        FieldIndex { by_len }
    }

    /// The field a record key holds, if any.
    #[inline]
    pub fn lookup(&self, key: &str) -> Option<Field> {
        let k = key.as_bytes();
        self.by_len
            .get(k.len())?
            .iter()
            .find(|(name, _)| **name == *k)
            .map(|(_, f)| *f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_is_in_pairs_order() {
        let m = FieldMap::default();
        let idx = FieldIndex::new(&m);
        for ((name, _), f) in m.pairs().iter().zip(ALL) {
            assert_eq!(idx.lookup(name), Some(f), "{name}");
            assert_eq!(format!("{f:?}").to_lowercase(), name.replace('_', ""));
        }
        assert_eq!(idx.lookup("nope"), None);
        assert_eq!(idx.lookup(""), None);
    }
}
