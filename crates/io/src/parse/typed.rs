//! The typed strategy: serde visitors over simd-json's deserializer, borrowing every string from
//! the line (measured against [`super::tape`] in `benches/parse.rs`; kept as the differential
//! check of the tape strategy in tests).
//!
//! No `untagged` enums: each value shape is decided by a hand-written visitor. The configured
//! key names make the record itself a [`DeserializeSeed`]. simd-json's serde deserializer
//! allocates a fresh tape per record, which is the main cost difference.

use super::assemble::{assemble, Role, Scalar};
use super::fields::{Field, FieldIndex, FIELD_COUNT};
use distillguard_fingerprint::PromptPrinter;
use distillguard_types::{Event, RejectReason};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use simd_json::Buffers;
use std::fmt;

/// Reused state of the typed strategy.
pub(crate) struct TypedParser {
    buffers: Buffers,
}

impl TypedParser {
    pub(crate) fn new() -> TypedParser {
        TypedParser {
            buffers: Buffers::new(4096),
        }
    }

    pub(crate) fn parse(
        &mut self,
        idx: &FieldIndex,
        line: &mut [u8],
    ) -> Result<Event, RejectReason> {
        let mut de = simd_json::Deserializer::from_slice_with_buffers(line, &mut self.buffers)
            .map_err(|e| super::json_error(&e))?;
        let mut rec = Collected::default();
        if (RecordSeed { idx, rec: &mut rec })
            .deserialize(&mut de)
            .is_err()
        {
            return Err(match rec.current {
                None => RejectReason::BadJson,
                Some(Field::Messages) => RejectReason::BadMessages,
                Some(_) => RejectReason::BadField,
            });
        }
        let Collected {
            scalars,
            system,
            messages,
            ..
        } = rec;
        assemble(
            &scalars,
            |p| {
                if let Some(c) = &system {
                    if !text(c, &mut |t| p.system(t)) {
                        return Err(RejectReason::BadField);
                    }
                }
                for m in messages.iter().flatten() {
                    if let (Scalar::Str(r), c) = (m.role, &m.content) {
                        if Role::of(r) == Role::System {
                            text(c, &mut |t| p.system(t));
                        }
                    }
                }
                Ok(())
            },
            |p| match &messages {
                None => Ok(None),
                Some(list) => user_messages(list, p).map(Some),
            },
        )
    }
}

fn text(c: &Content<'_>, feed: &mut impl FnMut(&str)) -> bool {
    match c {
        Content::Null => true,
        Content::Str(s) => {
            feed(s);
            true
        }
        Content::Blocks(blocks) => {
            for b in blocks {
                match b {
                    Block::Bad => return false,
                    Block::Obj {
                        ty: Scalar::Str("text"),
                        text: Scalar::Str(t),
                    } => feed(t),
                    Block::Obj {
                        ty: Scalar::Str("text"),
                        ..
                    } => return false,
                    Block::Obj { .. } => {}
                }
            }
            true
        }
    }
}

fn user_messages(list: &[Message<'_>], p: &mut PromptPrinter) -> Result<bool, RejectReason> {
    let mut has_user = false;
    for m in list {
        let Scalar::Str(role) = m.role else {
            return Err(RejectReason::BadMessages);
        };
        let ok = match Role::of(role) {
            Role::User => {
                has_user = true;
                text(&m.content, &mut |t| p.user(t))
            }
            Role::Assistant => {
                p.assistant_turn();
                text(&m.content, &mut |_| {})
            }
            _ => text(&m.content, &mut |_| {}),
        };
        if !ok {
            return Err(RejectReason::BadMessages);
        }
    }
    Ok(has_user)
}

#[derive(Default)]
struct Collected<'de> {
    scalars: [Scalar<'de>; FIELD_COUNT],
    system: Option<Content<'de>>,
    /// `None`: absent or null.
    messages: Option<Vec<Message<'de>>>,
    /// The field being read (to name the reason when its value has the wrong shape).
    current: Option<Field>,
}

struct RecordSeed<'a, 'de> {
    idx: &'a FieldIndex,
    rec: &'a mut Collected<'de>,
}

impl<'de> DeserializeSeed<'de> for RecordSeed<'_, 'de> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for RecordSeed<'_, 'de> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<&'de str>()? {
            let Some(field) = self.idx.lookup(key) else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            self.rec.current = Some(field);
            match field {
                Field::Messages => {
                    self.rec.messages = map.next_value::<Option<Vec<Message<'de>>>>()?;
                }
                Field::System => {
                    let c = map.next_value::<Content<'de>>()?;
                    self.rec.system = (!matches!(c, Content::Null)).then_some(c);
                }
                f => self.rec.scalars[f as usize] = map.next_value::<ScalarDe<'de>>()?.0,
            }
            self.rec.current = None;
        }
        Ok(())
    }
}

