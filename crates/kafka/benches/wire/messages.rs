//! The internal messages the wire codec is measured and tested on (`benches/wire_codec.rs`
//! and the unit tests of `src/wire.rs`): a step of observations as one sender packs them for
//! one key partition, and a message's worth of evidence.

use distillguard_types::corr::{
    CampaignLabel, CorrKey, Evidence, KeyKind, Observation, ToKeys, View,
};

/// The key families the messages draw from.
pub const KINDS: [KeyKind; 7] = [
    KeyKind::Template,
    KeyKind::System,
    KeyKind::Ip,
    KeyKind::Prefix,
    KeyKind::Asn,
    KeyKind::Payment,
    KeyKind::ApiKey,
];

/// A step's messages for one key partition (1,000 observations of 20 accounts, ten keys an
/// event, one event in five labelled, and a campaign move), and their numbers (0: the move).
pub fn step() -> (Vec<ToKeys>, Vec<u64>) {
    let (mut msgs, mut numbers) = (Vec::new(), Vec::new());
    let mut seq = 40;
    for e in 0..100u64 {
        let account = format!("acct_2rrzaaw7wdnq-r{}", e % 20);
        for k in 0..10u64 {
            seq += 1 + k % 2;
            let hash = (e % 7 * 10 + k).wrapping_mul(0x9e37_79b9_7f4a_7c15);
            let ts_ms = 1_776_812_601_862 + e as i64 * 3_100 - k as i64;
            msgs.push(ToKeys::Observe(Observation {
                key: CorrKey {
                    kind: KINDS[k as usize % 7],
                    hash,
                },
                account: account.as_str().into(),
                ts_ms,
                fresh: e % 3 == 0,
                extraction: (e * 7) as u8,
                org: (e % 4 == 0).then_some(e.wrapping_mul(0x2545_f491_4f6c_dd1d)),
                activity: 0b1011 << (e % 5),
                label: (e % 5 == 0).then_some(CampaignLabel {
                    cohort: false,
                    since_ms: ts_ms - 60_000,
                    key: hash.rotate_left(9),
                }),
            }));
            numbers.push(seq);
        }
    }
    msgs.insert(7, join("acct-2"));
    numbers.insert(7, 0);
    (msgs, numbers)
}

/// 300 pieces of evidence for 25 accounts over 40 keys, one in four labelled.
pub fn evidence() -> Vec<Evidence> {
    (0..300u64)
        .map(|i| {
            let hash = (i % 40).wrapping_mul(0x9e37_79b9_7f4a_7c15);
            Evidence {
                account: format!("acct_2rrzaaw7wdnq-r{}", i % 25).as_str().into(),
                key: CorrKey {
                    kind: KINDS[(i % 7) as usize],
                    hash,
                },
                ts_ms: 1_776_812_601_862 + i as i64 * 700,
                strength: (i % 13) as f64 / 13.0,
                group_extraction: (i * 3) as u8,
                suspect_members: (i % 11) as u32,
                members: (i % 101) as u32,
                sync: 0.25,
                label: (i % 4 == 0).then_some(CampaignLabel {
                    cohort: false,
                    since_ms: 1_776_812_000_000,
                    key: !hash,
                }),
            }
        })
        .collect()
}

/// A campaign move: `account` joins a label.
pub fn join(account: &str) -> ToKeys {
    ToKeys::Join {
        account: account.into(),
        label: CampaignLabel {
            cohort: false,
            since_ms: 1,
            key: 2,
        },
        views: vec![View::Template, View::Timing],
        key: Some("template:00ff".into()),
        figures: Default::default(),
        ts_ms: 3,
    }
}
