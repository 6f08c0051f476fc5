//! Prompt fingerprints: the only thing that survives of a prompt.
//!
//! [`PromptPrinter`] reads prompt text once, in chunks (a `prompt` string, or each text block of
//! each message), and produces a [`PromptPrint`]; the text is then dropped by the caller. The
//! print holds:
//!
//! - `skeleton`: a hash of the prompt's *structural skeleton*. The text is tokenised and every
//!   literal is normalised to a class token: numbers → `#`, identifiers (snake_case, camelCase,
//!   words with digits) → `ID`, fenced or inline code → `CODE`, quoted strings → `STR`, URLs →
//!   `URL`; plain words are lower-cased. Two prompts with the same skeleton differ only in their
//!   literals.
//! - `bands`: a MinHash (one-permutation hashing with rotation densification, 24 bins) over the
//!   skeleton's token 3-shingles, folded into 8 LSH bands of 3 rows. Prompts built from one
//!   template with different fillings share most shingles and therefore, with high probability,
//!   at least one band key (Jaccard 0.5 → 66% per prompt pair, 0.8 → 99.7%, 0.05 → 0.1%).
//! - `system`: the skeleton hash of the system prompt (0 when absent).
//! - `capabilities`: which capability areas the prompt asks for (coding, agentic, reasoning,
//!   math, writing), from keyword classes; `asks_reasoning`: an explicit request for
//!   step-by-step / chain-of-thought reasoning.
//!
//! Cost is one pass over the bytes and one hash per token; no allocation.

use crate::hash::{combine, finalize, tagged_hash};

/// Number of MinHash bins.
pub const MINHASH_BINS: usize = 24;
/// Rows per LSH band.
pub const BAND_ROWS: usize = 3;
/// Number of LSH bands.
pub const BANDS: usize = MINHASH_BINS / BAND_ROWS;
/// Tokens read per prompt at most (a 1 MiB prompt costs the same as a long one).
pub const MAX_TOKENS: u32 = 4096;

/// Capability areas a prompt asks for (a bit set).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Capability(pub u8);

impl Capability {
    /// Writing or changing code.
    pub const CODING: Capability = Capability(1);
    /// Multi-step tool use, repositories, terminals, plans.
    pub const AGENTIC: Capability = Capability(2);
    /// Explicit reasoning, proofs, logic.
    pub const REASONING: Capability = Capability(4);
    /// Mathematics.
    pub const MATH: Capability = Capability(8);
    /// Prose writing.
    pub const WRITING: Capability = Capability(16);
    /// Names, in bit order.
    pub const NAMES: [&'static str; 5] = ["coding", "agentic", "reasoning", "math", "writing"];

    /// Whether every bit of `other` is set.
    pub fn contains(self, other: Capability) -> bool {
        self.0 & other.0 == other.0 && other.0 != 0
    }
    /// Number of areas.
    pub fn count(self) -> u32 {
        self.0.count_ones()
    }
}

impl std::ops::BitOr for Capability {
    type Output = Capability;
    fn bitor(self, rhs: Capability) -> Capability {
        Capability(self.0 | rhs.0)
    }
}

/// What remains of a prompt.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct PromptPrint {
    /// Hash of the structural skeleton of the user prompt.
    pub skeleton: u64,
    /// LSH band keys of the skeleton's MinHash (all 0 when the prompt has no tokens).
    pub bands: [u64; BANDS],
    /// Skeleton hash of the system prompt, 0 when absent.
    pub system: u64,
    /// Tokens read (capped at [`MAX_TOKENS`]).
    pub tokens: u32,
    /// Length of the user text in bytes.
    pub bytes: u32,
    /// Capability areas asked for.
    pub capabilities: Capability,
    /// An explicit request for step-by-step / chain-of-thought reasoning.
    pub asks_reasoning: bool,
    /// The request carries an earlier assistant turn: a conversation's follow-up, not a
    /// standalone prompt.
    pub followup: bool,
}

impl PromptPrint {
    /// True when the prompt had no tokens (no bands to compare).
    pub fn is_empty(&self) -> bool {
        self.tokens == 0
    }
}

const TOK_NUM: u64 = 0x6e75_6d00;
const TOK_ID: u64 = 0x6964_0000;
const TOK_CODE: u64 = 0x636f_6465;
const TOK_STR: u64 = 0x7374_7200;
const TOK_URL: u64 = 0x7572_6c00;
const TOK_Q: u64 = 0x3f00_0000;
const TOK_COLON: u64 = 0x3a00_0000;

/// Reasoning phrase words, coded small for a 3-word window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cue {
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
        let keywords = keywords();
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

