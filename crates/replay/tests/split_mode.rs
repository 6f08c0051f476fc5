//! Split mode (the live topology over repartition topics) against one in-process engine, with
//! the topics replaced by in-memory queues: the fixture's accounts are spread over several
//! partitions, each partition's engine holds its accounts and the correlation keys and
//! campaign labels routed to its partition number, and messages between them are delivered
//! late (once per chunk of input), as they would be through Kafka. Expected: the same actioned
//! accounts and the same campaigns (as member sets) as one replay.

#[path = "harness/split.rs"]
mod harness;

use harness::{events, replay, split, split_in, KeyOrder};

#[test]
fn split_over_partitions_matches_one_replay() {
    let evs = events();
    let want = replay(&evs);
    assert_eq!(want.actioned.len(), 40, "{:?}", want.actioned);
    assert!(!want.campaigns.is_empty());
    for (parts, chunk) in [(1, 64), (3, 512), (6, 1024), (12, 1024)] {
        let got = split(&evs, parts, chunk);
        assert_eq!(
            got.actioned,
            want.actioned,
            "{parts} partitions, chunks of {chunk}: only split {:?}, only replay {:?}",
            got.actioned.difference(&want.actioned).collect::<Vec<_>>(),
            want.actioned.difference(&got.actioned).collect::<Vec<_>>(),
        );
        assert_eq!(
            got.campaigns, want.campaigns,
            "{parts} partitions, chunks of {chunk}"
        );
    }
}

/// On the fixture, steps of 4096 records over 12 partitions are too coarse for key sides that
/// apply messages as they arrive (the campaign splits in two: each step's observations reach a
/// key partition partition by partition, not in event time); applied in event-time order, the
/// same steps give the replay's outcome exactly. Not a cure on every input: on simulated
/// traffic a campaign member or two still differ with either order, from the evidence lag
/// itself (`examples/split_compare.rs`, ARCHITECTURE.md). The live path applies messages as
/// they arrive.
#[test]
fn coarse_steps_need_key_sides_in_event_time_order() {
    let evs = events();
    let want = replay(&evs);
    let arrival = split_in(&evs, 12, 4096, KeyOrder::Arrival);
    assert_eq!(arrival.actioned, want.actioned);
    assert_ne!(
        arrival.campaigns, want.campaigns,
        "the coarse steps split the campaign"
    );
    assert_eq!(split_in(&evs, 12, 4096, KeyOrder::EventTime), want);
}
