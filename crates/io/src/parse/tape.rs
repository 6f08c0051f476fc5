//! The tape strategy: simd-json fills a reused tape, and the record is read from it through
//! the tape `Value` API (no per-record allocation once the buffers have grown).

use super::assemble::{assemble, Role, Scalar};
use super::fields::{Field, FieldIndex, FIELD_COUNT};
use distillguard_fingerprint::PromptPrinter;
use distillguard_types::{Event, RejectReason};
use simd_json::prelude::*;
use simd_json::tape::{Tape, Value};
use simd_json::Buffers;

/// Reused state of the tape strategy.
pub(crate) struct TapeParser {
    buffers: Buffers,
    tape: Option<Tape<'static>>,
}

impl TapeParser {
    pub(crate) fn new() -> TapeParser {
        TapeParser {
            buffers: Buffers::new(4096),
            tape: Some(Tape(Vec::with_capacity(512))),
        }
    }

    pub(crate) fn parse(
        &mut self,
        idx: &FieldIndex,
        line: &mut [u8],
    ) -> Result<Event, RejectReason> {
        let mut tape: Tape<'_> = self.tape.take().unwrap_or_else(Tape::null).reset();
        let out = match simd_json::fill_tape(line, &mut self.buffers, &mut tape) {
            Ok(()) => record(idx, tape.as_value()),
            Err(e) => Err(super::json_error(&e)),
        };
        self.tape = Some(tape.reset());
        out
    }
}

fn record(idx: &FieldIndex, root: Value<'_, '_>) -> Result<Event, RejectReason> {
    let obj = root.as_object().ok_or(RejectReason::BadJson)?;
    let mut slots: [Option<Value<'_, '_>>; FIELD_COUNT] = [None; FIELD_COUNT];
    for (k, v) in obj.iter() {
        if let Some(f) = idx.lookup(k) {
            slots[f as usize] = Some(v);
        }
    }
    let mut scalars = [Scalar::Absent; FIELD_COUNT];
    for (s, v) in scalars.iter_mut().zip(slots.iter()) {
        if let Some(v) = v {
            *s = scalar(*v);
        }
    }
    let system = slots[Field::System as usize];
    let messages = slots[Field::Messages as usize];
    assemble(
        &scalars,
        |p| {
            if let Some(v) = system {
                if !v.is_null() && !text(v, &mut |t| p.system(t)) {
                    return Err(RejectReason::BadField);
                }
            }
            if let Some(m) = messages {
                if let Some(arr) = m.as_array() {
                    for msg in arr.iter() {
                        if let Some((Role::System, content)) = message(msg) {
                            text(content, &mut |t| p.system(t));
                        }
                    }
                }
            }
            Ok(())
        },
        |p| match messages {
            None => Ok(None),
            Some(m) if m.is_null() => Ok(None),
            Some(m) => user_messages(m, p).map(Some),
        },
    )
}

fn scalar<'i>(v: Value<'_, 'i>) -> Scalar<'i> {
    match v.value_type() {
        ValueType::Null => Scalar::Null,
        ValueType::Bool => v.as_bool().map_or(Scalar::Null, Scalar::Bool),
        ValueType::I64 => v.as_i64().map_or(Scalar::Null, Scalar::I64),
        ValueType::U64 => v.as_u64().map_or(Scalar::Null, Scalar::U64),
        ValueType::F64 => v.as_f64().map_or(Scalar::Null, Scalar::F64),
        ValueType::String => v.into_string().map_or(Scalar::Null, Scalar::Str),
        ValueType::Array => Scalar::Array(v.as_array().map_or(0, |a| a.len())),
        ValueType::Object => Scalar::Object(
            v.as_object()
                .and_then(|o| o.get("type"))
                .and_then(|t| t.into_string()),
        ),
        _ => Scalar::Null,
    }
}

/// A message's role and content; `None` when it is not `{role: string, ...}`.
fn message<'t, 'i>(msg: Value<'t, 'i>) -> Option<(Role, Value<'t, 'i>)> {
    let o = msg.as_object()?;
    let role = Role::of(o.get("role")?.into_string()?);
    Some((role, o.get("content").unwrap_or(Value::null())))
}

/// Feed the text of a content value (a string, or an array of blocks whose `type: "text"`
/// blocks carry `text`; `null` holds none). False when the shape is wrong.
fn text(content: Value<'_, '_>, feed: &mut impl FnMut(&str)) -> bool {
    if let Some(s) = content.into_string() {
        feed(s);
        return true;
    }
    if content.is_null() {
        return true;
    }
    let Some(blocks) = content.as_array() else {
        return false;
    };
    for b in blocks.iter() {
        let Some(o) = b.as_object() else { return false };
        if o.get("type").and_then(|t| t.into_string()) == Some("text") {
            match o.get("text").and_then(|t| t.into_string()) {
                Some(t) => feed(t),
                None => return false,
            }
        }
    }
    true
}

/// Feed user-role text; true when there was a user message.
fn user_messages(m: Value<'_, '_>, p: &mut PromptPrinter) -> Result<bool, RejectReason> {
    let arr = m.as_array().ok_or(RejectReason::BadMessages)?;
    let mut has_user = false;
    for msg in arr.iter() {
        let (role, content) = message(msg).ok_or(RejectReason::BadMessages)?;
        let ok = match role {
            Role::User => {
                has_user = true;
                text(content, &mut |t| p.user(t))
            }
            Role::Assistant => {
                p.assistant_turn();
                text(content, &mut |_| {})
            }
            // Shape-checked only: system text was fed already, other roles are not read.
            _ => text(content, &mut |_| {}),
        };
        if !ok {
            return Err(RejectReason::BadMessages);
        }
    }
    Ok(has_user)
}