/// Capability bits and reasoning cue of each keyword (lower case); first listing wins.
#[rustfmt::skip]
const KEYWORDS: &[(u8, Cue, &[&str])] = {
    const C: u8 = Capability::CODING.0;
    const A: u8 = Capability::AGENTIC.0;
    const R: u8 = Capability::REASONING.0;
    const M: u8 = Capability::MATH.0;
    const W: u8 = Capability::WRITING.0;
    &[
        (0, Cue::Step, &["step", "steps"]),
        (0, Cue::By, &["by"]),
        (0, Cue::Chain, &["chain"]),
        (0, Cue::Of, &["of"]),
        (R, Cue::Thought, &["thought", "thoughts"]),
        (0, Cue::Think, &["think"]),
        (0, Cue::Carefully, &["carefully"]),
        (0, Cue::Show, &["show"]),
        (0, Cue::Your, &["your"]),
        (0, Cue::Work, &["work"]),
        (R, Cue::Reasoning, &["reasoning"]),
        (0, Cue::Explain, &["explain"]),
        (0, Cue::Through, &["through"]),
        (C, Cue::None, &[
            "function", "functions", "code", "python", "rust", "javascript", "typescript", "java",
            "golang", "sql", "regex", "implement", "implementation", "compile", "compiler", "bug",
            "debug", "refactor", "class", "method", "algorithm", "api", "unit", "tests", "test",
            "script", "program", "library", "struct", "runtime", "exception", "stack", "array",
            "parser", "query",
        ]),
        (A, Cue::None, &[
            "agent", "agentic", "tool", "tools", "repository", "repo", "terminal", "shell",
            "command", "commands", "execute", "workflow", "plan", "deploy", "commit", "issue",
            "browse", "navigate", "pipeline", "automate", "subtasks",
        ]),
        (R, Cue::None, &[
            "prove", "proof", "logic", "logical", "deduce", "infer", "puzzle", "justify",
            "rigorous", "argument", "reason",
        ]),
        (M, Cue::None, &[
            "calculate", "compute", "equation", "integral", "probability", "theorem", "derivative",
            "matrix", "prime", "solve", "geometry", "algebra",
        ]),
        (W, Cue::None, &[
            "essay", "poem", "story", "email", "letter", "rewrite", "paragraph", "summarize",
            "summary", "blog", "article",
        ]),
    ]
};

/// Slots of the keyword table (a power of two, about four times the number of keywords).
const KEYWORD_SLOTS: usize = 512;

/// The keyword classes as an open-addressing table keyed by a word's token hash
/// (`tagged_hash(b'w', word)`, which the tokenizer computes anyway), so that the common case, a
/// word that is no keyword, costs one probe instead of a chain of byte-string comparisons. A hit
/// is confirmed by comparing the bytes, so the answer never depends on the hash being unique.
struct KeywordTable {
    /// Token hash per slot; `empty` in empty slots.
    toks: [u64; KEYWORD_SLOTS],
    /// Keyword, capability bits and cue per slot; an empty word in empty slots.
    entries: [(&'static [u8], u8, Cue); KEYWORD_SLOTS],
    /// A value that is no keyword's token hash, marking empty slots.
    empty: u64,
}

impl KeywordTable {
    fn build() -> KeywordTable {
        let words = || {
            KEYWORDS
                .iter()
                .flat_map(|(cap, cue, ws)| ws.iter().map(move |w| (w.as_bytes(), *cap, *cue)))
        };
        let mut empty = 0u64;
        while words().any(|(w, _, _)| tagged_hash(b'w', w) == empty) {
            empty += 1;
        }
        let mut t = KeywordTable {
            toks: [empty; KEYWORD_SLOTS],
            entries: [(&[][..], 0, Cue::None); KEYWORD_SLOTS],
            empty,
        };
        for (w, cap, cue) in words() {
            let tok = tagged_hash(b'w', w);
            let mut i = tok as usize & (KEYWORD_SLOTS - 1);
            loop {
                if t.entries[i].0.is_empty() {
                    t.toks[i] = tok;
                    t.entries[i] = (w, cap, cue);
                    break;
                }
                if t.entries[i].0 == w {
                    break; // listed twice: the first listing wins, as in a `match`
                }
                i = (i + 1) & (KEYWORD_SLOTS - 1);
            }
        }
        t
    }

    /// Capability bits and reasoning cue of the lower-case word `w` whose token hash is `tok`.
    #[inline]
    fn get(&self, tok: u64, w: &[u8]) -> (u8, Cue) {
        let mut i = tok as usize & (KEYWORD_SLOTS - 1);
        loop {
            let t = self.toks[i];
            if t == tok {
                let (word, cap, cue) = self.entries[i];
                if word.len() == w.len() && word.iter().zip(w).all(|(a, b)| a == b) {
                    return (cap, cue);
                }
                if word.is_empty() {
                    return (0, Cue::None);
                }
            } else if t == self.empty {
                return (0, Cue::None);
            }
            i = (i + 1) & (KEYWORD_SLOTS - 1);
        }
    }
}

/// The keyword table, built on first use.
fn keywords() -> &'static KeywordTable {
    static TABLE: std::sync::OnceLock<KeywordTable> = std::sync::OnceLock::new();
    TABLE.get_or_init(KeywordTable::build)
}

/// Byte class bits (see [`CLASS`]).
const WORD: u8 = 0x01; // ASCII letter or digit, `_`, or any byte >= 0x80
const DIGIT: u8 = 0x02; // ASCII digit
const LOWER: u8 = 0x04; // ASCII lower-case letter (`LOWER << 3 == UPPER`)
const UNDERSCORE: u8 = 0x08; // `_`
const NUMBER: u8 = 0x10; // continues a number: ASCII digit, `.`, `,`, `%`
const UPPER: u8 = 0x20; // ASCII upper-case letter (the bit that lower-cases it)
const SPECIAL: u8 = 0x40; // `` ` ``, `"`, `?`, `:`

/// Class bits of every byte value, so the tokenizer tests a byte with one load.
static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        let mut k = 0;
        if b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80 {
            k |= WORD;
        }
        if b.is_ascii_digit() {
            k |= DIGIT | NUMBER;
        }
        if matches!(b, b'.' | b',' | b'%') {
            k |= NUMBER;
        }
        if b.is_ascii_lowercase() {
            k |= LOWER;
        }
        if b.is_ascii_uppercase() {
            k |= UPPER;
        }
        if b == b'_' {
            k |= UNDERSCORE;
        }
        if matches!(b, b'`' | b'"' | b'?' | b':') {
            k |= SPECIAL;
        }
        t[i] = k;
        i += 1;
    }
    t
};

