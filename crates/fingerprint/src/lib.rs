//! Prompt fingerprinting: prompt text in, a [`PromptPrint`] out.
//!
//! [`PromptPrinter`] reads prompt text once, in chunks (a `prompt` string, or each text block of
//! each message), and produces a [`PromptPrint`] (the data type lives in `distillguard-types`);
//! the text is then dropped by the caller. The print holds:
//!
//! - `skeleton`: a hash of the prompt's *structural skeleton*. The text is tokenised
//!   (`tokenize.rs`) and every literal is normalised to a class token: numbers → `#`, identifiers
//!   (snake_case, camelCase, words with digits) → `ID`, fenced or inline code → `CODE`, quoted
//!   strings → `STR`, URLs → `URL`; plain words are lower-cased. Two prompts with the same
//!   skeleton differ only in their literals.
//! - `bands`: a MinHash (one-permutation hashing with rotation densification) over the
//!   skeleton's token 3-shingles, folded into [`BANDS`] LSH bands of [`BAND_ROWS`] rows. Prompts
//!   built from one template with different fillings share most shingles and therefore, with
//!   high probability, at least one band key; unrelated prompts rarely do.
//! - `system`: the skeleton hash of the system prompt (0 when absent).
//! - `capabilities`: which capability areas the prompt asks for (coding, agentic, reasoning,
//!   math, writing), from the keyword classes in `keywords.rs`; `asks_reasoning`: an explicit
//!   request for step-by-step / chain-of-thought reasoning.
//!
//! Cost is one pass over the bytes and one hash per token; no allocation.

mod keywords;
mod tokenize;

use distillguard_types::hash::{combine, finalize};
use distillguard_types::prompt::{Capability, PromptPrint, BANDS};
use keywords::{Cue, KeywordTable};
use tokenize::tokenize;

/// Rows per LSH band.
pub const BAND_ROWS: usize = 3;
/// Number of MinHash bins: one per row of every band.
pub const MINHASH_BINS: usize = BANDS * BAND_ROWS;
/// Tokens read per prompt at most (a huge prompt costs the same as a long one).
pub const MAX_TOKENS: u32 = 4096;

/// Streaming fingerprinter. Feed every user text chunk with [`PromptPrinter::user`], an optional
/// system prompt with [`PromptPrinter::system`], then [`PromptPrinter::finish`].
#[derive(Debug)]
pub struct PromptPrinter {
    skeleton: u64,
    system: u64,
    mins: [u64; MINHASH_BINS],
    prev: [u64; 2],
    tokens: u32,
    bytes: u32,
    caps: u8,
    asks_reasoning: bool,
    followup: bool,
    cues: [Cue; 2],
}

impl Default for PromptPrinter {
    fn default() -> Self {
        Self::new()
    }
}

impl PromptPrinter {
    /// A fresh printer.
    pub fn new() -> Self {
        PromptPrinter {
            skeleton: 0x5eed,
            system: 0,
            mins: [u64::MAX; MINHASH_BINS],
            prev: [0; 2],
            tokens: 0,
            bytes: 0,
            caps: 0,
            asks_reasoning: false,
            followup: false,
            cues: [Cue::None; 2],
        }
    }

    /// Feed a chunk of user text.
    pub fn user(&mut self, text: &str) {
        self.bytes = self.bytes.saturating_add(text.len() as u32);
        if self.tokens >= MAX_TOKENS {
            return;
        }
        let keywords = keywords::table();
        tokenize(text.as_bytes(), |tok, word| {
            self.user_token(keywords, tok, word)
        });
    }

    /// Note an assistant turn in the request: it continues a conversation.
    pub fn assistant_turn(&mut self) {
        self.followup = true;
    }

    /// Feed a system prompt (its skeleton hash is kept apart from the user skeleton).
    pub fn system(&mut self, text: &str) {
        let mut h = 0x5157_u64;
        let mut n = 0u32;
        tokenize(text.as_bytes(), |tok, _| {
            h = combine(h, tok);
            n += 1;
            n < MAX_TOKENS
        });
        if n > 0 {
            self.system = combine(self.system, h) | 1;
        }
    }

    /// Take one user token; false once [`MAX_TOKENS`] have been taken.
    #[inline(always)]
    fn user_token(&mut self, keywords: &KeywordTable, tok: u64, word: Option<&[u8]>) -> bool {
        self.tokens += 1;
        self.skeleton = combine(self.skeleton, tok);
        if self.tokens >= 3 {
            let sh = finalize(combine(combine(self.prev[0], self.prev[1]), tok));
            let bin = ((sh as u128 * MINHASH_BINS as u128) >> 64) as usize;
            if sh < self.mins[bin] {
                self.mins[bin] = sh;
            }
        }
        self.prev = [self.prev[1], tok];
        if let Some(w) = word {
            self.classify(keywords.get(tok, w));
        }
        self.tokens < MAX_TOKENS
    }

    #[inline(always)]
    fn classify(&mut self, (cap, cue): (u8, Cue)) {
        self.caps |= cap;
        let window = [self.cues[0], self.cues[1], cue];
        // Every phrase ends in a cue word, so most words skip the window test.
        if cue != Cue::None
            && matches!(
                window,
                [Cue::Step, Cue::By, Cue::Step]
                    | [Cue::Chain, Cue::Of, Cue::Thought]
                    | [_, Cue::Think, Cue::Carefully]
                    | [_, Cue::Think, Cue::Through]
                    | [Cue::Show, Cue::Your, Cue::Work]
                    | [Cue::Show, Cue::Your, Cue::Reasoning]
                    | [Cue::Explain, Cue::Your, Cue::Reasoning]
            )
        {
            self.asks_reasoning = true;
            self.caps |= Capability::REASONING.0;
        }
        self.cues = [self.cues[1], cue];
    }

