//! Split mode in process (the harness of `tests/split_mode.rs`) against one replay, on any
//! input: how far the live topology's outcome strays from the replay's as the partition count
//! and the records per step grow.
//!
//! ```text
//! cargo run --release -p distillguard-replay --example split_compare -- FILE [PARTS:CHUNK ...]
//! ```
//!
//! Default steps: 1:256 6:1024 12:256 12:1024 12:4096. Prints, per step and per key-side order
//! (as messages arrive, which is what the live path does; or by event time, then account), the
//! actioned accounts and campaign sizes, and which accounts only one side actioned.

#[path = "../tests/harness/split.rs"]
mod harness;

use harness::{events_of, replay, split_in, KeyOrder, Outcome};
use std::path::Path;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: split_compare FILE [PARTS:CHUNK ...]");
        std::process::exit(2);
    };
    let mut steps: Vec<(u32, usize)> = args
        .map(|a| {
            let (p, c) = a.split_once(':').expect("PARTS:CHUNK");
            (p.parse().expect("PARTS"), c.parse().expect("CHUNK"))
        })
        .collect();
    if steps.is_empty() {
        steps = vec![(1, 256), (6, 1024), (12, 256), (12, 1024), (12, 4096)];
    }
    let evs = events_of(Path::new(&path));
    let want = replay(&evs);
    let sizes = |o: &Outcome| o.campaigns.iter().map(Vec::len).collect::<Vec<_>>();
    println!(
        "{} events; replay: {} actioned, campaigns of {:?} members",
        evs.len(),
        want.actioned.len(),
        sizes(&want)
    );
    for (parts, chunk) in steps {
        for order in [KeyOrder::Arrival, KeyOrder::EventTime] {
            let got = split_in(&evs, parts, chunk, order);
            let verdict = if got == want { "exact" } else { "differs" };
            println!(
                "{parts:>3} partitions, steps of {chunk:>5} records, key sides in {order:?} \
                 order: {} actioned, campaigns of {:?} members; {verdict}; only split {:?}, \
                 only replay {:?}",
                got.actioned.len(),
                sizes(&got),
                got.actioned.difference(&want.actioned).collect::<Vec<_>>(),
                want.actioned.difference(&got.actioned).collect::<Vec<_>>(),
            );
        }
    }
}