#[inline(always)]
fn class(b: u8) -> u8 {
    CLASS[b as usize]
}

/// `0x01` in every byte.
const ONES: u64 = 0x0101_0101_0101_0101;
/// The high bit of every byte.
const HIGHS: u64 = ONES * 0x80;

/// High bit of every byte of `y` (bytes below 0x80) that is `>= c` (`c <= 0x80`).
#[inline(always)]
const fn at_least(y: u64, c: u8) -> u64 {
    ((y | HIGHS) - ONES * c as u64) & HIGHS
}

/// Classes of 8 bytes at once, as the high bit of each byte (SWAR): the word-scanning loop of
/// [`tokenize`] without a table look-up per byte.
struct WordBytes {
    /// A word byte ([`WORD`]).
    word: u64,
    /// An ASCII digit.
    digit: u64,
    /// `_`.
    underscore: u64,
    /// An ASCII upper-case letter.
    upper: u64,
    /// An ASCII lower-case letter.
    lower: u64,
    /// The 8 bytes with ASCII upper-case letters lower-cased.
    lowered: u64,
}

impl WordBytes {
    #[inline(always)]
    fn of(x: u64) -> WordBytes {
        let ascii = !x & HIGHS;
        let y = x & !HIGHS;
        let range = |lo: u8, hi: u8| at_least(y, lo) & !at_least(y, hi + 1) & ascii;
        let digit = range(b'0', b'9');
        let upper = range(b'A', b'Z');
        let lower = range(b'a', b'z');
        let underscore = range(b'_', b'_');
        WordBytes {
            word: (x & HIGHS) | digit | upper | lower | underscore,
            digit,
            underscore,
            upper,
            lower,
            lowered: x | (upper >> 2),
        }
    }
}

/// The end (just past the closing delimiter) of the inline span opened by the delimiter at
/// `s[i]` (a backtick or a double quote), when it closes on the same line within `limit` bytes
/// of `i`.
#[inline(always)]
fn closed_span(s: &[u8], i: usize, limit: usize) -> Option<usize> {
    let delim = s[i];
    let end = (i + limit).min(s.len());
    let p = s[i + 1..end]
        .iter()
        .position(|c| *c == delim || *c == b'\n')?;
    (s[i + 1 + p] == delim).then_some(i + 2 + p)
}

