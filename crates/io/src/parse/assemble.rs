//! Field values → [`Event`]: the contract's type rules, shared by both JSON strategies.
//!
//! Each strategy reduces the record's scalar fields to [`Scalar`]s (borrowing strings from the
//! parsed line) and hands over two closures that feed the system prompt and the messages to the
//! [`PromptPrinter`]; [`assemble`] applies the rules in a fixed order (required fields first,
//! so the reported reason does not depend on key order).

use super::fields::{tags, Field, FIELD_COUNT};
use distillguard_fingerprint::PromptPrinter;
use distillguard_types::hash::tagged_hash;
use distillguard_types::time::parse_rfc3339_ms;
use distillguard_types::{AccountId, Event, RejectReason};
use std::net::IpAddr;

/// A JSON value reduced to what the contract's scalar rules need.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub(crate) enum Scalar<'a> {
    /// Key not present.
    #[default]
    Absent,
    /// `null`.
    Null,
    Str(&'a str),
    I64(i64),
    U64(u64),
    F64(f64),
    Bool(bool),
    /// An array of this length.
    Array(usize),
    /// An object, with its `type` member when that is a string.
    Object(Option<&'a str>),
}

impl Scalar<'_> {
    fn is_none(&self) -> bool {
        matches!(self, Scalar::Absent | Scalar::Null)
    }
}

/// A non-negative integer; integral floats are accepted (`1024.0`).
fn uint(s: Scalar<'_>) -> Option<u64> {
    match s {
        Scalar::U64(v) => Some(v),
        Scalar::I64(v) => u64::try_from(v).ok(),
        Scalar::F64(f) if f >= 0.0 && f.fract() == 0.0 && f < 1.8e19 => Some(f as u64),
        _ => None,
    }
}

/// Epoch milliseconds from RFC 3339 text or an integer.
fn time_ms(s: Scalar<'_>) -> Option<i64> {
    match s {
        Scalar::Str(t) => parse_rfc3339_ms(t),
        Scalar::I64(v) => Some(v),
        Scalar::U64(v) => i64::try_from(v).ok(),
        _ => None,
    }
}

/// Longest identifier accepted (`account_id`, `request_id`, `api_key_id`, `org_id`,
/// `payment_fingerprint`), in bytes: an account id is kept in full in per-account state, so a
/// megabyte id would cost a megabyte per account. Longer is `bad_field`.
pub const MAX_ID_BYTES: usize = 256;

/// Hash of an identifier: a non-empty string of at most [`MAX_ID_BYTES`], or an integer
/// (hashed as its decimal text, so `"42"` and `42` agree). `Ok(None)` when absent, null or
/// empty.
fn ident(tag: u8, s: Scalar<'_>) -> Result<Option<u64>, RejectReason> {
    if matches!(s, Scalar::Str(t) if t.len() > MAX_ID_BYTES) {
        return Err(RejectReason::BadField);
    }
    hash_of(tag, s)
}

/// Hash of a descriptive value (model, user agent: no length cap, only the hash is kept).
fn hash_of(tag: u8, s: Scalar<'_>) -> Result<Option<u64>, RejectReason> {
    let mut buf = [0u8; 20];
    let bytes: &[u8] = match s {
        Scalar::Absent | Scalar::Null => return Ok(None),
        Scalar::Str(t) => t.as_bytes(),
        Scalar::U64(v) => decimal(v, &mut buf),
        Scalar::I64(v) if v >= 0 => decimal(v as u64, &mut buf),
        _ => return Err(RejectReason::BadField),
    };
    Ok((!bytes.is_empty()).then(|| tagged_hash(tag, bytes)))
}

fn decimal(mut v: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            return &buf[i..];
        }
    }
}

