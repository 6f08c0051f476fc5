//! Random identifiers in one format for every population (`acct_` + 12 base32 chars, …).
//!
//! Nothing in an id tells a population apart: all are drawn from the same RNG the same way.

use rand::RngCore;

const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

/// A short id stored inline (no heap): prefix + base32 body, at most 24 bytes.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ShortId {
    len: u8,
    bytes: [u8; 24],
}

impl ShortId {
    /// `prefix` followed by `n` random base32 characters (prefix + n ≤ 24).
    pub fn random(prefix: &str, n: usize, rng: &mut impl RngCore) -> Self {
        let mut bytes = [0u8; 24];
        let p = prefix.as_bytes();
        debug_assert!(p.len() + n <= 24);
        bytes[..p.len()].copy_from_slice(p);
        let mut bits = rng.next_u64();
        let mut left = 12;
        for b in &mut bytes[p.len()..p.len() + n] {
            if left == 0 {
                bits = rng.next_u64();
                left = 12;
            }
            *b = ALPHABET[(bits & 31) as usize];
            bits >>= 5;
            left -= 1;
        }
        ShortId {
            len: (p.len() + n) as u8,
            bytes,
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        // Only ASCII bytes are ever written.
        std::str::from_utf8(&self.bytes[..self.len as usize]).unwrap_or("")
    }
}

impl std::fmt::Debug for ShortId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Appends `prefix` + `n` random base32 chars to `out` (for request ids).
pub fn push_random(out: &mut String, prefix: &str, n: usize, rng: &mut impl RngCore) {
    out.push_str(prefix);
    let mut bits = 0u64;
    let mut left = 0;
    for _ in 0..n {
        if left == 0 {
            bits = rng.next_u64();
            left = 12;
        }
        out.push(ALPHABET[(bits & 31) as usize] as char);
        bits >>= 5;
        left -= 1;
    }
}

/// SplitMix64 finaliser: a deterministic hash of a `u64` (used for per-day flags).
pub fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn ids_have_fixed_format() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let id = ShortId::random("acct_", 12, &mut rng);
        assert_eq!(id.as_str().len(), 17);
        assert!(id.as_str().starts_with("acct_"));
        assert!(id.as_str()[5..].bytes().all(|b| ALPHABET.contains(&b)));
        let mut s = String::new();
        push_random(&mut s, "req_", 20, &mut rng);
        assert_eq!(s.len(), 24);
    }
}