/// Tokenise `s`, calling `emit(token_hash, lowercase_word)` per token until it returns false;
/// the word is given only for plain words of at most 16 bytes (for keyword classes).
#[inline(always)]
fn tokenize<F: FnMut(u64, Option<&[u8]>) -> bool>(s: &[u8], mut emit: F) {
    macro_rules! emit {
        ($tok:expr, $word:expr) => {
            if !emit($tok, $word) {
                return;
            }
        };
    }
    let n = s.len();
    let mut i = 0;
    let mut lower = [0u8; 24];
    while i < n {
        let b = s[i];
        let k = class(b);
        if k & WORD != 0 {
            if k & DIGIT != 0 {
                i += 1;
                while i < n && class(s[i]) & NUMBER != 0 {
                    i += 1;
                }
                if i < n && class(s[i]) & WORD != 0 {
                    i += 1;
                    while i < n && class(s[i]) & WORD != 0 {
                        i += 1;
                    }
                    emit!(TOK_ID, None);
                } else {
                    emit!(TOK_NUM, None);
                }
                continue;
            }
            let start = i;
            // `id`: non-zero once a digit, an underscore, or an upper-case letter right after a
            // lower-case one was seen; `all`: AND of the class bits; `prev`: class of the byte
            // before `i`. The word is scanned 8 bytes at a time while 8 bytes remain, then
            // byte by byte; `lower` receives its lower-case bytes (meaningful up to 16).
            let (mut id, mut all, mut prev) = (0u8, 0xFFu8, 0u8);
            'scan: {
                while i + 8 <= n {
                    let mut x = [0u8; 8];
                    x.copy_from_slice(&s[i..i + 8]);
                    let b = WordBytes::of(u64::from_le_bytes(x));
                    let stop = !b.word & HIGHS;
                    // Mask of the bytes before the first non-word byte (all when none).
                    let m = (stop & stop.wrapping_neg()).wrapping_sub(1) & HIGHS;
                    let carry = u64::from(prev & LOWER) << 5;
                    let inner = b.upper & ((b.lower << 8) | carry);
                    id |= u8::from((b.digit | b.underscore | inner) & m != 0);
                    if !b.upper & m != 0 {
                        all = 0;
                    }
                    let off = i - start;
                    if off < 16 {
                        lower[off..off + 8].copy_from_slice(&b.lowered.to_le_bytes());
                    }
                    let count = (stop.trailing_zeros() / 8) as usize;
                    i += count;
                    if count < 8 {
                        break 'scan;
                    }
                    prev = class(s[i - 1]);
                }
                while i < n {
                    let c = s[i];
                    let k = class(c);
                    if k & WORD == 0 {
                        break;
                    }
                    id |= k & (DIGIT | UNDERSCORE) | k & (prev << 3) & UPPER;
                    all &= k;
                    prev = k;
                    lower[(i - start) & 15] = c | (k & UPPER);
                    i += 1;
                }
            }
            let word = &s[start..i];
            let len = word.len();
            if i < n && (3..=5).contains(&len) {
                let next = s[i];
                if next == b':' && (word == b"http" || word == b"https" || word == b"www")
                    || next == b'.' && word == b"www"
                {
                    while i < n && !s[i].is_ascii_whitespace() {
                        i += 1;
                    }
                    emit!(TOK_URL, None);
                    continue;
                }
            }
            if id != 0 || all & UPPER != 0 && len > 4 {
                emit!(TOK_ID, None);
                continue;
            }
            if len <= 16 {
                let w = &lower[..len];
                emit!(tagged_hash(b'w', w), Some(w));
            } else {
                let mut h = 0x00C0_FFEE_u64;
                for &c in word {
                    h = h.wrapping_mul(0x100_0000_01B3) ^ u64::from(c | (class(c) & UPPER));
                }
                emit!(finalize(h), None);
            }
            continue;
        }
        if k & SPECIAL != 0 {
            match b {
                b'`' if s[i..].starts_with(b"```") => {
                    i = find_fence(s, i + 3).map_or(n, |e| e + 3);
                    emit!(TOK_CODE, None);
                    continue;
                }
                b'`' | b'"' => {
                    // inline code or a quoted string, closed on its line within a limit
                    let (tok, limit) = if b == b'`' {
                        (TOK_CODE, 200)
                    } else {
                        (TOK_STR, 120)
                    };
                    match closed_span(s, i, limit) {
                        Some(end) => {
                            i = end;
                            emit!(tok, None);
                        }
                        None => i += 1,
                    }
                    continue;
                }
                b'?' => {
                    i += 1;
                    emit!(TOK_Q, None);
                    continue;
                }
                _ => {
                    i += 1;
                    emit!(TOK_COLON, None);
                    continue;
                }
            }
        }
        i += 1;
    }
}

/// Position of the first "```" at or after `from`.
fn find_fence(s: &[u8], from: usize) -> Option<usize> {
    let n = s.len();
    let mut j = from;
    while j + 3 <= n {
        let p = j + s[j..n - 2].iter().position(|c| *c == b'`')?;
        if s[p + 1] == b'`' && s[p + 2] == b'`' {
            return Some(p);
        }
        j = p + 1;
    }
    None
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