fn opt<T>(
    s: Scalar<'_>,
    f: impl FnOnce(Scalar<'_>) -> Option<T>,
) -> Result<Option<T>, RejectReason> {
    if s.is_none() {
        return Ok(None);
    }
    f(s).map(Some).ok_or(RejectReason::BadField)
}

fn small<T: TryFrom<u64>>(s: Scalar<'_>) -> Result<Option<T>, RejectReason> {
    opt(s, |v| uint(v).and_then(|n| T::try_from(n).ok()))
}

/// Build the event. `feed_system` feeds the `system` field and system-role messages (error:
/// the reason to report); `feed_messages` feeds user-role message text and returns
/// `Some(has_user_message)`, or `None` when `messages` is absent.
pub(crate) fn assemble(
    s: &[Scalar<'_>; FIELD_COUNT],
    feed_system: impl FnOnce(&mut PromptPrinter) -> Result<(), RejectReason>,
    feed_messages: impl FnOnce(&mut PromptPrinter) -> Result<Option<bool>, RejectReason>,
) -> Result<Event, RejectReason> {
    let get = |f: Field| s[f as usize];

    let ts_ms = match get(Field::Ts) {
        Scalar::Absent | Scalar::Null => return Err(RejectReason::MissingTs),
        v => time_ms(v).ok_or(RejectReason::BadTs)?,
    };
    let account = match get(Field::AccountId) {
        Scalar::Str(a) if a.len() > MAX_ID_BYTES => return Err(RejectReason::BadField),
        Scalar::Str(a) if !a.is_empty() => AccountId::new(a),
        _ => return Err(RejectReason::MissingAccount),
    };
    let ip: IpAddr = match get(Field::Ip) {
        Scalar::Absent | Scalar::Null => return Err(RejectReason::MissingIp),
        Scalar::Str(t) => t.parse().map_err(|_| RejectReason::BadIp)?,
        _ => return Err(RejectReason::BadIp),
    };

    let mut printer = PromptPrinter::new();
    feed_system(&mut printer)?;
    let mut has_prompt = match get(Field::Prompt) {
        Scalar::Absent | Scalar::Null => false,
        Scalar::Str(p) => {
            printer.user(p);
            true
        }
        _ => return Err(RejectReason::BadField),
    };
    if let Some(has_user) = feed_messages(&mut printer)? {
        has_prompt |= has_user;
    }
    if !has_prompt {
        return Err(RejectReason::MissingPrompt);
    }

    let asn = opt(get(Field::Asn), |v| match v {
        Scalar::Str(t) => {
            let t = t
                .strip_prefix("AS")
                .or_else(|| t.strip_prefix("as"))
                .unwrap_or(t);
            t.parse::<u32>().ok()
        }
        v => uint(v).and_then(|n| u32::try_from(n).ok()),
    })?;
    let temperature = opt(get(Field::Temperature), |v| match v {
        Scalar::F64(f) if f.is_finite() => Some(f as f32),
        Scalar::I64(i) => Some(i as f32),
        Scalar::U64(u) => Some(u as f32),
        _ => None,
    })?;
    let boolean = |v: Scalar<'_>| match v {
        Scalar::Bool(b) => Some(b),
        _ => None,
    };
    let thinking = opt(get(Field::Thinking), |v| match v {
        Scalar::Bool(b) => Some(b),
        // Anthropic style: {"type": "enabled", "budget_tokens": N}
        Scalar::Object(Some(t)) => Some(t == "enabled"),
        _ => None,
    })?;
    let tools = opt(get(Field::Tools), |v| match v {
        Scalar::Array(n) => Some(n.min(u16::MAX as usize) as u16),
        v => uint(v).map(|n| n.min(u16::MAX as u64) as u16),
    })?;

    Ok(Event {
        ts_ms,
        account,
        ip,
        asn,
        account_created_ms: opt(get(Field::AccountCreatedAt), time_ms)?,
        request_id: ident(tags::REQUEST, get(Field::RequestId))?,
        api_key: ident(tags::API_KEY, get(Field::ApiKeyId))?,
        org: ident(tags::ORG, get(Field::OrgId))?,
        payment: ident(tags::PAYMENT, get(Field::PaymentFingerprint))?,
        model: hash_of(tags::MODEL, get(Field::Model))?,
        user_agent: hash_of(tags::USER_AGENT, get(Field::UserAgent))?,
        input_tokens: small(get(Field::InputTokens))?,
        output_tokens: small(get(Field::OutputTokens))?,
        max_tokens: small(get(Field::MaxTokens))?,
        temperature,
        stream: opt(get(Field::Stream), boolean)?,
        thinking,
        tools,
        status: small(get(Field::Status))?,
        prompt: printer.finish(),
    })
}

/// What a message's role means for the fingerprint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    User,
    System,
    /// An earlier answer: its text is not read, its presence makes the request a follow-up.
    Assistant,
    /// Tool and anything else: not read.
    Other,
}

impl Role {
    pub(crate) fn of(role: &str) -> Role {
        match role {
            "user" | "human" => Role::User,
            "system" | "developer" => Role::System,
            "assistant" | "model" => Role::Assistant,
            _ => Role::Other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_text() {
        let mut b = [0u8; 20];
        assert_eq!(decimal(0, &mut b), b"0");
        assert_eq!(decimal(u64::MAX, &mut b), b"18446744073709551615");
        assert_eq!(ident(1, Scalar::U64(42)), ident(1, Scalar::Str("42")));
        assert_eq!(ident(1, Scalar::Str("")), Ok(None));
        assert_eq!(ident(1, Scalar::Bool(true)), Err(RejectReason::BadField));
    }
}
