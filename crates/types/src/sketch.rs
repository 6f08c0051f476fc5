//! The bounded sketches both stages keep, and the ramp both map raw values to strengths with.
//!
//! [`Distinct256`] is a 256-bit linear-counting sketch (32 bytes): exact-ish for the few to few
//! hundred distinct values an account shows (IPs, prefixes, ASNs, skeletons), saturating
//! gracefully beyond. [`Hll64`] is a 64-register HyperLogLog for the key stage's member counts.
//! [`ramp`] turns a raw value into a strength in 0..1 between a configured start and full point.

use serde::{Deserialize, Serialize};

/// Linear counting over 256 bits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Distinct256([u64; 4]);

impl Distinct256 {
    /// Record a (well-mixed) hash.
    #[inline]
    pub fn insert(&mut self, h: u64) {
        let b = (h >> 56) as usize;
        self.0[b >> 6] |= 1 << (b & 63);
    }
    /// Estimated number of distinct values.
    pub fn estimate(&self) -> f64 {
        let set: u32 = self.0.iter().map(|w| w.count_ones()).sum();
        let zero = 256 - set;
        if zero == 0 {
            return 256.0 * (256f64).ln();
        }
        -256.0 * (f64::from(zero) / 256.0).ln()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::stable_hash;

    #[test]
    fn estimates_small_counts_closely() {
        for n in [1u64, 5, 20, 100] {
            let mut d = Distinct256::default();
            for i in 0..n {
                d.insert(stable_hash(&i.to_le_bytes()));
                d.insert(stable_hash(&i.to_le_bytes()));
            }
            let e = d.estimate();
            assert!(
                (e - n as f64).abs() <= (n as f64 * 0.15).max(1.0),
                "n={n} e={e}"
            );
        }
    }
}

/// A 64-register HyperLogLog (64 bytes, ~13% standard error): counts key members into the
/// tens of thousands so a popular key is recognised as common without listing its members.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hll64(#[serde(with = "hll_regs")] [u8; 64]);

impl Default for Hll64 {
    fn default() -> Self {
        Hll64([0; 64])
    }
}

mod hll_regs {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    pub fn serialize<S: Serializer>(r: &[u8; 64], s: S) -> Result<S::Ok, S::Error> {
        r.as_slice().serialize(s)
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 64], D::Error> {
        let v: Vec<u8> = Vec::deserialize(d)?;
        v.try_into()
            .map_err(|_| serde::de::Error::custom("expected 64 registers"))
    }
}

impl Hll64 {
    /// Record a (well-mixed) hash.
    #[inline]
    pub fn insert(&mut self, h: u64) {
        let idx = (h >> 58) as usize;
        let rank = ((h << 6) | (1 << 5)).leading_zeros() as u8 + 1;
        if rank > self.0[idx] {
            self.0[idx] = rank;
        }
    }
    /// Estimated distinct values (with the small-range correction).
    pub fn estimate(&self) -> f64 {
        let m = 64.0;
        // 2^-r built from its bit pattern: no powi per register.
        let sum: f64 = self
            .0
            .iter()
            .map(|r| f64::from_bits((1023 - u64::from(*r)) << 52))
            .sum();
        let raw = 0.709 * m * m / sum;
        let zeros = self.0.iter().filter(|r| **r == 0).count();
        if raw <= 2.5 * m && zeros > 0 {
            m * (m / zeros as f64).ln()
        } else {
            raw
        }
    }
}

#[cfg(test)]
mod hll_tests {
    use super::*;
    use crate::hash::stable_hash;

    #[test]
    fn hll_is_within_a_third_across_magnitudes() {
        for n in [3u64, 50, 1000, 30_000] {
            let mut h = Hll64::default();
            for i in 0..n {
                h.insert(stable_hash(&i.to_le_bytes()));
            }
            let e = h.estimate();
            assert!((e - n as f64).abs() <= n as f64 * 0.35 + 1.0, "n={n} e={e}");
        }
    }
}

/// Linear ramp: 0 at `r[0]`, 1 at `r[1]` (works for descending ramps too).
#[inline]
pub fn ramp(x: f64, r: [f64; 2]) -> f64 {
    if !x.is_finite() {
        return 0.0;
    }
    ((x - r[0]) / (r[1] - r[0])).clamp(0.0, 1.0)
}

#[cfg(test)]
mod ramp_tests {
    #[test]
    fn ramp_clamps_both_ways() {
        assert_eq!(super::ramp(0.0, [1.0, 3.0]), 0.0);
        assert_eq!(super::ramp(2.0, [1.0, 3.0]), 0.5);
        assert_eq!(super::ramp(9.0, [1.0, 3.0]), 1.0);
        assert_eq!(super::ramp(f64::NAN, [1.0, 3.0]), 0.0);
    }
}