/// Any JSON value as a [`Scalar`].
struct ScalarDe<'de>(Scalar<'de>);

impl<'de> de::Deserialize<'de> for ScalarDe<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = ScalarDe<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(ScalarDe(Scalar::Bool(v)))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(ScalarDe(Scalar::I64(v)))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(ScalarDe(Scalar::U64(v)))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(ScalarDe(Scalar::F64(v)))
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(ScalarDe(Scalar::Str(v)))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(ScalarDe(Scalar::Null))
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(ScalarDe(Scalar::Null))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut n = 0;
        while seq.next_element::<IgnoredAny>()?.is_some() {
            n += 1;
        }
        Ok(ScalarDe(Scalar::Array(n)))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut ty = None;
        while let Some(k) = map.next_key::<&'de str>()? {
            if k == "type" {
                if let Scalar::Str(t) = map.next_value::<ScalarDe<'de>>()?.0 {
                    ty = Some(t);
                }
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(ScalarDe(Scalar::Object(ty)))
    }
}

/// Message content: a string, `null`, or an array of blocks.
enum Content<'de> {
    Null,
    Str(&'de str),
    Blocks(Vec<Block<'de>>),
}

enum Block<'de> {
    Obj {
        ty: Scalar<'de>,
        text: Scalar<'de>,
    },
    /// Not an object.
    Bad,
}

struct Message<'de> {
    role: Scalar<'de>,
    content: Content<'de>,
}

impl<'de> de::Deserialize<'de> for Content<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ContentVisitor)
    }
}

struct ContentVisitor;

impl<'de> Visitor<'de> for ContentVisitor {
    type Value = Content<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string or an array of content blocks")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Content::Str(v))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Content::Null)
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Content::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut blocks = Vec::new();
        while let Some(b) = seq.next_element::<Block<'de>>()? {
            blocks.push(b);
        }
        Ok(Content::Blocks(blocks))
    }
}

impl<'de> de::Deserialize<'de> for Block<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Block<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a content block")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Block<'de>, A::Error> {
                let (mut ty, mut text) = (Scalar::Absent, Scalar::Absent);
                while let Some(k) = map.next_key::<&'de str>()? {
                    match k {
                        "type" => ty = map.next_value::<ScalarDe<'de>>()?.0,
                        "text" => text = map.next_value::<ScalarDe<'de>>()?.0,
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(Block::Obj { ty, text })
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Block<'de>, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Block::Bad)
            }
            fn visit_borrowed_str<E>(self, _: &'de str) -> Result<Block<'de>, E> {
                Ok(Block::Bad)
            }
            fn visit_bool<E>(self, _: bool) -> Result<Block<'de>, E> {
                Ok(Block::Bad)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Block<'de>, E> {
                Ok(Block::Bad)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Block<'de>, E> {
                Ok(Block::Bad)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Block<'de>, E> {
                Ok(Block::Bad)
            }
            fn visit_unit<E>(self) -> Result<Block<'de>, E> {
                Ok(Block::Bad)
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> de::Deserialize<'de> for Message<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Message<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a message object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Message<'de>, A::Error> {
                let mut m = Message {
                    role: Scalar::Absent,
                    content: Content::Null,
                };
                while let Some(k) = map.next_key::<&'de str>()? {
                    match k {
                        "role" => m.role = map.next_value::<ScalarDe<'de>>()?.0,
                        "content" => m.content = map.next_value::<Content<'de>>()?,
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(m)
            }
        }
        d.deserialize_any(V)
    }
}
