//! Client software and model pools shared by every population (no population marker).

use rand::Rng;

/// How a client sends the user text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    /// Completions-style `prompt`.
    Prompt,
    /// Chat-style `messages`.
    Messages,
}

/// A client profile: user agent, endpoint and body style, with a popularity weight.
#[derive(Debug, Clone, Copy)]
pub struct Client {
    /// User-Agent header.
    pub ua: &'static str,
    /// Endpoint path.
    pub endpoint: &'static str,
    /// Body style.
    pub api: Api,
    /// Relative popularity.
    pub weight: u32,
}

/// All client profiles; every population draws from this same pool with the same weights.
pub const CLIENTS: &[Client] = &[
    Client {
        ua: "anthropic-sdk-python/0.52.0",
        endpoint: "/v1/messages",
        api: Api::Messages,
        weight: 22,
    },
    Client {
        ua: "anthropic-sdk-python/0.49.0",
        endpoint: "/v1/messages",
        api: Api::Messages,
        weight: 9,
    },
    Client {
        ua: "anthropic-sdk-typescript/0.50.3",
        endpoint: "/v1/messages",
        api: Api::Messages,
        weight: 16,
    },
    Client {
        ua: "anthropic-sdk-go/1.4.0",
        endpoint: "/v1/messages",
        api: Api::Messages,
        weight: 4,
    },
    Client {
        ua: "python-httpx/0.28.1",
        endpoint: "/v1/messages",
        api: Api::Messages,
        weight: 5,
    },
    Client {
        ua: "litellm/1.72.0",
        endpoint: "/v1/messages",
        api: Api::Messages,
        weight: 6,
    },
    Client {
        ua: "langchain-anthropic/0.3.15",
        endpoint: "/v1/messages",
        api: Api::Messages,
        weight: 5,
    },
    Client {
        ua: "OpenAI/Python 1.82.0",
        endpoint: "/v1/chat/completions",
        api: Api::Messages,
        weight: 7,
    },
    Client {
        ua: "python-requests/2.32.3",
        endpoint: "/v1/complete",
        api: Api::Prompt,
        weight: 8,
    },
    Client {
        ua: "curl/8.5.0",
        endpoint: "/v1/complete",
        api: Api::Prompt,
        weight: 4,
    },
    Client {
        ua: "axios/1.9.0",
        endpoint: "/v1/complete",
        api: Api::Prompt,
        weight: 4,
    },
    Client {
        ua: "Go-http-client/2.0",
        endpoint: "/v1/complete",
        api: Api::Prompt,
        weight: 3,
    },
];

/// Model names; index 0 is the flagship.
pub const MODELS: &[&str] = &["mythos-preview", "mythos-5", "fable-5", "fable-5-mini"];

/// A client profile index drawn by popularity (only `Messages` clients if `messages_only`).
pub fn pick_client(rng: &mut impl Rng, messages_only: bool) -> u8 {
    let ok = |c: &Client| !messages_only || c.api == Api::Messages;
    let total: u32 = CLIENTS.iter().filter(|c| ok(c)).map(|c| c.weight).sum();
    let mut x = rng.gen_range(0..total);
    for (i, c) in CLIENTS.iter().enumerate().filter(|(_, c)| ok(c)) {
        if x < c.weight {
            return i as u8;
        }
        x -= c.weight;
    }
    0
}

/// A model index: the flagship with probability `flagship_share`, else uniform over all.
pub fn pick_model(rng: &mut impl Rng, flagship_share: f64) -> u8 {
    if rng.gen::<f64>() < flagship_share {
        0
    } else {
        rng.gen_range(0..MODELS.len()) as u8
    }
}

/// Personal system prompts some accounts of any population set on every request.
pub const SYSTEM_PROMPTS: &[&str] = &[
    "You are a helpful assistant.",
    "You are a helpful coding assistant.",
    "You are a senior software engineer. Answer precisely and completely.",
    "You are an expert tutor. Explain clearly.",
    "Answer concisely.",
    "You are a world-class problem solver. Be thorough.",
    "Always answer in Markdown.",
    "You are a helpful, honest and harmless assistant.",
];

/// Share of organic and campaign accounts with a personal system prompt.
pub const SYSTEM_PROMPT_SHARE: f64 = 0.15;
