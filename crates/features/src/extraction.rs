//! What an account extracts, 0..1: the evidence that turns a coordinated group into a
//! campaign.
//!
//! A harvester takes long answers and reasoning (served output of at least
//! `signals.long_output_tokens`, extended thinking, chain of thought) to standalone task
//! prompts (coding, agentic, reasoning, math), each a new one: it needs both. A person's
//! requests build on the last answer (follow-ups); an evaluation or a class sends what others
//! send word for word. So: extraction = √(long answers × tasks) × (1 − follow-ups) ×
//! (1 − duplicates), each share along its ramp, judged after `signals.share_min_requests`
//! requests.

use crate::account::AccountState;
use distillguard_types::config::Config;
use distillguard_types::prompt::Capability;
use distillguard_types::sketch::ramp;
use distillguard_types::GroupExtraction;

/// The account's extraction, 0..1 (0 until it is judged).
pub fn extraction(st: &AccountState, cfg: &Config) -> f64 {
    judged_extraction(st, cfg).unwrap_or(0.0)
}

/// The account's extraction once it has made `signals.share_min_requests` requests.
pub fn judged_extraction(st: &AccountState, cfg: &Config) -> Option<f64> {
    if st.n < u64::from(cfg.signals.share_min_requests) {
        return None;
    }
    let x = &cfg.extraction;
    let answers = ramp(f64::from(st.long_answer), cfg.signals.harvest_share);
    let task = ramp(f64::from(st.task), x.task_share);
    Some((answers * task).sqrt() * person_discount(st, cfg))
}

/// What speaks against harvesting, 1 (nothing) to 0: follow-ups of a conversation and prompts
/// other accounts sent word for word.
fn person_discount(st: &AccountState, cfg: &Config) -> f64 {
    let x = &cfg.extraction;
    let talk = ramp(f64::from(st.followup), x.followup_share);
    let shared = ramp(st.evidence.duplicate_share(), x.duplicate_share);
    (1.0 - talk) * (1.0 - shared)
}

/// How much of its group's cross-account evidence an account takes, 0..1: once judged, along
/// its own extraction (`extraction.own`): a person who shares a key with a campaign is not
/// the campaign. Before that, all of it unless its first requests already speak against
/// harvesting (follow-ups, prompts others sent word for word), so a campaign's new accounts
/// are caught on their first requests and a new benchmark runner is not.
pub fn evidence_share(st: &AccountState, cfg: &Config) -> f64 {
    match judged_extraction(st, cfg) {
        Some(x) => ramp(x, cfg.extraction.own),
        None => person_discount(st, cfg),
    }
}

/// The account's own figures, as a campaign record averages them over members.
pub fn figures(st: &AccountState, cfg: &Config) -> GroupExtraction {
    let targeted = [
        Capability::CODING,
        Capability::AGENTIC,
        Capability::REASONING,
    ]
    .iter()
    .map(|c| f64::from(st.caps[c.0.trailing_zeros() as usize]))
    .fold(0.0, f64::max);
    GroupExtraction {
        score: extraction(st, cfg),
        harvest_share: f64::from(st.long_answer),
        task_share: f64::from(st.task),
        followup_share: f64::from(st.followup),
        duplicate_share: st.evidence.duplicate_share(),
        output_tokens: f64::from(st.out_tokens),
        targeting_share: targeted,
        requests: st.n,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use distillguard_fingerprint::print_of;
    use distillguard_types::Event;

    /// Feed `n` requests made by `make(i)` and return the account's extraction.
    fn extraction_of(n: usize, make: impl Fn(usize) -> Event, dup_every: usize) -> f64 {
        let cfg = Config::default();
        let first = make(0);
        let mut st = AccountState::new(&first, &cfg.signals, &cfg.correlate);
        for i in 0..n {
            let ev = make(i);
            st.update(&ev, None, false, &cfg.signals, &cfg.correlate);
            let dup = dup_every > 0 && i % dup_every == 0;
            st.evidence.note_template(0.0, dup, ev.ts_ms);
        }
        extraction(&st, &cfg)
    }

    fn request(i: usize, text: &str, thinking: bool, followup: bool) -> Event {
        let mut ev = Event::sample("a", i as i64 * 60_000, "1.2.3.4".parse().unwrap());
        ev.prompt = print_of(text);
        ev.prompt.followup = followup;
        ev.thinking = Some(thinking);
        ev
    }

    const TASK: &str = "write a python function that parses the log file and returns the \
                        slowest request, explain your reasoning step by step";
    const CHAT: &str = "thanks, that makes sense now, but why did you use a dictionary there";

    #[test]
    fn harvesting_extracts_conversation_and_shared_sets_do_not() {
        let harvest = extraction_of(40, |i| request(i, TASK, true, false), 0);
        assert!(harvest > 0.9, "harvester {harvest}");
        // the same prompts, but half of them follow-ups of a conversation
        let talk = extraction_of(40, |i| request(i, TASK, false, i % 2 == 1), 0);
        assert!(talk < 0.1, "conversation {talk}");
        // the same prompts that every other account sends too (a benchmark, an exercise)
        let shared = extraction_of(40, |i| request(i, TASK, true, false), 1);
        assert!(shared < 0.1, "shared set {shared}");
        // too few requests to judge
        assert_eq!(extraction_of(3, |i| request(i, TASK, true, false), 0), 0.0);
    }

    #[test]
    fn chat_is_neither_harvest_nor_task() {
        let chat = extraction_of(40, |i| request(i, CHAT, false, false), 0);
        assert!(chat < 0.1, "{chat}");
    }

    #[test]
    fn long_answers_without_tasks_or_tasks_without_long_answers_are_not_harvesting() {
        // an IDE tool asking for reasoning on chat-like requests
        let answers_only = extraction_of(40, |i| request(i, CHAT, true, false), 0);
        assert!(answers_only < 0.1, "{answers_only}");
        // coding tasks with short answers and no reasoning: a CI job
        let tasks_only = extraction_of(
            40,
            |i| request(i, TASK.split(',').next().unwrap(), false, false),
            0,
        );
        assert!(tasks_only < 0.1, "{tasks_only}");
    }
}