    /// Finish and return the print.
    pub fn finish(mut self) -> PromptPrint {
        let mut bands = [0u64; BANDS];
        if self.tokens > 0 {
            if self.tokens < 3 {
                // Too short for shingles: the whole skeleton is the only shingle.
                let sh = finalize(self.skeleton);
                let bin = ((sh as u128 * MINHASH_BINS as u128) >> 64) as usize;
                self.mins[bin] = sh;
            }
            densify(&mut self.mins);
            for (b, band) in bands.iter_mut().enumerate() {
                let mut h = 0xBA4D_u64 + b as u64;
                for r in 0..BAND_ROWS {
                    h = combine(h, self.mins[b * BAND_ROWS + r]);
                }
                *band = h | 1;
            }
        }
        PromptPrint {
            skeleton: if self.tokens > 0 { self.skeleton } else { 0 },
            bands,
            system: self.system,
            tokens: self.tokens,
            bytes: self.bytes,
            capabilities: Capability(self.caps),
            asks_reasoning: self.asks_reasoning,
            followup: self.followup,
        }
    }
}

/// Fill empty bins from the next non-empty bin (rotation densification, Shrivastava 2017).
fn densify(mins: &mut [u64; MINHASH_BINS]) {
    if mins.iter().all(|m| *m == u64::MAX) {
        return;
    }
    let snapshot = *mins;
    for j in 0..MINHASH_BINS {
        if snapshot[j] != u64::MAX {
            continue;
        }
        let mut k = (j + 1) % MINHASH_BINS;
        let mut dist = 1u64;
        while snapshot[k] == u64::MAX {
            k = (k + 1) % MINHASH_BINS;
            dist += 1;
        }
        mins[j] = finalize(snapshot[k] ^ dist.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    }
}

/// Fingerprint a single prompt string (convenience for tests and tools).
pub fn print_of(text: &str) -> PromptPrint {
    let mut p = PromptPrinter::new();
    p.user(text);
    p.finish()
}

#[cfg(test)]
mod exactness;
#[cfg(test)]
mod reference;

#[cfg(test)]
mod tests {
    use super::*;

    fn shares_band(a: &str, b: &str) -> bool {
        let (pa, pb) = (print_of(a), print_of(b));
        pa.bands.iter().any(|x| pb.bands.contains(x))
    }

    #[test]
    fn literals_normalise_to_the_same_skeleton() {
        let a = print_of("Sort the list [3, 1, 2] using my_sort and return `x` from \"a.txt\"");
        let b = print_of("Sort the list [9, 7, 5] using other_fn and return `yy` from \"b.csv\"");
        assert_eq!(a.skeleton, b.skeleton);
        assert_eq!(a.bands, b.bands);
        let c = print_of("Sort the array [9, 7, 5] using other_fn and return `yy` from \"b.csv\"");
        assert_ne!(a.skeleton, c.skeleton);
    }

    #[test]
    fn template_fillings_share_bands_unrelated_prompts_do_not() {
        let t = |task: &str, lang: &str| {
            format!(
                "You are an expert engineer. Write a {lang} function that {task}. Think step by \
                 step, explain your reasoning in detail, consider edge cases, then give the final \
                 code with unit tests and a complexity analysis."
            )
        };
        let a = t("merges two sorted linked lists", "Rust");
        let b = t("parses an ISO date string", "Go");
        assert!(shares_band(&a, &b));
        assert!(!shares_band(
            "what should I cook tonight with leftover rice and some eggs",
            "my cat keeps knocking cups off the table, how do I stop her"
        ));
    }

    #[test]
    fn capabilities_and_reasoning_cue() {
        let p = print_of("Think step by step and implement a Python function to solve it.");
        assert!(p.asks_reasoning);
        assert!(p.capabilities.contains(Capability::CODING));
        assert!(p.capabilities.contains(Capability::MATH));
        let q = print_of("Write a short poem about autumn");
        assert!(!q.asks_reasoning);
        assert_eq!(q.capabilities, Capability::WRITING);
        assert!(print_of("please show your work").asks_reasoning);
    }

    #[test]
    fn code_blocks_collapse() {
        let a = print_of("Fix this:\n```rust\nfn main() { let x = 1; }\n```\nthanks");
        let b = print_of("Fix this:\n```python\nimport os\nprint(os.getcwd())\n```\nthanks");
        assert_eq!(a.skeleton, b.skeleton);
    }

    #[test]
    fn empty_and_short_prompts() {
        let e = print_of("   ");
        assert!(e.is_empty());
        assert_eq!(e.bands, [0; BANDS]);
        let s = print_of("hi");
        assert!(!s.is_empty());
        assert!(s.bands.iter().all(|b| *b != 0));
        assert_eq!(print_of("hello there").bands, print_of("Hello there").bands);
    }

    #[test]
    fn system_prompt_kept_apart() {
        let mut p = PromptPrinter::new();
        p.system("You are CodeHelper, an IDE assistant.");
        p.user("why does this panic");
        let with = p.finish();
        let without = print_of("why does this panic");
        assert_eq!(with.skeleton, without.skeleton);
        assert_ne!(with.system, 0);
        assert_eq!(without.system, 0);
    }

    proptest::proptest! {
        #[test]
        fn never_panics_on_any_text(s in "\\PC{0,300}") {
            let p = print_of(&s);
            proptest::prop_assert!(p.tokens <= MAX_TOKENS);
        }
    }
}
