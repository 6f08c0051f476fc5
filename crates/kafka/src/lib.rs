//! Live mode of distillguard: the engine as a Kafka consumer group beside the gateway.
//!
//! [`run`] consumes the request-log topic in a consumer group (classic protocol, eager
//! rebalances), keeps one engine per owned partition, advances them on the stage watermark
//! (minimum over non-idle partitions of max event time − allowed lateness) and produces
//! verdicts, campaign records and dead letters. State is checkpointed to a compacted internal
//! topic and input offsets are committed only behind acknowledged outputs and checkpoints
//! (at-least-once). `/metrics`, `/healthz` and `/readyz` are served on `live.metrics_listen`.
//!
//! [`run_reloadable`] also takes reloads of the engines' settings (SIGHUP in the binary), applied
//! between batches; see [`reload`].
//!
//! The engine and parser are plugged in through [`EngineFactory`]; the binary supplies the
//! pipeline and the io crate's parser.

pub mod batch;
pub mod checkpoint;
pub mod clients;
pub mod config;
pub mod context;
pub mod emit;
pub mod engine;
pub mod error;
pub mod health;
pub mod internal;
pub mod metric;
#[cfg(feature = "pipeline")]
pub mod pipeline_engine;
pub mod reload;
pub mod repartition;
pub mod restore;
pub mod run;
pub mod sink;
pub mod stalled;
pub mod summary;
pub mod table;
#[cfg(any(test, feature = "testkit"))]
pub mod testkit;
pub mod topics;
pub mod unowned;
pub mod watermark;
pub mod wire;

pub use config::LiveConfig;
pub use engine::{Engine, EngineFactory, Outputs, RecordParse};
pub use error::{KafkaError, LiveConfigError};
pub use health::Health;
#[cfg(feature = "pipeline")]
pub use pipeline_engine::{run_pipeline, run_pipeline_reloadable, PipelineEngines};
pub use reload::{ReloadHandle, ReloadOutcome, Reloads};
pub use run::{run, run_reloadable, run_with_health};
pub use summary::Summary;
