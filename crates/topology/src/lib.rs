//! The split-mode topology driven in memory: one run spread over the cores.
//!
//! [`ShardedEngine`] spreads a run over `replay.shards` engines, each a split-mode
//! [`distillguard_pipeline::Pipeline`] holding the accounts hashed to it and the correlation
//! keys and campaign labels routed to it (`distillguard_pipeline::split`). The shards move
//! through event time in lockstep, one `replay.step` at a time:
//!
//! 1. every shard processes its events of the step (account side);
//! 2. the observations and campaign moves they sent reach the shards owning the keys and
//!    labels, each shard's in event-time order (key side), and the evidence goes back to the
//!    accounts, which are rescored; repeated until nothing is in flight;
//! 3. the key sides' clocks move to the end of the step.
//!
//! Each phase runs the shards on a thread pool and gathers their outputs in shard order, so
//! a run's outputs are a function of its input, `shards` and `step` alone: the thread count
//! changes only the speed. No I/O, no wall clock.

mod phase;
mod sharded;

pub use sharded::{ShardedEngine, TopologyError};
