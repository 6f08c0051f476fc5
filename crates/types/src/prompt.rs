//! Prompt fingerprints: the only thing that survives of a prompt.
//!
//! A [`PromptPrint`] is what the parser keeps of a prompt: the hash of its structural skeleton
//! (literals normalised to class tokens), the LSH band keys of the skeleton's MinHash, the
//! system prompt's skeleton hash, the capability areas asked for and a few counts. It is pure
//! data; the fingerprinter that computes it from text is the `distillguard-fingerprint` crate.

/// Number of LSH bands of a print (the fingerprinter's MinHash bins fold into them).
pub const BANDS: usize = 8;

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
    /// Tokens read (the fingerprinter stops at a fixed cap).
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
