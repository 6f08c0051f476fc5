//! One simulated request (`SimRecord`) and its JSON-line serialisation.

use std::io::Write;
use std::net::IpAddr;

/// Ground-truth class of an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Class {
    /// People, including shared-tool users.
    Organic,
    /// Legitimate automation: CI, eval harnesses, batch processing.
    Automation,
    /// Distillation campaign accounts.
    Attack,
    /// Members of benign groups (a course, a research team, a company onboarding, an
    /// event): new people sharing networks, prompts and sign-up times; benign.
    Cohort,
}

impl Class {
    /// The label text (`organic`, `automation`, `attack`, `cohort`).
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Organic => "organic",
            Class::Automation => "automation",
            Class::Attack => "attack",
            Class::Cohort => "cohort",
        }
    }
}

/// How the request body is shaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    /// `prompt`: one text (completions-style endpoints).
    Prompt,
    /// `messages`: the user message with string content (after the `history` turns).
    Messages,
    /// `messages`: the user message's content is an array of text blocks (after `history`).
    Blocks,
}

/// One request as emitted. Reused between records by the simulator (no per-record allocation).
#[derive(Debug, Clone, PartialEq)]
pub struct SimRecord {
    /// Epoch milliseconds.
    pub ts: i64,
    /// Unique request id.
    pub request_id: String,
    /// Account id.
    pub account_id: String,
    /// API key id.
    pub api_key_id: String,
    /// Organisation id.
    pub org_id: String,
    /// Payment fingerprint.
    pub payment_fingerprint: String,
    /// Account creation time, epoch ms.
    pub account_created_at: i64,
    /// Source address.
    pub ip: IpAddr,
    /// Origin ASN of `ip`, when known.
    pub asn: Option<u32>,
    /// Client user agent.
    pub user_agent: &'static str,
    /// API endpoint path.
    pub endpoint: &'static str,
    /// Model name.
    pub model: &'static str,
    /// System prompt; empty = none.
    pub system: String,
    /// The user's text (as `prompt` or as the last user message, per `body`).
    pub text: String,
    /// Earlier turns of a conversation, oldest first: (user text, assistant answer). Only
    /// messages-style bodies carry them (a follow-up request); empty otherwise.
    pub history: Vec<(String, String)>,
    /// Body shape.
    pub body: Body,
    /// Requested max_tokens.
    pub max_tokens: u32,
    /// Temperature, when set.
    pub temperature: Option<f32>,
    /// Streaming requested.
    pub stream: bool,
    /// Extended reasoning requested.
    pub thinking: bool,
    /// Number of tools declared (0 = field omitted).
    pub tools: u32,
    /// Input tokens.
    pub input_tokens: u32,
    /// Output tokens.
    pub output_tokens: u32,
    /// HTTP status.
    pub status: u16,
    /// Ground truth (not serialised): the account's class.
    pub class: Class,
    /// Ground truth (not serialised): campaign index for attack accounts.
    pub campaign: Option<u16>,
}

impl Default for SimRecord {
    fn default() -> Self {
        SimRecord {
            ts: 0,
            request_id: String::new(),
            account_id: String::new(),
            api_key_id: String::new(),
            org_id: String::new(),
            payment_fingerprint: String::new(),
            account_created_at: 0,
            ip: IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED),
            asn: None,
            user_agent: "",
            endpoint: "",
            model: "",
            system: String::new(),
            text: String::new(),
            history: Vec::new(),
            body: Body::Messages,
            max_tokens: 0,
            temperature: None,
            stream: false,
            thinking: false,
            tools: 0,
            input_tokens: 0,
            output_tokens: 0,
            status: 200,
            class: Class::Organic,
            campaign: None,
        }
    }
}

fn json_str(buf: &mut Vec<u8>, s: &str) {
    // Writing to a Vec cannot fail; serde_json escapes exactly as JSON requires.
    let _ = serde_json::to_writer(&mut *buf, s);
}

impl SimRecord {
    /// Appends the record as one JSON object plus `\n` to `buf`.
    pub fn write_json(&self, buf: &mut Vec<u8>) {
        let _ = write!(buf, "{{\"ts\":{},\"request_id\":", self.ts);
        json_str(buf, &self.request_id);
        buf.extend_from_slice(b",\"account_id\":");
        json_str(buf, &self.account_id);
        buf.extend_from_slice(b",\"api_key_id\":");
        json_str(buf, &self.api_key_id);
        buf.extend_from_slice(b",\"org_id\":");
        json_str(buf, &self.org_id);
        buf.extend_from_slice(b",\"payment_fingerprint\":");
        json_str(buf, &self.payment_fingerprint);
        let _ = write!(
            buf,
            ",\"account_created_at\":{},\"ip\":\"{}\"",
            self.account_created_at, self.ip
        );
        if let Some(asn) = self.asn {
            let _ = write!(buf, ",\"asn\":{asn}");
        }
        buf.extend_from_slice(b",\"user_agent\":");
        json_str(buf, self.user_agent);
        buf.extend_from_slice(b",\"endpoint\":");
        json_str(buf, self.endpoint);
        buf.extend_from_slice(b",\"model\":");
        json_str(buf, self.model);
        match self.body {
            Body::Prompt => {
                buf.extend_from_slice(b",\"prompt\":");
                json_str(buf, &self.text);
            }
            Body::Messages | Body::Blocks => {
                if !self.system.is_empty() {
                    buf.extend_from_slice(b",\"system\":");
                    json_str(buf, &self.system);
                }
                buf.extend_from_slice(b",\"messages\":[");
                for (user, assistant) in &self.history {
                    buf.extend_from_slice(b"{\"role\":\"user\",\"content\":");
                    json_str(buf, user);
                    buf.extend_from_slice(b"},{\"role\":\"assistant\",\"content\":");
                    json_str(buf, assistant);
                    buf.extend_from_slice(b"},");
                }
                buf.extend_from_slice(b"{\"role\":\"user\",\"content\":");
                if self.body == Body::Blocks {
                    buf.extend_from_slice(b"[");
                    // Split a pasted block (code, document) from the request text.
                    let mut first = true;
                    for part in self.text.splitn(2, "\n\n") {
                        if !first {
                            buf.push(b',');
                        }
                        first = false;
                        buf.extend_from_slice(b"{\"type\":\"text\",\"text\":");
                        json_str(buf, part);
                        buf.push(b'}');
                    }
                    buf.extend_from_slice(b"]");
                } else {
                    json_str(buf, &self.text);
                }
                buf.extend_from_slice(b"}]");
            }
        }
        let _ = write!(buf, ",\"max_tokens\":{}", self.max_tokens);
        if let Some(t) = self.temperature {
            let _ = write!(buf, ",\"temperature\":{}", t);
        }
        let _ = write!(
            buf,
            ",\"stream\":{},\"thinking\":{}",
            self.stream, self.thinking
        );
        if self.tools > 0 {
            let _ = write!(buf, ",\"tools\":{}", self.tools);
        }
        let _ = writeln!(
            buf,
            ",\"input_tokens\":{},\"output_tokens\":{},\"status\":{}}}",
            self.input_tokens, self.output_tokens, self.status
        );
    }
}
