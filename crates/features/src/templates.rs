//! Prompt-template concentration per account.
//!
//! A handful of template slots (a lossy top-k over prompt prints): a prompt joins the slot whose
//! LSH bands it shares, else replaces the least-used slot. "Few templates, many fillings" shows
//! as a high share of requests in the top three slots.

use distillguard_types::prompt::{PromptPrint, BANDS};
use serde::{Deserialize, Serialize};

const SLOTS: usize = 6;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
struct Slot {
    bands: [u64; BANDS],
    count: u32,
}

/// Template slots of one account.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TemplateSlots {
    slots: [Slot; SLOTS],
    total: u32,
}

impl TemplateSlots {
    /// Count one prompt (prompts shorter than `min_tokens` are not templates).
    pub fn add(&mut self, p: &PromptPrint, min_tokens: u32) {
        if p.tokens < min_tokens {
            return;
        }
        self.total += 1;
        let hit = self
            .slots
            .iter_mut()
            .find(|s| s.count > 0 && s.bands.iter().zip(&p.bands).any(|(a, b)| a == b));
        match hit {
            Some(s) => {
                s.count += 1;
                s.bands = p.bands;
            }
            None => {
                // Replace the least-used slot and start it at one (no space-saving
                // inflation: a stream of unrelated prompts keeps a low top-3 share).
                let min = self
                    .slots
                    .iter_mut()
                    .min_by_key(|s| s.count)
                    .expect("slots");
                min.count = 1;
                min.bands = p.bands;
            }
        }
    }

    /// Template prompts counted.
    pub fn total(&self) -> u32 {
        self.total
    }

    /// Share of template prompts in the three fullest slots.
    pub fn top3_share(&self) -> f64 {
        if self.total == 0 {
            return 0.0;
        }
        let mut c: [u32; SLOTS] = std::array::from_fn(|i| self.slots[i].count);
        c.sort_unstable_by(|a, b| b.cmp(a));
        (f64::from(c[0] + c[1] + c[2]).min(f64::from(self.total))) / f64::from(self.total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use distillguard_fingerprint::print_of;

    fn share_of(prompts: &[String]) -> f64 {
        let mut t = TemplateSlots::default();
        for p in prompts {
            t.add(&print_of(p), 4);
        }
        t.top3_share()
    }

    #[test]
    fn one_template_many_fillings_concentrates() {
        let tasks = [
            "reverses a string",
            "sums a list",
            "parses json",
            "sorts users by age",
            "merges two maps",
        ];
        let prompts: Vec<String> = (0..20)
            .map(|i| {
                format!(
                    "Write a well documented function that {}. Think step by step and explain \
                     your reasoning before giving the final answer with tests.",
                    tasks[i % tasks.len()]
                )
            })
            .collect();
        assert!(share_of(&prompts) > 0.9);
    }

    #[test]
    fn varied_prompts_do_not() {
        let prompts: Vec<String> = [
            "how long should I boil an egg for a soft yolk",
            "what is the capital of australia and why not sydney",
            "help me write a birthday message for my grandmother",
            "explain the difference between weather and climate please",
            "recommend three science fiction novels for a teenager",
            "why is the sky blue during the day but red at sunset",
            "my tomato plants have yellow leaves what should I do",
            "translate good morning my friend into portuguese please",
            "what are some cheap date ideas in a small town",
            "how do vaccines train the immune system to respond",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert!(share_of(&prompts) < 0.5, "{}", share_of(&prompts));
    }
}
