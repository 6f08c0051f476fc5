//! The fingerprinter exactly as it was before the tokenizer was optimised, kept only for tests:
//! [`super::exactness`] checks that the optimised [`super::PromptPrinter`] gives bit-identical
//! prints. Do not change this file.

#![allow(dead_code)]

use super::{BAND_ROWS, MAX_TOKENS, MINHASH_BINS};
use distillguard_types::hash::{combine, finalize, tagged_hash};
use distillguard_types::prompt::{Capability, PromptPrint, BANDS};

const TOK_NUM: u64 = 0x6e75_6d00;
const TOK_ID: u64 = 0x6964_0000;
const TOK_CODE: u64 = 0x636f_6465;
const TOK_STR: u64 = 0x7374_7200;
const TOK_URL: u64 = 0x7572_6c00;
const TOK_Q: u64 = 0x3f00_0000;
const TOK_COLON: u64 = 0x3a00_0000;

/// Reasoning phrase words, coded small for a 3-word window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Cue {
    None,
    Step,
    By,
    Chain,
    Of,
    Thought,
    Think,
    Carefully,
    Show,
    Your,
    Work,
    Reasoning,
    Explain,
    Through,
}

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
            cues: [Cue::None; 2],
        }
    }

    /// Feed a chunk of user text.
    pub fn user(&mut self, text: &str) {
        self.bytes = self.bytes.saturating_add(text.len() as u32);
        tokenize(text.as_bytes(), &mut |tok, word| self.user_token(tok, word));
    }

    /// Feed a system prompt (its skeleton hash is kept apart from the user skeleton).
    pub fn system(&mut self, text: &str) {
        let mut h = 0x5157_u64;
        let mut n = 0u32;
        tokenize(text.as_bytes(), &mut |tok, _| {
            if n < MAX_TOKENS {
                h = combine(h, tok);
                n += 1;
            }
        });
        if n > 0 {
            self.system = combine(self.system, h) | 1;
        }
    }

    fn user_token(&mut self, tok: u64, word: Option<&[u8]>) {
        if self.tokens >= MAX_TOKENS {
            return;
        }
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
            self.classify(w);
        }
    }

    fn classify(&mut self, w: &[u8]) {
        let (cap, cue) = keyword(w);
        self.caps |= cap;
        let window = [self.cues[0], self.cues[1], cue];
        if matches!(
            window,
            [Cue::Step, Cue::By, Cue::Step]
                | [Cue::Chain, Cue::Of, Cue::Thought]
                | [_, Cue::Think, Cue::Carefully]
                | [_, Cue::Think, Cue::Through]
                | [Cue::Show, Cue::Your, Cue::Work]
                | [Cue::Show, Cue::Your, Cue::Reasoning]
                | [Cue::Explain, Cue::Your, Cue::Reasoning]
        ) {
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
            followup: false,
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

/// Keyword classes: capability bits and reasoning cue of a lower-case word.
pub(super) fn keyword(w: &[u8]) -> (u8, Cue) {
    const C: u8 = Capability::CODING.0;
    const A: u8 = Capability::AGENTIC.0;
    const R: u8 = Capability::REASONING.0;
    const M: u8 = Capability::MATH.0;
    const W: u8 = Capability::WRITING.0;
    match w {
        b"step" | b"steps" => (0, Cue::Step),
        b"by" => (0, Cue::By),
        b"chain" => (0, Cue::Chain),
        b"of" => (0, Cue::Of),
        b"thought" | b"thoughts" => (R, Cue::Thought),
        b"think" => (0, Cue::Think),
        b"carefully" => (0, Cue::Carefully),
        b"show" => (0, Cue::Show),
        b"your" => (0, Cue::Your),
        b"work" => (0, Cue::Work),
        b"reasoning" => (R, Cue::Reasoning),
        b"explain" => (0, Cue::Explain),
        b"through" => (0, Cue::Through),
        b"function" | b"functions" | b"code" | b"python" | b"rust" | b"javascript"
        | b"typescript" | b"java" | b"golang" | b"sql" | b"regex" | b"implement"
        | b"implementation" | b"compile" | b"compiler" | b"bug" | b"debug" | b"refactor"
        | b"class" | b"method" | b"algorithm" | b"api" | b"unit" | b"tests" | b"test"
        | b"script" | b"program" | b"library" | b"struct" | b"runtime" | b"exception"
        | b"stack" | b"array" | b"parser" | b"query" => (C, Cue::None),
        b"agent" | b"agentic" | b"tool" | b"tools" | b"repository" | b"repo" | b"terminal"
        | b"shell" | b"command" | b"commands" | b"execute" | b"workflow" | b"plan" | b"deploy"
        | b"commit" | b"issue" | b"browse" | b"navigate" | b"pipeline" | b"automate"
        | b"subtasks" => (A, Cue::None),
        b"prove" | b"proof" | b"logic" | b"logical" | b"deduce" | b"infer" | b"puzzle"
        | b"justify" | b"rigorous" | b"argument" | b"reason" => (R, Cue::None),
        b"calculate" | b"compute" | b"equation" | b"integral" | b"probability" | b"theorem"
        | b"derivative" | b"matrix" | b"prime" | b"solve" | b"geometry" | b"algebra" => {
            (M, Cue::None)
        }
        b"essay" | b"poem" | b"story" | b"email" | b"letter" | b"rewrite" | b"paragraph"
        | b"summarize" | b"summary" | b"blog" | b"article" => (W, Cue::None),
        _ => (0, Cue::None),
    }
}

#[inline]
fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// Tokenise `s`, calling `emit(token_hash, lowercase_word)` per token; the word is given only
/// for plain words of 2..=16 ASCII letters (for keyword classes).
fn tokenize(s: &[u8], emit: &mut dyn FnMut(u64, Option<&[u8]>)) {
    let n = s.len();
    let mut i = 0;
    let mut lower = [0u8; 16];
    while i < n {
        let b = s[i];
        if b == b'`' {
            if s[i..].starts_with(b"```") {
                let end = find(s, i + 3, b"```").map_or(n, |e| e + 3);
                emit(TOK_CODE, None);
                i = end;
                continue;
            }
            let limit = (i + 200).min(n);
            match s[i + 1..limit]
                .iter()
                .position(|c| *c == b'`' || *c == b'\n')
            {
                Some(p) if s[i + 1 + p] == b'`' => {
                    emit(TOK_CODE, None);
                    i = i + 2 + p;
                }
                _ => i += 1,
            }
            continue;
        }
        if b == b'"' {
            let limit = (i + 120).min(n);
            match s[i + 1..limit]
                .iter()
                .position(|c| *c == b'"' || *c == b'\n')
            {
                Some(p) if s[i + 1 + p] == b'"' => {
                    emit(TOK_STR, None);
                    i = i + 2 + p;
                }
                _ => i += 1,
            }
            continue;
        }
        if b.is_ascii_digit() {
            while i < n && (s[i].is_ascii_digit() || matches!(s[i], b'.' | b',' | b'%')) {
                i += 1;
            }
            if i < n && is_word_byte(s[i]) {
                while i < n && is_word_byte(s[i]) {
                    i += 1;
                }
                emit(TOK_ID, None);
            } else {
                emit(TOK_NUM, None);
            }
            continue;
        }
        if is_word_byte(b) {
            let start = i;
            let mut digits = false;
            let mut underscore = false;
            let mut inner_upper = false;
            let mut upper = 0usize;
            while i < n && is_word_byte(s[i]) {
                let c = s[i];
                digits |= c.is_ascii_digit();
                underscore |= c == b'_';
                if c.is_ascii_uppercase() {
                    upper += 1;
                    if i > start && s[i - 1].is_ascii_lowercase() {
                        inner_upper = true;
                    }
                }
                i += 1;
            }
            let word = &s[start..i];
            if (word == b"http" || word == b"https" || word == b"www") && s[i..].starts_with(b":")
                || word == b"www" && s[i..].starts_with(b".")
            {
                while i < n && !s[i].is_ascii_whitespace() {
                    i += 1;
                }
                emit(TOK_URL, None);
                continue;
            }
            let len = word.len();
            if digits || underscore || inner_upper || (upper == len && len > 4) {
                emit(TOK_ID, None);
                continue;
            }
            if len <= lower.len() {
                for (d, c) in lower.iter_mut().zip(word) {
                    *d = c.to_ascii_lowercase();
                }
                let w = &lower[..len];
                emit(tagged_hash(b'w', w), Some(w));
            } else {
                let mut h = 0x00C0_FFEE_u64;
                for c in word {
                    h = h.wrapping_mul(0x100_0000_01B3) ^ u64::from(c.to_ascii_lowercase());
                }
                emit(finalize(h), None);
            }
            continue;
        }
        match b {
            b'?' => emit(TOK_Q, None),
            b':' => emit(TOK_COLON, None),
            _ => {}
        }
        i += 1;
    }
}

fn find(s: &[u8], from: usize, pat: &[u8]) -> Option<usize> {
    if from >= s.len() {
        return None;
    }
    s[from..]
        .windows(pat.len())
        .position(|w| w == pat)
        .map(|p| p + from)
}

/// Fingerprint a single prompt string (convenience for tests and tools).
pub fn print_of(text: &str) -> PromptPrint {
    let mut p = PromptPrinter::new();
    p.user(text);
    p.finish()
}
