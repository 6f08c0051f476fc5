//! The correlation keys an event touches.

use distillguard_types::config::CorrelateConfig;
use distillguard_types::corr::{CorrKey, KeyKind};
use distillguard_types::net::{ip_key, prefix_key};
use distillguard_types::prompt::BANDS;
use distillguard_types::Event;

/// Most keys one event can touch.
pub const MAX_KEYS: usize = BANDS + 7;

/// A fixed-capacity list of keys (no allocation).
#[derive(Debug, Clone, Copy)]
pub struct KeyList {
    keys: [CorrKey; MAX_KEYS],
    len: usize,
}

impl KeyList {
    fn push(&mut self, kind: KeyKind, hash: u64) {
        self.keys[self.len] = CorrKey { kind, hash };
        self.len += 1;
    }
    /// The keys.
    pub fn as_slice(&self) -> &[CorrKey] {
        &self.keys[..self.len]
    }
}

/// Keys of an event: template bands and the whole prompt (prompts of `min_prompt_tokens` or
/// more; the whole prompt only for a standalone one, not a follow-up), system prompt,
/// IP, prefix, ASN, payment fingerprint and API key, as enabled in config.
pub fn keys_of(ev: &Event, asn: Option<u32>, cfg: &CorrelateConfig) -> KeyList {
    let mut k = KeyList {
        keys: [CorrKey {
            kind: KeyKind::Template,
            hash: 0,
        }; MAX_KEYS],
        len: 0,
    };
    if ev.prompt.tokens >= cfg.min_prompt_tokens {
        for b in ev.prompt.bands {
            k.push(KeyKind::Template, b);
        }
        if !ev.prompt.followup {
            k.push(KeyKind::Prompt, ev.prompt.skeleton);
        }
    }
    if ev.prompt.system != 0 {
        k.push(KeyKind::System, ev.prompt.system);
    }
    if cfg.ip_keys {
        k.push(KeyKind::Ip, ip_key(ev.ip));
        k.push(KeyKind::Prefix, prefix_key(ev.ip));
    }
    if cfg.asn_keys {
        if let Some(a) = asn {
            k.push(KeyKind::Asn, u64::from(a));
        }
    }
    if cfg.identity_keys {
        if let Some(p) = ev.payment {
            k.push(KeyKind::Payment, p);
        }
        if let Some(a) = ev.api_key {
            k.push(KeyKind::ApiKey, a);
        }
    }
    k
}

#[cfg(test)]
mod tests {
    use super::*;
    use distillguard_fingerprint::print_of;

    #[test]
    fn short_prompts_give_no_template_keys() {
        let cfg = CorrelateConfig::default();
        let mut ev = Event::sample("a", 0, "1.2.3.4".parse().unwrap());
        ev.prompt = print_of("hi there");
        ev.payment = Some(7);
        let k = keys_of(&ev, Some(64500), &cfg);
        let kinds: Vec<KeyKind> = k.as_slice().iter().map(|k| k.kind).collect();
        assert_eq!(
            kinds,
            vec![KeyKind::Ip, KeyKind::Prefix, KeyKind::Asn, KeyKind::Payment]
        );
        ev.prompt = print_of("please write a function that parses a date string and test it well");
        let keys = keys_of(&ev, None, &cfg);
        assert_eq!(
            keys.as_slice().len(),
            BANDS + 4,
            "bands, the whole prompt, ip, prefix, pay"
        );
        assert_eq!(keys.as_slice()[BANDS].kind, KeyKind::Prompt);
        ev.prompt.followup = true;
        let keys = keys_of(&ev, None, &cfg);
        assert_eq!(
            keys.as_slice().len(),
            BANDS + 3,
            "a follow-up is no whole prompt"
        );
    }
}
