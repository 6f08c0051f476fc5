//! Repartition topics of the cross-account stage (the Kafka Streams pattern).
//!
//! The account stage produces each [`Observation`] to `<prefix>-observations`, on the partition
//! of its correlation key's route hash, wrapped with the input partition it came from. The key
//! stage owning that partition answers with [`Evidence`] to `<prefix>-evidence` on *that same
//! input partition number*, so evidence lands with the instance that owns the account, whatever
//! partitioner the gateway used for the request log. The evidence topic therefore has exactly
//! as many partitions as the input topic.

use distillguard_types::corr::{CorrKey, Evidence, Observation};
use serde::{Deserialize, Serialize};

/// An observation with its origin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObservationEnvelope {
    /// Input partition of the account that made the observation.
    pub src: i32,
    /// The observation.
    pub obs: Observation,
}

/// Evidence on its way back to the account's partition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvidenceEnvelope {
    /// Input partition owning the account (also the evidence partition written to).
    pub dst: i32,
    /// The evidence.
    pub ev: Evidence,
}

/// The observation partition of a key.
pub fn key_partition(key: &CorrKey, partitions: i32) -> i32 {
    (key.route_hash() % partitions.max(1) as u64) as i32
}

/// The cross-account stage as the transport sees it (implemented by the correlate crate's
/// `KeyStage`): one instance per observation partition.
pub trait KeyStage: Send + 'static {
    /// Fold an observation in; append the evidence to send back.
    fn observe(&mut self, obs: Observation, out: &mut Vec<Evidence>);
}

/// Evidence for one observation, addressed back to the observation's source partition.
pub fn answer<K: KeyStage>(
    stage: &mut K,
    env: ObservationEnvelope,
    buf: &mut Vec<Evidence>,
) -> Vec<EvidenceEnvelope> {
    buf.clear();
    stage.observe(env.obs, buf);
    buf.drain(..)
        .map(|ev| EvidenceEnvelope { dst: env.src, ev })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use distillguard_types::corr::KeyKind;

    #[test]
    fn key_partition_is_stable_and_in_range() {
        for h in 0..1000u64 {
            let k = CorrKey {
                kind: KeyKind::Ip,
                hash: h.wrapping_mul(0x9e37_79b9_7f4a_7c15),
            };
            let p = key_partition(&k, 7);
            assert!((0..7).contains(&p));
            assert_eq!(p, key_partition(&k, 7));
        }
    }

    struct Echo;
    impl KeyStage for Echo {
        fn observe(&mut self, obs: Observation, out: &mut Vec<Evidence>) {
            out.push(Evidence {
                account: obs.account,
                key: obs.key,
                ts_ms: obs.ts_ms,
                strength: 1.0,
                fresh_members: 1,
                members: 1,
                sync: 0.0,
                label: None,
            });
        }
    }

    #[test]
    fn evidence_goes_back_to_the_source_partition() {
        let obs = Observation {
            key: CorrKey {
                kind: KeyKind::Asn,
                hash: 5,
            },
            account: "acct-1".into(),
            ts_ms: 10,
            fresh: true,
            org: None,
            activity: 1,
            label: None,
        };
        let env = ObservationEnvelope { src: 4, obs };
        let json = serde_json::to_vec(&env).unwrap();
        let back: ObservationEnvelope = serde_json::from_slice(&json).unwrap();
        let ev = answer(&mut Echo, back, &mut Vec::new());
        assert_eq!(ev.len(), 1);
        assert_eq!(ev[0].dst, 4);
        assert_eq!(ev[0].ev.account, "acct-1");
    }
}
