//! distillguard-sim: a traffic simulator with ground truth for distillguard.
//!
//! It streams API request records (one JSON object per line, ordered by `ts`) from
//! organic users, shared IDE tools, legitimate automation (CI pipelines, eval harnesses,
//! batch jobs) and distillation campaigns, plus a labels CSV (`account_id,class,campaign`).
//! Nothing but behaviour tells the populations apart: ids, clients, models and fields are
//! drawn from the same pools for everyone.
//!
//! Entry points: [`run_simulate`] with [`SimulateArgs`] (the CLI), or [`Simulator`]
//! for a library-level iterator of [`SimRecord`]s and [`Simulator::labels`].

pub mod args;
pub mod clients;
pub mod corpus;
pub mod error;
pub mod ids;
pub mod net;
pub mod output;
pub mod prompts;
pub mod record;
pub mod scenario;
pub mod sim;
pub mod style;
pub mod timing;

pub use args::{load_resources, run_simulate, SimSummary, SimulateArgs};
pub use corpus::Corpus;
pub use error::SimError;
pub use net::IpSpace;
pub use record::{Body, Class, SimRecord};
pub use scenario::Scenario;
pub use sim::{Label, Resources, Simulator};
