//! One request-log record (a JSONL line) → [`Event`] or [`RejectReason`].
//!
//! [`RecordParser`] holds everything reused between records: simd-json's `Buffers`, its tape and
//! the configured field names ([`InputConfig::fields`] remaps each contract field to the
//! provider's key). simd-json parses in place, so the caller's line buffer is scrambled by a
//! parse: keep a copy first if the raw bytes may be needed (the [`source`](crate::source) stage
//! does).
//!
//! The contract (checked in this order, so the reason does not depend on key order):
//!
//! | field | rule | reason |
//! |---|---|---|
//! | `ts` | RFC 3339 with offset, or integer epoch ms | `missing_ts`, `bad_ts` |
//! | `account_id` | non-empty string of at most [`MAX_ID_BYTES`] | `missing_account`, `bad_field` |
//! | `ip` | IPv4 / IPv6 text | `missing_ip`, `bad_ip` |
//! | `system` | string or array of blocks (→ system skeleton) | `bad_field` |
//! | `prompt` / `messages` | a string / an array of `{role, content}` with a user message | `missing_prompt`, `bad_messages` |
//! | optional fields | see [`Event`]; `null` = absent; id strings at most [`MAX_ID_BYTES`] | `bad_field` |
//!
//! Before any field: a line longer than `max_record_bytes` is `too_large`, a line with a lone
//! UTF-16 surrogate escape (`"\ud800x"`, which simd-json would read as NUL) is `bad_json`.
//!
//! `content` is a string, `null`, or an array of blocks whose `"type": "text"` blocks carry
//! `text`. User-role text (`user`, `human`) goes to [`PromptPrinter::user`](distillguard_fingerprint::PromptPrinter::user); system-role text
//! (`system`, `developer`) and the `system` field go to [`PromptPrinter::system`](distillguard_fingerprint::PromptPrinter::system); assistant and
//! tool turns are shape-checked but not read. Identifier fields are reduced to
//! [`tagged_hash`](distillguard_types::hash::tagged_hash)es with the tags in [`tags`] (strings,
//! or integers hashed as their decimal text; empty = absent). Token counts accept integral
//! floats, `tools` a count or the tool array, `thinking` a bool or `{"type": "enabled"}`, `asn`
//! a number or `"AS123"`. Unknown keys are ignored; a repeated key keeps its last value.
//!
//! **Privacy**: prompt text is only ever borrowed from the line for the printer and is never
//! copied (the `PromptPrint` is all that remains).
//!
//! Two strategies read simd-json's output ([`Strategy`]); the tape strategy is the default
//! (faster, see `benches/parse.rs`) and the only one a normal build compiles. The typed one is
//! kept as a differential check: it exists in tests and with the `typed` feature only.

mod assemble;
mod fields;
mod surrogates;
mod tape;
#[cfg(any(test, feature = "typed"))]
mod typed;

#[cfg(test)]
mod tests;

pub use assemble::MAX_ID_BYTES;
pub use fields::{tags, Field, FieldIndex, FIELD_COUNT};

use distillguard_types::config::InputConfig;
use distillguard_types::{Event, RejectReason};

/// How simd-json's output is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Strategy {
    /// A reused tape walked through simd-json's tape `Value` API (default; no per-record
    /// allocation).
    #[default]
    Tape,
    /// serde visitors over simd-json's deserializer, borrowing strings (one tape allocation per
    /// record); tests and the `typed` feature only.
    #[cfg(any(test, feature = "typed"))]
    Typed,
}

enum Inner {
    Tape(tape::TapeParser),
    #[cfg(any(test, feature = "typed"))]
    Typed(typed::TypedParser),
}

/// A reusable record parser (one per thread).
pub struct RecordParser {
    fields: FieldIndex,
    max_record_bytes: usize,
    inner: Inner,
}

impl RecordParser {
    /// A parser for the configured contract, with the default [`Strategy`].
    pub fn new(cfg: &InputConfig) -> RecordParser {
        RecordParser::with_strategy(cfg, Strategy::default())
    }

    /// A parser with an explicit [`Strategy`] (benchmarks, differential tests).
    pub fn with_strategy(cfg: &InputConfig, strategy: Strategy) -> RecordParser {
        RecordParser {
            fields: FieldIndex::new(&cfg.fields),
            max_record_bytes: cfg.max_record_bytes,
            inner: match strategy {
                Strategy::Tape => Inner::Tape(tape::TapeParser::new()),
                #[cfg(any(test, feature = "typed"))]
                Strategy::Typed => Inner::Typed(typed::TypedParser::new()),
            },
        }
    }

    /// Parse one record (without its line terminator). The bytes are modified in place.
    pub fn parse(&mut self, line: &mut [u8]) -> Result<Event, RejectReason> {
        if line.len() > self.max_record_bytes {
            return Err(RejectReason::TooLarge);
        }
        if surrogates::has_lone_surrogate(line) {
            return Err(RejectReason::BadJson);
        }
        match &mut self.inner {
            Inner::Tape(p) => p.parse(&self.fields, line),
            #[cfg(any(test, feature = "typed"))]
            Inner::Typed(p) => p.parse(&self.fields, line),
        }
    }
}

/// The reason for a simd-json parse failure.
fn json_error(e: &simd_json::Error) -> RejectReason {
    match e.error() {
        simd_json::ErrorType::InvalidUtf8 => RejectReason::InvalidUtf8,
        _ => RejectReason::BadJson,
    }
}
