//! Capability keywords and reasoning cues: which capability area a plain word asks for, and
//! the words of the reasoning phrases the printer looks for in a three-word window.
//!
//! The classes are listed once ([`KEYWORDS`]) and looked up through an open-addressing table
//! ([`KeywordTable`]) keyed by the word's token hash, which the tokenizer computes anyway.

use distillguard_types::hash::tagged_hash;
use distillguard_types::prompt::Capability;

/// Reasoning phrase words, coded small for a 3-word window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cue {
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
pub(crate) struct KeywordTable {
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
    pub(crate) fn get(&self, tok: u64, w: &[u8]) -> (u8, Cue) {
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
pub(crate) fn table() -> &'static KeywordTable {
    static TABLE: std::sync::OnceLock<KeywordTable> = std::sync::OnceLock::new();
    TABLE.get_or_init(KeywordTable::build)
}
