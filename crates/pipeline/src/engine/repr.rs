//! Serializable mirror of [`Event`] for snapshots of the reorder buffer (events carry no text).

use distillguard_types::prompt::{Capability, PromptPrint, BANDS};
use distillguard_types::{AccountId, Event};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

#[derive(Serialize, Deserialize)]
pub struct EventRepr {
    ts_ms: i64,
    account: AccountId,
    ip: IpAddr,
    asn: Option<u32>,
    created: Option<i64>,
    ids: [Option<u64>; 6],
    tokens: [Option<u32>; 3],
    temperature: Option<f32>,
    flags: [Option<bool>; 2],
    small: [Option<u16>; 2],
    skeleton: u64,
    bands: [u64; BANDS],
    system: u64,
    ptokens: u32,
    pbytes: u32,
    caps: u8,
    asks: bool,
    followup: bool,
}

impl From<&Event> for EventRepr {
    fn from(e: &Event) -> Self {
        EventRepr {
            ts_ms: e.ts_ms,
            account: e.account.clone(),
            ip: e.ip,
            asn: e.asn,
            created: e.account_created_ms,
            ids: [
                e.request_id,
                e.api_key,
                e.org,
                e.payment,
                e.model,
                e.user_agent,
            ],
            tokens: [e.input_tokens, e.output_tokens, e.max_tokens],
            temperature: e.temperature,
            flags: [e.stream, e.thinking],
            small: [e.tools, e.status],
            skeleton: e.prompt.skeleton,
            bands: e.prompt.bands,
            system: e.prompt.system,
            ptokens: e.prompt.tokens,
            pbytes: e.prompt.bytes,
            caps: e.prompt.capabilities.0,
            asks: e.prompt.asks_reasoning,
            followup: e.prompt.followup,
        }
    }
}

impl From<EventRepr> for Event {
    fn from(r: EventRepr) -> Self {
        let [request_id, api_key, org, payment, model, user_agent] = r.ids;
        Event {
            ts_ms: r.ts_ms,
            account: r.account,
            ip: r.ip,
            asn: r.asn,
            account_created_ms: r.created,
            request_id,
            api_key,
            org,
            payment,
            model,
            user_agent,
            input_tokens: r.tokens[0],
            output_tokens: r.tokens[1],
            max_tokens: r.tokens[2],
            temperature: r.temperature,
            stream: r.flags[0],
            thinking: r.flags[1],
            tools: r.small[0],
            status: r.small[1],
            prompt: PromptPrint {
                skeleton: r.skeleton,
                bands: r.bands,
                system: r.system,
                tokens: r.ptokens,
                bytes: r.pbytes,
                capabilities: Capability(r.caps),
                asks_reasoning: r.asks,
                followup: r.followup,
            },
        }
    }
}
